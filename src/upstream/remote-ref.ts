/**
 * Kustomize remote references and where the offline cache keeps them. The cache layout
 * mirrors the URL (see ../shared/upstream/README.md):
 *   https://github.com/org/repo/sub/dir?ref=v1  → github.com/org/repo@v1/sub/dir
 *   https://github.com/org/repo//sub/dir?ref=v1 → github.com/org/repo@v1/sub/dir
 *   https://host/path/file.yaml                 → host/path/file.yaml
 */
export interface RemoteRef {
  readonly url: string;
  /** `git`: a directory in a repository at a ref; `file`: one document fetched over HTTP. */
  readonly kind: 'git' | 'file';
  /** Path of the referenced directory or file inside the cache. */
  readonly cachePath: string;
  /** The unit the cache stores and the lock hashes: `host/org/repo@ref`, or the file. */
  readonly cacheRoot: string;
}

const SCHEME = /^(?:https?:\/\/|git::|git@|ssh:\/\/|github\.com\/|gitlab\.com\/|bitbucket\.org\/)/;

/** Whether a kustomization entry (resource, base, component) is remote. */
export function isRemoteRef(entry: string): boolean {
  return SCHEME.test(entry);
}

export function parseRemoteRef(url: string): RemoteRef {
  const normalized = url
    .replace(/^git::/, '')
    .replace(/^(?=github\.com\/|gitlab\.com\/|bitbucket\.org\/)/, 'https://');
  const parsed = new URL(normalized.replace(/^git@([^:]+):/, 'ssh://$1/'));
  const ref = parsed.searchParams.get('ref') ?? parsed.searchParams.get('version');
  const pathname = decodeURIComponent(parsed.pathname);
  const isFile = ref === null && !pathname.includes('//') && /\.(?:ya?ml|json)$/.test(pathname);
  if (isFile) {
    const cachePath = `${parsed.host}${pathname}`;
    return { url, kind: 'file', cachePath, cacheRoot: cachePath };
  }
  // Kustomize's `//` separates the repository from the path inside it; without it the
  // first two segments are org/repo (the GitHub convention kustomize also assumes).
  const [repoPart, subPart] = pathname.includes('//')
    ? (pathname.split(/\/\/(.*)/s, 2) as [string, string])
    : splitAfterSegments(pathname, 2);
  const repo = repoPart.replace(/^\/+/, '').replace(/\.git$/, '');
  const cacheRoot = `${parsed.host}/${repo}@${ref ?? 'HEAD'}`;
  const sub = (subPart ?? '').replace(/^\/+|\/+$/g, '');
  return { url, kind: 'git', cachePath: sub ? `${cacheRoot}/${sub}` : cacheRoot, cacheRoot };
}

function splitAfterSegments(pathname: string, count: number): [string, string] {
  const segments = pathname.replace(/^\/+/, '').split('/');
  return [segments.slice(0, count).join('/'), segments.slice(count).join('/')];
}
