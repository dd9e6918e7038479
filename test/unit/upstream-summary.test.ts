import { describe, expect, it } from 'vitest';
import type { UpstreamLock } from '../../src/upstream/lock.ts';
import {
  diffRemoteRefs,
  MAX_BODY_CHARS,
  upstreamChecksPassed,
  upstreamSummary,
} from '../../src/upstream/summary.ts';
import type { VerifyReport } from '../../src/verify/verify.ts';

const hex = (c: string) => c.repeat(64);

function lock(tag: string, tree: string, refs: [string, string][]): UpstreamLock {
  return {
    upstream: {
      repository: 'kubeflow/manifests',
      tag,
      url: `https://github.com/kubeflow/manifests/archive/refs/tags/${tag}.tar.gz`,
      mirror: `kubeflow-manifests/${tag}.tar.gz`,
      mirrorSha256: hex('e'),
      treeSha256: tree,
    },
    remoteCache: {
      mirror: 'remote-cache.tar.gz',
      refs: refs.map(([url, sha256]) => ({ url, cachePath: url.replace('https://', ''), sha256 })),
    },
  };
}

const ARGO = 'https://github.com/argoproj/argo-workflows/manifests/base?ref=v3.7.3';
const ARGO_NEW = 'https://github.com/argoproj/argo-workflows/manifests/base?ref=v3.8.0';
const JOBSET = 'https://github.com/kubernetes-sigs/jobset/releases/download/v0.10.1/manifests.yaml';
const BRANCH = 'https://github.com/example/repo/config?ref=main';

const oldLock = lock('26.03', hex('a'), [
  [ARGO, hex('1')],
  [JOBSET, hex('2')],
  [BRANCH, hex('3')],
]);
const newLock = lock('26.07', hex('b'), [
  [ARGO_NEW, hex('4')],
  [JOBSET, hex('2')],
  [BRANCH, hex('5')],
]);

function report(ok: boolean, failures: string[] = []): VerifyReport {
  const component = (name: string, expected: number, actual: number, missing: string[] = []) => ({
    name,
    expected,
    actual,
    missing,
    extra: [],
    different: [],
    textDiffers: [],
  });
  return {
    ok,
    upstream: { tag: '26.07', treeSha256: hex('b') },
    charts: [
      { chart: 'kubeflow', objects: 360, renderSha256: hex('c'), rendersIdentical: true },
      { chart: 'kubeflow-crds', objects: 35, renderSha256: hex('d'), rendersIdentical: true },
    ],
    components: [
      component('cert-manager', 52, 52),
      component('katib', 40, ok ? 40 : 39, ok ? [] : ['apps/v1/Deployment/kubeflow/katib-ui']),
    ],
    failures,
  } as unknown as VerifyReport;
}

describe('diffRemoteRefs', () => {
  it('sorts references into added, removed, changed and unchanged', () => {
    const diff = diffRemoteRefs(oldLock, newLock);
    expect(diff.added.map((r) => r.url)).toEqual([ARGO_NEW]);
    expect(diff.removed.map((r) => r.url)).toEqual([ARGO]);
    expect(diff.changed.map((c) => [c.new.url, c.old.sha256, c.new.sha256])).toEqual([
      [BRANCH, hex('3'), hex('5')],
    ]);
    expect(diff.unchanged.map((r) => r.url)).toEqual([JOBSET]);
  });
});

describe('upstreamSummary', () => {
  it('summarizes a passing update: tags, hashes, refs, per-component counts', () => {
    const body = upstreamSummary({
      oldLock,
      newLock,
      verify: report(true),
      buildOutcome: 'success',
      verifyOutcome: 'success',
      runUrl: 'https://github.com/o/r/actions/runs/1',
    });
    expect(body).toContain('## kubeflow/manifests 26.03 → 26.07');
    expect(body).toContain('`npm run verify` passes');
    expect(body).toContain(
      `| tree sha256 | \`${hex('a').slice(0, 16)}\` | \`${hex('b').slice(0, 16)}\` |`,
    );
    expect(body).toContain('https://github.com/kubeflow/manifests/compare/26.03...26.07');
    expect(body).toContain(`Added (1):\n\n- \`${ARGO_NEW}\``);
    expect(body).toContain(`Removed (1):\n\n- \`${ARGO}\``);
    expect(body).toContain(
      `- \`${BRANCH}\`: \`${hex('3').slice(0, 12)}\` → \`${hex('5').slice(0, 12)}\``,
    );
    expect(body).toContain('Unchanged: 1.');
    expect(body).toContain('Result: **OK**.');
    expect(body).toContain('| katib | 40 | 40 | equal |');
    expect(body).toContain('| kubeflow | 360 |');
    expect(body).toContain('| **all** | 395 |');
    expect(body).not.toContain('Failures:');
    expect(body).toContain('Workflow run: https://github.com/o/r/actions/runs/1');
  });

  it("lists verify's failures and says the PR is not ready", () => {
    const input = {
      oldLock,
      newLock,
      verify: report(false, ['katib: 1 missing', 'multi\nline   failure']),
      buildOutcome: 'success',
      verifyOutcome: 'failure',
    };
    const body = upstreamSummary(input);
    expect(upstreamChecksPassed(input)).toBe(false);
    expect(body).toContain('**Not ready:** `npm run verify` found 2 failure(s).');
    expect(body).toContain('Result: **FAILED**, 2 failure(s).');
    expect(body).toContain('| katib | 40 | 39 | 1 missing |');
    expect(body).toContain('Failures:\n\n- katib: 1 missing\n- multi line failure');
  });

  it('says so when the build failed and nothing was verified', () => {
    const input = { oldLock, newLock, verify: undefined, buildOutcome: 'failure' };
    const body = upstreamSummary(input);
    expect(upstreamChecksPassed(input)).toBe(false);
    expect(body).toContain('**Not ready:** `npm run build` failed.');
    expect(body).toContain('`npm run build` failed, so nothing was verified');
  });

  it('reports unchanged references as such, and a passing report as passed', () => {
    const same = lock('26.07', hex('b'), [[JOBSET, hex('2')]]);
    const input = { oldLock: same, newLock: same, verify: report(true) };
    expect(upstreamSummary(input)).toContain('Unchanged (1).');
    expect(upstreamChecksPassed(input)).toBe(true);
    expect(upstreamChecksPassed({ ...input, verifyOutcome: 'failure' })).toBe(false);
  });

  it('stays under GitHub’s PR body limit however many failures there are', () => {
    const failures = Array.from({ length: 5000 }, (_, i) => `failure ${i}: ${'x'.repeat(600)}`);
    const body = upstreamSummary({ oldLock, newLock, verify: report(false, failures) });
    expect(body.length).toBeLessThanOrEqual(MAX_BODY_CHARS + 200);
    expect(body).toContain('- … and 4950 more (dist/verify.json)');
    expect(body).toContain(`failure 49: ${'x'.repeat(380)}`);
    expect(body).not.toContain('failure 50:');

    const many = report(true);
    const components = Array.from({ length: 3000 }, (_, i) => ({
      ...many.components[0],
      name: `component-${i}`,
    }));
    const long = upstreamSummary({
      oldLock,
      newLock,
      verify: { ...many, components } as VerifyReport,
    });
    expect(long.length).toBeLessThanOrEqual(MAX_BODY_CHARS + 200);
    expect(long).toMatch(
      /… \(cut at 60000 characters; the run's dist\/verify.json has everything\)\n$/,
    );
  });
});
