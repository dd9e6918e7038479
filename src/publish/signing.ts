import { KfchartsError } from '../errors.ts';

/**
 * What .github/workflows/release.yml signs with cosign: each pushed chart by digest,
 * `ghcr.io/<owner>/kfcharts/<chart>@sha256:...` (a tag could move; a digest cannot).
 *
 * The digests come from a pushed.json written by `kfcharts push` if it writes one (an
 * array of {reference, digest}, or {charts: [...]}); otherwise from the push log, in either
 * of the forms it may take:
 *   kfcharts push:  `  oci://ghcr.io/o/kfcharts/kubeflow:26.3.0  sha256:<hex>`
 *   helm push:      `Pushed: ghcr.io/o/kfcharts/kubeflow:26.3.0` then `Digest: sha256:<hex>`
 */
export interface SigningTarget {
  /** `host/path/name:version`, without `oci://`. */
  readonly reference: string;
  readonly digest: string;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const REFERENCE = /^(?:oci:\/\/)?([a-z0-9.-]+(?::\d+)?(?:\/[a-z0-9._-]+)+):([\w][\w.+-]*)$/;

/** `host/path/name@sha256:...` for cosign. */
export function signingRef(target: SigningTarget): string {
  const match = REFERENCE.exec(target.reference);
  if (!match) throw new KfchartsError('usage', `'${target.reference}' is not a chart reference`);
  return `${match[1]}@${target.digest}`;
}

/** Targets from pushed.json's text. */
export function targetsFromJson(text: string): SigningTarget[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new KfchartsError('usage', `pushed.json is not JSON: ${String(cause)}`, { cause });
  }
  const list =
    data !== null && typeof data === 'object' && 'charts' in data
      ? (data as { charts: unknown }).charts
      : data;
  if (!Array.isArray(list)) {
    throw new KfchartsError('usage', 'pushed.json holds neither a list nor {charts: [...]}');
  }
  return list.map((item: unknown, index) => {
    const { reference, digest } = (item ?? {}) as { reference?: unknown; digest?: unknown };
    if (typeof reference !== 'string' || typeof digest !== 'string' || !DIGEST.test(digest)) {
      throw new KfchartsError(
        'usage',
        `pushed.json entry ${index} lacks a reference or a sha256 digest`,
      );
    }
    return { reference: reference.replace(/^oci:\/\//, ''), digest };
  });
}

/** Targets from the text `kfcharts push` (or `helm push`) printed. */
export function targetsFromLog(log: string): SigningTarget[] {
  const targets: SigningTarget[] = [];
  let pending: string | undefined;
  for (const raw of log.split('\n')) {
    const line = raw.trim();
    const pair = /^(oci:\/\/\S+)\s+(sha256:[0-9a-f]{64})$/.exec(line);
    if (pair) {
      targets.push({
        reference: (pair[1] as string).slice('oci://'.length),
        digest: pair[2] as string,
      });
      pending = undefined;
      continue;
    }
    const pushed = /^Pushed:\s+(\S+)$/.exec(line);
    if (pushed) {
      pending = (pushed[1] as string).replace(/^oci:\/\//, '');
      continue;
    }
    const digest = /^Digest:\s+(sha256:[0-9a-f]{64})$/.exec(line);
    if (digest && pending !== undefined) {
      targets.push({ reference: pending, digest: digest[1] as string });
      pending = undefined;
    }
  }
  return targets;
}

/**
 * The cosign references, one per chart, checked against the number of packages pushed:
 * a release must not go out with a chart left unsigned because a line was not understood.
 */
export function signingRefs(targets: readonly SigningTarget[], expectedCount: number): string[] {
  const refs = [...new Set(targets.map(signingRef))].sort();
  if (refs.length !== expectedCount) {
    throw new KfchartsError(
      'packages-missing',
      `found ${refs.length} pushed chart digest(s) for ${expectedCount} package(s)`,
      { details: refs.join('\n') || '(none)' },
    );
  }
  return refs;
}
