import { lstatSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { KfchartsError } from './errors.ts';

/**
 * The size cap of the content-addressed caches (.cache/work, .cache/kustomize). Keys
 * change with every input, so without a cap every new tag, remote cache or code change
 * leaves its trees behind for good.
 */
export const DEFAULT_CACHE_MAX_MIB = 2048;

/**
 * Entries used this recently are never removed: another kfcharts process may be building
 * from them right now (it touched them when it started), and a running build must not
 * lose its tree under kustomize.
 */
export const IN_USE_GRACE_MS = 10 * 60_000;

const MIB = 1024 * 1024;
const KEY = /^[0-9a-f]{64}$/;

export interface CacheEntry {
  /** Relative to the cache folder: `work/<key>`, `kustomize/<key>.yaml[.error]`, `charts/<key>.json`. */
  readonly name: string;
  readonly path: string;
  /** Apparent size of every file in it, in bytes. */
  readonly bytes: number;
  /** Last use: the entry's mtime, which every cache hit sets to now ({@link touchCacheEntry}). */
  readonly usedMs: number;
  /** A half-made or fresh tree of a process that is gone: garbage whatever the cap. */
  readonly leftover?: boolean;
}

export interface PruneResult {
  readonly removed: readonly CacheEntry[];
  /** Entries left, and their size. */
  readonly kept: number;
  readonly keptBytes: number;
  /** Bytes still over the cap because the entries left are in use. */
  readonly overBytes: number;
  readonly maxBytes: number;
}

/** Marks an entry as used now, for least-recently-used pruning (atime is unreliable: relatime, noatime). */
export function touchCacheEntry(path: string): void {
  const now = new Date();
  try {
    utimesSync(path, now, now);
  } catch {
    // A read-only cache is still a cache; it only prunes less well.
  }
}

/**
 * Every prunable entry under `cacheDir`: complete working trees, kustomize outputs and
 * cached failures, the chart files of whole builds (charts/<key>.json), and leftovers of interrupted runs (`*.tmp-*`, `fresh-*` trees).
 * Archives under downloads/ are not entries: they are re-fetched only from the network.
 */
export function listCacheEntries(cacheDir: string): CacheEntry[] {
  const entries: CacheEntry[] = [];
  const workDir = join(cacheDir, 'work');
  for (const name of readdirOrEmpty(workDir)) {
    const leftover = /^fresh-(\d+)-|\.tmp-(\d+)$/.exec(name);
    if (!KEY.test(name) && !leftover) continue;
    // A fresh or half-made tree of a process still running is its tree in use.
    if (leftover && isRunning(Number(leftover[1] ?? leftover[2]))) continue;
    const path = join(workDir, name);
    // A complete tree's marker is what a cache hit touches; a leftover has only its folder.
    const marker = join(path, 'worktree.json');
    const usedMs = mtimeOr(marker) ?? mtimeOr(path);
    if (usedMs === undefined) continue;
    entries.push({
      name: `work/${name}`,
      path,
      bytes: sizeOf(path),
      usedMs,
      ...(leftover && { leftover: true }),
    });
  }
  const chartsDir = join(cacheDir, 'charts');
  for (const name of readdirOrEmpty(chartsDir)) {
    if (!/^[0-9a-f]{64}\.json(\.\d+\.tmp)?$/.test(name)) continue;
    const path = join(chartsDir, name);
    const stat = lstatOr(path);
    if (!stat?.isFile()) continue;
    entries.push({ name: `charts/${name}`, path, bytes: stat.size, usedMs: stat.mtimeMs });
  }
  const kustomizeDir = join(cacheDir, 'kustomize');
  for (const name of readdirOrEmpty(kustomizeDir)) {
    const key = name.replace(/\.yaml(\.error|\.\d+\.tmp)?$/, '');
    if (!KEY.test(key) || key === name) continue;
    const path = join(kustomizeDir, name);
    const stat = lstatOr(path);
    if (!stat?.isFile()) continue;
    entries.push({ name: `kustomize/${name}`, path, bytes: stat.size, usedMs: stat.mtimeMs });
  }
  return entries;
}

/**
 * Removes least-recently-used entries until the cache is at most `maxBytes`. Never removes
 * an entry used at or after `protectSince` (the running build's own, and those of builds
 * running beside it).
 */
export function pruneCache(
  cacheDir: string,
  maxBytes: number,
  protectSince: number = Date.now() - IN_USE_GRACE_MS,
): PruneResult {
  const entries = listCacheEntries(cacheDir).sort(
    (a, b) => a.usedMs - b.usedMs || a.name.localeCompare(b.name),
  );
  let total = entries.reduce((n, e) => n + e.bytes, 0);
  const removed: CacheEntry[] = [];
  for (const entry of entries) {
    if (entry.usedMs >= protectSince || (total <= maxBytes && !entry.leftover)) continue;
    rmSync(entry.path, { recursive: true, force: true });
    removed.push(entry);
    total -= entry.bytes;
  }
  return {
    removed,
    kept: entries.length - removed.length,
    keptBytes: total,
    overBytes: Math.max(0, total - maxBytes),
    maxBytes,
  };
}

/** The cap from KFCHARTS_CACHE_MAX_MIB (MiB, a whole number ≥ 0), else the default. */
export function cacheMaxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KFCHARTS_CACHE_MAX_MIB;
  return raw === undefined || raw === ''
    ? DEFAULT_CACHE_MAX_MIB * MIB
    : parseMib(raw, 'KFCHARTS_CACHE_MAX_MIB');
}

export function parseMib(raw: string, what: string): number {
  if (!/^\d+$/.test(raw.trim())) {
    throw new KfchartsError(
      'usage',
      `${what} must be a whole number of MiB (0 or more), not ${JSON.stringify(raw)}`,
    );
  }
  return Number(raw.trim()) * MIB;
}

export function formatMib(bytes: number): string {
  // Small entries (kustomize outputs, test caches) would all read 0.0 MiB.
  return bytes < MIB ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / MIB).toFixed(1)} MiB`;
}

/** One line per removed entry and a summary; for `kfcharts cache prune` and the build's log. */
export function formatPrune(result: PruneResult): string[] {
  const lines = result.removed.map(
    (e) =>
      `removed ${e.name} (${formatMib(e.bytes)}, last used ${new Date(e.usedMs).toISOString()})`,
  );
  const removedBytes = result.removed.reduce((n, e) => n + e.bytes, 0);
  lines.push(
    `${result.removed.length} entries removed (${formatMib(removedBytes)}); ${result.kept} left, ${formatMib(result.keptBytes)} of ${formatMib(result.maxBytes)}` +
      (result.overBytes > 0 ? ` (over the cap by ${formatMib(result.overBytes)}: in use)` : ''),
  );
  return lines;
}

/**
 * After a build: prune to the cap, protecting everything used since `startedMs` (the
 * command's start) or within the grace period. Logs only when something was removed or
 * the cache stays over its cap.
 */
export function autoPrune(cacheDir: string, startedMs: number, log: (line: string) => void): void {
  const result = pruneCache(
    cacheDir,
    cacheMaxBytes(),
    Math.min(startedMs, Date.now() - IN_USE_GRACE_MS),
  );
  if (result.removed.length === 0 && result.overBytes === 0) return;
  for (const line of formatPrune(result)) log(`cache: ${line}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function lstatOr(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function mtimeOr(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Apparent size of a file or folder (links counted as themselves, never followed). */
function sizeOf(path: string): number {
  const stat = lstatOr(path);
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  let bytes = 0;
  for (const name of readdirOrEmpty(path)) bytes += sizeOf(join(path, name));
  return bytes;
}
