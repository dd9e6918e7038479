import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseYamlStream } from '../../src/manifest/object.ts';
import { Helm } from '../../src/tools/helm.ts';
import {
  type FakeApiServer,
  type FakeObject,
  startFakeApiServer,
  WEBHOOK_RESOURCES,
} from './fake-api-server.ts';
import { tempDir } from './helpers.ts';
import { trimmedChart } from './trimmed-chart.ts';
import { valuesCharts } from './values-charts.ts';

/**
 * Server-side apply, the `live` fields (docs/server-side-apply.md): istiod's validator
 * failurePolicy and Knative's webhook rules carry upstream's value on a first install and
 * the live object's value once it exists, so an upgrade applies what the controller wrote.
 * Rendered by Helm 4 and Helm 3 with `--dry-run=server` against a fake API server that
 * holds the live objects (test/integration/fake-api-server.ts): the built kubeflow-platform
 * chart with only the templates that call kfcharts.liveWebhookField.
 */
const exec = promisify(execFile);

type Webhook = { name: string; failurePolicy?: string; rules?: unknown[] };
type Config = { kind: string; metadata: { name: string }; webhooks: Webhook[] };

const ISTIOD = 'istio-validator-istio-system';
const KNATIVE_VALIDATING = 'validation.webhook.serving.knative.dev';
const KNATIVE_MUTATING = 'webhook.serving.knative.dev';

/** What Knative's webhook writes: one rule per served type (knative/serving#13449). */
const KNATIVE_RULES = [
  {
    apiGroups: ['serving.knative.dev'],
    apiVersions: ['v1'],
    operations: ['CREATE', 'UPDATE', 'DELETE'],
    resources: ['services', 'services/status'],
    scope: '*',
  },
  {
    apiGroups: ['autoscaling.internal.knative.dev'],
    apiVersions: ['v1alpha1'],
    operations: ['CREATE', 'UPDATE', 'DELETE'],
    resources: ['podautoscalers', 'podautoscalers/status'],
    scope: '*',
  },
];

/** A live object of release `r` in `ns` (Helm 4 refuses to adopt one without these). */
function webhookConfig(kind: string, name: string, webhooks: Webhook[]): FakeObject {
  const metadata = {
    name,
    labels: { 'app.kubernetes.io/managed-by': 'Helm' },
    annotations: { 'meta.helm.sh/release-name': 'r', 'meta.helm.sh/release-namespace': 'ns' },
  };
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata, webhooks };
}

async function renderText(helm: string, dir: string, kubeconfig?: string): Promise<string> {
  const args = ['template', 'r', dir, '--namespace', 'ns'];
  if (kubeconfig) args.push('--dry-run=server', '--disable-openapi-validation');
  const { stdout } = await exec(helm, args, {
    env: { ...process.env, KUBECONFIG: kubeconfig ?? '/nonexistent' },
    maxBuffer: 64 << 20,
  });
  return stdout;
}

async function render(helm: string, dir: string, kubeconfig?: string): Promise<Config[]> {
  const text = await renderText(helm, dir, kubeconfig);
  return parseYamlStream(text, `helm template ${dir}`) as Config[];
}

async function renderAll(helm: string, chart: string, kubeconfig?: string) {
  const out = new Map<string, Config>();
  for (const o of await render(helm, chart, kubeconfig)) out.set(o.metadata.name, o);
  return out;
}

const entry = (o: Config | undefined, name: string) => o?.webhooks.find((w) => w.name === name);

let chart: string;
let kept: string[];
let installed: Map<string, Config>;
const servers: FakeApiServer[] = [];

beforeAll(async () => {
  ({ dir: chart, kept } = trimmedChart(
    join(await valuesCharts(), 'kubeflow-platform'),
    tempDir('live-value'),
    (t) => t.includes('include "kfcharts.liveWebhookField"'),
  ));
  // What a first install renders: upstream's values (no cluster, so lookup finds nothing).
  installed = await renderAll(new Helm().path, chart);
}, 240_000);

afterAll(async () => {
  for (const s of servers) await s.close();
});

async function cluster(objects: FakeObject[]): Promise<FakeApiServer> {
  const server = await startFakeApiServer(tempDir('fake-api'), WEBHOOK_RESOURCES, objects);
  servers.push(server);
  return server;
}

describe('controller-owned fields rendered from the live object', () => {
  it('the built charts hold the three live fields, with upstream values at install', () => {
    expect(kept).toEqual([
      'istio/validatingwebhookconfiguration.admissionregistration.k8s.io_cluster_istio-validator-istio-system.yaml',
      'knative-serving/mutatingwebhookconfiguration.admissionregistration.k8s.io_cluster_webhook.serving.knative.dev.yaml',
      'knative-serving/validatingwebhookconfiguration.admissionregistration.k8s.io_cluster_validation.webhook.serving.knative.dev.yaml',
    ]);
    expect(entry(installed.get(ISTIOD), 'rev.validation.istio.io')?.failurePolicy).toBe('Ignore');
    const rules = entry(installed.get(KNATIVE_VALIDATING), KNATIVE_VALIDATING)?.rules;
    expect(rules?.length).toBeGreaterThan(0);
    expect(rules).not.toEqual(KNATIVE_RULES);
    expect(entry(installed.get(KNATIVE_MUTATING), KNATIVE_MUTATING)?.rules?.length).toBeGreaterThan(
      0,
    );
  });

  for (const [label, helm] of [
    ['Helm 4', () => new Helm().path],
    ['Helm 3', () => Helm.v3().path],
  ] as const) {
    it(`${label}: an upgrade renders what istiod and Knative wrote, and only that`, async () => {
      // The live objects as the controllers left them: istiod switched to Fail, Knative
      // rewrote its rules; everything else as installed.
      const live = (name: string, change: (w: Webhook) => Webhook): FakeObject => {
        const o = installed.get(name) as Config;
        return webhookConfig(o.kind, name, o.webhooks.map(change));
      };
      const server = await cluster([
        live(ISTIOD, (w) => ({ ...w, failurePolicy: 'Fail' })),
        live(KNATIVE_VALIDATING, (w) => ({ ...w, rules: KNATIVE_RULES })),
        live(KNATIVE_MUTATING, (w) => ({ ...w, rules: KNATIVE_RULES.slice(1) })),
      ]);
      // Helm GETs these objects anyway (does the release own them?): the proof that lookup
      // ran is the rendered values equal to the live ones, not a request.
      const upgraded = await renderAll(helm(), chart, server.kubeconfig);
      const expected = structuredClone(installed);
      (entry(expected.get(ISTIOD), 'rev.validation.istio.io') as Webhook).failurePolicy = 'Fail';
      (entry(expected.get(KNATIVE_VALIDATING), KNATIVE_VALIDATING) as Webhook).rules =
        KNATIVE_RULES;
      (entry(expected.get(KNATIVE_MUTATING), KNATIVE_MUTATING) as Webhook).rules =
        KNATIVE_RULES.slice(1);
      expect(upgraded).toEqual(expected);
    });
  }

  it("keeps upstream's value where the live object lacks the entry or the field", async () => {
    const server = await cluster([
      // Entries renamed: no entry of that name, so upstream's value.
      webhookConfig('ValidatingWebhookConfiguration', ISTIOD, [
        { name: 'other.validation.istio.io', failurePolicy: 'Fail' },
      ]),
      // The entry without rules.
      webhookConfig('ValidatingWebhookConfiguration', KNATIVE_VALIDATING, [
        { name: KNATIVE_VALIDATING },
      ]),
    ]);
    expect(await renderAll(new Helm().path, chart, server.kubeconfig)).toEqual(installed);
  });

  it('prints a live value as data: template syntax, quotes and line breaks stay in one string', async () => {
    const hostile = ['{{ .Release.Name }}', 'a"b\n- x: y', '# not a comment', '\u0085'];
    const server = await cluster([
      webhookConfig('ValidatingWebhookConfiguration', KNATIVE_VALIDATING, [
        { name: KNATIVE_VALIDATING, rules: [{ apiGroups: hostile, resources: ['*'] }] },
      ]),
      webhookConfig('ValidatingWebhookConfiguration', ISTIOD, [
        { name: 'rev.validation.istio.io', failurePolicy: 'Fail\n  evil: true' },
      ]),
    ]);
    const text = await renderText(new Helm().path, chart, server.kubeconfig);
    // NEL stays escaped: YAML 1.1 parsers (Kubernetes' among them) read a raw one as a line
    // break, which the JavaScript parser below would not show.
    expect(text).toContain('\\u0085');
    expect(text).not.toContain('\u0085');
    const out = new Map(
      (parseYamlStream(text, 'helm template') as Config[]).map((o) => [o.metadata.name, o]),
    );
    expect(entry(out.get(KNATIVE_VALIDATING), KNATIVE_VALIDATING)?.rules).toEqual([
      { apiGroups: hostile, resources: ['*'] },
    ]);
    const istiod = entry(out.get(ISTIOD), 'rev.validation.istio.io');
    expect(istiod?.failurePolicy).toBe('Fail\n  evil: true');
    expect(istiod).not.toHaveProperty('evil');
  });
});
