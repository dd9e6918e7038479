import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KfchartsError } from '../errors.ts';
import { type LocalizedRef, localizeRemoteRefs, REMOTE_DIR } from '../kustomize/localize.ts';
import type { Paths } from '../paths.ts';
import { extractTarGz } from './archive.ts';
import { sha256, sha256File, treeHash } from './hash.ts';
import { defaultLockPath, readLock, type UpstreamLock } from './lock.ts';
import { parseRemoteRef } from './remote-ref.ts';

/** Bump when the working-tree layout or localization changes, to invalidate caches. */
const WORKTREE_FORMAT = 'kfcharts-worktree-1';

export interface UpstreamOptions {
  readonly paths: Paths;
  /** Pinned build: this lock file (default upstream.lock.yaml). */
  readonly lockPath?: string;
  /** Another upstream tree instead of the pinned one: a folder or a .tar.gz. */
  readonly manifests?: string;
  /** Remote-reference cache: a folder or a .tar.gz (default: the mirror's). */
  readonly remoteCache?: string;
  readonly log?: (line: string) => void;
  readonly fetch?: typeof fetch;
}

/** An upstream tree ready for kustomize: extracted, hash-checked, remote refs localized. */
export interface UpstreamTree {
  readonly tag: string;
  readonly pinned: boolean;
  /** Working copy; kustomize runs here. Read-only for everything after this stage. */
  readonly dir: string;
  readonly treeSha256: string;
  readonly refs: readonly LocalizedRef[];
}

interface WorktreeMarker {
  readonly format: string;
  readonly tag: string;
  readonly treeSha256: string;
  readonly refs: readonly LocalizedRef[];
}

/**
 * Stage 1+2 of the pipeline: resolve upstream and localize remote refs. The working
 * tree is cached under .cache/work/<hash of inputs>; it is made in a temp folder and
 * renamed into place, so a failed or interrupted run leaves no half-made tree.
 */
export async function resolveUpstream(options: UpstreamOptions): Promise<UpstreamTree> {
  const log = options.log ?? (() => {});
  const { paths } = options;
  const lock =
    options.manifests === undefined ? readLock(options.lockPath ?? defaultLockPath) : undefined;

  const input = lock ? await pinnedArchive(lock, options) : localInput(options.manifests as string);
  const remoteInput =
    options.remoteCache ?? join(paths.mirrorDir, lock?.remoteCache.mirror ?? 'remote-cache.tar.gz');
  if (options.remoteCache !== undefined && !existsSync(remoteInput)) {
    throw new KfchartsError('upstream-missing', `remote cache ${remoteInput} does not exist`);
  }
  const remoteKey = existsSync(remoteInput) ? inputHash(remoteInput) : 'none';

  const key = sha256(
    `${WORKTREE_FORMAT}\n${input.hash}\n${remoteKey}\n${lock ? JSON.stringify(lock) : 'unpinned'}`,
  );
  const workDir = join(paths.cacheDir, 'work', key);
  const markerPath = join(workDir, 'worktree.json');
  if (existsSync(markerPath)) {
    const marker = JSON.parse(readFileSync(markerPath, 'utf8')) as WorktreeMarker;
    log(`upstream ${marker.tag}: cached working tree ${workDir}`);
    return {
      tag: marker.tag,
      pinned: lock !== undefined,
      dir: join(workDir, 'tree'),
      treeSha256: marker.treeSha256,
      refs: marker.refs,
    };
  }

  const tmp = `${workDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    const treeDir = join(tmp, 'tree');
    if (input.kind === 'dir') cpSync(input.path, treeDir, { recursive: true });
    else await extractTarGz(input.path, treeDir, input.strip);
    const treeSha256 = treeHash(treeDir);
    if (lock && treeSha256 !== lock.upstream.treeSha256) {
      // A bad download must not poison the cache for the next run.
      if (input.downloaded) rmSync(input.path, { force: true });
      throw new KfchartsError(
        'upstream-hash-mismatch',
        `${input.path}: content hash does not match the lock for ${lock.upstream.repository} ${lock.upstream.tag}`,
        {
          details: `expected treeSha256 ${lock.upstream.treeSha256}\nactual   treeSha256 ${treeSha256}`,
        },
      );
    }
    if (existsSync(remoteInput))
      await placeRemoteCache(remoteInput, join(treeDir, REMOTE_DIR), lock);
    else log(`remote cache ${remoteInput} not found: remote references cannot be resolved`);
    const refs = localizeRemoteRefs(treeDir);
    const tag = lock?.upstream.tag ?? input.tag;
    const marker: WorktreeMarker = { format: WORKTREE_FORMAT, tag, treeSha256, refs };
    writeFileSync(join(tmp, 'worktree.json'), `${JSON.stringify(marker, null, 2)}\n`);
    mkdirSync(dirname(workDir), { recursive: true });
    rmSync(workDir, { recursive: true, force: true });
    renameSync(tmp, workDir);
    log(
      `upstream ${tag}: tree ${treeSha256.slice(0, 12)} extracted, ${refs.filter((r) => r.localized).length} remote refs localized`,
    );
    return { tag, pinned: lock !== undefined, dir: join(workDir, 'tree'), treeSha256, refs };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

interface Input {
  readonly kind: 'dir' | 'tar';
  readonly path: string;
  readonly hash: string;
  readonly tag: string;
  readonly strip: number;
  /** Fetched from the forge into the cache (not the mirror, not the user's). */
  readonly downloaded?: boolean;
}

async function pinnedArchive(lock: UpstreamLock, options: UpstreamOptions): Promise<Input> {
  const { paths } = options;
  const mirrored = join(paths.mirrorDir, lock.upstream.mirror);
  let path = mirrored;
  const downloaded = !existsSync(mirrored);
  if (downloaded) {
    path = join(paths.cacheDir, 'downloads', `${basename(lock.upstream.mirror)}`);
    if (!existsSync(path)) await download(lock.upstream.url, path, mirrored, options);
  }
  const hash = sha256File(path);
  if (hash !== lock.upstream.mirrorSha256) {
    // Not fatal: the forge's tarball differs from the mirror's as bytes; the tree hash decides.
    options.log?.(
      `${path}: sha256 ${hash.slice(0, 12)} is not the mirror's pin; checking the tree hash`,
    );
  }
  return { kind: 'tar', path, hash, tag: lock.upstream.tag, strip: 1, downloaded };
}

function localInput(path: string): Input {
  if (!existsSync(path))
    throw new KfchartsError('upstream-missing', `--manifests ${path} does not exist`);
  const isDir = statSync(path).isDirectory();
  const name = isDir ? basename(path) : basename(path).replace(/\.(tar\.gz|tgz)$/, '');
  const tag = /^manifests-(.+)$/.exec(name)?.[1] ?? name;
  // A tarball of upstream's layout has one top folder (manifests-<tag>/); strip it.
  return { kind: isDir ? 'dir' : 'tar', path, hash: inputHash(path), tag, strip: isDir ? 0 : 1 };
}

function inputHash(path: string): string {
  return statSync(path).isDirectory() ? treeHash(path) : sha256File(path);
}

async function placeRemoteCache(
  input: string,
  dest: string,
  lock: UpstreamLock | undefined,
): Promise<void> {
  if (statSync(input).isDirectory()) cpSync(input, dest, { recursive: true });
  else await extractTarGz(input, dest, 0);
  for (const ref of lock?.remoteCache.refs ?? []) {
    const root = join(dest, parseRemoteRef(ref.url).cacheRoot);
    if (!existsSync(root)) continue; // reported with the component that needs it
    const actual = treeHash(root);
    if (actual !== ref.sha256) {
      throw new KfchartsError(
        'remote-ref-hash-mismatch',
        `${input}: cached ${ref.url} does not match the lock`,
        {
          details: `path     ${ref.cachePath}\nexpected sha256 ${ref.sha256}\nactual   sha256 ${actual}`,
        },
      );
    }
  }
}

async function download(
  url: string,
  dest: string,
  mirrored: string,
  options: UpstreamOptions,
): Promise<void> {
  options.log?.(`${mirrored} not found; downloading ${url}`);
  const fetchFn = options.fetch ?? fetch;
  let body: Uint8Array;
  try {
    const response = await fetchFn(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = new Uint8Array(await response.arrayBuffer());
  } catch (cause) {
    throw new KfchartsError(
      'upstream-missing',
      `upstream archive not in the mirror (${mirrored}) and download of ${url} failed: ${String(cause)}`,
      { cause },
    );
  }
  mkdirSync(dirname(dest), { recursive: true });
  writeFileSync(`${dest}.tmp`, body);
  renameSync(`${dest}.tmp`, dest);
}
