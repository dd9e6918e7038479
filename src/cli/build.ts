import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildCharts, chartsDir, writeCharts } from '../build.ts';
import { describeDecisions } from '../release/report.ts';
import { buildOptionsFrom, parseCommandArgs, SOURCE_OPTIONS } from './options.ts';

export async function buildCommand(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(args, SOURCE_OPTIONS);
  const started = performance.now();
  const options = buildOptionsFrom(values, (line) => console.error(line));
  const result = await buildCharts(options);
  writeCharts(result, options.paths.distDir);
  // New charts: a verify report of the old ones no longer applies.
  rmSync(join(options.paths.distDir, 'verify.json'), { force: true });
  const objects = result.components.reduce((n, c) => n + c.objects.length, 0);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const dir = chartsDir(options.paths.distDir);
  for (const release of result.plan.releases) {
    const count = release.components.reduce((n, c) => n + c.objects.length, 0);
    console.log(
      `  ${release.index + 1}. ${dir}/${release.name}: ${release.components.length} subcharts, ${count} objects`,
    );
  }
  for (const line of describeDecisions(result.plan.decisions)) console.log(`     ${line}`);
  console.log(
    `built ${result.plan.releases.length} charts in ${dir}: kubeflow/manifests ${result.tree.tag}, ` +
      `${result.components.length} components, ${objects} objects, ${result.files.size} files in ${seconds}s`,
  );
}
