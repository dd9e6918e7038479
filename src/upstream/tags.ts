import { KfchartsError } from '../errors.ts';

/**
 * Ordering the release tags of kubeflow/community-distribution (formerly kubeflow/manifests).
 * Two schemes follow each other:
 *   semver   v1.0 … v1.9.1, v1.10.0, v1.11.0        (v1.10.0-rc.1: a pre-release)
 *   calendar 26.03, 26.03.1, 26.07                   (YY.MM[.patch]; 26.03-rc.0: a pre-release)
 * Every calendar tag is newer than every semver tag: the calendar scheme replaced v1.x.
 * Any `-suffix` (`-rc.1`, `-rc1`, `-alpha.0`) marks a pre-release. Anything else (`latest`,
 * `v1.2-branch`, `kfctl-v0.2`, `v1.11.0rc1`) is not a release tag.
 */
export interface ParsedTag {
  readonly tag: string;
  readonly scheme: 'semver' | 'calendar';
  /** major.minor.patch, or year.month.patch. */
  readonly numbers: readonly [number, number, number];
  /** `rc.1` of `v1.10.0-rc.1`; undefined for a release. */
  readonly prerelease: string | undefined;
}

const CALENDAR = /^(\d{2})\.(0[1-9]|1[0-2])(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?$/;
const SEMVER = /^v(\d+)\.(\d+)(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?$/;

/** The tag's scheme and numbers, or undefined when it is not a (pre-)release tag. */
export function parseTag(tag: string): ParsedTag | undefined {
  for (const [scheme, pattern] of [
    ['calendar', CALENDAR],
    ['semver', SEMVER],
  ] as const) {
    const match = pattern.exec(tag);
    if (!match) continue;
    const [, a, b, c, pre] = match;
    return {
      tag,
      scheme,
      numbers: [Number(a), Number(b), Number(c ?? '0')],
      prerelease: pre,
    };
  }
  return undefined;
}

/** Negative, zero or positive as `a` is older than, as old as, or newer than `b`. */
export function compareTags(a: ParsedTag, b: ParsedTag): number {
  if (a.scheme !== b.scheme) return a.scheme === 'calendar' ? 1 : -1;
  for (let i = 0; i < 3; i++) {
    const diff = (a.numbers[i] as number) - (b.numbers[i] as number);
    if (diff !== 0) return diff;
  }
  // A release is newer than its pre-releases; pre-releases compare part by part.
  if (a.prerelease === undefined || b.prerelease === undefined) {
    return (a.prerelease === undefined ? 1 : 0) - (b.prerelease === undefined ? 1 : 0);
  }
  return a.prerelease.localeCompare(b.prerelease, 'en', { numeric: true });
}

/**
 * The newest release tag (no release candidates or other pre-releases), if any. Of two
 * names for one version (`v1.11` and `v1.11.0`) the longer wins, whatever the input order,
 * so the answer does not depend on how the forge lists its tags.
 */
export function newestReleaseTag(tags: readonly string[]): string | undefined {
  let newest: ParsedTag | undefined;
  for (const tag of tags) {
    const parsed = parseTag(tag.trim());
    if (parsed === undefined || parsed.prerelease !== undefined) continue;
    const order = newest === undefined ? 1 : compareTags(parsed, newest);
    if (order > 0 || (order === 0 && newest !== undefined && parsed.tag.length > newest.tag.length))
      newest = parsed;
  }
  return newest?.tag;
}

/**
 * Whether `candidate` is a newer tag than `current` (the pinned one). A candidate that is
 * not a tag of either scheme is never newer; a `current` that is not one is an error, as
 * nothing could ever be found newer than it.
 */
export function isNewerTag(candidate: string, current: string): boolean {
  const currentTag = parseTag(current);
  if (currentTag === undefined) {
    throw new KfchartsError(
      'tag-invalid',
      `'${current}' is neither a calendar (26.03) nor a semver (v1.11.0) tag of kubeflow/community-distribution`,
    );
  }
  const candidateTag = parseTag(candidate);
  return candidateTag !== undefined && compareTags(candidateTag, currentTag) > 0;
}

/**
 * Tag names from `git ls-remote --tags <url>` output (`<sha>\trefs/tags/<name>`, plus a
 * peeled `<name>^{}` line for each annotated tag), unique, in order of appearance.
 */
export function parseLsRemoteTags(output: string): string[] {
  const tags = new Set<string>();
  for (const line of output.split('\n')) {
    const match = /^[0-9a-f]{40,64}\s+refs\/tags\/(.+?)(?:\^\{\})?\s*$/.exec(line);
    if (match?.[1]) tags.add(match[1]);
  }
  return [...tags];
}
