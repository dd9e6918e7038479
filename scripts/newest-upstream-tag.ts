/**
 * `git ls-remote --tags https://github.com/kubeflow/manifests | node scripts/newest-upstream-tag.ts`
 * prints, as `key=value` lines for $GITHUB_OUTPUT:
 *   newest=<the newest release tag, release candidates ignored>
 *   current=<the newest tag pinned in upstream/>
 *   newer=<true when newest is newer than current>
 * Options: --lock <file> (default: the newest upstream/<tag>.yaml), --ls-remote <file> (default stdin).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KfchartsError } from '../src/errors.ts';
import { pinnedReleasePath, readLock } from '../src/upstream/lock.ts';
import { isNewerTag, newestReleaseTag, parseLsRemoteTags } from '../src/upstream/tags.ts';
import { parseScriptArgs, runScript } from './script-main.ts';

const USAGE =
  'usage: git ls-remote --tags <url> | node scripts/newest-upstream-tag.ts [--lock <file>] [--ls-remote <file>]';

runScript('newest-upstream-tag', () => {
  const { values } = parseScriptArgs(
    { lock: { type: 'string' }, 'ls-remote': { type: 'string' } },
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
  const current = readLock(values.lock ? resolve(values.lock) : pinnedReleasePath(undefined))
    .upstream.tag;
  console.log(`newest=${newest}`);
  console.log(`current=${current}`);
  console.log(`newer=${isNewerTag(newest, current)}`);
});
