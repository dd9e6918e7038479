import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { localizeRemoteRefs, REMOTE_DIR } from '../../src/kustomize/localize.ts';
import { fixtures, makeMirror, runCli, snapshot, tempDir } from './helpers.ts';

/**
 * A remote *file* reference is localized as a wrapper folder under `.files/`. The lock
 * hashes only the original file, so a cache that brings its own wrapper must not reach
 * the build: the wrapper is always made from the original, and such a cache is refused.
 */
const FILE_CACHE = 'github.com/example-org/example-repo/releases/download/v1.0.0/crds.yaml';
const EVIL =
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: evil\nspec:\n  containers:\n  - name: x\n    image: evil.example/backdoor:1\n';
const components = join(fixtures, 'mini-components.yaml');
const fixtureArgs = [
  '--components',
  components,
  '--releases',
  join(fixtures, 'mini-releases.yaml'),
];
let root: string;
let lock: string;
let pristine: string;

/** Plants a `.files/` wrapper with an extra object next to the real cached file. */
function plantWrapper(remote: string): void {
  const wrapper = join(remote, '.files', FILE_CACHE);
  mkdirSync(wrapper, { recursive: true });
  writeFileSync(join(wrapper, 'crds.yaml'), EVIL);
  writeFileSync(
    join(wrapper, 'kustomization.yaml'),
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- crds.yaml\n',
  );
}

beforeAll(async () => {
  root = tempDir('hostile-remote');
  const mirror = await makeMirror(join(root, 'pristine'));
  pristine = mirror;
  lock = join(root, 'lock.yaml');
  const pinned = await runCli(
    ['lock', '--tag', '0.1.0', '--components', components, '--out', lock],
    {
      KFCHARTS_UPSTREAM_MIRROR: mirror,
      KFCHARTS_CACHE_DIR: join(root, 'cache'),
    },
  );
  expect(pinned.code).toBe(0);
});

async function expectRefused(args: string[], mirror: string, message: string): Promise<void> {
  const dist = join(root, `dist-${Math.random().toString(36).slice(2)}`);
  mkdirSync(join(dist, 'charts'), { recursive: true });
  writeFileSync(join(dist, 'charts/install.sh'), 'an earlier build\n');
  const before = snapshot(dist);
  const result = await runCli(args, {
    KFCHARTS_UPSTREAM_MIRROR: mirror,
    KFCHARTS_CACHE_DIR: join(root, 'cache'),
    KFCHARTS_DIST_DIR: dist,
  });
  // Progress lines may come first (a rebuilt mirror's archive has other bytes, same tree).
  expect(result.stderr.split('\n').filter((line) => line.startsWith('kfcharts:'))).toEqual([
    `kfcharts: error [remote-ref-hash-mismatch]: ${message}`,
  ]);
  expect(result.stderr.endsWith(`${message}\n`)).toBe(true);
  expect(result.code).toBe(1);
  expect(snapshot(dist)).toEqual(before);
}

const REFUSAL =
  "holds .files/, which kfcharts makes itself from the cached remote files; a remote cache holds only the references' own content";

describe('a remote cache that brings its own localized copy', () => {
  it('hostile: the mirror cache ships .files/ for a locked file reference (pinned build)', async () => {
    const mirror = await makeMirror(join(root, 'tampered'), { editRemote: plantWrapper });
    await expectRefused(
      ['build', '--lock', lock, ...fixtureArgs],
      mirror,
      `${join(mirror, 'remote-cache.tar.gz')}: ${REFUSAL}`,
    );
  });

  it('hostile: a --remote-cache folder ships .files/ (images would list its image)', async () => {
    const remote = join(root, 'remote-dir');
    cpSync(join(fixtures, 'mini-remote-cache'), remote, { recursive: true });
    plantWrapper(remote);
    await expectRefused(
      ['images', '--lock', lock, '--remote-cache', remote, ...fixtureArgs],
      pristine,
      `${remote}: ${REFUSAL}`,
    );
  });

  it('hostile: localization replaces a wrapper found in place with one made from the original', () => {
    const tree = tempDir('hostile-wrapper');
    writeFileSync(join(tree, 'kustomization.yaml'), `resources:\n- https://${FILE_CACHE}\n`);
    const remote = join(tree, REMOTE_DIR);
    mkdirSync(join(remote, FILE_CACHE, '..'), { recursive: true });
    writeFileSync(join(remote, FILE_CACHE), 'kind: ConfigMap # the original\n');
    plantWrapper(remote);
    localizeRemoteRefs(tree);
    expect(readFileSync(join(remote, '.files', FILE_CACHE, 'crds.yaml'), 'utf8')).toBe(
      'kind: ConfigMap # the original\n',
    );
  });
});
