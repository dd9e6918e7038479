import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type BuildOptions, buildCharts } from '../build.ts';
import { autoPrune } from '../cache.ts';
import { diffSnapshots, renderChangeReport, snapshotOf } from '../diff/index.ts';
import { KfchartsError } from '../errors.ts';
import {
  buildOptionsFrom,
  parseCommandArgs,
  SOURCE_OPTIONS,
  type SourceValues,
} from './options.ts';

/**
 * `kfcharts diff <from> <to> [--out FILE]`: builds both upstream releases and writes the
 * change report (Markdown). Each side is a path to an upstream tree or archive, or a tag.
 */
export async function diffCommand(args: string[]): Promise<void> {
  const { manifests: _ignored, tag: _tag, 'upgrade-from': _from, ...shared } = SOURCE_OPTIONS;
  const { values, positionals } = parseCommandArgs(
    args,
    { ...shared, out: { type: 'string' } },
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
