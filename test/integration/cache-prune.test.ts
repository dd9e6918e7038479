import { cpSync, existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { listCacheEntries } from '../../src/cache.ts';
import { fixtures, makeMirror, runCli, snapshot, tempDir } from './helpers.ts';

/**
 * The automatic cap after a build, on the mini upstream: with KFCHARTS_CACHE_MAX_MIB=0 an
 * old, unused tree goes, while everything the running build uses stays (and is reported
 * as keeping the cache over its cap).
 */
it('a build prunes least-recently-used entries but never its own', async () => {
  const root = tempDir('cache-prune');
  const mirror = await makeMirror(join(root, 'pristine'));
  const cache = join(root, 'cache');
  const lock = join(root, 'lock.yaml');
  const env = (extra: Record<string, string> = {}) => ({
    KFCHARTS_UPSTREAM_MIRROR: mirror,
    KFCHARTS_CACHE_DIR: cache,
    KFCHARTS_DIST_DIR: join(root, 'dist'),
    ...extra,
  });
  const args = [
    'build',
    '--lock',
    lock,
    '--components',
    join(fixtures, 'mini-components.yaml'),
    '--releases',
    join(fixtures, 'mini-releases.yaml'),
  ];
  const components = join(fixtures, 'mini-components.yaml');
  expect(
    (await runCli(['lock', '--tag', '0.1.0', '--components', components, '--out', lock], env()))
      .code,
  ).toBe(0);
  const first = await runCli(args, env());
  expect(first.code).toBe(0);
  expect(first.stderr).not.toContain('cache:'); // far under the default cap
  expect(first.stderr).not.toContain('charts: cached');
  const built = snapshot(join(root, 'dist'));

  const [tree] = readdirSync(join(cache, 'work'));
  const stale = join(cache, 'work', 'f'.repeat(64)); // a tree of some earlier input
  cpSync(join(cache, 'work', tree as string), stale, { recursive: true });
  const dayAgo = new Date(Date.now() - 86_400_000);
  for (const entry of listCacheEntries(cache)) {
    const marker = join(entry.path, 'worktree.json');
    const path = existsSync(marker) ? marker : entry.path;
    utimesSync(path, dayAgo, dayAgo);
  }

  const second = await runCli(args, env({ KFCHARTS_CACHE_MAX_MIB: '0' }));
  expect(second.code).toBe(0);
  expect(second.stderr).toContain(`cache: removed work/${'f'.repeat(64)}`);
  expect(second.stderr).toMatch(/cache: \d+ entries removed .*over the cap by .*: in use/);
  expect(existsSync(stale)).toBe(false);
  // The build's own tree and kustomize outputs, used again a moment ago, stay.
  const own = /cached working tree (\S+)/.exec(second.stderr)?.[1];
  expect(own).toBeDefined();
  expect(existsSync(join(own as string, 'worktree.json'))).toBe(true);
  expect(readdirSync(join(cache, 'kustomize')).length).toBeGreaterThan(0);
  // The whole pipeline's chart files came from the cache, byte for byte what it built.
  expect(second.stderr).toContain('charts: cached');
  expect(snapshot(join(root, 'dist'))).toEqual(built);
});

it('a change of an input of the pipeline is a new chart-files key, and --no-cache reads none', async () => {
  const root = tempDir('cache-key');
  const mirror = await makeMirror(join(root, 'pristine'));
  const lock = join(root, 'lock.yaml');
  const components = join(fixtures, 'mini-components.yaml');
  const env = {
    KFCHARTS_UPSTREAM_MIRROR: mirror,
    KFCHARTS_CACHE_DIR: join(root, 'cache'),
    KFCHARTS_DIST_DIR: join(root, 'dist'),
  };
  const args = [
    'build',
    '--lock',
    lock,
    '--components',
    components,
    '--releases',
    join(fixtures, 'mini-releases.yaml'),
  ];
  expect(
    (await runCli(['lock', '--tag', '0.1.0', '--components', components, '--out', lock], env)).code,
  ).toBe(0);
  expect((await runCli(args, env)).stderr).not.toContain('charts: cached');
  expect((await runCli(args, env)).stderr).toContain('charts: cached');
  const uncached = await runCli([...args, '--no-cache'], env);
  expect(uncached.code).toBe(0);
  expect(uncached.stderr).not.toContain('charts: cached');
  // Its fresh tree is removed once the chart files are in memory.
  expect(readdirSync(join(root, 'cache', 'work')).filter((n) => n.startsWith('fresh-'))).toEqual(
    [],
  );
  // A new chartRevision (release data) changes the charts' version: not the cached files.
  expect(readFileSync(lock, 'utf8')).not.toMatch(/^chartRevision:/m);
  writeFileSync(lock, `${readFileSync(lock, 'utf8')}chartRevision: 1\n`);
  const bumped = await runCli(args, env);
  expect(bumped.code).toBe(0);
  expect(bumped.stderr).not.toContain('charts: cached');
  expect(readFileSync(join(root, 'dist', 'charts', 'mini-crds', 'Chart.yaml'), 'utf8')).toMatch(
    /^version: 0\.1\.0\+kfcharts\.1$/m,
  );
});
