/**
 * The upstream tags this repository has pinned, for the upstream workflow's scripts: each
 * release data file `upstream/<tag>.yaml` names its tag at `pin.tag`, and
 * `upstream.lock.yaml` (while there is one) at `upstream.tag`.
 *
 * Read here with a bare YAML parse, not through the `lock` command's own reader, so the
 * workflow only depends on those two keys and not on how the rest of the files evolve.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KfchartsError } from '../src/errors.ts';
import { compareTags, type ParsedTag, parseTag } from '../src/upstream/tags.ts';

export interface PinnedTag {
  readonly tag: string;
  /** The file naming it, relative to the root. */
  readonly file: string;
}

/** Every pinned tag under `root`, one entry per file, in file name order. */
export function readPinnedTags(root: string): PinnedTag[] {
  const pins: PinnedTag[] = [];
  const dir = join(root, 'upstream');
  if (existsSync(dir)) {
    const files = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
      .map((entry) => entry.name)
      .sort();
    for (const name of files) {
      const file = `upstream/${name}`;
      pins.push({ tag: tagAt(root, file, ['pin', 'tag']), file });
    }
  }
  if (existsSync(join(root, 'upstream.lock.yaml'))) {
    pins.push({
      tag: tagAt(root, 'upstream.lock.yaml', ['upstream', 'tag']),
      file: 'upstream.lock.yaml',
    });
  }
  return pins;
}

/**
 * The newest of the pinned tags, or with `before` the newest one older than it (the
 * release an upgrade to `before` starts from); undefined when there is none.
 */
export function newestPinnedTag(pins: readonly PinnedTag[], before?: string): string | undefined {
  const limit = before === undefined ? undefined : parseTag(before);
  if (before !== undefined && limit === undefined) {
    throw new KfchartsError(
      'tag-invalid',
      `'${before}' is neither a calendar (26.03) nor a semver (v1.11.0) tag`,
    );
  }
  let newest: ParsedTag | undefined;
  for (const pin of pins) {
    const parsed = parseTag(pin.tag) as ParsedTag;
    if (limit !== undefined && compareTags(parsed, limit) >= 0) continue;
    if (newest === undefined || compareTags(parsed, newest) > 0) newest = parsed;
  }
  return newest?.tag;
}

function tagAt(root: string, file: string, path: readonly [string, string]): string {
  let doc: unknown;
  try {
    doc = parse(readFileSync(join(root, file), 'utf8'));
  } catch (cause) {
    throw new KfchartsError('lock-invalid', `${file} is not YAML: ${message(cause)}`, { cause });
  }
  const section = isRecord(doc) ? doc[path[0]] : undefined;
  const tag = isRecord(section) ? section[path[1]] : undefined;
  // YAML reads an unquoted 26.10 as the number 26.1: only a string keeps the tag as written.
  if (typeof tag !== 'string') {
    throw new KfchartsError(
      'lock-invalid',
      `${file} has no ${path.join('.')} string (found ${tag === undefined ? 'nothing' : JSON.stringify(tag)})`,
    );
  }
  if (parseTag(tag) === undefined) {
    throw new KfchartsError(
      'tag-invalid',
      `${file}: ${path.join('.')} '${tag}' is neither a calendar (26.03) nor a semver (v1.11.0) tag`,
    );
  }
  return tag;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function message(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
}
