import { join } from 'node:path';
import { chartsDir } from '../build.ts';
import { defaultPaths } from '../paths.ts';
import { packageCharts } from '../publish/package.ts';
import { parseCommandArgs } from './options.ts';

export async function packageCommand(args: string[]): Promise<void> {
  parseCommandArgs(args, {});
  const { distDir } = defaultPaths();
  const from = chartsDir(distDir);
  const into = join(distDir, 'packages');
  const packages = packageCharts(from, into);
  for (const p of packages) console.log(`  ${p.file}  sha256:${p.sha256}  (${p.size} bytes)`);
  console.log(`packaged ${packages.length} charts from ${from} into ${into}`);
}
