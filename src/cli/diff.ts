import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type BuildOptions, buildCharts } from '../build.ts';
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
  const { manifests: _ignored, ...shared } = SOURCE_OPTIONS;
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
  const snapshots = [];
  for (const side of positionals) {
    const result = await buildCharts(sideOptions(side, values, log));
    snapshots.push(snapshotOf(result));
  }
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

/** Build options for one side: an existing path builds like `build --manifests`, else a tag. */
export function sideOptions(
  side: string,
  values: Omit<SourceValues, 'manifests'>,
  log: (line: string) => void,
): BuildOptions {
  if (existsSync(side)) return buildOptionsFrom({ ...values, manifests: side }, log);
  return withTag(buildOptionsFrom(values, log), side);
}

/**
 * A tag's build. Until `build --tag` lands (BuildOptions.tag), a tag `T` is the
 * mirror's archive kubeflow-manifests/T.tar.gz built unpinned; `tag` is passed along
 * so the build can take over once it knows the option.
 */
function withTag(options: BuildOptions, tag: string): BuildOptions {
  if (!/^[\w][\w.+-]*$/.test(tag)) {
    throw new KfchartsError('usage', `'${tag}' is neither an existing path nor a tag`);
  }
  const archive = join(options.paths.mirrorDir, 'kubeflow-manifests', `${tag}.tar.gz`);
  if (!existsSync(archive)) {
    throw new KfchartsError(
      'upstream-missing',
      `'${tag}' is not an existing path, and the mirror has no archive for tag ${tag} (${archive})`,
    );
  }
  return { ...options, tag, manifests: archive } as BuildOptions;
}
