/**
 * `git ls-remote --tags https://github.com/kubeflow/community-distribution | node scripts/newest-upstream-tag.ts`
 * prints, as `key=value` lines for $GITHUB_OUTPUT:
 *   newest=<the newest release tag, release candidates ignored>
 *   current=<the newest tag pinned here (upstream/*.yaml)>
 *   newer=<true when newest is not pinned yet and newer than current>
 * Options: --root <dir> (default: this repository), --ls-remote <file> (default stdin).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KfchartsError } from '../src/errors.ts';
import { projectRoot } from '../src/paths.ts';
import { isNewerTag, newestReleaseTag, parseLsRemoteTags } from '../src/upstream/tags.ts';
import { newestPinnedTag, readPinnedTags } from './pinned-tags.ts';
import { parseScriptArgs, runScript } from './script-main.ts';

const USAGE =
  'usage: git ls-remote --tags <url> | node scripts/newest-upstream-tag.ts [--root <dir>] [--ls-remote <file>]';

runScript('newest-upstream-tag', () => {
  const { values } = parseScriptArgs(
    { root: { type: 'string' }, 'ls-remote': { type: 'string' } },
    USAGE,
  );
  const input = readFileSync(values['ls-remote'] ?? 0, 'utf8');
  const tags = parseLsRemoteTags(input);
  const newest = newestReleaseTag(tags);
  if (newest === undefined) {
    throw new KfchartsError('tag-invalid', `no release tag among ${tags.length} tag(s) read`, {
      details:
        tags.slice(0, 20).join('\n') ||
        '(no `refs/tags/` lines: is this `git ls-remote --tags` output?)',
    });
  }
  const root = values.root ? resolve(values.root) : projectRoot;
  const pins = readPinnedTags(root);
  const current = newestPinnedTag(pins);
  // An upgrade needs a release to start from (its expectations, the change report's base).
  if (current === undefined) {
    throw new KfchartsError(
      'tag-invalid',
      `no tag is pinned in ${root} (upstream/*.yaml): pin one by hand first`,
    );
  }
  const pinned = pins.some((p) => p.tag === newest);
  console.log(`newest=${newest}`);
  console.log(`current=${current}`);
  console.log(`newer=${!pinned && isNewerTag(newest, current)}`);
});
