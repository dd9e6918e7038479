import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { create } from 'tar';
import { KfchartsError } from '../errors.ts';
import { findRemoteEntries } from '../kustomize/localize.ts';
import { exec } from '../tools/exec.ts';
import { archiveTopDir, extractTarGz } from './archive.ts';
import { download, type Fetcher, type FetchLike } from './http.ts';
import { tagArchiveUrl } from './lock.ts';
import { parseRemoteRef, type RemoteRef } from './remote-ref.ts';

export type { FetchLike };

/**
 * Builds an upstream mirror from the forge, laid out like ../shared/upstream (see its
 * README), for machines that have no such mirror but can reach GitHub (GitHub Actions):
 *
 *   <out>/kubeflow-manifests/<tag>.tar.gz   the forge's tag archive, as downloaded
 *   <out>/remote-cache.tar.gz               every remote kustomize reference of that tree
 *
 * In the remote cache, a git reference `https://github.com/<org>/<repo>/<dir>/...?ref=<ref>`
 * is stored under `github.com/<org>/<repo>@<ref>/` and holds the repository at that ref,
 * limited, like the shared mirror, to the top-level folders the references point into
 * (argo-workflows: `manifests/`; lws: `config/`); a reference to the repository's root
 * brings the whole tree. The limit matters: upstream/<tag>.yaml pins a hash of each
 * `<repo>@<ref>` folder, so a fuller copy would not match the lock. A file reference is
 * stored at its URL's host and path.
 *
 * The network is reached only through `options.fetch` and `options.git`, so the unit test
 * runs all of this offline against a fake forge and a local git repository. The real
 * downloads (GitHub's tag archive, `git clone` of the referenced repositories, release
 * assets) are exercised only in GitHub Actions (.github/workflows/*.yml), never here.
 */

/**
 * Where the tag archives come from. kubeflow/manifests was renamed
 * kubeflow/community-distribution; GitHub still redirects the old name's git and archive
 * URLs, but a redirect can be dropped or the old name taken, so the new name is used.
 */
export const UPSTREAM_REPOSITORY = 'kubeflow/community-distribution';

/** Runs `git` with these arguments; rejects when it fails. */
export type GitRunner = (args: readonly string[]) => Promise<void>;

export interface FetchUpstreamOptions {
  /** A tag of the upstream repository, e.g. `26.03` or `v1.11.0`. */
  readonly tag: string;
  /** Mirror folder to write (created if needed); KFCHARTS_UPSTREAM_MIRROR can point at it. */
  readonly outDir: string;
  /** `<owner>/<name>` on GitHub; default UPSTREAM_REPOSITORY. */
  readonly repository?: string;
  readonly fetch?: FetchLike;
  readonly git?: GitRunner;
  /** Maps a repository's clone URL (`https://github.com/<org>/<repo>`) before cloning. */
  readonly rewriteGitUrl?: (url: string) => string;
  /** Fail when any remote reference could not be fetched (default: report it and go on). */
  readonly strict?: boolean;
  /** Attempts per download (network errors, HTTP 429 and 5xx are retried). Default 3. */
  readonly attempts?: number;
  /** Wait before retry n is n × this (ms). Default 2000. */
  readonly retryDelayMs?: number;
  readonly log?: (line: string) => void;
}

/** A remote reference found in the tree, and the kustomization files that name it. */
export interface ScannedRef extends RemoteRef {
  readonly files: readonly string[];
}

export interface FetchedRef extends ScannedRef {
  /** Why it is not in the cache; undefined when it is. */
  readonly error: string | undefined;
}

export interface FetchUpstreamResult {
  readonly tag: string;
  readonly url: string;
  /** `<out>/kubeflow-manifests/<tag>.tar.gz` */
  readonly archive: string;
  /** `<out>/remote-cache.tar.gz` */
  readonly remoteCache: string;
  readonly refs: readonly FetchedRef[];
}

/** Every remote reference in the tree's kustomizations, by URL, with the files naming it. */
export function scanRemoteRefs(treeDir: string): ScannedRef[] {
  const found = new Map<string, { ref: RemoteRef; files: string[] }>();
  for (const { file, remote } of findRemoteEntries(treeDir)) {
    for (const entry of remote) {
      const name = relative(treeDir, file).split(sep).join('/');
      const seen = found.get(entry.value);
      if (seen) {
        if (!seen.files.includes(name)) seen.files.push(name);
      } else {
        found.set(entry.value, { ref: parseRemoteRef(entry.value), files: [name] });
      }
    }
  }
  return [...found.values()]
    .map(({ ref, files }) => ({ ...ref, files: files.sort() }))
    .sort((a, b) => a.url.localeCompare(b.url));
}

/**
 * Downloads the tag archive, finds every remote reference in it, fetches each into a
 * remote cache and packs it. Both files are renamed into `outDir` only at the end, the
 * remote cache first, so a failed download or fetch leaves the folder as it was (a failure
 * between the two renames would leave a new cache beside the old archive, which the
 * build's hash checks then refuse).
 */
export async function fetchUpstream(options: FetchUpstreamOptions): Promise<FetchUpstreamResult> {
  const { tag } = options;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(tag) || tag.includes('..')) {
    throw new KfchartsError('usage', `'${tag}' is not a tag name (letters, digits, . _ -)`);
  }
  const log = options.log ?? (() => {});
  const repository = options.repository ?? UPSTREAM_REPOSITORY;
  const outDir = resolve(options.outDir);
  const archive = join(outDir, 'kubeflow-manifests', `${tag}.tar.gz`);
  const remoteCache = join(outDir, 'remote-cache.tar.gz');
  const url = tagArchiveUrl(repository, tag);
  const fetcher: Fetcher = {
    fetch: options.fetch ?? fetch,
    attempts: options.attempts ?? 3,
    retryDelayMs: options.retryDelayMs ?? 2000,
  };

  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(join(outDir, '.kfcharts-fetch-'));
  try {
    log(`downloading ${url}`);
    const downloaded = join(work, 'archive.tar.gz');
    let bytes: Uint8Array;
    try {
      bytes = await download(fetcher, url);
    } catch (cause) {
      throw new KfchartsError(
        'upstream-missing',
        `cannot download ${repository} ${tag}: ${message(cause)}`,
        { details: `url ${url}`, cause },
      );
    }
    writeFileSync(downloaded, bytes);
    const top = await archiveTopDir(downloaded).catch((cause: unknown) => {
      throw new KfchartsError('archive-invalid', `${url} is not a .tar.gz: ${message(cause)}`, {
        cause,
      });
    });
    if (top === undefined) {
      throw new KfchartsError('archive-invalid', `${url} does not hold exactly one top folder`);
    }
    const tree = join(work, 'tree');
    await extractTarGz(downloaded, tree, 1);

    const scanned = scanRemoteRefs(tree);
    log(`${repository} ${tag}: ${scanned.length} remote references`);
    const cacheDir = join(work, 'cache');
    mkdirSync(cacheDir, { recursive: true });
    // A mirror holds several tags: the remote cache of the tags fetched before is kept, and
    // only what this tag adds is fetched.
    if (existsSync(remoteCache)) await extractTarGz(remoteCache, cacheDir, 0);
    const missing = scanned.filter((r) => !existsSync(join(cacheDir, r.cachePath)));
    const errors = new Map<string, string>();
    await fetchGitRefs(
      missing.filter((r) => r.kind === 'git'),
      cacheDir,
      join(work, 'git'),
      options,
      errors,
    );
    for (const ref of missing.filter((r) => r.kind === 'file')) {
      try {
        const target = cacheTarget(cacheDir, ref.cachePath);
        const body = await download(fetcher, httpUrl(ref.url));
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, body);
      } catch (cause) {
        errors.set(ref.url, message(cause));
      }
    }
    const refs: FetchedRef[] = scanned.map((ref) => {
      const error =
        errors.get(ref.url) ??
        (existsSync(join(cacheDir, ref.cachePath))
          ? undefined
          : `${ref.cachePath} is not in the repository at that ref`);
      log(
        `  ${error === undefined ? 'cached ' : 'FAILED '} ${ref.url}${error ? `: ${error}` : ''}`,
      );
      return { ...ref, error };
    });
    const failed = refs.filter((r) => r.error !== undefined);
    if (failed.length > 0 && options.strict) {
      throw new KfchartsError(
        'remote-ref-missing',
        `${failed.length} of ${refs.length} remote references of ${repository} ${tag} could not be fetched`,
        {
          details: failed.map((r) => `${r.url} (in ${r.files.join(', ')}): ${r.error}`).join('\n'),
        },
      );
    }

    const packed = join(work, 'remote-cache.tar.gz');
    packTree(cacheDir, packed);
    mkdirSync(dirname(archive), { recursive: true });
    renameSync(packed, remoteCache);
    renameSync(downloaded, archive);
    return { tag, url, archive, remoteCache, refs };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The default git runner: the `git` on PATH, never prompting for credentials. */
export const runGit: GitRunner = async (args) => {
  let result: Awaited<ReturnType<typeof exec>>;
  try {
    result = await exec('git', args, {
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '' },
    });
  } catch (cause) {
    throw new KfchartsError('tool-missing', `git not found: ${message(cause)}`, { cause });
  }
  if (result.exitCode !== 0) {
    throw new Error(`git ${args.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
  }
};

/**
 * One shallow clone per `<host>/<org>/<repo>@<ref>`, then a copy (without .git) of the
 * top-level folders the references point into.
 */
async function fetchGitRefs(
  refs: readonly ScannedRef[],
  cacheDir: string,
  cloneDir: string,
  options: FetchUpstreamOptions,
  errors: Map<string, string>,
): Promise<void> {
  const git = options.git ?? runGit;
  const byRoot = new Map<string, ScannedRef[]>();
  for (const ref of refs) byRoot.set(ref.cacheRoot, [...(byRoot.get(ref.cacheRoot) ?? []), ref]);
  let index = 0;
  for (const [root, group] of [...byRoot].sort(([a], [b]) => a.localeCompare(b))) {
    const at = root.indexOf('@');
    const repoUrl = `https://${root.slice(0, at)}`;
    const gitRef = root.slice(at + 1);
    const cloneUrl = options.rewriteGitUrl ? options.rewriteGitUrl(repoUrl) : repoUrl;
    const checkout = join(cloneDir, String(index++));
    try {
      const dest = cacheTarget(cacheDir, root);
      const subs = group.map((ref) => ref.cachePath.slice(root.length).replace(/^\/+/, ''));
      for (const sub of subs) cacheTarget(cacheDir, `${root}/${sub}`); // refuses `..`
      options.log?.(`  git clone ${repoUrl} at ${gitRef}`);
      await shallowCheckout(git, cloneUrl, gitRef, checkout);
      const tops = subs.includes('') ? ['.'] : [...new Set(subs.map((s) => s.split('/')[0]))];
      for (const top of tops.sort()) {
        const from = join(checkout, top as string);
        if (!existsSync(from)) continue; // reported per reference below
        cpSync(from, join(dest, top as string), {
          recursive: true,
          verbatimSymlinks: true,
          filter: (source) => relative(checkout, source) !== '.git',
        });
      }
    } catch (cause) {
      for (const ref of group) errors.set(ref.url, message(cause));
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  }
}

async function shallowCheckout(
  git: GitRunner,
  url: string,
  ref: string,
  dir: string,
): Promise<void> {
  if (ref === 'HEAD') {
    await git(['clone', '--quiet', '--depth', '1', url, dir]);
  } else if (/^[0-9a-f]{40}$/.test(ref)) {
    // `clone --branch` takes branch and tag names only; a commit is fetched by its id.
    await git(['init', '--quiet', dir]);
    await git(['-C', dir, 'fetch', '--quiet', '--depth', '1', url, ref]);
    await git(['-C', dir, '-c', 'advice.detachedHead=false', 'checkout', '--quiet', 'FETCH_HEAD']);
  } else {
    await git([
      '-c',
      'advice.detachedHead=false',
      'clone',
      '--quiet',
      '--depth',
      '1',
      '--branch',
      ref,
      url,
      dir,
    ]);
  }
}

/** `join(cacheDir, path)`, refusing paths that would leave the cache. */
function cacheTarget(cacheDir: string, path: string): string {
  const segments = path.split('/');
  if (path.startsWith('/') || segments.some((s) => s === '..' || s === '.')) {
    throw new Error(`cache path ${path} leaves the cache`);
  }
  return join(cacheDir, ...segments);
}

function httpUrl(url: string): string {
  const bare = url.replace(/^git::/, '');
  return /^https?:\/\//.test(bare) ? bare : `https://${bare}`;
}

/**
 * Packs `dir` as the shared mirror's remote-cache.tar.gz is packed: entries `./...`, in
 * path order, with mtime 0 and no owner names, so packing the same folder again gives the
 * same bytes.
 */
export function packTree(dir: string, file: string): void {
  const entries: string[] = ['.'];
  const walk = (current: string): void => {
    for (const entry of readdirSync(join(dir, current), { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    )) {
      const path = current === '.' ? `./${entry.name}` : `${current}/${entry.name}`;
      entries.push(path);
      if (entry.isDirectory()) walk(path);
    }
  };
  walk('.');
  create(
    {
      gzip: { level: 9 },
      file,
      cwd: dir,
      portable: true,
      mtime: new Date(0),
      noDirRecurse: true,
      sync: true,
    },
    entries,
  );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
