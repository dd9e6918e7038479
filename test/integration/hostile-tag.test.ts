import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create } from 'tar';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderLock } from '../../src/upstream/lock.ts';
import { fixtures, projectRoot, runCli, snapshot, tempDir } from './helpers.ts';

/**
 * The upstream tag reaches NOTES.txt (a Go template), Chart.yaml, values.yaml comments
 * and install.sh: a hostile folder, archive, lock or --tag is refused where it enters,
 * before anything is written.
 */
const RULE =
  "is not a valid tag (letters, digits, '.', '_', '+', '-'; at most 64 characters, starting with a letter or digit)";
const fixtureArgs = [
  '--components',
  join(fixtures, 'mini-components.yaml'),
  '--releases',
  join(fixtures, 'mini-releases.yaml'),
];
let root: string;
let dist: string;
let before: Map<string, string>;

function env(): Record<string, string> {
  return { KFCHARTS_DIST_DIR: dist, KFCHARTS_CACHE_DIR: join(root, 'cache') };
}

/** The mini upstream tree copied into a folder of this name. */
function treeNamed(name: string): string {
  const dir = join(root, 'trees', name);
  mkdirSync(join(root, 'trees'), { recursive: true });
  cpSync(join(fixtures, 'mini-upstream/manifests-0.1.0'), dir, { recursive: true });
  return dir;
}

async function expectRefused(args: string[], message: string): Promise<void> {
  const result = await runCli(args, env());
  expect(result.stderr).toBe(`kfcharts: error [tag-invalid]: ${message}\n`);
  expect(result.code).toBe(1);
  expect(snapshot(dist)).toEqual(before);
}

beforeAll(() => {
  root = tempDir('hostile-tag');
  dist = join(root, 'dist');
  mkdirSync(join(dist, 'charts'), { recursive: true });
  writeFileSync(join(dist, 'charts/install.sh'), 'an earlier build\n');
  before = snapshot(dist);
});

describe('a hostile upstream tag is refused where it enters', () => {
  it('hostile: --manifests folder manifests-{{ fail "x" }} (a template action)', async () => {
    const dir = treeNamed('manifests-{{ fail "x" }}');
    await expectRefused(
      ['build', '--manifests', dir, ...fixtureArgs],
      `--manifests ${dir}: upstream tag "{{ fail \\"x\\" }}" ${RULE}`,
    );
  });

  it('hostile: --manifests folder with a newline (injected values.yaml lines)', async () => {
    const dir = treeNamed('manifests-1.0\nevil: true');
    await expectRefused(
      ['build', '--manifests', dir, ...fixtureArgs],
      `--manifests ${dir}: upstream tag "1.0\\nevil: true" ${RULE}`,
    );
  });

  it('hostile: --manifests archive manifests-$(id).tar.gz (shell syntax for install.sh)', async () => {
    const tree = treeNamed('manifests-0.1.0');
    const archive = join(root, 'manifests-$(id).tar.gz');
    await create({ gzip: true, file: archive, cwd: join(tree, '..'), portable: true }, [
      'manifests-0.1.0',
    ]);
    await expectRefused(
      ['images', '--manifests', archive, ...fixtureArgs],
      `--manifests ${archive}: upstream tag "$(id)" ${RULE}`,
    );
  });

  it('hostile: a lock file whose upstream.tag holds a template action', async () => {
    const lock = join(root, 'lock.yaml');
    const text = readFileSync(join(projectRoot, 'upstream/26.03.yaml'), 'utf8');
    writeFileSync(lock, text.replace(/^(\s+tag:) .*$/m, '$1 "26.03{{ .Values }}"'));
    await expectRefused(
      ['build', '--lock', lock],
      `${lock}: upstream.tag: upstream tag "26.03{{ .Values }}" ${RULE}`,
    );
  });

  it('hostile: lock --tag ../../etc (a path out of the mirror)', async () => {
    await expectRefused(
      ['lock', '--tag', '../../etc', '--out', join(root, 'out.yaml')],
      `--tag: upstream tag "../../etc" ${RULE}`,
    );
  });
});

describe('the working-tree cache is keyed by the tag too', () => {
  it('hostile: one content under two names builds each under its own tag, from one cache', async () => {
    // Release data without expectations: the mini tree has none of Kubeflow's components.
    const data = join(root, 'mini-data.yaml');
    writeFileSync(
      data,
      renderLock({
        upstream: {
          repository: 'example-org/mini',
          tag: '0.1.0',
          url: 'https://example.org/mini-0.1.0.tar.gz',
          mirror: 'mini/0.1.0.tar.gz',
          mirrorSha256: '0'.repeat(64),
          treeSha256: '0'.repeat(64),
        },
        remoteCache: { mirror: 'remote-cache.tar.gz', refs: [] },
      }),
    );
    const appVersions: string[] = [];
    for (const name of ['manifests-1.0.0', 'manifests-2.0.0']) {
      const out = join(root, `dist-${name}`);
      const tree = treeNamed(name);
      const cache = join(fixtures, 'mini-remote-cache');
      const result = await runCli(
        ['build', '--manifests', tree, '--remote-cache', cache, '--lock', data, ...fixtureArgs],
        {
          KFCHARTS_DIST_DIR: out,
          KFCHARTS_CACHE_DIR: join(root, 'cache-shared'),
        },
      );
      expect(result.code, result.stderr).toBe(0);
      const chart = readFileSync(join(out, 'charts/mini/Chart.yaml'), 'utf8');
      appVersions.push(/^appVersion: "?([^"\n]+)"?$/m.exec(chart)?.[1] ?? '');
    }
    expect(appVersions).toEqual(['1.0.0', '2.0.0']);
  });
});
