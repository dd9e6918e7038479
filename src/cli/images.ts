import { buildCharts } from '../build.ts';
import { autoPrune } from '../cache.ts';
import { listImages, mirrorPairs } from '../images.ts';
import { buildOptionsFrom, parseCommandArgs, SOURCE_OPTIONS } from './options.ts';

/**
 * `kfcharts images [--registry <host[:port][/path]>]`: every image the charts deploy,
 * fully qualified, one per line, for mirroring into a private registry. With
 * `--registry`, `<source> <mirror>` pairs: where global.imageRegistry makes the charts
 * pull each image from (e.g. `while read s m; do crane copy "$s" "$m"; done`).
 */
export async function imagesCommand(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(args, { ...SOURCE_OPTIONS, registry: { type: 'string' } });
  const registry = values.registry;
  if (registry !== undefined) mirrorPairs([], registry); // a usage error before the build
  const startedMs = Date.now();
  const options = buildOptionsFrom(values, (line) => console.error(line));
  const result = await buildCharts(options);
  autoPrune(options.paths.cacheDir, startedMs, (line) => console.error(line));
  const images = listImages(result.components, result.upgrade, result.runtimeImages);
  const lines =
    registry === undefined
      ? images
      : mirrorPairs(images, registry).map(([source, mirror]) => `${source} ${mirror}`);
  process.stdout.write(lines.map((line) => `${line}\n`).join(''));
  console.error(`${images.length} images`);
}
