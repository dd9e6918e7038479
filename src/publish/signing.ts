import { KfchartsError } from '../errors.ts';

/**
 * What .github/workflows/release.yml signs with cosign: each pushed chart by digest,
 * `ghcr.io/<owner>/kfcharts/<chart>@sha256:...` (a tag could move; a digest cannot), read
 * from the pushed.json that `kfcharts push` writes (src/publish/push.ts).
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

/** Targets from pushed.json's text: a list of {reference, digest, ...}. */
export function targetsFromJson(text: string): SigningTarget[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new KfchartsError('usage', `pushed.json is not JSON: ${String(cause)}`, { cause });
  }
  if (!Array.isArray(data)) throw new KfchartsError('usage', 'pushed.json does not hold a list');
  return data.map((item: unknown, index) => {
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
