import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KfchartsError } from '../errors.ts';
import { replaceFolder } from '../fs-replace.ts';
import { listFiles } from '../upstream/hash.ts';
import type { ChartFiles } from './emit.ts';

/**
 * Stage 7: write the charts once. Everything goes to a sibling temp folder that then
 * replaces `dest` by rename, so `dest` is either the old charts or the new ones, never
 * a mix; a failure before this point leaves it untouched.
 */
export function writeChartsAtomically(dest: string, files: ChartFiles): void {
  // A rebuild with unchanged inputs: reading back is much cheaper than rewriting 900 files.
  if (sameFiles(readChartFiles(dest), files)) return;
  replaceFolder(dest, (tmp) => {
    for (const path of [...files.keys()].sort()) {
      const target = join(tmp, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, files.get(path) as string);
    }
  });
}

function sameFiles(a: ChartFiles, b: ChartFiles): boolean {
  return a.size === b.size && [...b].every(([path, text]) => a.get(path) === text);
}

/** Reads a written chart folder back into the in-memory form, for comparisons. */
export function readChartFiles(dir: string): ChartFiles {
  const files: ChartFiles = new Map();
  if (!existsSync(dir) || readdirSync(dir).length === 0) return files;
  for (const path of listFiles(dir)) files.set(path, readFileSync(join(dir, path), 'utf8'));
  return files;
}

/**
 * The chart folders under `chartsDir` (each sub-folder must hold a Chart.yaml; loose files
 * such as install.sh are not charts), sorted by name.
 */
export function findCharts(chartsDir: string): string[] {
  const hint = 'run `npm run build` first';
  if (!existsSync(chartsDir)) {
    throw new KfchartsError('charts-missing', `${chartsDir} does not exist: ${hint}`);
  }
  const dirs = readdirSync(chartsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => join(chartsDir, name));
  for (const dir of dirs) {
    if (!existsSync(join(dir, 'Chart.yaml'))) {
      throw new KfchartsError(
        'chart-invalid',
        `${dir} has no Chart.yaml: every folder under ${chartsDir} must be a chart`,
      );
    }
  }
  if (dirs.length === 0) {
    throw new KfchartsError('charts-missing', `no chart folders under ${chartsDir}: ${hint}`);
  }
  return dirs;
}
