import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { replaceFolder } from '../fs-replace.ts';
import { listFiles } from '../upstream/hash.ts';
import type { ChartFiles } from './emit.ts';

/**
 * Stage 7: write the charts once. Everything goes to a sibling temp folder that then
 * replaces `dest` by rename, so `dest` is either the old charts or the new ones, never
 * a mix; a failure before this point leaves it untouched.
 */
export function writeChartsAtomically(dest: string, files: ChartFiles): void {
  replaceFolder(dest, (tmp) => {
    for (const path of [...files.keys()].sort()) {
      const target = join(tmp, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, files.get(path) as string);
    }
  });
}

/** Reads a written chart folder back into the in-memory form, for comparisons. */
export function readChartFiles(dir: string): ChartFiles {
  const files: ChartFiles = new Map();
  if (!existsSync(dir) || readdirSync(dir).length === 0) return files;
  for (const path of listFiles(dir)) files.set(path, readFileSync(join(dir, path), 'utf8'));
  return files;
}
