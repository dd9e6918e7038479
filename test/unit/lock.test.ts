import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  nearestReleasePath,
  pinnedReleasePath,
  pinnedTags,
  readLock,
  releaseDataPath,
  renderLock,
  type UpstreamLock,
} from '../../src/upstream/lock.ts';
import { thrown } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'kfcharts-lock-'));
let counter = 0;
function writeLock(text: string): string {
  const path = join(dir, `lock-${counter++}.yaml`);
  writeFileSync(path, text);
  return path;
}

const HEX64 = /^[0-9a-f]{64}$/;

describe('readLock', () => {
  it('reads the real upstream/26.03.yaml: tag 26.03 (a string) with sha256 hashes', () => {
    const lock = readLock(releaseDataPath('26.03'));
    expect(lock.upstream.repository).toBe('kubeflow/manifests');
    expect(lock.upstream.tag).toBe('26.03');
    expect(lock.upstream.url).toBe(
      'https://github.com/kubeflow/manifests/archive/refs/tags/26.03.tar.gz',
    );
    expect(lock.upstream.mirrorSha256).toMatch(HEX64);
    expect(lock.upstream.treeSha256).toMatch(HEX64);
    expect(lock.remoteCache.refs.length).toBeGreaterThan(0);
    for (const ref of lock.remoteCache.refs) expect(ref.sha256).toMatch(HEX64);
  });

  it('refuses a runtimeImages entry that is not an image reference, naming it', () => {
    const lock = parse(readFileSync(releaseDataPath('26.03'), 'utf8')) as UpstreamLock;
    const bad = {
      ...lock,
      runtimeImages: [
        {
          component: 'pipelines',
          image: 'Tensorflow:2',
          source: 'kubeflow/pipelines somewhere in the UI',
        },
      ],
    };
    const error = thrown(() => readLock(writeLock(stringify(bad))));
    expect(error.code).toBe('lock-invalid');
    expect(error.message).toContain(
      "runtimeImages: 'Tensorflow:2' (pipelines) is not an image reference",
    );
    expect(readLock(releaseDataPath('26.03')).runtimeImages?.map((r) => r.image)).toEqual([
      'tensorflow/tensorflow:2.2.2',
    ]);
  });

  it('refuses a requirement listed twice or naming one component twice, naming it', () => {
    const lock = parse(readFileSync(releaseDataPath('26.03'), 'utf8')) as UpstreamLock;
    const requires = lock.choices?.requires ?? [];
    expect(requires.map((r) => `${r.component} needs ${r.needs}`)).toEqual([
      'knative-serving needs cluster-local-gateway',
      'oauth2-proxy needs dex',
    ]);
    const withRequires = (list: unknown[]) =>
      writeLock(stringify({ ...lock, choices: { ...lock.choices, requires: list } }));
    const twice = thrown(() => readLock(withRequires([...requires, requires[0]])));
    expect(twice.code).toBe('lock-invalid');
    expect(twice.message).toContain(
      "requirement 'knative-serving needs cluster-local-gateway' is listed twice",
    );
    const self = {
      component: 'dex',
      needs: 'dex',
      why: 'a component that needs itself',
      evidence: [{ component: 'dex', text: 'dex.auth.svc' }],
    };
    expect(thrown(() => readLock(withRequires([self]))).message).toContain(
      "requirement 'dex needs dex' names one component twice",
    );
    // A reason is one line: it is printed in an error message.
    const multiline = { ...self, needs: 'istio', why: 'first line\nsecond line of it' };
    expect(thrown(() => readLock(withRequires([multiline]))).code).toBe('lock-invalid');
    // Evidence is in one of its two components' manifests.
    const elsewhere = {
      ...self,
      needs: 'istio',
      evidence: [{ component: 'katib', text: 'katib-ui' }],
    };
    expect(thrown(() => readLock(withRequires([elsewhere]))).message).toContain(
      "requirement 'dex needs istio' has evidence in 'katib', which is neither of its components",
    );
    // Without evidence, the schema refuses the entry.
    const { evidence: _e, ...bare } = { ...self, needs: 'istio' };
    expect(thrown(() => readLock(withRequires([bare]))).code).toBe('lock-invalid');
  });

  it('pins 26.03 and v1.11.0; the newest is the default', () => {
    expect(pinnedTags()).toEqual(['v1.11.0', '26.03']);
    expect(pinnedReleasePath(undefined)).toBe(releaseDataPath('26.03'));
    expect(thrown(() => pinnedReleasePath('27.01')).message).toContain(
      'upstream 27.01 is not pinned',
    );
  });

  it('a tree of a tag not pinned takes the nearest older release data', () => {
    expect(nearestReleasePath('26.07')).toBe(releaseDataPath('26.03'));
    expect(nearestReleasePath('v1.12.0')).toBe(releaseDataPath('v1.11.0'));
    expect(nearestReleasePath('v1.11.0')).toBe(releaseDataPath('v1.11.0'));
    expect(nearestReleasePath('v1.0.0')).toBe(releaseDataPath('26.03'));
  });

  it('round-trips through renderLock deep-equal', () => {
    const lock = readLock(releaseDataPath('26.03'));
    const path = writeLock(renderLock(lock));
    expect(readLock(path)).toEqual(lock);
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith('# kubeflow/manifests "26.03": what kfcharts knows')).toBe(true);
    // 26.03 must stay quoted, or YAML reads it back as the number 26.03.
    expect(text).toContain('tag: "26.03"');
  });

  it('round-trips a lock with no remote refs and number-like strings', () => {
    const lock: UpstreamLock = {
      upstream: {
        repository: 'org/repo',
        tag: '1.10',
        url: 'https://example.com/1.10.tar.gz',
        mirror: 'repo/1.10.tar.gz',
        mirrorSha256: '0'.repeat(64),
        treeSha256: `${'ab'.repeat(31)}12`,
      },
      remoteCache: { mirror: 'remote.tar.gz', refs: [] },
    };
    expect(readLock(writeLock(renderLock(lock)))).toEqual(lock);
  });

  const real = parse(readFileSync(releaseDataPath('26.03'), 'utf8')) as {
    upstream: Record<string, unknown>;
    remoteCache: { refs: Record<string, unknown>[] };
  };
  const mutated = (edit: (lock: typeof real) => void): string => {
    const copy = structuredClone(real);
    edit(copy);
    return stringify(copy);
  };

  it.each([
    [
      'a sha256 that is not 64 hex digits',
      mutated((l) => {
        l.upstream.mirrorSha256 = 'ABC123';
      }),
      '/upstream/mirrorSha256',
    ],
    [
      'an uppercase ref sha256',
      mutated((l) => {
        const ref = l.remoteCache.refs[0] as Record<string, unknown>;
        ref.sha256 = String(ref.sha256).toUpperCase();
      }),
      '/remoteCache/refs/0/sha256',
    ],
    [
      'a missing treeSha256',
      mutated((l) => {
        delete l.upstream.treeSha256;
      }),
      "/upstream: must have required property 'treeSha256'",
    ],
    [
      'an extra key',
      mutated((l) => {
        l.upstream.branch = 'master';
      }),
      "/upstream: must NOT have additional properties 'branch'",
    ],
    [
      'a non-https url',
      mutated((l) => {
        l.upstream.url = 'http://github.com/kubeflow/manifests/archive/refs/tags/26.03.tar.gz';
      }),
      '/upstream/url',
    ],
  ])('refuses %s, naming the JSON path', (_what, text, where) => {
    const path = writeLock(text);
    const error = thrown(() => readLock(path));
    expect(error.code).toBe('lock-invalid');
    expect(error.message).toContain(path);
    expect(error.details).toContain(where);
  });

  it('refuses a lock that is not YAML', () => {
    const error = thrown(() => readLock(writeLock('upstream: [\n')));
    expect(error.code).toBe('lock-invalid');
    expect(error.message).toContain('is not valid YAML');
  });
});
