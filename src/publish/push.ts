import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KfchartsError } from '../errors.ts';
import { Helm, type OciTransfer } from '../tools/helm.ts';
import { sha256File } from '../upstream/hash.ts';

/**
 * `oci://<host>[:port][/path]`, the form `helm push` takes: a registry and a repository
 * prefix, to which Helm appends the chart name and, as tag, its version.
 */
export function ociRemote(text: string): string {
  const remote = text.replace(/\/+$/, '');
  if (!/^oci:\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/.test(remote)) {
    throw new KfchartsError(
      'usage',
      `'${text}' is not an OCI registry location: expected oci://<host>[:port][/path] with a lowercase path and no tag, e.g. oci://ghcr.io/kubeflow/charts`,
    );
  }
  return remote;
}

/** The chart archives in `packagesDir`, sorted by file name. */
export function listPackages(packagesDir: string): string[] {
  const files = existsSync(packagesDir)
    ? readdirSync(packagesDir)
        .filter((name) => name.endsWith('.tgz'))
        .sort()
    : [];
  if (files.length === 0) {
    throw new KfchartsError(
      'packages-missing',
      `no chart packages (*.tgz) in ${packagesDir}: run \`npm run package\` first`,
    );
  }
  return files.map((name) => join(packagesDir, name));
}

export interface PushedChart {
  readonly file: string;
  /** sha256 of the .tgz: the chart layer's digest in the registry. */
  readonly sha256: string;
  /** `oci://host/path/name:version` */
  readonly reference: string;
  /** The manifest digest Helm reports: pins exactly this chart. */
  readonly digest: string;
  /** true: the registry held this very package already, so it was not pushed again. */
  readonly alreadyPublished: boolean;
}

export interface PushOptions {
  /** Talk HTTP instead of HTTPS (a local test registry). */
  readonly plainHttp?: boolean;
  readonly helm?: Helm;
  /** Called after each push, for progress output. */
  readonly onPushed?: (pushed: PushedChart) => void;
}

/** What `kfcharts push` records for release.yml's signing step (scripts/signing-targets.ts). */
export const PUSHED_FILE = 'pushed.json';

/**
 * `helm push`es every package in `packagesDir` to `remote`, one after the other in file
 * name order; the first failure stops the rest (charts already pushed stay pushed).
 *
 * A version is published once: when `<name>:<version>` exists in the registry, the package
 * there must be this very one (then it is not pushed again) or the push is refused. Chart
 * versions come from the upstream tag, so a kfcharts change that alters the charts of the
 * same upstream release cannot silently replace what clusters already pinned.
 *
 * Writes `<packagesDir>/pushed.json`: every chart's reference and manifest digest.
 */
export async function pushPackages(
  packagesDir: string,
  remote: string,
  options: PushOptions = {},
): Promise<PushedChart[]> {
  const target = ociRemote(remote);
  const files = listPackages(packagesDir);
  const helm = options.helm ?? new Helm();
  const plainHttp = options.plainHttp ?? false;
  const pushed: PushedChart[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'kfcharts-push-'));
  try {
    for (const file of files) {
      const sha256 = sha256File(file);
      const { name, version } = await helm.showChart(file);
      const existing = await pullIfPublished(
        helm,
        `${target}/${name}`,
        version,
        join(scratch, name),
        plainHttp,
      );
      if (existing && existing.sha256 !== sha256) {
        throw new KfchartsError(
          'push-refused',
          `${target}/${name}:${version} is already published with other content; a chart version is published once`,
          {
            details: `registry sha256 ${existing.sha256}\nlocal    sha256 ${sha256} (${file})\nbump chartRevision in upstream/<tag>.yaml and build again (or delete the registry's copy on purpose)`,
          },
        );
      }
      const transfer = existing?.transfer ?? (await helm.push(file, target, { plainHttp }));
      const result: PushedChart = {
        file,
        sha256,
        reference: `oci://${transfer.reference}`,
        digest: transfer.digest,
        alreadyPublished: existing !== undefined,
      };
      pushed.push(result);
      options.onPushed?.(result);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  writeFileSync(join(packagesDir, PUSHED_FILE), `${JSON.stringify(pushed, null, 2)}\n`);
  return pushed;
}

/**
 * What helm pull says when the registry has no such chart or version. `404` only as a word:
 * a registry's port (127.0.0.1:40461) or a digest may hold those digits.
 */
export const NOT_PUBLISHED = /not found|manifest unknown|name unknown|\b404\b/i;

/** The published package of `reference:version`, or undefined when the registry has none. */
async function pullIfPublished(
  helm: Helm,
  reference: string,
  version: string,
  destination: string,
  plainHttp: boolean,
): Promise<{ sha256: string; transfer: OciTransfer } | undefined> {
  try {
    const transfer = await helm.pull(reference, { version, destination, plainHttp });
    const [file] = readdirSync(destination).filter((f) => f.endsWith('.tgz'));
    return { sha256: sha256File(join(destination, file as string)), transfer };
  } catch (error) {
    // Only "not there" means "push it"; anything else (auth, network) is an error.
    const text = `${(error as KfchartsError).message}\n${(error as KfchartsError).details ?? ''}`;
    if (NOT_PUBLISHED.test(text)) return undefined;
    throw error;
  }
}
