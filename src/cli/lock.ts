import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultComponentsPath } from '../components.ts';
import { KfchartsError } from '../errors.ts';
import { defaultPaths } from '../paths.ts';
import {
  nearestReleasePath,
  readLock,
  releaseDataPath,
  renderLock,
  type UpstreamLock,
} from '../upstream/lock.ts';
import { pinUpstream } from '../upstream/pin.ts';
import { checkTag } from '../upstream/tag.ts';
import { parseCommandArgs } from './options.ts';

/**
 * `kfcharts lock --tag <tag>`: pins a tag of the mirror in upstream/<tag>.yaml. A tag
 * pinned before keeps its expectations and deviations; a new one starts from the nearest
 * older release's (`inheritedFrom`), so its first build reports what moved.
 */
export async function lockCommand(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(args, {
    tag: { type: 'string' },
    repository: { type: 'string' },
    components: { type: 'string' },
    out: { type: 'string' },
  });
  if (!values.tag)
    throw new KfchartsError('usage', 'lock needs --tag <upstream tag>, e.g. --tag 26.03');
  const pin = await pinUpstream({
    paths: defaultPaths(),
    // Checked before it becomes a path in the mirror (`../x`) or reaches the lock.
    tag: checkTag(values.tag, '--tag'),
    componentsFile: values.components ? resolve(values.components) : defaultComponentsPath,
    ...(values.repository && { repository: values.repository }),
    log: (line) => console.error(line),
  });
  const out = values.out ? resolve(values.out) : releaseDataPath(values.tag);
  // A new release data file under upstream/ starts from the nearest older release's; a
  // file elsewhere (--out) keeps only what it had.
  const base = existsSync(out) ? out : values.out ? undefined : nearestReleasePath(values.tag);
  const previous: UpstreamLock | undefined = base === undefined ? undefined : readLock(base);
  const lock: UpstreamLock = {
    ...pin,
    ...(previous?.chartRevision !== undefined &&
      base === out && { chartRevision: previous.chartRevision }),
    ...(previous && base !== out && { inheritedFrom: previous.upstream.tag }),
    ...(previous?.inheritedFrom !== undefined &&
      base === out && { inheritedFrom: previous.inheritedFrom }),
    expect: previous?.expect ?? {},
    deviations: previous?.deviations ?? [],
    // Code defaults move with component versions: inherited like expectations, to review.
    ...(previous?.runtimeImages !== undefined && { runtimeImages: previous.runtimeImages }),
    // Choices carry over like expectations: a listed path the new tree lacks is drift.
    ...(previous?.choices !== undefined && { choices: previous.choices }),
    // The recorded upgrade plan holds while the tree is the same; a new tree needs
    // `kfcharts diff <previous> <tag> --record` again.
    ...(previous?.upgrade !== undefined &&
      base === out &&
      previous.upstream.treeSha256 === pin.upstream.treeSha256 && { upgrade: previous.upgrade }),
  };
  writeFileSync(out, renderLock(lock));
  if (previous?.upgrade !== undefined && base === out && lock.upgrade === undefined) {
    console.error(
      `${out}: the tree changed, so its recorded upgrade plan was dropped; run \`kfcharts diff ${previous.upgrade.from} ${values.tag} --record\``,
    );
  }
  console.log(
    `wrote ${out}: ${lock.upstream.repository} ${lock.upstream.tag}, ${lock.remoteCache.refs.length} remote refs` +
      (lock.inheritedFrom
        ? `; expectations and deviations from ${lock.inheritedFrom}, to review`
        : ''),
  );
}
