import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BuildResult, buildCharts } from '../../src/build.ts';
import { listCacheEntries } from '../../src/cache.ts';
import {
  CHOICES_TABLE_DOC,
  CHOICES_TABLE_END,
  CHOICES_TABLE_START,
  choicesTable,
} from '../../src/chart/choices-table.ts';
import {
  CHARTS_TABLE_DOC,
  CHARTS_TABLE_END,
  CHARTS_TABLE_START,
  chartFigures,
  chartsTable,
  withGenerated,
} from '../../src/chart/docs-figures.ts';
import { listImages } from '../../src/images.ts';
import { isCrd } from '../../src/manifest/object.ts';
import { defaultPaths, projectRoot } from '../../src/paths.ts';
import { CHART_OVERHEAD_BYTES, estimateCrdBytes } from '../../src/release/size.ts';
import { Helm } from '../../src/tools/helm.ts';
import { readLock } from '../../src/upstream/lock.ts';

/**
 * Every figure of the README and docs/ that the build measures is either generated (the
 * charts table, the values reference: `npm run docs`) or listed here, next to what the
 * build of the newest pinned release measures. A figure that no longer matches, or text
 * that no longer holds the figure where this test looks, fails.
 */
interface Figure {
  readonly file: string;
  /** One capture group: the figure as written. */
  readonly pattern: RegExp;
  readonly expected: string;
}

/** Figures that differ from what was measured, or that are no longer where they were. */
function staleFigures(read: (file: string) => string, figures: readonly Figure[]): string[] {
  return figures.flatMap(({ file, pattern, expected }) => {
    const found = pattern.exec(read(file))?.[1];
    if (found === undefined) return [`${file}: ${pattern} not found`];
    return found === expected
      ? []
      : [`${file}: ${pattern} says ${found}, the build measures ${expected}`];
  });
}

const read = (file: string) => readFileSync(resolve(projectRoot, file), 'utf8');
const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
let result: BuildResult;

beforeAll(async () => {
  result = await buildCharts({ paths: defaultPaths() });
}, 300_000);

function measuredFigures(): Figure[] {
  const { plan, components, tree } = result;
  const objects = plan.releases.map((r) => r.components.flatMap((c) => c.objects));
  const crds = objects.flat().filter(isCrd);
  const ofKind = (kind: string) =>
    objects
      .flat()
      .filter((o) => o.kind === kind)
      .length.toString();
  const crdsOf = (component: string) =>
    components.find((c) => c.component.name === component)?.objects.filter(isCrd) ?? [];
  const crdReleases = plan.releases.filter((r) => r.components.some((c) => c.objects.some(isCrd)));
  const estimate = (release: (typeof plan.releases)[number]) =>
    release.components.reduce(
      (n, c) => n + estimateCrdBytes(c.component.name, c.objects.filter(isCrd)),
      0,
    ) + CHART_OVERHEAD_BYTES;
  const withCrds = components.filter((c) => c.objects.some(isCrd)).map((c) => c.component.name);
  const treeEntry = listCacheEntries(defaultPaths().cacheDir).find(
    (e) => e.path === join(tree.dir, '..'),
  );
  const version = /^version: (.+)$/m.exec(
    result.files.get(`${plan.releases[0]?.name}/Chart.yaml`) ?? '',
  )?.[1];
  return [
    {
      file: 'README.md',
      pattern: /\*\*(\w+) charts that install/,
      expected: WORDS[plan.releases.length] ?? '',
    },
    { file: CHARTS_TABLE_DOC, pattern: /The (\d+) CRDs are/, expected: `${crds.length}` },
    {
      file: CHARTS_TABLE_DOC,
      pattern: /CRDs are (\d+) MB of YAML/,
      expected: `${Math.round(crds.reduce((n, o) => n + o.text.length, 0) / 1e6)}`,
    },
    { file: CHARTS_TABLE_DOC, pattern: /\*\*CRDs\*\* \(all (\d+)\)/, expected: `${crds.length}` },
    {
      file: 'docs/commands.md',
      pattern: /\((\d+) for 26\.03\)/,
      expected: `${listImages(components, result.upgrade, result.runtimeImages).length}`,
    },
    {
      file: 'docs/commands.md',
      pattern: /working trees \(about (\d+) MB each/,
      expected: `${Math.round((treeEntry?.bytes ?? 0) / 1e6)}`,
    },
    { file: 'docs/flux.md', pattern: /the chart version, `([^`]+)`/, expected: version ?? '' },
    ...crdReleases.flatMap((release) => [
      {
        file: 'docs/release-layout.md',
        pattern: new RegExp(`\\| ${release.name} \\((\\d+) CRDs\\)`),
        expected: `${release.components.flatMap((c) => c.objects).filter(isCrd).length}`,
      },
      {
        file: 'docs/release-layout.md',
        pattern: new RegExp(`\\| ${release.name} \\(\\d+ CRDs\\) \\| ([\\d.]+) KiB`),
        expected: (estimate(release) / 1024).toFixed(1),
      },
    ]),
    {
      file: 'docs/release-layout.md',
      pattern: /Trainer's (\d+) KiB/,
      expected: `${Math.round(estimateCrdBytes('trainer', crdsOf('trainer')) / 1024)}`,
    },
    {
      file: 'docs/release-layout.md',
      pattern: /after the (\d+) components before it/,
      expected: `${withCrds.indexOf('trainer')}`,
    },
    {
      file: 'docs/release-layout.md',
      pattern: /Trainer's (\d+)\s+ClusterTrainingRuntimes/,
      expected: ofKind('ClusterTrainingRuntime'),
    },
    {
      file: 'docs/release-layout.md',
      pattern: /KServe's (\d+) ClusterServingRuntimes/,
      expected: ofKind('ClusterServingRuntime'),
    },
    {
      file: 'docs/release-layout.md',
      pattern: /Result: ([\d /]+) objects/,
      expected: objects.map((o) => o.length).join(' / '),
    },
    {
      file: 'docs/verification.md',
      pattern: /At 26\.03 and v1\.11\.0 the (\w+) known deviation/,
      expected:
        WORDS[
          new Set(
            ['26.03', 'v1.11.0'].flatMap((tag) =>
              readLock(resolve(projectRoot, `upstream/${tag}.yaml`)).deviations?.map((d) =>
                JSON.stringify(d),
              ),
            ),
          ).size
        ] ?? '',
    },
  ];
}

describe('figures in the README and docs/', () => {
  it('the charts table is the one `npm run docs` generates (objects, CRDs, release sizes)', async () => {
    const doc = read(CHARTS_TABLE_DOC);
    const table = chartsTable(result.tree.tag, result.plan, await chartFigures(result, new Helm()));
    expect(withGenerated(doc, table, CHARTS_TABLE_START, CHARTS_TABLE_END, CHARTS_TABLE_DOC)).toBe(
      doc,
    );
    expect(table).toMatch(/\| 1 \| `kubeflow-crds` \| .* \| \d+ \| \d+ \| [\d.]+ KiB \|/);
  }, 300_000);

  it("the README's table of upstream's choices is the one `npm run docs` generates", () => {
    const doc = read(CHOICES_TABLE_DOC);
    const table = choicesTable(
      result.tree.tag,
      result.components.map((c) => c.component),
    );
    expect(
      withGenerated(doc, table, CHOICES_TABLE_START, CHOICES_TABLE_END, CHOICES_TABLE_DOC),
    ).toBe(doc);
    expect(table).toContain(
      '| `global.istio.mode: ambient` | `global.istio.mode: sidecar` (`common/istio/istio-install/overlays/oauth2-proxy`) | `common/istio/istio-install/overlays/ambient-oauth2-proxy` |',
    );
  });

  it('every hand-written figure matches what the build measures', () => {
    expect(staleFigures(read, measuredFigures())).toEqual([]);
  });

  it('hostile: a stale or vanished figure fails', () => {
    const figures = measuredFigures();
    const stale = (file: string) =>
      read(file)
        .replace(/Result: ([\d /]+) objects/, 'Result: 1 / 2 / 3 / 4 / 5 objects')
        .replace(/The \d+ CRDs are/, 'The CRDs are');
    expect(staleFigures(stale, figures)).toEqual([
      `${CHARTS_TABLE_DOC}: /The (\\d+) CRDs are/ not found`,
      expect.stringMatching(
        /^docs\/release-layout\.md: .* says 1 \/ 2 \/ 3 \/ 4 \/ 5, the build measures \d+ \/ /,
      ),
    ]);
  });
});
