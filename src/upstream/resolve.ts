import { randomUUID } from 'node:crypto';
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
import { touchCacheEntry } from '../cache.ts';
import { KfchartsError } from '../errors.ts';
import {
  FILE_WRAPPERS,
  type LocalizedRef,
  localizeRemoteRefs,
  REMOTE_DIR,
} from '../kustomize/localize.ts';
import { ensureFolder, type Paths } from '../paths.ts';
import { archiveTopEntries, extractTarGz } from './archive.ts';
import { sha256, sha256File, treeHash } from './hash.ts';
import { download } from './http.ts';
import { pinnedReleasePath, readLock, type UpstreamLock } from './lock.ts';
import { parseRemoteRef } from './remote-ref.ts';
import { checkTag } from './tag.ts';

/**
 * Part of every working-tree cache key: the code that makes the tree. A change to
 * extraction or localization then invalidates old trees without anyone bumping a version.
 */
const WORKTREE_CODE = sha256(
  [
    'resolve.ts',
    'archive.ts',
    'remote-ref.ts',
    'hash.ts',
    '../kustomize/localize.ts',
    '../kustomize/kustomization.ts',
  ]
    .map((file) => readFileSync(join(import.meta.dirname, file), 'utf8'))
    // The libraries that extract (tar) and read kustomizations (yaml): a new version may
    // unpack or localize differently.
    .concat(['tar', 'yaml'].map((pkg) => libraryVersion(pkg)))
    .join('\0'),
);

function libraryVersion(pkg: string): string {
  const file = join(import.meta.dirname, '../../node_modules', pkg, 'package.json');
  return `${pkg}@${(JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version}`;
}

export interface UpstreamOptions {
  readonly paths: Paths;
  /** Pinned build: this release data file (default upstream/<tag>.yaml). */
  readonly lockPath?: string;
  /** Pinned build of this upstream tag (default: the newest pinned). */
  readonly tag?: string;
  /** Another upstream tree instead of the pinned one: a folder or a .tar.gz. */
  readonly manifests?: string;
  /** Remote-reference cache: a folder or a .tar.gz (default: the mirror's). */
  readonly remoteCache?: string;
  readonly log?: (line: string) => void;
  readonly fetch?: typeof fetch;
  /** false: extract into a fresh folder (removed by dispose()), never the cached tree. */
  readonly useCache?: boolean;
}

/** An upstream tree ready for kustomize: extracted, hash-checked, remote refs localized. */
export interface UpstreamTree {
  readonly tag: string;
  readonly pinned: boolean;
  /** Working copy; kustomize runs here. Read-only for everything after this stage. */
  readonly dir: string;
  readonly treeSha256: string;
  readonly refs: readonly LocalizedRef[];
  /** Pinned build: the remote reference URLs the lock pins (and whose content it checked). */
  readonly lockedRefs: readonly string[] | undefined;
  /** The lock's chartRevision (0 without a lock). */
  readonly chartRevision: number;
  /** The release data of a pinned build (undefined for --manifests), and its file. */
  readonly lock: UpstreamLock | undefined;
  readonly lockFile: string | undefined;
  /** Removes a fresh (uncached) tree; a no-op for a cached one. */
  dispose(): void;
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
  ensureFolder(paths.cacheDir, 'cache folder (KFCHARTS_CACHE_DIR)');
  const lockFile =
    options.manifests === undefined
      ? (options.lockPath ?? pinnedReleasePath(options.tag))
      : undefined;
  const lock = lockFile === undefined ? undefined : readLock(lockFile);
  if (lock) checkTag(lock.upstream.tag, `${lockFile}: upstream.tag`);

  const input = lock ? await pinnedArchive(lock, options) : localInput(options.manifests as string);
  const remoteInput =
    options.remoteCache ?? join(paths.mirrorDir, lock?.remoteCache.mirror ?? 'remote-cache.tar.gz');
  if (options.remoteCache !== undefined && !existsSync(remoteInput)) {
    throw new KfchartsError('upstream-missing', `remote cache ${remoteInput} does not exist`);
  }
  const remoteKey = existsSync(remoteInput) ? inputHash(remoteInput) : 'none';

  const key = sha256(
    // Everything that shapes the tree and its marker: the tag too, so one content under
    // two names is two trees. Only the pin of the lock: expectations do not shape it.
    `${WORKTREE_CODE}\n${input.hash}\n${input.tag}\n${remoteKey}\n${lock ? JSON.stringify([lock.upstream, lock.remoteCache]) : 'unpinned'}`,
  );
  const cached = options.useCache !== false;
  const workDir = cached
    ? join(paths.cacheDir, 'work', key)
    : join(paths.cacheDir, 'work', `fresh-${process.pid}-${randomUUID()}`);
  const lockedRefs = lock?.remoteCache.refs.map((r) => r.url);
  const result = (marker: WorktreeMarker): UpstreamTree => ({
    tag: marker.tag,
    pinned: lock !== undefined,
    dir: join(workDir, 'tree'),
    treeSha256: marker.treeSha256,
    refs: marker.refs,
    lockedRefs,
    chartRevision: lock?.chartRevision ?? 0,
    lock,
    lockFile,
    dispose: () => {
      if (!cached) rmSync(workDir, { recursive: true, force: true });
    },
  });
  const existing = cached ? readMarker(workDir) : undefined;
  if (existing) {
    touchCacheEntry(join(workDir, 'worktree.json'));
    log(`upstream ${existing.tag}: cached working tree ${workDir}`);
    return result(existing);
  }

  const tmp = `${workDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    const treeDir = join(tmp, 'tree');
    // Seconds of work with nothing else to show: say what is happening.
    log(`upstream ${lock?.upstream.tag ?? input.tag}: extracting ${input.path}`);
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
    log(`upstream ${lock?.upstream.tag ?? input.tag}: tree hash checked; placing the remote cache`);
    if (existsSync(remoteInput))
      await placeRemoteCache(remoteInput, join(treeDir, REMOTE_DIR), lock);
    else log(`remote cache ${remoteInput} not found: remote references cannot be resolved`);
    const refs = localizeRemoteRefs(treeDir);
    const tag = lock?.upstream.tag ?? input.tag;
    const marker: WorktreeMarker = { format: WORKTREE_CODE, tag, treeSha256, refs };
    writeFileSync(join(tmp, 'worktree.json'), `${JSON.stringify(marker, null, 2)}\n`);
    mkdirSync(dirname(workDir), { recursive: true });
    if (cached) {
      const published = readMarker(workDir);
      if (published) return result(published); // another build finished the same tree first
      rmSync(workDir, { recursive: true, force: true }); // a leftover without a valid marker
    }
    try {
      renameSync(tmp, workDir);
    } catch (error) {
      // Another build published the same tree (same key, same content) first: use it,
      // never delete a published tree that another process may be building from.
      const other = readMarker(workDir);
      if (!other) throw error;
      return result(other);
    }
    log(
      `upstream ${tag}: tree ${treeSha256.slice(0, 12)} extracted, ${refs.filter((r) => r.localized).length} remote refs localized`,
    );
    return result(marker);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The marker of a complete working tree, or undefined (absent or unreadable). */
function readMarker(workDir: string): WorktreeMarker | undefined {
  try {
    const marker = JSON.parse(
      readFileSync(join(workDir, 'worktree.json'), 'utf8'),
    ) as WorktreeMarker;
    return marker.format === WORKTREE_CODE ? marker : undefined;
  } catch {
    return undefined;
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
    if (!existsSync(path)) await downloadArchive(lock.upstream.url, path, mirrored, options);
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
  const tag = checkTag(
    /^(?:manifests|community-distribution)-(.+)$/s.exec(name)?.[1] ?? name,
    `--manifests ${path}`,
  );
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
  // kfcharts writes the wrappers of remote files itself, from the hash-checked originals;
  // a cache bringing its own would put unchecked objects into the build.
  const isDir = statSync(input).isDirectory();
  const bringsWrappers = isDir
    ? existsSync(join(input, FILE_WRAPPERS))
    : (await archiveTopEntries(input).catch((): string[] => [])).includes(`${FILE_WRAPPERS}/`);
  if (bringsWrappers) {
    throw new KfchartsError(
      'remote-ref-hash-mismatch',
      `${input}: holds ${FILE_WRAPPERS}/, which kfcharts makes itself from the cached remote files; a remote cache holds only the references' own content`,
    );
  }
  if (isDir) cpSync(input, dest, { recursive: true });
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

async function downloadArchive(
  url: string,
  dest: string,
  mirrored: string,
  options: UpstreamOptions,
): Promise<void> {
  options.log?.(`${mirrored} not found; downloading ${url}`);
  let body: Uint8Array;
  try {
    body = await download({ fetch: options.fetch ?? fetch, attempts: 1, retryDelayMs: 0 }, url);
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
