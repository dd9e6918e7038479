/**
 * `node scripts/pinned-upstream-tag.ts [--before <tag> | --all] [--root <dir>]` prints the newest
 * upstream tag pinned in `upstream/*.yaml`; with
 * `--before`, the newest one older than that tag: the release an upgrade to it starts from
 * (the upstream workflow's PREVIOUS_TAG); with `--all`, every pinned tag, oldest first, one
 * a line (what CI fetches into its mirror). Fails when there is none.
 */
import { resolve } from 'node:path';
import { KfchartsError } from '../src/errors.ts';
import { projectRoot } from '../src/paths.ts';
import { newestPinnedTag, readPinnedTags } from './pinned-tags.ts';
import { parseScriptArgs, runScript } from './script-main.ts';

const USAGE = 'usage: node scripts/pinned-upstream-tag.ts [--before <tag> | --all] [--root <dir>]';

runScript('pinned-upstream-tag', () => {
  const { values } = parseScriptArgs(
    {
      before: { type: 'string' },
      all: { type: 'boolean', default: false },
      root: { type: 'string' },
    },
    USAGE,
  );
  const root = values.root ? resolve(values.root) : projectRoot;
  const pins = readPinnedTags(root);
  if (values.all && pins.length > 0) {
    for (const pin of pins) console.log(pin.tag);
    return;
  }
  const tag = newestPinnedTag(pins, values.before);
  if (tag === undefined) {
    throw new KfchartsError(
      'tag-invalid',
      values.before === undefined
        ? `no tag is pinned in ${root} (upstream/*.yaml)`
        : `no tag older than ${values.before} is pinned in ${root}`,
      { details: `pinned: ${pins.map((p) => `${p.tag} (${p.file})`).join(', ') || 'none'}` },
    );
  }
  console.log(tag);
});
