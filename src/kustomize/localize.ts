import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { isRemoteRef, parseRemoteRef } from '../upstream/remote-ref.ts';
import {
  KUSTOMIZATION_FILE_NAMES,
  type KustomizationEntry,
  readKustomizationEntries,
} from './kustomization.ts';

/** Folder inside a working tree that holds the remote cache; never part of upstream. */
export const REMOTE_DIR = '.kfcharts-remote';
/**
 * Wrappers that turn a cached remote file into a kustomization folder (see below). kfcharts
 * writes them; a remote cache that brings its own is refused (src/upstream/resolve.ts).
 */
export const FILE_WRAPPERS = '.files';

export interface LocalizedRef {
  /** Kustomization file that names the reference, relative to the tree. */
  readonly file: string;
  readonly url: string;
  readonly cachePath: string;
  /** false: the cache lacks it; a component that needs it fails with this path. */
  readonly localized: boolean;
}

/**
 * Rewrites every remote reference in the tree's kustomizations to a relative path into
 * `<tree>/.kfcharts-remote`, so kustomize never touches the network. Only the scalar
 * itself is replaced; the rest of each file stays byte for byte.
 *
 * A remote *file* becomes a folder holding a copy of it and a one-line kustomization:
 * kustomize's load restrictor refuses files outside a kustomization's root, but accepts
 * folders anywhere, and a kustomization of one file emits that file's objects unchanged.
 */
export function localizeRemoteRefs(treeDir: string): LocalizedRef[] {
  const remoteDir = join(treeDir, REMOTE_DIR);
  const refs: LocalizedRef[] = [];
  for (const { file, text, remote } of findRemoteEntries(treeDir)) {
    let rewritten = text;
    // Back to front, so earlier offsets stay valid.
    for (const entry of [...remote].sort((a, b) => b.start - a.start)) {
      const ref = parseRemoteRef(entry.value);
      const cached = join(remoteDir, ref.cachePath);
      const present = existsSync(cached);
      refs.push({
        file: toPosix(relative(treeDir, file)),
        url: ref.url,
        cachePath: ref.cachePath,
        localized: present,
      });
      if (!present) continue;
      const target = statSync(cached).isFile() ? wrapFile(remoteDir, ref.cachePath) : cached;
      const replacement = JSON.stringify(toPosix(relative(dirname(file), target)));
      rewritten = rewritten.slice(0, entry.start) + replacement + rewritten.slice(entry.end);
    }
    writeFileSync(file, rewritten);
  }
  return refs.sort((a, b) => a.file.localeCompare(b.file) || a.url.localeCompare(b.url));
}

/** Every kustomization in the tree that names remote references, with its text and them. */
export function findRemoteEntries(
  treeDir: string,
): { file: string; text: string; remote: KustomizationEntry[] }[] {
  return findKustomizationFiles(treeDir)
    .map((file) => {
      const { text, entries } = readKustomizationEntries(file);
      return { file, text, remote: entries.filter((entry) => isRemoteRef(entry.value)) };
    })
    .filter((found) => found.remote.length > 0);
}

/**
 * The wrapper is always made afresh from the cached original, which is what the lock
 * hashes: a wrapper found in place (shipped with the cache) would bypass that hash.
 */
function wrapFile(remoteDir: string, cachePath: string): string {
  const wrapper = join(remoteDir, FILE_WRAPPERS, cachePath);
  const name = basename(cachePath);
  rmSync(wrapper, { recursive: true, force: true });
  mkdirSync(wrapper, { recursive: true });
  copyFileSync(join(remoteDir, cachePath), join(wrapper, name));
  writeFileSync(
    join(wrapper, 'kustomization.yaml'),
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ${JSON.stringify(name)}\n`,
  );
  return wrapper;
}

/** Every kustomization file of the tree (not under .kfcharts-remote or .git), sorted. */
function findKustomizationFiles(treeDir: string): string[] {
  const found: string[] = [];
  const names = new Set<string>(KUSTOMIZATION_FILE_NAMES);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === REMOTE_DIR || entry.name === '.git') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && names.has(entry.name)) found.push(path);
    }
  };
  walk(treeDir);
  return found.sort();
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}
