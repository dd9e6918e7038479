import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { KfchartsError } from './errors.ts';

/**
 * Replaces the folder `dest` with what `fill(tmp)` writes into a sibling temp folder, by
 * rename: `dest` is afterwards either the old folder or the complete new one, never a mix,
 * and never gone. If `fill` or the swap fails, the old folder is put back.
 */
export function replaceFolder(dest: string, fill: (tmp: string) => void): void {
  const tmp = `${dest}.tmp-${process.pid}`;
  const old = `${dest}.old-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  let moved = false;
  try {
    mkdirSync(tmp, { recursive: true });
    fill(tmp);
    mkdirSync(dirname(dest), { recursive: true });
    if (existsSync(dest)) {
      renameSync(dest, old);
      moved = true;
    }
    renameSync(tmp, dest);
    moved = false;
  } catch (cause) {
    if (moved) renameSync(old, dest);
    throw new KfchartsError('write-failed', `cannot write ${dest}: ${(cause as Error).message}`, {
      cause,
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
  }
}
