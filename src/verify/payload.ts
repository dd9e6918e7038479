import { gzipSync } from 'node:zlib';
import type { Helm } from '../tools/helm.ts';

/** Kubernetes refuses a Secret over 1 MiB; Helm stores each release in one. */
export const RELEASE_LIMIT_BYTES = 1024 * 1024;
/** Our own budget per release, leaving room for values and upstream growth. */
export const RELEASE_TARGET_BYTES = 768 * 1024;

export interface ReleasePayload {
  readonly chart: string;
  /** Bytes of the release JSON as Helm would marshal it. */
  readonly jsonBytes: number;
  /** base64(gzip(JSON)): what Helm's Secret driver stores under `data.release`. */
  readonly storedBytes: number;
  readonly overLimit: boolean;
  readonly overTarget: boolean;
}

/**
 * Measures a chart's release the way Helm stores it: the release object from
 * `helm install --dry-run=client -o json` (Helm's own JSON of it), marshalled compactly,
 * gzipped at best compression and base64-encoded, as Helm's storage driver does.
 */
export async function measureReleasePayload(
  helm: Helm,
  chart: string,
  chartDir: string,
  /** `--set` pairs, e.g. the optional components switched on (docs/choices.md). */
  set: readonly string[] = [],
): Promise<ReleasePayload> {
  const output = await helm.installDryRun(chartDir, {
    releaseName: chart,
    namespace: 'kfcharts',
    set,
  });
  const release = JSON.parse(output) as { info?: Record<string, unknown> };
  // The deploy timestamps' fractional seconds vary in length from run to run (Go trims
  // trailing zeros), which moved a figure by a few bytes: measured at their longest.
  for (const key of ['first_deployed', 'last_deployed']) {
    const at = release.info?.[key];
    if (typeof at === 'string' && release.info) {
      release.info[key] = at.replace(/^([^.]*T\d\d:\d\d:\d\d)(\.\d+)?/, '$1.000000000');
    }
  }
  const json = JSON.stringify(release);
  const storedBytes = gzipSync(json, { level: 9 }).toString('base64').length;
  return {
    chart,
    jsonBytes: Buffer.byteLength(json),
    storedBytes,
    overLimit: storedBytes > RELEASE_LIMIT_BYTES,
    overTarget: storedBytes > RELEASE_TARGET_BYTES,
  };
}
