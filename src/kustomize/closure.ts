import { existsSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { KfchartsError } from '../errors.ts';
import { fileHash, listFiles, sha256, within } from '../upstream/hash.ts';
import { isRemoteRef } from '../upstream/remote-ref.ts';
import { findKustomizationFile, readKustomizationEntries } from './kustomization.ts';

export interface KustomizationClosure {
  /** Kustomization folders the build reaches, relative to the tree, sorted. */
  readonly dirs: readonly string[];
  /** Remote references still in the closure (not localized), with the file naming them. */
  readonly remoteRefs: readonly { readonly file: string; readonly url: string }[];
  /** Hash over every file below every reached folder: a superset of kustomize's inputs. */
  readonly contentHash: string;
  /** Total size of those files: a proxy for how long the build takes. */
  readonly bytes: number;
}

/**
 * Follows resources/bases/components from `dir` through the tree, never out of it. Files
 * a kustomization loads must lie below its root (kustomize's load restrictor), so hashing
 * each reached folder recursively covers every input.
 */
export function kustomizationClosure(
  treeDir: string,
  dir: string,
  fileHashes: Map<string, string> = new Map(),
): KustomizationClosure {
  const dirs = new Set<string>();
  const remoteRefs: { file: string; url: string }[] = [];
  const realTree = realpathSync(treeDir);
  const visit = (absDir: string): void => {
    if (dirs.has(absDir)) return;
    dirs.add(absDir);
    const file = findKustomizationFile(absDir);
    if (!file) return; // kustomize reports the missing kustomization itself
    for (const entry of readKustomizationEntries(file).entries) {
      if (isRemoteRef(entry.value)) {
        remoteRefs.push({ file: posix(relative(treeDir, file)), url: entry.value });
        continue;
      }
      // Any other URL (file://, s3::, ...) kustomize would fetch itself: past the offline
      // cache, the lock's hashes and the build cache's key.
      if (/^[A-Za-z][A-Za-z0-9+.-]*(?::\/\/|::)/.test(entry.value)) {
        throw new KfchartsError(
          'remote-ref-missing',
          `${posix(relative(treeDir, file))}: ${JSON.stringify(entry.value)} is a reference kustomize would fetch itself; kfcharts builds offline from pinned references (https://, git@, ssh://, github.com/...) only`,
        );
      }
      const target = resolve(absDir, entry.value);
      // Never walk outside the tree (`resources: [/]` would hash the whole disk first).
      if (
        !within(treeDir, target) ||
        (existsSync(target) && !within(realTree, realpathSync(target)))
      ) {
        throw new KfchartsError(
          'tree-invalid',
          `${posix(relative(treeDir, file))}: ${JSON.stringify(entry.value)} leaves the upstream tree`,
        );
      }
      if (existsSync(target) && statSync(target).isDirectory()) visit(target);
    }
  };
  visit(resolve(treeDir, dir));

  const files = new Set<string>();
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const f of listFiles(d, treeDir)) files.add(f);
  }
  const lines = [...files].sort().map((f) => {
    let hash = fileHashes.get(f);
    if (hash === undefined) {
      hash = fileHash(join(treeDir, f));
      fileHashes.set(f, hash);
    }
    return `${hash}  ${f}\n`;
  });
  let bytes = 0;
  for (const f of files) bytes += statSync(join(treeDir, f)).size;
  return {
    dirs: [...dirs].map((d) => posix(relative(treeDir, d))).sort(),
    remoteRefs,
    contentHash: sha256(lines.join('')),
    bytes,
  };
}

function posix(path: string): string {
  return path.split(sep).join('/');
}
