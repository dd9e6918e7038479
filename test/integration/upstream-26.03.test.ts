import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCharts } from '../../src/build.ts';
import { defaultPaths } from '../../src/paths.ts';
import { mapConcurrent } from '../../src/progress.ts';
import { checkInstallOrder } from '../../src/release/order.ts';
import type { PlannedRelease, ReleasePlan } from '../../src/release/plan.ts';
import { Helm } from '../../src/tools/helm.ts';
import { readLock, releaseDataPath } from '../../src/upstream/lock.ts';
import type { VerifyReport } from '../../src/verify/verify.ts';
import { choiceCounts, exampleVariantCounts, runCli, snapshot, tempDir } from './helpers.ts';

/**
 * The real thing: kubeflow/manifests 26.03 from ../shared/upstream, built, rendered and
 * compared with kustomize. Figures checked by hand against ../shared/upstream/26.03-components.md.
 */
const components = [
  'cert-manager',
  'istio-crds',
  'istio-namespace',
  'istio',
  'oauth2-proxy',
  'dex',
  'knative-serving',
  'cluster-local-gateway',
  'kubeflow-namespace',
  'kubeflow-roles',
  'kubeflow-istio-resources',
  'pipelines',
  'katib',
  'central-dashboard',
  'admission-webhook',
  'jupyter-web-app',
  'notebook-controller',
  'profiles',
  'pvcviewer-controller',
  'volumes-web-app',
  'tensorboard-controller',
  'tensorboards-web-app',
  'trainer',
  'user-namespace',
  'kserve',
  'models-web-app',
  'spark-operator',
].map((name) => ({ name }));
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
  expect(verify.stdout, verify.stderr).toContain('result: OK');
  expect(verify.code).toBe(0);
  report = JSON.parse(readFileSync(join(dist, 'verify.json'), 'utf8')) as VerifyReport;
  // verify reads dist/charts; it must never write it.
  expect(snapshot(join(dist, 'charts'))).toEqual(before);
});

const CHARTS = [
  'kubeflow-crds',
  'kubeflow-training-crds',
  'kubeflow-optional-crds',
  'kubeflow-platform',
  'kubeflow',
  'kubeflow-runtimes',
];

function render(chart: string, set: string[] = []): Promise<string> {
  return new Helm().template(join(dist, 'charts', chart), {
    releaseName: 'r',
    namespace: 'ns',
    set,
  });
}

describe('kubeflow/manifests 26.03', () => {
  it('builds 6 layered charts with 675 objects (834 with the 4 optional components, 859 with 25 other versions of variants) and prints its time', () => {
    expect(buildOutput).toMatch(
      /built 6 charts in .*: upstream 26\.03, 31 components, 859 objects, \d+ files in \d+\.\ds/,
    );
    expect(report.installOrder.releases).toEqual(CHARTS);
    expect(report.installOrder.violations).toEqual([]);
  });

  it('bring your own: with cert-manager, Istio and its CRDs, Knative Serving, Dex and oauth2-proxy off, the rest installs in order on theirs (docs/choices.md)', () => {
    // 675 objects at defaults: the 211 of the switched-off components are gone, nothing else.
    expect(report.bringYourOwn).toMatchObject({
      off: ['cert-manager', 'istio-crds', 'istio', 'knative-serving', 'dex', 'oauth2-proxy'],
      absent: [],
      objects: 464,
      alreadyInstalled: 211,
      renderFailures: [],
      stillRendered: [],
      otherIssuers: [],
      violations: [],
    });
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
    // keep added to 54 of the 74 CRDs (upstream marks the other 20), 7 Namespaces, 3 PVCs.
    expect(report.keepAnnotationsAdded).toBe(54 + 7 + 3);
    // Fields a controller owns, left out (docs/server-side-apply.md): the rules of the 12
    // aggregated ClusterRoles that upstream ships with `rules: []`, and PodDefaults' caBundle.
    const dropped = report.controllerOwnedDropped;
    expect(dropped.filter((d) => / ClusterRole [^ ]+ \/rules$/.test(d))).toHaveLength(12);
    expect(dropped.filter((d) => !d.endsWith(' /rules'))).toEqual([
      'admissionregistration.k8s.io/v1 MutatingWebhookConfiguration admission-webhook-mutating-webhook-configuration /webhooks/0/clientConfig/caBundle',
    ]);
    const buildReport = readFileSync(join(dist, 'charts/BUILD-REPORT.md'), 'utf8');
    // The build report counts the optional components too: 5 aggregated ClusterRoles of
    // Knative Eventing and 1 of Training Operator v1 (`grep -c '^aggregationRule:'`).
    expect(buildReport).toContain('| `ssa-aggregated-clusterrole-rules` | 18 |');
    expect(buildReport).toContain('| `ssa-injected-ca-bundle` | 1 |');
    // And rendered from the live object on upgrade: istiod's failurePolicy, Knative's rules.
    expect(report.controllerOwnedLive).toEqual([
      'admissionregistration.k8s.io/v1 MutatingWebhookConfiguration webhook.serving.knative.dev /webhooks/0/rules',
      'admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration istio-validator-istio-system /webhooks/0/failurePolicy',
      'admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration validation.webhook.serving.knative.dev /webhooks/0/rules',
    ]);
  });

  it('renders each optional component, enabled, equal to its own kustomize build (docs/choices.md)', () => {
    // Counts checked by hand: `kubectl kustomize <path> | grep -c '^kind: '` in the 26.03 tree.
    expect(report.choices.set).toEqual([
      'model-registry.enabled=true',
      'knative-eventing.enabled=true',
      'training-operator.enabled=true',
      'kuberay-operator.enabled=true',
      'model-registry.namespace=kubeflow',
    ]);
    expect(choiceCounts(report).components).toEqual([
      ['model-registry', 24, 24, [], []],
      ['knative-eventing', 102, 102, [], []],
      ['training-operator', 16, 16, [], []],
      ['kuberay-operator', 17, 17, [], []],
    ]);
  });

  it('renders each variant, with its values, equal to its own kustomize build (docs/choices.md)', () => {
    // Counts checked by hand: `kubectl kustomize <path> | grep -c '^kind: '` (pipelines in
    // the tree with its remote references localized).
    // The ambient overlays print 41 and 40: less the Namespaces other components render,
    // checked below as those components' Namespaces with the overlay's labels.
    expect(choiceCounts(report).variants).toEqual([
      ['global.istio.platform=gke', 37, 37, [], []],
      ['global.istio.mode=ambient', 39, 39, [], []],
      ['global.istio.mode=ambient,global.istio.platform=gke', 39, 39, [], []],
      ['oauth2-proxy.m2m=kind', 18, 18, [], []],
      ['oauth2-proxy.m2m=eks', 15, 15, [], []],
      ['pipelines.definitionStorage=kubernetes', 139, 139, [], []],
    ]);
  });

  it('equals example/ built as one with each variant in place of its line, rendered with its values (docs/choices.md)', () => {
    // Counts by hand: example/'s 675 less the component's default build (istio 37,
    // oauth2-proxy 14, pipelines 133) plus the variant's (the test before); ambient's
    // Namespaces are its owners' (label patches), so 39 of its objects add.
    const jobset = ['apiextensions.k8s.io/v1 CustomResourceDefinition jobsets.jobset.x-k8s.io'];
    expect(exampleVariantCounts(report, '26.03')).toEqual([
      [
        'global.istio.platform=gke',
        'common/istio/istio-install/overlays/gke',
        ['common/istio/istio-install/overlays/oauth2-proxy'],
        675,
        675,
        jobset,
      ],
      [
        'global.istio.mode=ambient',
        'common/istio/istio-install/overlays/ambient-oauth2-proxy',
        ['common/istio/istio-install/overlays/oauth2-proxy'],
        677,
        677,
        jobset,
      ],
      [
        'global.istio.mode=ambient,global.istio.platform=gke',
        'common/istio/istio-install/overlays/ambient-oauth2-proxy-gke',
        ['common/istio/istio-install/overlays/oauth2-proxy'],
        677,
        677,
        jobset,
      ],
      [
        'oauth2-proxy.m2m=kind',
        'common/oauth2-proxy/overlays/m2m-dex-and-kind',
        ['common/oauth2-proxy/overlays/m2m-dex-only'],
        679,
        679,
        jobset,
      ],
      [
        'oauth2-proxy.m2m=eks',
        'common/oauth2-proxy/overlays/m2m-dex-and-eks',
        ['common/oauth2-proxy/overlays/m2m-dex-only'],
        676,
        676,
        jobset,
      ],
      [
        'pipelines.definitionStorage=kubernetes',
        'applications/pipeline/upstream/env/cert-manager/platform-agnostic-multi-user-k8s-native',
        ['applications/pipeline/overlays'],
        681,
        681,
        jobset,
      ],
    ]);
    const count = (name: string) => report.components.find((c) => c.name === name)?.expected;
    expect([count('istio'), count('oauth2-proxy'), count('pipelines')]).toEqual([37, 14, 133]);
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
    expect(report.charts.map((c) => c.chart).sort()).toEqual([...CHARTS].sort());
    expect(report.charts.every((c) => c.rendersIdentical)).toBe(true);
    expect(report.rebuild).toEqual({ identical: true, differingFiles: [] });
  });

  it('passes helm lint --strict with Helm 4 and Helm 3, every chart', () => {
    expect(report.lint.filter((l) => l.ok)).toHaveLength(2 * CHARTS.length);
    expect(new Set(report.lint.map((l) => l.helm.split('+')[0]))).toEqual(
      new Set(['v4.1.4', 'v3.17.2']),
    );
  });

  it('keeps every release payload within the 768 KiB target (limit 1 MiB)', () => {
    expect(report.payloads.charts).toHaveLength(CHARTS.length);
    for (const p of report.payloads.charts) {
      expect({ chart: p.chart, over: p.storedBytes > 768 * 1024 }).toEqual({
        chart: p.chart,
        over: false,
      });
      expect(p.storedBytes).toBeGreaterThan(1000);
    }
  });

  it('each component can be switched off, removing exactly its objects (CRDs included), with those that need it', async () => {
    const all = new Map<string, string[]>();
    for (const chart of CHARTS) all.set(chart, sources(await render(chart)));
    expect([...all.values()].reduce((n, s) => n + s.length, 0)).toBe(675);
    const jobs = components.flatMap((c) =>
      CHARTS.filter((chart) =>
        all.get(chart)?.some((s) => s.startsWith(`${chart}/charts/${c.name}/`)),
      ).map((chart) => ({ component: c.name, chart })),
    );
    // Every component is in at least one chart.
    expect(new Set(jobs.map((j) => j.component)).size).toBe(components.length);
    // A component another one needs (release data choices.requires) goes off with it.
    const requires = readLock(releaseDataPath('26.03')).choices?.requires ?? [];
    const needing = (c: string): string[] =>
      requires.filter((r) => r.needs === c).flatMap((r) => [r.component, ...needing(r.component)]);
    expect(needing('cluster-local-gateway')).toEqual(['knative-serving']);
    expect(needing('dex')).toEqual(['oauth2-proxy']);
    await mapConcurrent(jobs, 2, async ({ component, chart }) => {
      const off = [component, ...needing(component)];
      const without = sources(
        await render(
          chart,
          off.map((c) => `${c}.enabled=false`),
        ),
      );
      const expected = (all.get(chart) ?? []).filter(
        (s) => !off.some((c) => s.startsWith(`${chart}/charts/${c}/`)),
      );
      expect(expected.length).toBeLessThan(all.get(chart)?.length ?? 0);
      expect({ component, chart, sources: without }).toEqual({
        component,
        chart,
        sources: expected,
      });
    });
    // Alone, the chart holding both refuses it (test/integration/choices.test.ts: the text).
    await expect(render('kubeflow-platform', ['dex.enabled=false'])).rejects.toThrow();
  });

  it('katib.enabled=false removes exactly the 30 Katib objects (3 CRDs, 27 others)', async () => {
    const crds = sources(await render('kubeflow-crds', ['katib.enabled=false']));
    const apps = sources(await render('kubeflow', ['katib.enabled=false']));
    const before =
      sources(await render('kubeflow-crds')).length + sources(await render('kubeflow')).length;
    expect(before - crds.length - apps.length).toBe(30);
    expect([...crds, ...apps].some((s) => s.includes('/charts/katib/'))).toBe(false);
  });

  it('the values schema rejects a misspelt component key, in every chart', async () => {
    for (const chart of ['kubeflow', 'kubeflow-crds']) {
      const error = await render(chart, ['katbi.enabled=false']).catch(
        (e: unknown) => e as Error & { details?: string },
      );
      expect(error).toBeInstanceOf(Error);
      expect(`${(error as Error).message} ${(error as { details?: string }).details}`).toContain(
        'katbi',
      );
    }
    // Every chart accepts every component key, so one values file serves all releases.
    expect(sources(await render('kubeflow-runtimes', ['katib.enabled=false'])).length).toBe(17);
  });

  it('computes the layout of the hand-written releases.yaml it replaced', async () => {
    const { plan } = await buildCharts({ paths: defaultPaths(), tag: '26.03' });
    // example/'s components as before; the optional ones (off by default) beside them.
    const names = (r: PlannedRelease) =>
      r.components.filter((c) => !c.component.optional).map((c) => c.component.name);
    // Other versions of objects in a variant (docs/choices.md) are counted apart.
    const count = (r: PlannedRelease, optional = false) =>
      r.components
        .filter((c) => c.component.optional === optional)
        .reduce((n, c) => n + c.objects.filter((o) => o.variant === undefined).length, 0);
    const versions = plan.releases.flatMap((r) =>
      r.components.flatMap((c) => c.objects.filter((o) => o.variant !== undefined)),
    );
    expect(versions).toHaveLength(859 - 834);
    expect(plan.releases.map((r) => [r.name, count(r), count(r, true)])).toEqual([
      ['kubeflow-crds', 67, 17],
      ['kubeflow-training-crds', 7, 0],
      ['kubeflow-optional-crds', 0, 9],
      ['kubeflow-platform', 226, 99],
      ['kubeflow', 358, 34],
      ['kubeflow-runtimes', 17, 0],
    ]);
    const optionalIn = (r: PlannedRelease | undefined) =>
      (r?.components ?? []).filter((c) => c.component.optional).map((c) => c.component.name);
    expect(plan.releases.map((r) => [r.name, optionalIn(r)])).toEqual([
      ['kubeflow-crds', ['knative-eventing']],
      ['kubeflow-training-crds', []],
      ['kubeflow-optional-crds', ['training-operator', 'kuberay-operator']],
      // experimental/ is not applications/: KubeRay goes with the platform it needs.
      ['kubeflow-platform', ['knative-eventing', 'kuberay-operator']],
      ['kubeflow', ['model-registry', 'training-operator']],
      ['kubeflow-runtimes', []],
    ]);
    const [crds, training, , platform] = plan.releases;
    expect(names(crds as PlannedRelease)).toEqual([
      'cert-manager',
      'istio-crds',
      'dex',
      'knative-serving',
      'pipelines',
      'katib',
      'admission-webhook',
      'notebook-controller',
      'profiles',
      'pvcviewer-controller',
      'tensorboard-controller',
      'kserve',
    ]);
    expect(names(training as PlannedRelease)).toEqual(['trainer', 'spark-operator']);
    expect(names(platform as PlannedRelease)).toEqual([
      'cert-manager',
      'istio-namespace',
      'istio',
      'oauth2-proxy',
      'dex',
      'knative-serving',
      'cluster-local-gateway',
      'kubeflow-namespace',
      'kubeflow-roles',
      'kubeflow-istio-resources',
    ]);
    // Today's four placements, now computed.
    expect(plan.decisions.moves.map((m) => [m.id, m.release, m.objects.length])).toEqual([
      ['cert-manager-clusterissuer-after-webhook', 'kubeflow', 1],
      ['knative-serving-certificate-after-webhook', 'kubeflow', 1],
      ['trainer-clustertrainingruntime-after-webhook', 'kubeflow-runtimes', 6],
      ['kserve-clusterservingruntime-after-webhook', 'kubeflow-runtimes', 11],
    ]);
    expect(plan.decisions.derivedNames).toEqual([]);
    expect(plan.decisions.unusedNames).toEqual([]);
    // Estimates within a few percent of what verify measured (531.3 and 625.3 KiB); the
    // estimate of kubeflow-crds counts Knative Eventing's CRDs (35.3 KiB) too.
    const estimate = (name: string) =>
      (plan.decisions.crdReleases.find((r) => r.release === name)?.estimatedBytes ?? 0) / 1024;
    expect(estimate('kubeflow-crds')).toBeGreaterThan(555);
    expect(estimate('kubeflow-crds')).toBeLessThan(585);
    expect(estimate('kubeflow-training-crds')).toBeGreaterThan(615);
    expect(estimate('kubeflow-training-crds')).toBeLessThan(645);

    // The order check is independent of the planner: it refuses the runtimes in kubeflow.
    const merged: ReleasePlan = {
      ...plan,
      releases: plan.releases.slice(0, 5).map((r, i) =>
        i < 4
          ? r
          : {
              ...r,
              components: r.components.map((c) => ({
                component: c.component,
                objects: [
                  ...c.objects,
                  ...(plan.releases[5]?.components.find((x) => x.component === c.component)
                    ?.objects ?? []),
                ],
              })),
            },
      ),
    };
    expect(checkInstallOrder(merged).map((v) => `${v.release}: ${v.object}`)).toContain(
      'kubeflow: serving.kserve.io/v1alpha1 ClusterServingRuntime kserve-sklearnserver',
    );
  });

  it('install.sh installs the releases in plan order', () => {
    const script = readFileSync(join(dist, 'charts/install.sh'), 'utf8');
    expect(script).toContain(`for release in ${CHARTS.join(' ')}; do`);
    expect(script).toContain('version="26.3.0"');
  });
});
