import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultPaths } from '../../src/paths.ts';
import { resolveUpstream } from '../../src/upstream/resolve.ts';
import { runCli, snapshot, tempDir } from './helpers.ts';

/**
 * A release this project has never seen: a copy of the pinned 26.03 tree, changed the way
 * upstream's releases change, built with `kfcharts build --manifests` under a new tag. It
 * takes 26.03's release data as the nearest older release's. Generic changes (one more
 * runtime, one more component) build and are reported; a moved target of a targeted rule
 * fails the build with one report that names every drift at once.
 */
let pinnedTree: string;

beforeAll(async () => {
  pinnedTree = (await resolveUpstream({ paths: defaultPaths() })).dir;
});

/** Copies the tree as `manifests-26.07`, applies `edits` (path → new text, or edit function). */
function newRelease(edits: Record<string, string | ((text: string) => string)>): {
  manifests: string;
  dist: string;
  report: string;
} {
  const root = tempDir('follow');
  const manifests = join(root, 'manifests-26.07');
  cpSync(pinnedTree, manifests, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const path = join(manifests, file);
    mkdirSync(dirname(path), { recursive: true });
    if (typeof edit === 'string') writeFileSync(path, edit);
    else {
      const before = readFileSync(path, 'utf8');
      const after = edit(before);
      expect(after, file).not.toBe(before);
      writeFileSync(path, after);
    }
  }
  return { manifests, dist: join(root, 'dist'), report: join(root, 'report.md') };
}

const RUNTIMES = 'applications/trainer/upstream/base/runtimes';

describe('following upstream', () => {
  it('a new Trainer runtime and a new example/ component build with no edit, and the report names both', async () => {
    const r = newRelease({
      [`${RUNTIMES}/kustomization.yaml`]: (t) =>
        t.replace(
          '  - mlx_distributed.yaml\n',
          '  - mlx_distributed.yaml\n  - xgboost_distributed.yaml\n',
        ),
      [`${RUNTIMES}/xgboost_distributed.yaml`]: (() => {
        const mlx = readFileSync(join(pinnedTree, RUNTIMES, 'mlx_distributed.yaml'), 'utf8');
        return mlx
          .replace('name: mlx-distributed', 'name: xgboost-distributed')
          .replace('framework: mlx', 'framework: xgboost');
      })(),
      'common/hello-world/base/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: kubeflow\nresources:\n- deployment.yaml\n',
      'common/hello-world/base/deployment.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hello-world\nspec:\n  selector:\n    matchLabels:\n      app: hello-world\n  template:\n    metadata:\n      labels:\n        app: hello-world\n    spec:\n      containers:\n      - name: hello\n        image: ghcr.io/example/hello:1.0\n',
      'example/kustomization.yaml': (t) =>
        t.replace(
          '- ../common/kubeflow-roles/base\n',
          '- ../common/kubeflow-roles/base\n- ../common/hello-world/base\n',
        ),
    });
    const build = await runCli(['build', '--manifests', r.manifests, '--report', r.report], {
      KFCHARTS_DIST_DIR: r.dist,
    });
    expect(build.stderr).not.toContain('error');
    expect(build.code).toBe(0);
    expect(build.stdout).toContain(
      'components new in example/, named by kfcharts: common/hello-world/base → hello-world',
    );
    const report = readFileSync(r.report, 'utf8');
    expect(report).toContain('**No drift.**');
    expect(report).toContain('- `common/hello-world/base` → `hello-world`');
    expect(report).toContain('| `hello-world` (new) | `common/hello-world/base` | 1 |');
    // The runtime is one more object, placed after Trainer's webhook like the other six.
    const files = snapshot(r.dist);
    const runtimes = [...files.keys()].filter((f) =>
      f.startsWith('charts/kubeflow-runtimes/charts/trainer/templates/clustertrainingruntime.'),
    );
    expect(runtimes).toHaveLength(7);
    expect(runtimes.some((f) => f.includes('xgboost-distributed'))).toBe(true);
    expect(build.stdout).toContain('kubeflow-runtimes: 2 subcharts, 18 objects');
    expect([...files.keys()].some((f) => f.includes('/charts/hello-world/templates/'))).toBe(true);
    const hello = [...files].find(
      ([f]) => f.includes('/charts/hello-world/templates/') && f.includes('deployment'),
    )?.[1];
    expect(hello).toContain(
      '{{ with include "kfcharts.imageRegistry" $ }}{{ . }}/ghcr.io/example/hello:1.0{{ else }}ghcr.io/example/hello:1.0{{ end }}',
    );
  }, 300_000);

  it('moved targets of targeted rules fail the build with one report naming every drift, and dist/ is not written', async () => {
    const r = newRelease({
      // 1. a field a rule edits is renamed
      'applications/pipeline/upstream/base/installs/generic/pipeline-install-config.yaml': (t) =>
        t.replace(/^ {2}dbHost: mysql/m, '  databaseHost: mysql'),
      // 2. an object a rule removes is renamed
      'applications/katib/upstream/components/mysql/service.yaml': (t) =>
        t.replace(/^ {2}name: katib-mysql$/m, '  name: katib-database'),
      // 3. an object a rule changes is renamed
      'common/dex/base/deployment.yaml': (t) => t.replace(/^ {2}name: dex$/m, '  name: dex-server'),
    });
    const build = await runCli(['build', '--manifests', r.manifests, '--report', r.report], {
      KFCHARTS_DIST_DIR: r.dist,
    });
    expect(build.code).toBe(1);
    expect(build.stderr).toContain('upstream 26.07: ');
    expect(build.stderr).toContain(
      'drift(s) from what the rules were written for (upstream/26.03.yaml)',
    );
    expect(build.stderr).toContain(
      'database-pipeline-install-config (src/rules/values/database.ts) [pipelines] v1 ConfigMap kubeflow/pipeline-install-config: expected ',
    );
    expect(build.stderr).toContain('found has no data.dbHost');
    expect(build.stderr).toContain(
      'database-katib-in-cluster-mysql (src/rules/values/database.ts) [katib]: expected 3 object(s) to change; found 2:',
    );
    expect(build.stderr).toContain(
      'auth-dex-deployment (src/rules/values/auth.ts) [dex]: expected 1 object(s) to change; found 0',
    );
    const report = readFileSync(r.report, 'utf8');
    for (const rule of [
      'database-pipeline-install-config',
      'database-katib-in-cluster-mysql',
      'auth-dex-deployment',
    ]) {
      expect(report).toMatch(new RegExp(`^\\| \`${rule}\` \\| \`src/rules/values/`, 'm'));
    }
    expect(snapshot(r.dist).size).toBe(0);
  }, 300_000);

  it('a restructured example/ (a file entry, an example-level Component) builds, reports what reached what, and verifies', async () => {
    const r = newRelease({
      'example/extra-settings.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra-settings\n  namespace: kubeflow\ndata:\n  a: b\n',
      'common/dashboard-patch/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n- path: patch.yaml\n',
      'common/dashboard-patch/patch.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: centraldashboard\n  namespace: kubeflow\nspec:\n  template:\n    metadata:\n      annotations:\n        example.org/patched: "true"\n',
      'example/kustomization.yaml': (t) =>
        `${t.replace('- ../common/kubeflow-roles/base\n', '- ../common/kubeflow-roles/base\n- extra-settings.yaml\n')}\ncomponents:\n- ../common/dashboard-patch\n`,
    });
    const env = { KFCHARTS_DIST_DIR: r.dist };
    const build = await runCli(['build', '--manifests', r.manifests, '--report', r.report], env);
    expect(build.stderr).not.toContain('error');
    expect(build.code).toBe(0);
    const report = readFileSync(r.report, 'utf8');
    expect(report).toContain('- `example/extra-settings.yaml` → `extra-settings`');
    expect(report).toContain('- `components: ../common/dashboard-patch`: `central-dashboard`');
    const dashboard = [...snapshot(r.dist)].find(([f]) =>
      f.includes('/charts/central-dashboard/templates/deployment.apps_kubeflow_centraldashboard'),
    )?.[1];
    expect(dashboard).toContain('example.org/patched: "true"');
    // The proof: every component equals its own build, and the charts equal example/ built as one.
    const verify = await runCli(['verify', '--manifests', r.manifests], env);
    expect(verify.stdout, verify.stderr).toContain('result: OK');
    expect(verify.stdout).toMatch(
      /example\/ built as one: 676 objects, charts 676; 1 known deviation\(s\), 0 unexplained, 0 stale/,
    );
    expect(verify.code).toBe(0);
  }, 600_000);

  it('a component at a path no one has named: its rules drift, and the report names the entry that replaced it', async () => {
    const r = newRelease({
      'applications/kfp/overlays/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../../pipeline/overlays\n',
      'example/kustomization.yaml': (t) =>
        t.replace('- ../applications/pipeline/overlays', '- ../applications/kfp/overlays'),
    });
    const build = await runCli(['build', '--manifests', r.manifests, '--report', r.report], {
      KFCHARTS_DIST_DIR: r.dist,
    });
    expect(build.code).toBe(1);
    expect(build.stderr).toContain(
      "database-pipeline-install-config (src/rules/values/database.ts) [pipelines]: expected component 'pipelines' with 1 object(s) to change; found no component 'pipelines' in this build",
    );
    const report = readFileSync(r.report, 'utf8');
    expect(report).toContain(
      '- `pipelines` (`applications/pipeline/overlays`, `applications/pipeline/upstream/env/cert-manager/platform-agnostic-multi-user`) vanished; new entries: `applications/kfp/overlays` (named `kfp`)',
    );
    // Components that vanished long ago (v1.11.0's networkpolicies) are no candidates here.
    expect(report).not.toContain('- `networkpolicies` (');
    expect(snapshot(r.dist).size).toBe(0);
  }, 300_000);
});
