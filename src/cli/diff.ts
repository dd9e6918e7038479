import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type BuildOptions, buildCharts } from '../build.ts';
import { autoPrune } from '../cache.ts';
import { planUpgrade } from '../chart/upgrade-hooks.ts';
import { diffSnapshots, renderChangeReport, snapshotOf } from '../diff/index.ts';
import type { ReleaseSnapshot } from '../diff/snapshot.ts';
import { KfchartsError } from '../errors.ts';
import { pinnedTags, readLock, releaseDataPath, renderLock } from '../upstream/lock.ts';
import {
  buildOptionsFrom,
  parseCommandArgs,
  SOURCE_OPTIONS,
  type SourceValues,
} from './options.ts';

/**
 * `kfcharts diff <from> <to> [--out FILE] [--record]`: builds both upstream releases and
 * writes the change report (Markdown). Each side is a path to an upstream tree or archive,
 * or a tag. With --record, `<to>` being a pinned tag, the upgrade plan from `<from>` (what
 * the charts' pre-upgrade hooks delete, what is left to the operator) goes into its
 * release data, upstream/<to>.yaml, where every build of `<to>` reads it.
 */
export async function diffCommand(args: string[]): Promise<void> {
  const { manifests: _ignored, tag: _tag, 'upgrade-from': _from, ...shared } = SOURCE_OPTIONS;
  const { values, positionals } = parseCommandArgs(
    args,
    { ...shared, out: { type: 'string' }, record: { type: 'boolean', default: false } },
    true,
  );
  if (positionals.length !== 2) {
    throw new KfchartsError(
      'usage',
      `diff takes two releases, <from> and <to> (a tree, an archive or a tag); got ${positionals.length}`,
    );
  }
  const log = (line: string) => console.error(line);
  const startedMs = Date.now();
  const snapshots = [];
  let cacheDir = '';
  for (const side of positionals) {
    const options = sideOptions(side, values, log);
    cacheDir = options.paths.cacheDir;
    snapshots.push(snapshotOf(await buildCharts(options)));
  }
  autoPrune(cacheDir, startedMs, log);
  const [from, to] = snapshots as [ReturnType<typeof snapshotOf>, ReturnType<typeof snapshotOf>];
  const markdown = renderChangeReport(diffSnapshots(from, to));
  if (values.record) recordUpgrade(positionals[1] as string, from, to, log);
  if (values.out === undefined) {
    process.stdout.write(markdown);
    return;
  }
  try {
    writeFileSync(resolve(values.out), markdown);
  } catch (cause) {
    throw new KfchartsError(
      'write-failed',
      `cannot write the report to ${values.out}: ${(cause as Error).message}`,
      { cause },
    );
  }
  console.error(`change report ${from.tag} → ${to.tag} written to ${values.out}`);
}

/**
 * Build options for one side: an existing path builds like `build --manifests`, anything
 * else is a pinned tag (`build --tag`). Drift does not stop a side: the report lists it.
 */
export function sideOptions(
  side: string,
  values: Omit<SourceValues, 'manifests' | 'tag'>,
  log: (line: string) => void,
): BuildOptions {
  const options = existsSync(side)
    ? buildOptionsFrom({ ...values, manifests: side }, log)
    : buildOptionsFrom({ ...values, tag: side }, log);
  // The report compares two builds; neither needs the hooks of a third.
  return { ...options, allowDrift: true, upgradeFrom: 'none' };
}

/** Writes the upgrade plan `from` → `to` into the release data of the pinned tag `to`. */
function recordUpgrade(
  side: string,
  from: ReleaseSnapshot,
  to: ReleaseSnapshot,
  log: (line: string) => void,
): void {
  if (existsSync(side) || !pinnedTags().includes(side)) {
    throw new KfchartsError(
      'usage',
      `--record writes into the release data of a pinned tag; '${side}' is not one (pinned: ${pinnedTags().join(', ')})`,
    );
  }
  const file = releaseDataPath(side);
  const plan = planUpgrade(from, to);
  writeFileSync(file, renderLock({ ...readLock(file), upgrade: plan }));
  log(
    `recorded the upgrade from ${plan.from} in ${file}: ${plan.deletions.length} object(s) the hooks delete, ${plan.manual.length} manual step(s)`,
  );
}
