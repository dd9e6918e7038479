import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheMaxBytes, listCacheEntries, pruneCache } from '../../src/cache.ts';
import { runCli, tempDir } from '../integration/helpers.ts';

const KIB = 1024;
const key = (n: number) => n.toString(16).padStart(64, '0');
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

/** A cache folder with three working trees and three kustomize outputs of known size and age. */
function fakeCache(): string {
  const cache = tempDir('cache');
  const tree = (n: number, kib: number, age: number) => {
    const dir = join(cache, 'work', key(n));
    mkdirSync(join(dir, 'tree'), { recursive: true });
    writeFileSync(join(dir, 'tree', 'big'), Buffer.alloc(kib * KIB));
    writeFileSync(join(dir, 'worktree.json'), '{}');
    utimesSync(join(dir, 'worktree.json'), hoursAgo(age), hoursAgo(age));
  };
  const output = (n: number, kib: number, age: number, suffix = '.yaml') => {
    mkdirSync(join(cache, 'kustomize'), { recursive: true });
    const file = join(cache, 'kustomize', `${key(n)}${suffix}`);
    writeFileSync(file, Buffer.alloc(kib * KIB));
    utimesSync(file, hoursAgo(age), hoursAgo(age));
  };
  tree(1, 100, 5); // oldest
  tree(2, 100, 1);
  tree(3, 100, 0); // in use: used just now
  output(4, 10, 4);
  output(5, 10, 2, '.yaml.error');
  output(6, 10, 0);
  writeFileSync(join(cache, 'kustomize', 'notes.txt'), 'not an entry');
  return cache;
}

describe('cache pruning (least recently used first)', () => {
  it('lists trees, outputs and cached failures with their size', () => {
    const entries = listCacheEntries(fakeCache());
    expect(entries.map((e) => e.name).sort()).toEqual(
      [
        `work/${key(1)}`,
        `work/${key(2)}`,
        `work/${key(3)}`,
        `kustomize/${key(4)}.yaml`,
        `kustomize/${key(5)}.yaml.error`,
        `kustomize/${key(6)}.yaml`,
      ].sort(),
    );
    expect(entries.find((e) => e.name === `work/${key(1)}`)?.bytes).toBe(100 * KIB + 2);
  });

  it('removes the oldest entries until the cache fits, and no more', () => {
    const cache = fakeCache();
    // 330 KiB in all; a 225 KiB cap needs the oldest tree (5 h) and output (4 h) gone.
    const result = pruneCache(cache, 225 * KIB, Date.now() - 60_000);
    expect(result.removed.map((e) => e.name)).toEqual([
      `work/${key(1)}`,
      `kustomize/${key(4)}.yaml`,
    ]);
    expect(existsSync(join(cache, 'work', key(1)))).toBe(false);
    expect(existsSync(join(cache, 'work', key(2)))).toBe(true);
    expect(result.keptBytes).toBeLessThanOrEqual(225 * KIB);
    expect(existsSync(join(cache, 'kustomize', 'notes.txt'))).toBe(true);
  });

  it('never removes an entry in use, even under a cap of 0', () => {
    const cache = fakeCache();
    const result = pruneCache(cache, 0, Date.now() - 60_000);
    expect(result.removed).toHaveLength(4);
    expect(existsSync(join(cache, 'work', key(3), 'tree', 'big'))).toBe(true);
    expect(existsSync(join(cache, 'kustomize', `${key(6)}.yaml`))).toBe(true);
    expect(result.overBytes).toBe(result.keptBytes);
  });

  it('removes leftovers of dead processes whatever the cap, not those of running ones', () => {
    const cache = tempDir('cache');
    const dead = join(cache, 'work', `${key(7)}.tmp-99999999`);
    const mine = join(cache, 'work', `fresh-${process.pid}-x`);
    for (const dir of [dead, mine]) {
      mkdirSync(dir, { recursive: true });
      utimesSync(dir, hoursAgo(3), hoursAgo(3));
    }
    expect(pruneCache(cache, 1024 * KIB).removed.map((e) => e.name)).toEqual([
      `work/${key(7)}.tmp-99999999`,
    ]);
    expect(existsSync(mine)).toBe(true);
  });

  it('reads the cap from KFCHARTS_CACHE_MAX_MIB and refuses a bad one', () => {
    expect(cacheMaxBytes({})).toBe(2048 * 1024 * 1024);
    expect(cacheMaxBytes({ KFCHARTS_CACHE_MAX_MIB: '5' })).toBe(5 * 1024 * 1024);
    expect(() => cacheMaxBytes({ KFCHARTS_CACHE_MAX_MIB: '1.5G' })).toThrow(
      /KFCHARTS_CACHE_MAX_MIB must be a whole number of MiB/,
    );
  });

  it('kfcharts cache prune --max-size reports each removal', async () => {
    const cache = fakeCache();
    const result = await runCli(['cache', 'prune', '--max-size', '0'], {
      KFCHARTS_CACHE_DIR: cache,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`removed work/${key(1)} (100.0 KiB`);
    expect(result.stdout).toMatch(/4 entries removed \(220\.0 KiB\); 2 left/);
    expect(result.stdout).toContain('over the cap by 110.0 KiB: in use');
  });

  it('hostile: a bad size or subcommand is a usage error (exit 2)', async () => {
    const bad = await runCli(['cache', 'prune', '--max-size', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-size must be a whole number of MiB');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const none = await runCli(['cache', 'clean']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('cache takes one subcommand, prune; got clean');
  });
});
