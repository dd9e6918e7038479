import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { touchCacheEntry } from '../cache.ts';
import { isKfchartsError, KfchartsError } from '../errors.ts';
import { createProgress, mapConcurrent } from '../progress.ts';
import type { Kubectl } from '../tools/kubectl.ts';
import { sha256 } from '../upstream/hash.ts';
import { parseRemoteRef } from '../upstream/remote-ref.ts';
import type { UpstreamTree } from '../upstream/resolve.ts';
import { kustomizationClosure } from './closure.ts';
import { REMOTE_DIR } from './localize.ts';

export interface KustomizeOutput {
  readonly name: string;
  readonly path: string;
  /** The YAML stream kustomize printed, exactly. */
  readonly yaml: string;
  readonly cached: boolean;
  /** Kustomization folders the build reached (relative to the tree). */
  readonly dirs: readonly string[];
  /** With `allowFailure`: kustomize's error (and `yaml` is empty). */
  readonly error?: string;
}

export interface KustomizeOptions {
  readonly kubectl: Kubectl;
  /** Folder for outputs keyed by input hash; undefined disables the cache. */
  readonly cacheDir: string | undefined;
  readonly concurrency?: number;
  readonly title?: string;
  /** A failed build yields an output with `error` instead of failing the lot. */
  readonly allowFailure?: boolean;
}

/** A kustomization to build: a component, or upstream's example/ as a whole. */
export interface BuildTarget {
  readonly name: string;
  readonly path: string;
}

/**
 * Stage 3: `kustomize build` of each target on its own, in parallel (bounded by cores),
 * cached by a hash of the kubectl version and every file the build can read.
 */
export async function kustomizeAll(
  targets: readonly BuildTarget[],
  tree: UpstreamTree,
  options: KustomizeOptions,
): Promise<KustomizeOutput[]> {
  const version = await options.kubectl.version();
  const fileHashes = new Map<string, string>();
  // Closures first: a missing remote ref fails before any slow build starts.
  const keyed = targets.map((target) => {
    const closure = kustomizationClosure(tree.dir, target.path, fileHashes);
    const missing = closure.remoteRefs[0];
    if (missing) {
      const lookedFor = `${REMOTE_DIR}/${parseRemoteRef(missing.url).cachePath}`;
      throw new KfchartsError(
        'remote-ref-missing',
        `component '${target.name}': remote reference ${missing.url} (in ${missing.file}) is not in the remote cache`,
        {
          details: `looked for ${lookedFor} (cache path ${parseRemoteRef(missing.url).cachePath})`,
        },
      );
    }
    return {
      target,
      key: sha256(`${version}\n${target.path}\n${closure.contentHash}`),
      bytes: closure.bytes,
      dirs: closure.dirs,
    };
  });
  // Largest first, so the long builds (KServe, Trainer) don't start last and run alone.
  const schedule = [...keyed].sort((a, b) => b.bytes - a.bytes);

  const progress = createProgress(options.title ?? 'kustomize', targets.length);
  const started = performance.now();
  const scheduled = await mapConcurrent(
    schedule,
    options.concurrency ?? availableParallelism(),
    async ({ target, key, dirs }) => {
      const t0 = performance.now();
      const cacheFile = options.cacheDir ? join(options.cacheDir, `${key}.yaml`) : undefined;
      // A failure that allowFailure asked for is as reproducible as an output: cached too.
      if (cacheFile && options.allowFailure && existsSync(`${cacheFile}.error`)) {
        touchCacheEntry(`${cacheFile}.error`);
        progress.step(target.name, '(cached failure)');
        const error = readFileSync(`${cacheFile}.error`, 'utf8');
        return { name: target.name, path: target.path, yaml: '', cached: true, dirs, error };
      }
      if (cacheFile && existsSync(cacheFile)) {
        touchCacheEntry(cacheFile);
        progress.step(target.name, '(cached)');
        return {
          name: target.name,
          path: target.path,
          yaml: readFileSync(cacheFile, 'utf8'),
          cached: true,
          dirs,
        };
      }
      let yaml: string;
      try {
        yaml = await options.kubectl.kustomize(
          join(tree.dir, target.path),
          `component '${target.name}'`,
        );
      } catch (error) {
        // Only kustomize's own verdict on the input is tolerated (and cached).
        if (!options.allowFailure || !isKfchartsError(error) || error.code !== 'kustomize-failed')
          throw error;
        progress.step(target.name, '(failed)');
        const message = [error.message, error.details].filter(Boolean).join('\n');
        if (cacheFile) {
          mkdirSync(options.cacheDir as string, { recursive: true });
          writeFileSync(`${cacheFile}.${process.pid}.tmp`, message);
          renameSync(`${cacheFile}.${process.pid}.tmp`, `${cacheFile}.error`);
        }
        return {
          name: target.name,
          path: target.path,
          yaml: '',
          cached: false,
          dirs,
          error: message,
        };
      }
      if (cacheFile) {
        mkdirSync(options.cacheDir as string, { recursive: true });
        writeFileSync(`${cacheFile}.${process.pid}.tmp`, yaml);
        renameSync(`${cacheFile}.${process.pid}.tmp`, cacheFile);
      }
      progress.step(target.name, `${((performance.now() - t0) / 1000).toFixed(1)}s`);
      return { name: target.name, path: target.path, yaml, cached: false, dirs };
    },
  );
  const outputs = keyed.map((k) => scheduled[schedule.indexOf(k)] as KustomizeOutput);
  const built = outputs.filter((o) => !o.cached).length;
  progress.finish(
    `${targets.length} builds (${built} run, ${targets.length - built} cached) in ${((performance.now() - started) / 1000).toFixed(1)}s`,
  );
  return outputs;
}
