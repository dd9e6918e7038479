import { gzipSync } from 'node:zlib';
import type { Helm } from '../tools/helm.ts';

/** Kubernetes refuses a Secret over 1 MiB; Helm stores each release in one. */
export const RELEASE_LIMIT_BYTES = 1024 * 1024;
/** Our own budget per release, leaving room for values and upstream growth. */
export const RELEASE_TARGET_BYTES = 768 * 1024;

const TIMESTAMPS = new Set([
  'first_deployed',
  'last_deployed',
  'deleted',
  'modtime',
  'schemamodtime',
]);
const FIXED_TIME = '2006-01-02T15:04:05.999999999Z';

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
  // Helm's JSON carries the time of the dry run and (Helm 4) each file's mtime, whose
  // nanoseconds drop trailing zeros: their digits moved the size by a few bytes from run to
  // run. Measured with one full-length time instead, the figure is the same every run.
  const json = JSON.stringify(JSON.parse(output) as unknown, (key, value) =>
    TIMESTAMPS.has(key) && typeof value === 'string' && value !== '' ? FIXED_TIME : value,
  );
  const storedBytes = gzipSync(json, { level: 9 }).toString('base64').length;
  return {
    chart,
    jsonBytes: Buffer.byteLength(json),
    storedBytes,
    overLimit: storedBytes > RELEASE_LIMIT_BYTES,
    overTarget: storedBytes > RELEASE_TARGET_BYTES,
  };
}
