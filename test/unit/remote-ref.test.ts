import { describe, expect, it } from 'vitest';
import { isRemoteRef, parseRemoteRef } from '../../src/upstream/remote-ref.ts';

describe('parseRemoteRef', () => {
  it('maps a GitHub directory at a ref to repo@ref/sub/dir (org/repo are the first two segments)', () => {
    const url = 'https://github.com/argoproj/argo-workflows/manifests/base/crds/minimal?ref=v3.7.3';
    expect(parseRemoteRef(url)).toEqual({
      url,
      kind: 'git',
      cachePath: 'github.com/argoproj/argo-workflows@v3.7.3/manifests/base/crds/minimal',
      cacheRoot: 'github.com/argoproj/argo-workflows@v3.7.3',
    });
  });

  it('splits repository and path at kustomize `//`', () => {
    const url = 'https://github.com/kubernetes-sigs/lws//config/default?ref=v0.7.0';
    expect(parseRemoteRef(url)).toEqual({
      url,
      kind: 'git',
      cachePath: 'github.com/kubernetes-sigs/lws@v0.7.0/config/default',
      cacheRoot: 'github.com/kubernetes-sigs/lws@v0.7.0',
    });
  });

  it('treats a URL of a YAML file without ref as one fetched file', () => {
    const url =
      'https://github.com/kubernetes-sigs/jobset/releases/download/v0.10.1/manifests.yaml';
    const path = 'github.com/kubernetes-sigs/jobset/releases/download/v0.10.1/manifests.yaml';
    expect(parseRemoteRef(url)).toEqual({ url, kind: 'file', cachePath: path, cacheRoot: path });
  });

  it('accepts scheme-less github.com refs, version=, a .git suffix and a bare repository', () => {
    expect(parseRemoteRef('github.com/org/repo/dir?ref=v1')).toMatchObject({
      kind: 'git',
      cachePath: 'github.com/org/repo@v1/dir',
      cacheRoot: 'github.com/org/repo@v1',
    });
    expect(parseRemoteRef('https://github.com/org/repo.git//a/b/?version=v2')).toMatchObject({
      kind: 'git',
      cachePath: 'github.com/org/repo@v2/a/b',
      cacheRoot: 'github.com/org/repo@v2',
    });
    expect(parseRemoteRef('https://github.com/org/repo?ref=main')).toMatchObject({
      kind: 'git',
      cachePath: 'github.com/org/repo@main',
      cacheRoot: 'github.com/org/repo@main',
    });
  });

  it('keeps the original URL, not the normalized one', () => {
    expect(parseRemoteRef('github.com/org/repo/dir?ref=v1').url).toBe(
      'github.com/org/repo/dir?ref=v1',
    );
  });
});

describe('isRemoteRef', () => {
  it.each([
    'https://github.com/kubernetes-sigs/lws//config/default?ref=v0.7.0',
    'https://github.com/kubernetes-sigs/jobset/releases/download/v0.10.1/manifests.yaml',
    'http://example.com/x.yaml',
    'github.com/org/repo/dir?ref=v1',
    'git@github.com:org/repo.git',
  ])('%s is remote', (entry) => {
    expect(isRemoteRef(entry)).toBe(true);
  });

  it.each(['../base', 'deployment.yaml', './github.com/not-remote', 'base/github.com'])(
    '%s is local',
    (entry) => {
      expect(isRemoteRef(entry)).toBe(false);
    },
  );
});
