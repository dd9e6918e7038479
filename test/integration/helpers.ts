import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { create } from 'tar';
import { expect } from 'vitest';
import { readLock } from '../../src/upstream/lock.ts';
import type { VerifyReport } from '../../src/verify/verify.ts';

export const projectRoot = resolve(import.meta.dirname, '../..');
export const fixtures = join(projectRoot, 'test/fixtures');
const nodeBin = process.execPath;

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI (`node src/cli/main.ts ...`) as a user would. */
export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(nodeBin, [join(projectRoot, 'src/cli/main.ts'), ...args], {
      cwd: projectRoot,
      env: { ...process.env, CI: 'true', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `kfcharts-${prefix}-`));
}

/** Every file below `dir` with its content: "left as it was" means equal snapshots. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

export interface MirrorOptions {
  /** Edits the copied upstream tree (its root is `manifests-0.1.0/`) before packing. */
  readonly editTree?: (treeDir: string) => void;
  /** Edits the copied remote cache before packing. */
  readonly editRemote?: (remoteDir: string) => void;
}

/**
 * A mirror folder laid out like ../shared/upstream, made from the mini fixture:
 * kubeflow-manifests/0.1.0.tar.gz and remote-cache.tar.gz.
 */
export async function makeMirror(root: string, options: MirrorOptions = {}): Promise<string> {
  const work = join(root, 'src');
  const tree = join(work, 'tree');
  const remote = join(work, 'remote');
  cpSync(join(fixtures, 'mini-upstream'), tree, { recursive: true });
  cpSync(join(fixtures, 'mini-remote-cache'), remote, { recursive: true });
  options.editTree?.(join(tree, 'manifests-0.1.0'));
  options.editRemote?.(remote);
  const mirror = join(root, 'mirror');
  mkdirSync(join(mirror, 'kubeflow-manifests'), { recursive: true });
  await create(
    {
      gzip: true,
      file: join(mirror, 'kubeflow-manifests/0.1.0.tar.gz'),
      cwd: tree,
      portable: true,
    },
    ['manifests-0.1.0'],
  );
  await create(
    { gzip: true, file: join(mirror, 'remote-cache.tar.gz'), cwd: remote, portable: true },
    ['.'],
  );
  return mirror;
}

/** Changes one file of an upstream tree copy; the change must change something. */
export function editFile(tree: string, file: string, change: (text: string) => string): void {
  const path = join(tree, file);
  const before = readFileSync(path, 'utf8');
  const after = change(before);
  expect(after, file).not.toBe(before);
  writeFileSync(path, after);
}

/** Central Dashboard's upstream folder, where the synthetic releases add a PVC. */
export const DASHBOARD = 'applications/centraldashboard/upstream/base';

/**
 * A copy of `tree` as `root/name` with one more PVC, `pvc`, in Central Dashboard: every
 * PVC upstream has is targeted by a values rule (renaming one would be drift), so tests
 * of a renamed PVC add their own.
 */
export function copyWithPvc(tree: string, root: string, name: string, pvc: string): string {
  const copy = join(root, name);
  cpSync(tree, copy, { recursive: true });
  writeFileSync(
    join(copy, DASHBOARD, 'extra-pvc.yaml'),
    `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: ${pvc}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n`,
  );
  editFile(copy, `${DASHBOARD}/kustomization.yaml`, (t) =>
    t.replace(/^resources:\n/m, 'resources:\n- extra-pvc.yaml\n'),
  );
  return copy;
}

/**
 * `root/releases.yaml`: the project's releases.yaml with one more PersistentVolumeClaim
 * expected by the keep rule, for trees made by copyWithPvc. Returns its path.
 */
export function releasesWithOneMorePvc(root: string): string {
  const releases = join(root, 'releases.yaml');
  writeFileSync(
    releases,
    readFileSync(join(projectRoot, 'releases.yaml'), 'utf8').replace(
      /^( {2}PersistentVolumeClaim: )(\d+)$/m,
      (_, key: string, n: string) => `${key}${Number(n) + 1}`,
    ),
  );
  return releases;
}

/**
 * verify's comparison of each choice (docs/choices.md) as `[name or values, expected,
 * rendered, missing, extra]`, after checking that no object of any choice differs in value
 * or text from its own kustomize build.
 */
export function choiceCounts(report: VerifyReport): {
  components: (string | number | string[])[][];
  variants: (string | number | string[])[][];
} {
  const all = [
    ...report.choices.components.map((c) => ({ what: c.name, ...c })),
    ...report.choices.variants.map((v) => ({ what: v.set.join(','), ...v })),
  ];
  for (const c of all) {
    expect({ what: c.what, different: c.different, text: c.textDiffers }).toEqual({
      what: c.what,
      different: [],
      text: [],
    });
  }
  // A global value (istio's) changes no other component's objects but the Namespaces below.
  expect(report.choices.variants.flatMap((v) => v.otherChanges)).toEqual([]);
  // Upstream's ambient overlays re-declare istio-system (both) and kubeflow (not on GKE).
  expect(
    report.choices.variants.flatMap((v) =>
      v.sharedNamespaces.map((n) => `${v.set.join(',')}: ${n.name} by ${n.owner} ${n.equal}`),
    ),
  ).toEqual([
    'global.istio.mode=ambient: v1 Namespace istio-system by istio-namespace true',
    'global.istio.mode=ambient: v1 Namespace kubeflow by kubeflow-namespace true',
    'global.istio.mode=ambient,global.istio.platform=gke: v1 Namespace istio-system by istio-namespace true',
  ]);
  return {
    components: report.choices.components.map((c) => [
      c.name,
      c.expected,
      c.actual,
      c.missing,
      c.extra,
    ]),
    variants: report.choices.variants.map((v) => [
      v.set.join(','),
      v.expected,
      v.actual,
      v.missing,
      v.extra,
    ]),
  };
}

/**
 * verify's example/ with each variant path in place of its component's line (docs/choices.md)
 * as `[values, path, replaced, expected, rendered, explained objects]`, after checking that
 * kustomize built each, that nothing is missing, extra or unexplained, and that every
 * variant path of the release data `upstream/<tag>.yaml` is there, in its order.
 */
export function exampleVariantCounts(
  report: VerifyReport,
  tag: string,
): (string | number | readonly string[])[][] {
  const data = readLock(join(projectRoot, 'upstream', `${tag}.yaml`));
  expect(report.choices.examples.map((e) => e.path)).toEqual(
    (data.choices?.variants ?? []).flatMap((v) => v.paths.map((p) => p.path)),
  );
  expect(report.choices.examplesSkipped).toEqual([]);
  for (const e of report.choices.examples) {
    expect({
      path: e.path,
      error: e.error,
      missing: e.missing,
      extra: e.extra,
      unexplained: e.unexplained,
      withoutKeep: e.withoutKeep,
    }).toEqual({
      path: e.path,
      error: undefined,
      missing: [],
      extra: [],
      unexplained: [],
      withoutKeep: [],
    });
  }
  return report.choices.examples.map((e) => [
    e.set.join(','),
    e.path,
    e.replaced,
    e.expected,
    e.actual,
    e.explained.map((d) => d.object),
  ]);
}
