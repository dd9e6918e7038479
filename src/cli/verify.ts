import { accessSync, constants, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KfchartsError } from '../errors.ts';
import { formatVerifySummary } from '../verify/report.ts';
import { verifyCharts } from '../verify/verify.ts';
import { buildOptionsFrom, parseCommandArgs, SOURCE_OPTIONS } from './options.ts';

export async function verifyCommand(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(args, { ...SOURCE_OPTIONS, deviations: { type: 'string' } });
  const started = performance.now();
  const options = buildOptionsFrom(values, (line) => console.error(line));
  const jsonPath = join(options.paths.distDir, 'verify.json');
  // A dist that cannot take the report fails now, not after minutes of rendering.
  if (existsSync(options.paths.distDir)) accessSync(options.paths.distDir, constants.W_OK);
  // A report of an earlier run must not outlive a run that fails before writing its own.
  rmSync(jsonPath, { force: true });
  const report = await verifyCharts({
    ...options,
    ...(values.deviations && { deviationsFile: values.deviations }),
  });
  mkdirSync(options.paths.distDir, { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  console.log(formatVerifySummary(report, jsonPath));
  console.log(`verify took ${((performance.now() - started) / 1000).toFixed(1)}s`);
  if (!report.ok)
    throw new KfchartsError(
      'verify-failed',
      `${report.failures.length} verification failure(s); see ${jsonPath}`,
    );
}
