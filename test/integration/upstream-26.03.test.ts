import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readComponentList } from '../../src/components.ts';
import { mapConcurrent } from '../../src/progress.ts';
import { Helm } from '../../src/tools/helm.ts';
import type { VerifyReport } from '../../src/verify/verify.ts';
import { runCli, snapshot, tempDir } from './helpers.ts';

/**
 * The real thing: kubeflow/manifests 26.03 from ../shared/upstream, built, rendered and
 * compared with kustomize. Figures checked by hand against ../shared/upstream/26.03-components.md.
 */
const components = readComponentList();
let dist: string;
let report: VerifyReport;
let buildOutput: string;

/** The `# Source:` paths of a render: one per object, since each template holds one object. */
function sources(rendered: string): string[] {
  return [...rendered.matchAll(/^# Source: (.+)$/gm)].map((m) => m[1] as string).sort();
}

beforeAll(async () => {
  dist = tempDir('dist-26.03');
  const build = await runCli(['build'], { KFCHARTS_DIST_DIR: dist });
  buildOutput = build.stdout;
  expect(build.stderr).not.toContain('error');
  expect(build.code).toBe(0);
  const before = snapshot(join(dist, 'charts'));
  const verify = await runCli(['verify'], { KFCHARTS_DIST_DIR: dist });
  expect(verify.stdout).toContain('result: OK');
  expect(verify.code).toBe(0);
  report = JSON.parse(readFileSync(join(dist, 'verify.json'), 'utf8')) as VerifyReport;
  // verify reads dist/charts; it must never write it.
  expect(snapshot(join(dist, 'charts'))).toEqual(before);
});

describe('kubeflow/manifests 26.03', () => {
  it('builds 27 subcharts with 675 objects and prints its time', () => {
    expect(buildOutput).toMatch(/26\.03, 27 subcharts, 675 objects, \d+ files in \d+\.\ds/);
  });

  it('every component renders exactly its own kustomize build', () => {
    expect(report.components.map((c) => c.name)).toEqual(components.map((c) => c.name));
    for (const c of report.components) {
      expect({
        name: c.name,
        missing: c.missing,
        extra: c.extra,
        different: c.different,
        text: c.textDiffers,
      }).toEqual({
        name: c.name,
        missing: [],
        extra: [],
        different: [],
        text: [],
      });
      expect(c.actual).toBe(c.expected);
    }
    expect(report.components.reduce((n, c) => n + c.expected, 0)).toBe(675);
    // Spot checks against 26.03-components.md.
    const count = (name: string) => report.components.find((c) => c.name === name)?.expected;
    expect([count('pipelines'), count('katib'), count('kserve'), count('istio-crds')]).toEqual([
      133, 30, 67, 14,
    ]);
  });

  it('differs from example/ built as one only by the listed JobSet CRD deviation', () => {
    expect(report.example.expected).toBe(675);
    expect(report.example.actual).toBe(675);
    expect(report.example.missing).toEqual([]);
    expect(report.example.extra).toEqual([]);
    expect(report.example.unexplained).toEqual([]);
    expect(report.example.stale).toEqual([]);
    expect(report.example.explained.map((d) => `${d.object} ${d.pointer}`)).toEqual([
      'apiextensions.k8s.io/v1 CustomResourceDefinition jobsets.jobset.x-k8s.io /metadata/annotations/cert-manager.io~1inject-ca-from',
    ]);
  });

  it('renders deterministically and rebuilds byte-identically', () => {
    expect(report.charts).toHaveLength(1);
    expect(report.charts[0]?.rendersIdentical).toBe(true);
    expect(report.rebuild).toEqual({ identical: true, differingFiles: [] });
  });

  it('passes helm lint --strict with Helm 4 and Helm 3', () => {
    expect(report.lint.map((l) => [l.helm.split('+')[0], l.ok])).toEqual([
      ['v4.1.4', true],
      ['v3.17.2', true],
    ]);
  });

  it('each component can be switched off, removing exactly its objects (CRDs included)', async () => {
    const helm = new Helm();
    const chart = join(dist, 'charts/kubeflow');
    const render = (set: string[]) =>
      helm.template(chart, { releaseName: 'r', namespace: 'ns', includeCrds: true, set });
    const all = sources(await render([]));
    expect(all).toHaveLength(675);
    await mapConcurrent(components, 2, async (c) => {
      const prefix = `kubeflow/charts/${c.name}/`;
      const without = sources(await render([`${c.name}.enabled=false`]));
      const expected = all.filter((s) => !s.startsWith(prefix));
      expect(expected.length).toBeLessThan(all.length);
      expect({ component: c.name, sources: without }).toEqual({
        component: c.name,
        sources: expected,
      });
    });
  });

  it('katib.enabled=false removes exactly the 30 Katib objects', async () => {
    const out = await new Helm().template(join(dist, 'charts/kubeflow'), {
      releaseName: 'r',
      namespace: 'ns',
      includeCrds: true,
      set: ['katib.enabled=false'],
    });
    expect(sources(out)).toHaveLength(645);
    expect(out).not.toMatch(/^# Source: kubeflow\/charts\/katib\//m);
  });

  it('the values schema rejects a misspelt component key', async () => {
    const error = await new Helm()
      .template(join(dist, 'charts/kubeflow'), {
        releaseName: 'r',
        namespace: 'ns',
        set: ['katbi.enabled=false'],
      })
      .catch((e: unknown) => e as Error & { details?: string });
    expect(error).toBeInstanceOf(Error);
    expect(`${(error as Error).message} ${(error as { details?: string }).details}`).toContain(
      'katbi',
    );
  });
});
