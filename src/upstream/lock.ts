import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { readConfigFile } from '../config-file.ts';
import { projectRoot } from '../paths.ts';

/** upstream.lock.yaml: the pinned kubeflow/manifests release and its remote references. */
export interface UpstreamLock {
  readonly upstream: {
    readonly repository: string;
    readonly tag: string;
    /** The forge's tag archive; downloaded only when the mirror lacks the archive. */
    readonly url: string;
    /** Archive path inside the mirror folder (default ../shared/upstream). */
    readonly mirror: string;
    readonly mirrorSha256: string;
    /** treeHash() of the extracted tree: what the forge's and the mirror's archives share. */
    readonly treeSha256: string;
  };
  /**
   * kfcharts' own release of charts for this upstream tag; bump it when the charts change
   * while the tag does not (a chart version is published once). 0 or absent: none.
   */
  readonly chartRevision?: number;
  readonly remoteCache: {
    readonly mirror: string;
    readonly refs: readonly LockedRemoteRef[];
  };
}

export interface LockedRemoteRef {
  readonly url: string;
  readonly cachePath: string;
  /** treeHash() of the ref's cache root. */
  readonly sha256: string;
}

/** The forge's archive of a tag, as the lock's `upstream.url` names it. */
export function tagArchiveUrl(repository: string, tag: string): string {
  return `https://github.com/${repository}/archive/refs/tags/${tag}.tar.gz`;
}

export const defaultLockPath = resolve(projectRoot, 'upstream.lock.yaml');

export function readLock(path = defaultLockPath): UpstreamLock {
  return readConfigFile<UpstreamLock>(path, 'upstream-lock.schema.json', 'lock-invalid');
}

export function renderLock(lock: UpstreamLock): string {
  return [
    '# The pinned upstream release. Written by `npm run kfcharts -- lock --tag <tag>`; the',
    '# build checks every hash here before it uses the archive or a cached remote reference.',
    stringify(lock, { lineWidth: 0 }),
  ].join('\n');
}
