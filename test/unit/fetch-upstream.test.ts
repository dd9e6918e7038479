import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { create, list } from 'tar';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KfchartsError } from '../../src/errors.ts';
import { extractTarGz } from '../../src/upstream/archive.ts';
import {
  type FetchLike,
  fetchUpstream,
  type GitRunner,
  packTree,
  runGit,
  scanRemoteRefs,
  UPSTREAM_REPOSITORY,
} from '../../src/upstream/fetch.ts';
import { treeHash } from '../../src/upstream/hash.ts';
import type { UpstreamLock } from '../../src/upstream/lock.ts';
import { tagArchiveUrl } from '../../src/upstream/lock.ts';
import { fixtures, makeMirror, runCli, tempDir } from '../integration/helpers.ts';

/**
 * scripts/fetch-upstream.ts's library, fully offline: the forge is a fake `fetch` serving
 * a tag archive made from the mini fixture, and the referenced repository is a local bare
 * git repository (made here with `git init`, a commit and a tag) reached through the
 * URL-rewrite hook. The real network path (github.com archives, `git clone` over HTTPS,
 * release assets) is exercised only in GitHub Actions.
 */

const TAG = '0.1.0';
const REPO_URL = 'https://github.com/example-org/example-repo';
const GIT_REF_URL = `${REPO_URL}/manifests/app?ref=v1.0.0`;
const FILE_URL = `${REPO_URL}/releases/download/v1.0.0/crds.yaml`;
const GIT_ROOT = 'github.com/example-org/example-repo@v1.0.0';
const FILE_CACHE = 'github.com/example-org/example-repo/releases/download/v1.0.0/crds.yaml';
const fixtureCache = join(fixtures, 'mini-remote-cache');

let root: string;
let bareRepo: string;
/** The fixture's tree packed as GitHub packs a tag: one top folder `manifests-0.1.0/`. */
let tagArchive: Uint8Array;

function git(args: string[], cwd?: string): void {
  execFileSync(
    'git',
    ['-c', 'user.name=kfcharts test', '-c', 'user.email=test@kfcharts.invalid', ...args],
    { cwd, stdio: 'pipe', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } },
  );
}

async function packTagArchive(treeParent: string, file: string): Promise<Uint8Array> {
  await create({ gzip: true, file, cwd: treeParent, portable: true }, [`manifests-${TAG}`]);
  return new Uint8Array(readFileSync(file));
}

/** A fake forge: the tag archive and the release file; 404 for anything else. */
function fakeForge(archive: Uint8Array, extra: Record<string, Response | (() => Response)> = {}) {
  const calls: string[] = [];
  const fetch: FetchLike = async (url) => {
    calls.push(url);
    const special = extra[url];
    if (special) return typeof special === 'function' ? special() : special;
    if (url === tagArchiveUrl(UPSTREAM_REPOSITORY, TAG)) return new Response(archive);
    if (url === FILE_URL) return new Response(readFileSync(join(fixtureCache, FILE_CACHE)));
    return new Response('Not Found', { status: 404 });
  };
  return { fetch, calls };
}

const rewrites: string[] = [];
function rewriteGitUrl(url: string): string {
  rewrites.push(url);
  return url === REPO_URL ? `file://${bareRepo}` : `file://${join(root, 'no-such-repo.git')}`;
}

/** The real git runner, with every call recorded. */
function recordingGit(): { git: GitRunner; calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    git: async (args) => {
      calls.push([...args]);
      await runGit(args);
    },
  };
}

async function cacheEntries(file: string): Promise<string[]> {
  const entries: string[] = [];
  await list({ file, onReadEntry: (entry) => entries.push(entry.path) });
  return entries;
}

beforeAll(async () => {
  root = tempDir('fetch-upstream');
  // The referenced repository: manifests/app as in the fixture's cache, plus files beside
  // manifests/ that the cache must leave out, as the shared mirror does.
  const work = join(root, 'example-repo');
  mkdirSync(work);
  git(['init', '--quiet', '--initial-branch=main', work]);
  cpSync(join(fixtureCache, GIT_ROOT, 'manifests'), join(work, 'manifests'), { recursive: true });
  writeFileSync(join(work, 'README.md'), '# example-repo\n');
  mkdirSync(join(work, 'docs'));
  writeFileSync(join(work, 'docs/guide.md'), 'not referenced\n');
  git(['add', '.'], work);
  git(['commit', '--quiet', '--no-gpg-sign', '-m', 'v1.0.0'], work);
  git(['tag', 'v1.0.0'], work);
  // A later commit on main that the tag must not see.
  writeFileSync(join(work, 'manifests/app/later.yaml'), 'kind: ConfigMap\n');
  git(['add', '.'], work);
  git(['commit', '--quiet', '--no-gpg-sign', '-m', 'after v1.0.0'], work);
  bareRepo = join(root, 'example-repo.git');
  git(['clone', '--quiet', '--bare', work, bareRepo]);

  tagArchive = await packTagArchive(join(fixtures, 'mini-upstream'), join(root, 'tag.tar.gz'));
});

describe('scanRemoteRefs', () => {
  it('finds every remote reference of the tree with the files that name it', () => {
    const refs = scanRemoteRefs(join(fixtures, 'mini-upstream', `manifests-${TAG}`));
    expect(refs.map((r) => [r.url, r.kind, r.cachePath, r.files])).toEqual([
      [GIT_REF_URL, 'git', `${GIT_ROOT}/manifests/app`, ['apps/beta/kustomization.yaml']],
      [FILE_URL, 'file', FILE_CACHE, ['apps/beta/kustomization.yaml']],
    ]);
  });
});

describe('fetchUpstream', () => {
  it('writes a mirror laid out like ../shared/upstream that `kfcharts lock` reads', async () => {
    const out = join(root, 'mirror');
    const forge = fakeForge(tagArchive);
    const recorder = recordingGit();
    const logs: string[] = [];
    const result = await fetchUpstream({
      tag: TAG,
      outDir: out,
      fetch: forge.fetch,
      git: recorder.git,
      rewriteGitUrl,
      log: (line) => logs.push(line),
    });

    // The tag archive, byte for byte, where the lock's `mirror` field expects it.
    expect(result.archive).toBe(join(out, 'kubeflow-manifests', `${TAG}.tar.gz`));
    expect(new Uint8Array(readFileSync(result.archive))).toEqual(tagArchive);
    // The renamed repository, not kubeflow/manifests (which GitHub only redirects).
    expect(forge.calls).toEqual([
      `https://github.com/kubeflow/community-distribution/archive/refs/tags/${TAG}.tar.gz`,
      FILE_URL,
    ]);
    expect(rewrites).toContain(REPO_URL);
    expect(recorder.calls).toHaveLength(1);
    expect(recorder.calls[0]).toEqual(
      expect.arrayContaining(['clone', '--depth', '1', '--branch', 'v1.0.0']),
    );
    expect(result.refs.map((r) => [r.url, r.error])).toEqual([
      [GIT_REF_URL, undefined],
      [FILE_URL, undefined],
    ]);

    // The cache: the tag's manifests/ (not main's later file, not README.md or docs/,
    // not .git), and the release file at its URL path.
    expect(result.remoteCache).toBe(join(out, 'remote-cache.tar.gz'));
    const entries = await cacheEntries(result.remoteCache);
    expect(entries).toContain(`./${GIT_ROOT}/manifests/app/kustomization.yaml`);
    expect(entries).toContain(`./${FILE_CACHE}`);
    expect(entries.filter((e) => /README|docs|later\.yaml|\.git\//.test(e))).toEqual([]);
    const extracted = join(root, 'extracted');
    await extractTarGz(result.remoteCache, extracted, 0);
    // The same content as the shared mirror's layout (the fixture's cache), hash for hash.
    expect(treeHash(join(extracted, GIT_ROOT))).toBe(treeHash(join(fixtureCache, GIT_ROOT)));
    expect(treeHash(join(extracted, FILE_CACHE))).toBe(treeHash(join(fixtureCache, FILE_CACHE)));
    // Packed deterministically: the same folder packs to the same bytes.
    packTree(extracted, join(root, 'again.tar.gz'));
    utimesSync(join(extracted, FILE_CACHE), new Date(2001, 1, 1), new Date(2001, 1, 1));
    packTree(extracted, join(root, 'again2.tar.gz'));
    expect(readFileSync(join(root, 'again.tar.gz'))).toEqual(
      readFileSync(join(root, 'again2.tar.gz')),
    );
    // Nothing left behind but the two files.
    expect(existsSync(join(out, 'kubeflow-manifests'))).toBe(true);
    expect(readdirSync(out).sort()).toEqual(['kubeflow-manifests', 'remote-cache.tar.gz']);

    // `kfcharts lock` on this mirror pins the same tree and remote refs as on a mirror made
    // from the fixtures directly (only the archive's own sha256 may differ).
    const reference = await makeMirror(join(root, 'reference'));
    const lockOf = async (mirror: string, name: string): Promise<UpstreamLock> => {
      const lockFile = join(root, `${name}.lock.yaml`);
      const run = await runCli(
        [
          'lock',
          '--tag',
          TAG,
          '--components',
          join(fixtures, 'mini-components.yaml'),
          '--out',
          lockFile,
        ],
        { KFCHARTS_UPSTREAM_MIRROR: mirror, KFCHARTS_CACHE_DIR: join(root, `cache-${name}`) },
      );
      expect(run.stderr).not.toContain('error');
      expect(run.code).toBe(0);
      return parse(readFileSync(lockFile, 'utf8')) as UpstreamLock;
    };
    const fetched = await lockOf(out, 'fetched');
    const expected = await lockOf(reference, 'reference');
    expect(fetched.upstream.treeSha256).toBe(expected.upstream.treeSha256);
    expect(fetched.remoteCache).toEqual(expected.remoteCache);
    expect(fetched.remoteCache.refs.map((r) => r.url)).toEqual([GIT_REF_URL, FILE_URL]);
  }, 15_000);

  it('a second tag into the same mirror keeps the remote cache of the first, fetching only what is new', async () => {
    const out = join(root, 'mirror-two-tags');
    // The mirror of an earlier tag: its remote cache holds this tag's references already,
    // and one of its own.
    const earlier = join(root, 'earlier-cache');
    cpSync(fixtureCache, earlier, { recursive: true });
    mkdirSync(join(earlier, 'github.com/other-org/other@v2/config'), { recursive: true });
    writeFileSync(
      join(earlier, 'github.com/other-org/other@v2/config/kustomization.yaml'),
      'resources: []\n',
    );
    mkdirSync(out, { recursive: true });
    packTree(earlier, join(out, 'remote-cache.tar.gz'));
    const forge = fakeForge(tagArchive);
    const recorder = recordingGit();
    const result = await fetchUpstream({
      tag: TAG,
      outDir: out,
      fetch: forge.fetch,
      git: recorder.git,
      rewriteGitUrl,
    });
    expect(result.refs.map((r) => [r.url, r.error])).toEqual([
      [GIT_REF_URL, undefined],
      [FILE_URL, undefined],
    ]);
    // Only the tag archive was downloaded; nothing was cloned.
    expect(forge.calls).toEqual([
      `https://github.com/kubeflow/community-distribution/archive/refs/tags/${TAG}.tar.gz`,
    ]);
    expect(recorder.calls).toEqual([]);
    const entries = await cacheEntries(result.remoteCache);
    expect(entries).toContain('./github.com/other-org/other@v2/config/kustomization.yaml');
    expect(entries).toContain(`./${FILE_CACHE}`);
  });

  it('reports references it cannot fetch, and with strict fails naming them, writing nothing', async () => {
    const parent = join(root, 'broken-tree');
    const tree = join(parent, `manifests-${TAG}`);
    cpSync(join(fixtures, 'mini-upstream', `manifests-${TAG}`), tree, { recursive: true });
    mkdirSync(join(tree, 'extras'));
    const broken = {
      repo: 'https://github.com/example-org/gone//config?ref=v9.9.9',
      tag: `${REPO_URL}/manifests/app?ref=v7.7.7`,
      path: `${REPO_URL}/no/such/dir?ref=v1.0.0`,
      file: `${REPO_URL}/releases/download/v1.0.0/missing.yaml`,
    };
    writeFileSync(
      join(tree, 'extras/kustomization.yaml'),
      `resources:\n${Object.values(broken)
        .map((u) => `- ${u}\n`)
        .join('')}`,
    );
    const archive = await packTagArchive(parent, join(root, 'broken.tar.gz'));
    const options = {
      tag: TAG,
      fetch: fakeForge(archive).fetch,
      rewriteGitUrl,
      retryDelayMs: 0,
    };

    const out = join(root, 'broken-mirror');
    const result = await fetchUpstream({ ...options, outDir: out });
    const errors = new Map(result.refs.map((r) => [r.url, r.error]));
    expect(errors.get(GIT_REF_URL)).toBeUndefined();
    expect(errors.get(FILE_URL)).toBeUndefined();
    expect(errors.get(broken.repo)).toMatch(/git .*clone/);
    expect(errors.get(broken.tag)).toMatch(/v7\.7\.7/);
    expect(errors.get(broken.path)).toBe(
      `${GIT_ROOT}/no/such/dir is not in the repository at that ref`,
    );
    expect(errors.get(broken.file)).toBe('HTTP 404');
    expect(result.refs.find((r) => r.url === broken.repo)?.files).toEqual([
      'extras/kustomization.yaml',
    ]);
    const entries = await cacheEntries(result.remoteCache);
    expect(entries).toContain(`./${GIT_ROOT}/manifests/app/deployment.yaml`);
    expect(entries.some((e) => e.includes('gone') || e.includes('missing.yaml'))).toBe(false);

    const strictOut = join(root, 'strict-mirror');
    const error = await fetchUpstream({ ...options, outDir: strictOut, strict: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KfchartsError);
    expect((error as KfchartsError).code).toBe('remote-ref-missing');
    expect((error as KfchartsError).message).toMatch(/^4 of 6 remote references/);
    for (const url of Object.values(broken))
      expect((error as KfchartsError).details).toContain(url);
    expect(existsSync(join(strictOut, 'remote-cache.tar.gz'))).toBe(false);
    expect(existsSync(join(strictOut, 'kubeflow-manifests'))).toBe(false);
  }, 15_000);

  it('retries a failing forge, then gives up with the URL named', async () => {
    let attempts = 0;
    const flaky = fakeForge(tagArchive, {
      [tagArchiveUrl(UPSTREAM_REPOSITORY, TAG)]: () =>
        ++attempts < 3 ? new Response('busy', { status: 503 }) : new Response(tagArchive),
    });
    const ok = await fetchUpstream({
      tag: TAG,
      outDir: join(root, 'flaky'),
      fetch: flaky.fetch,
      rewriteGitUrl,
      retryDelayMs: 0,
    });
    expect(attempts).toBe(3);
    expect(ok.refs.every((r) => r.error === undefined)).toBe(true);

    const missing = fakeForge(tagArchive);
    const error = await fetchUpstream({
      tag: '9.99',
      outDir: join(root, 'missing'),
      fetch: missing.fetch,
      retryDelayMs: 0,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KfchartsError);
    expect((error as KfchartsError).code).toBe('upstream-missing');
    expect((error as KfchartsError).message).toContain('HTTP 404');
    expect((error as KfchartsError).details).toContain(tagArchiveUrl(UPSTREAM_REPOSITORY, '9.99'));
    // A 404 is an answer, not a hiccup: asked once.
    expect(missing.calls).toEqual([tagArchiveUrl(UPSTREAM_REPOSITORY, '9.99')]);
  });

  it('refuses a tag that is not a plain name', async () => {
    for (const tag of ['../x', 'a/b', '', '-rf']) {
      const error = await fetchUpstream({ tag, outDir: join(root, 'never') }).catch(
        (e: unknown) => e,
      );
      expect((error as KfchartsError).code).toBe('usage');
    }
    expect(existsSync(join(root, 'never'))).toBe(false);
  });
});
