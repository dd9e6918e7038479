import { buildCharts } from '../build.ts';
import { listImages } from '../images.ts';
import { buildOptionsFrom, parseCommandArgs, SOURCE_OPTIONS } from './options.ts';

/** `kfcharts images`: one image reference per line, for mirroring into a private registry. */
export async function imagesCommand(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(args, SOURCE_OPTIONS);
  const result = await buildCharts(buildOptionsFrom(values, (line) => console.error(line)));
  const images = listImages(result.components);
  process.stdout.write(images.map((image) => `${image}\n`).join(''));
  console.error(`${images.length} images`);
}
