import { resolve } from 'node:path';

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
