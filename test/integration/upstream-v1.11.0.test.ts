import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../src/verify/verify.ts';
import { choiceCounts, exampleVariantCounts, runCli, snapshot, tempDir } from './helpers.ts';

/**
 * The release before 26.03, from the same code and its own release data
 * (upstream/v1.11.0.yaml): cert-manager in two example/ entries, Pipelines at another
 * path, a NetworkPolicies component 26.03 dropped, an example/-level kustomize Component
 * (Pod Security Standards) and a namespaced ConfigMap without a namespace. Figures checked
 * against `kustomize build example` of the v1.11.0 tree: 653 objects.
 */
let dist: string;
let report: VerifyReport;
let buildOutput: string;
let buildReport: string;

beforeAll(async () => {
  dist = tempDir('dist-v1.11.0');
  const build = await runCli(['build', '--tag', 'v1.11.0'], { KFCHARTS_DIST_DIR: dist });
  buildOutput = build.stdout;
  expect(build.stderr).not.toContain('error');
  expect(build.code).toBe(0);
  buildReport = readFileSync(join(dist, 'charts/BUILD-REPORT.md'), 'utf8');
  const before = snapshot(join(dist, 'charts'));
  const verify = await runCli(['verify', '--tag', 'v1.11.0'], { KFCHARTS_DIST_DIR: dist });
  expect(verify.stdout, verify.stderr).toContain('result: OK');
  expect(verify.code).toBe(0);
  report = JSON.parse(readFileSync(join(dist, 'verify.json'), 'utf8')) as VerifyReport;
  expect(snapshot(join(dist, 'charts'))).toEqual(before);
}, 600_000);

describe('kubeflow/manifests v1.11.0', () => {
  it('builds with no edit: 28 components, 653 objects (797 with the 4 optional ones, 822 with variants), the same six releases', () => {
    expect(buildOutput).toMatch(
      /built 6 charts in .*: upstream v1\.11\.0, 32 components, 822 objects, \d+ files in \d+\.\ds/,
    );
    expect(report.installOrder.releases).toEqual([
      'kubeflow-crds',
      'kubeflow-training-crds',
      'kubeflow-optional-crds',
      'kubeflow-platform',
      'kubeflow',
      'kubeflow-runtimes',
    ]);
    expect(report.installOrder.violations).toEqual([]);
  });

  it('bring your own: with cert-manager, Istio and its CRDs, Knative Serving, Dex and oauth2-proxy off, the rest installs in order on theirs (docs/choices.md)', () => {
    // 653 objects at defaults: the 201 of the switched-off components are gone, nothing else.
    expect(report.bringYourOwn).toMatchObject({
      off: ['cert-manager', 'istio-crds', 'istio', 'knative-serving', 'dex', 'oauth2-proxy'],
      absent: [],
      objects: 452,
      alreadyInstalled: 201,
      renderFailures: [],
      stillRendered: [],
      otherIssuers: [],
      violations: [],
    });
  });

  it('names moved and split components by components.yaml, and reports no drift', () => {
    expect(buildReport).toContain('**No drift.**');
    expect(buildReport).toContain(
      '| `cert-manager` | `common/cert-manager/base`, `common/cert-manager/kubeflow-issuer/base` | 50 |',
    );
    expect(buildReport).toContain(
      '| `pipelines` | `applications/pipeline/upstream/env/cert-manager/platform-agnostic-multi-user` |',
    );
    expect(buildReport).toContain('| `networkpolicies` | `common/networkpolicies/base` | 32 |');
  });

  it("applies example/'s Pod Security Standards component to the one component it reaches", () => {
    expect(buildReport).toContain(
      '- `components: ../common/security/PSS/dynamic/baseline`: `profiles`',
    );
  });

  it('renders each optional component, enabled, equal to its own kustomize build (docs/choices.md)', () => {
    // Counts checked by hand: `kubectl kustomize <path> | grep -c '^kind: '` in the v1.11.0 tree.
    expect(choiceCounts(report).components).toEqual([
      ['model-registry', 24, 24, [], []],
      ['knative-eventing', 87, 87, [], []],
      ['training-operator', 16, 16, [], []],
      ['kuberay-operator', 17, 17, [], []],
    ]);
  });

  it('renders each variant, with its values, equal to its own kustomize build (docs/choices.md)', () => {
    // Counts checked by hand: `kubectl kustomize <path> | grep -c '^kind: '` in the v1.11.0
    // tree (pipelines with its remote references localized).
    expect(choiceCounts(report).variants).toEqual([
      ['global.istio.platform=gke', 37, 37, [], []],
      ['global.istio.mode=ambient', 39, 39, [], []],
      ['global.istio.mode=ambient,global.istio.platform=gke', 39, 39, [], []],
      ['oauth2-proxy.m2m=kind', 16, 16, [], []],
      ['oauth2-proxy.m2m=eks', 13, 13, [], []],
      ['pipelines.definitionStorage=kubernetes', 137, 137, [], []],
    ]);
  });

  it('equals example/ built as one with each variant in place of its line, rendered with its values (docs/choices.md)', () => {
    // Counts by hand: example/'s 653 less the component's default build (istio 37,
    // oauth2-proxy 12, pipelines 131) plus the variant's (the test before); ambient's
    // Namespaces are its owners' (label patches), so 39 of its objects add.
    const jobset = ['apiextensions.k8s.io/v1 CustomResourceDefinition jobsets.jobset.x-k8s.io'];
    expect(exampleVariantCounts(report, 'v1.11.0')).toEqual([
      [
        'global.istio.platform=gke',
        'common/istio/istio-install/overlays/gke',
        ['common/istio/istio-install/overlays/oauth2-proxy'],
        653,
        653,
        jobset,
      ],
      [
        'global.istio.mode=ambient',
        'common/istio/istio-install/overlays/ambient-oauth2-proxy',
        ['common/istio/istio-install/overlays/oauth2-proxy'],
        655,
        655,
        jobset,
      ],
      [
        'global.istio.mode=ambient,global.istio.platform=gke',
        'common/istio/istio-install/overlays/ambient-oauth2-proxy-gke',
        ['common/istio/istio-install/overlays/oauth2-proxy'],
        655,
        655,
        jobset,
      ],
      [
        'oauth2-proxy.m2m=kind',
        'common/oauth2-proxy/overlays/m2m-dex-and-kind',
        ['common/oauth2-proxy/overlays/m2m-dex-only'],
        657,
        657,
        jobset,
      ],
      [
        'oauth2-proxy.m2m=eks',
        'common/oauth2-proxy/overlays/m2m-dex-and-eks',
        ['common/oauth2-proxy/overlays/m2m-dex-only'],
        654,
        654,
        jobset,
      ],
      [
        'pipelines.definitionStorage=kubernetes',
        'applications/pipeline/upstream/env/cert-manager/platform-agnostic-multi-user-k8s-native',
        ['applications/pipeline/upstream/env/cert-manager/platform-agnostic-multi-user'],
        659,
        659,
        jobset,
      ],
    ]);
    const count = (name: string) => report.components.find((c) => c.name === name)?.expected;
    expect([count('istio'), count('oauth2-proxy'), count('pipelines')]).toEqual([37, 12, 131]);
  });

  it('equals each component built on its own and example/ built as one, but for listed deviations', () => {
    for (const c of report.components) {
      expect({ name: c.name, missing: c.missing, extra: c.extra, different: c.different }).toEqual({
        name: c.name,
        missing: [],
        extra: [],
        different: [],
      });
    }
    expect(report.example.unexplained).toEqual([]);
    expect(report.example.stale).toEqual([]);
    expect(report.example.explained.map((e) => e.object)).toEqual([
      'apiextensions.k8s.io/v1 CustomResourceDefinition jobsets.jobset.x-k8s.io',
    ]);
    // user-namespace's parameters ConfigMap has no namespace upstream: it renders in default.
    expect(report.defaultNamespacesAdded).toEqual([
      'v1 ConfigMap default-install-config-9h2h2b6hbk',
    ]);
    expect(report.rebuild.identical).toBe(true);
    // Fields a controller owns, left out (docs/server-side-apply.md): 12 aggregated
    // ClusterRoles' rules and PodDefaults' caBundle, as at 26.03.
    expect(report.controllerOwnedDropped.filter((d) => d.endsWith(' /rules'))).toHaveLength(12);
    expect(report.controllerOwnedDropped.filter((d) => !d.endsWith(' /rules'))).toEqual([
      'admissionregistration.k8s.io/v1 MutatingWebhookConfiguration admission-webhook-mutating-webhook-configuration /webhooks/0/clientConfig/caBundle',
    ]);
    // And rendered from the live object on upgrade: istiod's failurePolicy, Knative's rules.
    expect(report.controllerOwnedLive).toEqual([
      'admissionregistration.k8s.io/v1 MutatingWebhookConfiguration webhook.serving.knative.dev /webhooks/0/rules',
      'admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration istio-validator-istio-system /webhooks/0/failurePolicy',
      'admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration validation.webhook.serving.knative.dev /webhooks/0/rules',
    ]);
  });
});
