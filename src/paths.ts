import { mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fsFailure, KfchartsError } from './errors.ts';

/** The checkout this code runs from; defaults below are relative to it, not to cwd. */
export const projectRoot = resolve(import.meta.dirname, '..');

export interface Paths {
  /** Content-addressed caches: extracted trees, kustomize output. */
  readonly cacheDir: string;
  /** Pinned helm/kubectl binaries unpacked by scripts/install-tools.ts. */
  readonly toolsDir: string;
  /** Local mirror of upstream archives (../shared/upstream). */
  readonly mirrorDir: string;
  readonly distDir: string;
}

export function defaultPaths(env: NodeJS.ProcessEnv = process.env): Paths {
  return {
    cacheDir: resolve(env.KFCHARTS_CACHE_DIR ?? resolve(projectRoot, '.cache')),
    toolsDir: resolve(env.KFCHARTS_TOOLS_DIR ?? resolve(projectRoot, '.tools')),
    mirrorDir: resolve(env.KFCHARTS_UPSTREAM_MIRROR ?? resolve(projectRoot, '../shared/upstream')),
    distDir: resolve(env.KFCHARTS_DIST_DIR ?? resolve(projectRoot, 'dist')),
  };
}

/**
 * Makes sure `path` is a folder kfcharts can use (creating it), with an error that
 * names the setting it comes from (`what`, e.g. KFCHARTS_CACHE_DIR) rather than a
 * path deep inside it.
 */
export function ensureFolder(path: string, what: string): void {
  let failure: string | undefined;
  try {
    mkdirSync(path, { recursive: true });
    if (!statSync(path).isDirectory()) failure = 'it is not a folder';
  } catch (error) {
    failure = fsFailure(error);
    if (failure === undefined) throw error;
  }
  if (failure !== undefined) {
    throw new KfchartsError('fs-failed', `${what} ${path} is not a usable folder: ${failure}`);
  }
}
