import { appendFileSync, cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromFsError } from '../../src/errors.ts';
import { fixtures, runCli, snapshot, tempDir } from './helpers.ts';

/**
 * File-system trouble in kfcharts' own inputs and outputs exits 1 with a message naming
 * the path (never 70 with a stack trace), and no walk leaves the tree.
 */
const fixtureArgs = [
  '--components',
  join(fixtures, 'mini-components.yaml'),
  '--releases',
  join(fixtures, 'mini-releases.yaml'),
];

interface Case {
  readonly root: string;
  readonly tree: string;
  readonly dist: string;
  readonly cache: string;
}

/** A temp root with a copy of the mini upstream tree and a dist holding an earlier build. */
function setUp(edit: (tree: string, root: string) => void = () => {}): Case {
  const root = tempDir('hostile-fs');
  const tree = join(root, 'manifests-1.0');
  cpSync(join(fixtures, 'mini-upstream/manifests-0.1.0'), tree, { recursive: true });
  const dist = join(root, 'dist');
  mkdirSync(join(dist, 'charts'), { recursive: true });
  writeFileSync(join(dist, 'charts/install.sh'), 'an earlier build\n');
  edit(tree, root);
  return { root, tree, dist, cache: join(root, 'cache') };
}

async function expectError(
  c: Case,
  args: string[],
  error: string,
  env: Record<string, string> = {},
): Promise<void> {
  const before = snapshot(c.dist);
  const result = await runCli(args, {
    KFCHARTS_DIST_DIR: c.dist,
    KFCHARTS_CACHE_DIR: c.cache,
    ...env,
  });
  const errors = result.stderr.split('\n').filter((line) => line.startsWith('kfcharts:'));
  expect(errors).toEqual([error]);
  expect(result.stderr).not.toContain('internal error');
  expect(result.code).toBe(1);
  expect(snapshot(c.dist)).toEqual(before);
}

describe('symbolic links in a --manifests tree', () => {
  it('hostile: a dangling link is refused, naming it', async () => {
    const c = setUp((tree) => symlinkSync('nowhere.yaml', join(tree, 'apps/alpha/extra.yaml')));
    const link = join(c.tree, 'apps/alpha/extra.yaml');
    await expectError(
      c,
      ['build', '--manifests', c.tree, ...fixtureArgs],
      `kfcharts: error [tree-invalid]: ${link}: symbolic link to nowhere.yaml points at nothing`,
    );
  });

  it('hostile: a looping pair of links is refused, naming the first', async () => {
    const c = setUp((tree) => {
      symlinkSync('b', join(tree, 'apps/alpha/a'));
      symlinkSync('a', join(tree, 'apps/alpha/b'));
    });
    await expectError(
      c,
      ['build', '--manifests', c.tree, ...fixtureArgs],
      `kfcharts: error [tree-invalid]: ${join(c.tree, 'apps/alpha/a')}: symbolic link to b loops`,
    );
  });

  it('hostile: a link to / is refused, never walked', async () => {
    const c = setUp((tree) => symlinkSync('/', join(tree, 'apps/alpha/root')));
    await expectError(
      c,
      ['build', '--manifests', c.tree, ...fixtureArgs],
      `kfcharts: error [tree-invalid]: ${join(c.tree, 'apps/alpha/root')}: symbolic link to / leaves ${c.tree}`,
    );
  });

  it('hostile: a relative link up out of the tree is refused', async () => {
    const c = setUp((tree, root) => {
      writeFileSync(join(root, 'secret.yaml'), 'kind: Secret\n');
      symlinkSync('../../../secret.yaml', join(tree, 'apps/alpha/secret.yaml'));
    });
    await expectError(
      c,
      ['build', '--manifests', c.tree, ...fixtureArgs],
      `kfcharts: error [tree-invalid]: ${join(c.tree, 'apps/alpha/secret.yaml')}: symbolic link to ../../../secret.yaml leaves ${c.tree}`,
    );
  });
});

describe('walks stay in the tree', () => {
  it('hostile: a resources entry "/" is refused before any walk', async () => {
    const c = setUp((tree) => appendFileSync(join(tree, 'apps/alpha/kustomization.yaml'), '- /\n'));
    await expectError(
      c,
      ['build', '--manifests', c.tree, ...fixtureArgs],
      'kfcharts: error [tree-invalid]: apps/alpha/kustomization.yaml: "/" leaves the upstream tree',
    );
  });

  it('hostile: a file:// git reference is refused, not cloned by kustomize past the lock', async () => {
    const c = setUp((tree) =>
      appendFileSync(
        join(tree, 'apps/alpha/kustomization.yaml'),
        '- file:///tmp/evil-repo//manifests?ref=v1\n',
      ),
    );
    await expectError(
      c,
      ['build', '--manifests', c.tree, ...fixtureArgs],
      'kfcharts: error [remote-ref-missing]: apps/alpha/kustomization.yaml: "file:///tmp/evil-repo//manifests?ref=v1" is a reference kustomize would fetch itself; kfcharts builds offline from pinned references (https://, git@, ssh://, github.com/...) only',
    );
  });
});

describe('kfcharts folders that are not folders', () => {
  it('hostile: KFCHARTS_CACHE_DIR is a file', async () => {
    const c = setUp((_tree, root) => writeFileSync(join(root, 'cache-file'), 'x'));
    const cache = join(c.root, 'cache-file');
    await expectError(
      c,
      ['build', '--manifests', c.tree, ...fixtureArgs],
      `kfcharts: error [fs-failed]: cache folder (KFCHARTS_CACHE_DIR) ${cache} is not a usable folder: mkdir failed: it already exists (EEXIST)`,
      { KFCHARTS_CACHE_DIR: cache },
    );
  });

  it('hostile: verify with KFCHARTS_DIST_DIR below a file fails at once, naming the path', async () => {
    const c = setUp((_tree, root) => writeFileSync(join(root, 'dist-file'), 'x'));
    const result = await runCli(['verify', '--manifests', c.tree, ...fixtureArgs], {
      KFCHARTS_DIST_DIR: join(c.root, 'dist-file'),
      KFCHARTS_CACHE_DIR: c.cache,
    });
    expect(result.stderr).toBe(
      `kfcharts: error [fs-failed]: ${join(c.root, 'dist-file', 'verify.json')}: lstat failed: a part of the path is a file, not a folder (ENOTDIR)\n`,
    );
    expect(result.code).toBe(1);
  });

  it('hostile: a read-only dist (EROFS, EACCES, ENOSPC) becomes an error naming path and operation', () => {
    // A real read-only mount needs privileges the tests lack (and root ignores modes).
    for (const [code, reason] of [
      ['EROFS', 'read-only file system'],
      ['EACCES', 'permission denied'],
      ['ENOSPC', 'no space left on the device'],
    ]) {
      const error = Object.assign(new Error(`${code}: x`), {
        code,
        syscall: 'open',
        path: '/dist/verify.json',
      });
      expect(fromFsError(error)?.message).toBe(
        `/dist/verify.json: open failed: ${reason} (${code})`,
      );
      expect(fromFsError(error)?.code).toBe('fs-failed');
    }
    expect(fromFsError(new TypeError('a bug'))).toBeUndefined();
  });
});
