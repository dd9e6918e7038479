import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  BUILD_REPORT,
  type BuildResult,
  buildCharts,
  chartsDir,
  DriftError,
  writeCharts,
} from '../build.ts';
import { renderBuildReport } from '../build-report.ts';
import { autoPrune } from '../cache.ts';
import { buildOptionsFrom, parseCommandArgs, SOURCE_OPTIONS } from './options.ts';

export async function buildCommand(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(args, { ...SOURCE_OPTIONS, report: { type: 'string' } });
  const started = performance.now();
  const startedMs = Date.now();
  const options = buildOptionsFrom(values, (line) => console.error(line));
  const reportFile = values.report === undefined ? undefined : resolve(values.report);
  let result: BuildResult;
  try {
    result = await buildCharts(options);
  } catch (error) {
    // The drift report is what a maintainer reviews: written even though the build fails.
    if (error instanceof DriftError && reportFile)
      writeReport(reportFile, renderBuildReport(error.report));
    throw error;
  }
  writeCharts(result, options.paths.distDir);
  autoPrune(options.paths.cacheDir, startedMs, (line) => console.error(line));
  // New charts: a verify report of the old ones no longer applies.
  rmSync(join(options.paths.distDir, 'verify.json'), { force: true });
  if (reportFile) writeReport(reportFile, result.files.get(BUILD_REPORT) as string);
  const objects = result.components.reduce((n, c) => n + c.objects.length, 0);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const dir = chartsDir(options.paths.distDir);
  for (const release of result.plan.releases) {
    const count = release.components.reduce((n, c) => n + c.objects.length, 0);
    console.log(
      `  ${release.index + 1}. ${dir}/${release.name}: ${release.components.length} subcharts, ${count} objects`,
    );
  }
  const { derived } = result.report.resolution;
  if (derived.length > 0) {
    console.log(
      `  components new in example/, named by kfcharts: ${derived.map((d) => `${d.path} → ${d.name}`).join(', ')}`,
    );
  }
  console.log(
    `built ${result.plan.releases.length} charts in ${dir}: upstream ${result.tree.tag}, ` +
      `${result.components.length} components, ${objects} objects, ${result.files.size} files in ${seconds}s; report ${join(dir, BUILD_REPORT)}`,
  );
}

function writeReport(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}
