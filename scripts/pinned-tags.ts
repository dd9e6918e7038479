/**
 * The upstream tags this repository has pinned, for the upstream workflow's scripts: one
 * release data file `upstream/<tag>.yaml` per tag (src/upstream/lock.ts), read and
 * checked like the build reads them; the file must be named after the tag it pins.
 */
import { join } from 'node:path';
import { KfchartsError } from '../src/errors.ts';
import { compareTagNames, pinnedTags, readLock, releaseDataPath } from '../src/upstream/lock.ts';
import { parseTag } from '../src/upstream/tags.ts';

export interface PinnedTag {
  readonly tag: string;
  /** The file naming it, relative to the root. */
  readonly file: string;
}

/** Every pinned tag under `root`, oldest first. */
export function readPinnedTags(root: string): PinnedTag[] {
  const dir = join(root, 'upstream');
  return pinnedTags(dir).map((name) => {
    const file = `upstream/${name}.yaml`;
    const tag = readLock(releaseDataPath(name, dir)).upstream.tag;
    if (tag !== name) {
      throw new KfchartsError(
        'lock-invalid',
        `${file} pins upstream.tag '${tag}': the file must be named ${tag}.yaml`,
      );
    }
    if (parseTag(tag) === undefined) {
      throw new KfchartsError(
        'tag-invalid',
        `${file}: upstream.tag '${tag}' is neither a calendar (26.03) nor a semver (v1.11.0) tag`,
      );
    }
    return { tag, file };
  });
}

/**
 * The newest of the pinned tags, or with `before` the newest one older than it (the
 * release an upgrade to `before` starts from); undefined when there is none.
 */
export function newestPinnedTag(pins: readonly PinnedTag[], before?: string): string | undefined {
  if (before !== undefined && parseTag(before) === undefined) {
    throw new KfchartsError(
      'tag-invalid',
      `'${before}' is neither a calendar (26.03) nor a semver (v1.11.0) tag`,
    );
  }
  const older = pins
    .map((p) => p.tag)
    .filter((t) => before === undefined || compareTagNames(t, before) < 0)
    .sort(compareTagNames);
  return older.at(-1);
}
