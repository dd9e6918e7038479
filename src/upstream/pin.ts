import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { EXAMPLE_PATH, readKnownComponents, resolveComponents } from '../components.ts';
import { KfchartsError } from '../errors.ts';
import { kustomizationClosure } from '../kustomize/closure.ts';
import { REMOTE_DIR } from '../kustomize/localize.ts';
import type { Paths } from '../paths.ts';
import { sha256File, treeHash } from './hash.ts';
import { type LockedRemoteRef, tagArchiveUrl, type UpstreamLock } from './lock.ts';
import { parseRemoteRef } from './remote-ref.ts';
import { resolveUpstream } from './resolve.ts';

export interface PinOptions {
  readonly paths: Paths;
  readonly tag: string;
  readonly componentsFile: string;
  readonly repository?: string;
  readonly log?: (line: string) => void;
}

/**
 * Computes the lock for a tag in the mirror: the archive's hash, the tree hash, and every
 * remote reference that example/ (and so some component) reaches, with its cache hash.
 */
export async function pinUpstream(options: PinOptions): Promise<UpstreamLock> {
  // kubeflow/manifests was renamed; the forge redirects the old name's URLs.
  const repository = options.repository ?? 'kubeflow/community-distribution';
  const mirror = `kubeflow-manifests/${options.tag}.tar.gz`;
  const archive = join(options.paths.mirrorDir, mirror);
  const remoteMirror = 'remote-cache.tar.gz';
  if (!existsSync(archive))
    throw new KfchartsError('upstream-missing', `${archive} does not exist`);
  const tree = await resolveUpstream({
    paths: options.paths,
    manifests: archive,
    remoteCache: join(options.paths.mirrorDir, remoteMirror),
    ...(options.log && { log: options.log }),
  });
  const { components } = resolveComponents(tree.dir, readKnownComponents(options.componentsFile));

  const reached = new Set<string>();
  for (const path of [EXAMPLE_PATH, ...components.flatMap((c) => c.paths)]) {
    for (const dir of kustomizationClosure(tree.dir, path).dirs) reached.add(dir);
  }
  const refs = new Map<string, LockedRemoteRef>();
  for (const ref of tree.refs) {
    if (!reached.has(posix.dirname(ref.file))) continue;
    if (!ref.localized) {
      throw new KfchartsError(
        'remote-ref-missing',
        `${ref.file}: ${ref.url} is not in the remote cache`,
        {
          details: `looked for ${REMOTE_DIR}/${ref.cachePath}`,
        },
      );
    }
    const root = join(tree.dir, REMOTE_DIR, parseRemoteRef(ref.url).cacheRoot);
    refs.set(ref.url, { url: ref.url, cachePath: ref.cachePath, sha256: treeHash(root) });
  }
  return {
    upstream: {
      repository,
      tag: options.tag,
      url: tagArchiveUrl(repository, options.tag),
      mirror,
      mirrorSha256: sha256File(archive),
      treeSha256: tree.treeSha256,
    },
    remoteCache: {
      mirror: remoteMirror,
      refs: [...refs.values()].sort((a, b) => a.url.localeCompare(b.url)),
    },
  };
}
