import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { KfchartsError } from '../errors.ts';
import { Helm } from '../tools/helm.ts';
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
}

export interface PushOptions {
  /** Talk HTTP instead of HTTPS (a local test registry). */
  readonly plainHttp?: boolean;
  readonly helm?: Helm;
  /** Called after each push, for progress output. */
  readonly onPushed?: (pushed: PushedChart) => void;
}

/**
 * `helm push`es every package in `packagesDir` to `remote`, one after the other in file
 * name order; the first failure stops the rest (charts already pushed stay pushed).
 */
export async function pushPackages(
  packagesDir: string,
  remote: string,
  options: PushOptions = {},
): Promise<PushedChart[]> {
  const target = ociRemote(remote);
  const files = listPackages(packagesDir);
  const helm = options.helm ?? new Helm();
  const pushed: PushedChart[] = [];
  for (const file of files) {
    const transfer = await helm.push(file, target, { plainHttp: options.plainHttp ?? false });
    const result: PushedChart = {
      file,
      sha256: sha256File(file),
      reference: `oci://${transfer.reference}`,
      digest: transfer.digest,
    };
    pushed.push(result);
    options.onPushed?.(result);
  }
  return pushed;
}
