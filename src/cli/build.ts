import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BUILD_REPORT, buildChartFiles, type ChartBuild, chartsDir, DriftError } from '../build.ts';
import { renderBuildReport } from '../build-report.ts';
import { autoPrune } from '../cache.ts';
import { writeChartsAtomically } from '../chart/write.ts';
import { buildOptionsFrom, parseCommandArgs, SOURCE_OPTIONS } from './options.ts';

export async function buildCommand(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(args, { ...SOURCE_OPTIONS, report: { type: 'string' } });
  const started = performance.now();
  const startedMs = Date.now();
  const options = buildOptionsFrom(values, (line) => console.error(line));
  const reportFile = values.report === undefined ? undefined : resolve(values.report);
  let result: ChartBuild;
  try {
    result = await buildChartFiles(options);
  } catch (error) {
    // The drift report is what a maintainer reviews: written even though the build fails.
    if (error instanceof DriftError && reportFile)
      writeReport(reportFile, renderBuildReport(error.report));
    throw error;
  }
  const dir = chartsDir(options.paths.distDir);
  writeChartsAtomically(dir, result.files);
  autoPrune(options.paths.cacheDir, startedMs, (line) => console.error(line));
  // New charts: a verify report of the old ones no longer applies.
  rmSync(join(options.paths.distDir, 'verify.json'), { force: true });
  if (reportFile) writeReport(reportFile, result.files.get(BUILD_REPORT) as string);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  result.releases.forEach((release, i) => {
    console.log(
      `  ${i + 1}. ${dir}/${release.name}: ${release.subcharts} subcharts, ${release.objects} objects`,
    );
  });
  if (result.derived.length > 0) {
    console.log(
      `  components new in example/, named by kfcharts: ${result.derived.map((d) => `${d.path} → ${d.name}`).join(', ')}`,
    );
  }
  console.log(
    `built ${result.releases.length} charts in ${dir}: upstream ${result.tag}, ` +
      `${result.components} components, ${result.objects} objects, ${result.files.size} files in ${seconds}s; report ${join(dir, BUILD_REPORT)}`,
  );
}

function writeReport(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}
