import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { requirementChecks } from '../../src/chart/requirements.ts';
import type { Component } from '../../src/components.ts';
import { projectRoot } from '../../src/paths.ts';
import { Helm } from '../../src/tools/helm.ts';
import {
  bringYourOwnViolations,
  checkBringYourOwn,
  renderBringYourOwn,
} from '../../src/verify/bring-your-own.ts';
import { parseHelmOutput, renderChart } from '../../src/verify/render.ts';
import { tempDir } from './helpers.ts';
import {
  CHARTS,
  envOf,
  type K8sObject,
  renderWith,
  schemaError,
  valuesCharts,
} from './values-charts.ts';

/**
 * Upstream's choices (docs/choices.md) beyond what `verify` compares with kustomize: Model
 * Registry's namespace value, its external database and its Central Dashboard menu link.
 * Uses the charts built once by values-charts.ts (26.03).
 */
const MR = { 'model-registry': { enabled: true, namespace: 'team-a' } };

/** The dashboard's links JSON (upstream keeps it as one string in centraldashboard-config). */
function links(r: { get(kind: string, ns: string, name: string): K8sObject }): {
  menuLinks: unknown[];
} {
  const config = r.get('ConfigMap', 'kubeflow', 'centraldashboard-config') as unknown as {
    data: { links: string };
  };
  return JSON.parse(config.data.links) as { menuLinks: unknown[] };
}

describe('choices: Model Registry (optional, namespace and database values)', () => {
  it('is off by default: nothing of it renders', async () => {
    const r = await renderWith({}, ['kubeflow']);
    expect(r.objects.filter((o) => o.metadata.name.startsWith('model-registry'))).toEqual([]);
  });

  it('enabled: objects without a namespace upstream go to model-registry.namespace, the UI stays in kubeflow', async () => {
    const r = await renderWith(MR, ['kubeflow']);
    const mine = r.objects.filter(
      (o) => o.metadata.name.startsWith('model-registry') || o.metadata.name === 'metadata-mysql',
    );
    const namespaces = new Map<string, string[]>();
    for (const o of mine) {
      const ns = o.metadata.namespace ?? '(cluster)';
      namespaces.set(ns, [...(namespaces.get(ns) ?? []), `${o.kind} ${o.metadata.name}`]);
    }
    // 24 objects (see upstream-26.03.test.ts): the 12 of overlays/db and options/istio in the
    // value's namespace, 6 of the UI in kubeflow, the UI's 6 cluster-scoped RBAC objects.
    expect([...namespaces.keys()].sort()).toEqual(['(cluster)', 'kubeflow', 'team-a']);
    expect(namespaces.get('team-a')).toContain('Deployment model-registry-deployment');
    expect(namespaces.get('team-a')).toContain('PersistentVolumeClaim metadata-mysql');
    expect(namespaces.get('kubeflow')).toContain('Deployment model-registry-ui');
    expect(mine.length).toBe(24);
  });

  it('the values schema refuses enabling it without a namespace, and a namespace that is not a DNS label', async () => {
    expect(await schemaError({ 'model-registry': { enabled: true } })).toContain('namespace');
    expect(
      await schemaError({ 'model-registry': { enabled: true, namespace: 'a\n{{ .x }}' } }),
    ).toContain('namespace');
    expect(await schemaError({ 'model-registry': { enabled: false } })).toBeUndefined();
  });

  it('global.database.external: the server connects to the external MySQL, the in-cluster one is gone', async () => {
    const r = await renderWith(
      {
        ...MR,
        global: {
          database: {
            external: true,
            host: 'mariadb.db.svc.cluster.local',
            port: 3307,
            username: 'mr',
            password: 's3cret "pw" {{ x }}',
          },
        },
      },
      ['kubeflow'],
    );
    const server = r.get('Deployment', 'team-a', 'model-registry-deployment') as unknown as {
      spec: {
        template: {
          metadata: { annotations: Record<string, string> };
          spec: { containers: { name: string; args: string[] }[] };
        };
      };
    };
    const args = server.spec.template.spec.containers.find(
      (c) => c.name === 'rest-container',
    )?.args;
    expect(args).toContain(
      '--embedmd-database-dsn=$(MYSQL_USER_NAME):$(MYSQL_ROOT_PASSWORD)@tcp(mariadb.db.svc.cluster.local:$(MYSQL_PORT))/$(MYSQL_DATABASE)?charset=utf8mb4',
    );
    expect(
      server.spec.template.metadata.annotations['traffic.sidecar.istio.io/excludeOutboundPorts'],
    ).toBe('3307');
    const parameters = r.get('ConfigMap', 'team-a', 'model-registry-db-parameters') as unknown as {
      data: Record<string, string>;
    };
    expect(parameters.data.MYSQL_PORT).toBe('3307');
    const secret = r.get('Secret', 'team-a', 'model-registry-db-secrets') as unknown as {
      data: Record<string, string>;
    };
    const decoded = (k: string) => Buffer.from(secret.data[k] as string, 'base64').toString();
    expect([decoded('MYSQL_USER_NAME'), decoded('MYSQL_ROOT_PASSWORD')]).toEqual([
      'mr',
      's3cret "pw" {{ x }}',
    ]);
    for (const [kind, name] of [
      ['Deployment', 'model-registry-db'],
      ['Service', 'model-registry-db'],
      ['PersistentVolumeClaim', 'metadata-mysql'],
    ] as const) {
      expect({ kind, name, rendered: r.has(kind, 'team-a', name) }).toEqual({
        kind,
        name,
        rendered: false,
      });
    }
  });

  it('global.database.existingSecret: user and password come from it, no Secret of credentials renders', async () => {
    const r = await renderWith(
      {
        ...MR,
        global: {
          database: { external: true, host: 'db.example.org', existingSecret: 'mr-db' },
        },
      },
      ['kubeflow'],
    );
    const server = r.get('Deployment', 'team-a', 'model-registry-deployment');
    expect(envOf(server, 'rest-container', 'MYSQL_USER_NAME')?.valueFrom).toEqual({
      secretKeyRef: { name: 'mr-db', key: 'username' },
    });
    expect(envOf(server, 'rest-container', 'MYSQL_ROOT_PASSWORD')?.valueFrom).toEqual({
      secretKeyRef: { name: 'mr-db', key: 'password' },
    });
    const envFrom = (
      server as unknown as {
        spec: { template: { spec: { containers: { name: string; envFrom: unknown[] }[] } } };
      }
    ).spec.template.spec.containers.find((c) => c.name === 'rest-container')?.envFrom;
    expect(envFrom).toContainEqual({ secretRef: { name: 'mr-db' } });
    expect(r.has('Secret', 'team-a', 'model-registry-db-secrets')).toBe(false);
  });

  it("central-dashboard.menuLinks.model-registry adds exactly the README's menu entry", async () => {
    const off = links(await renderWith({}, ['kubeflow']));
    const on = links(
      await renderWith({ 'central-dashboard': { menuLinks: { 'model-registry': true } } }, [
        'kubeflow',
      ]),
    );
    // applications/model-registry/upstream/README.md: `.menuLinks += [{"icon": "assignment",
    // "link": "/model-registry/", "text": "Model Registry", "type": "item"}]`.
    expect(on).toEqual({
      ...off,
      menuLinks: [
        ...off.menuLinks,
        { icon: 'assignment', link: '/model-registry/', text: 'Model Registry', type: 'item' },
      ],
    });
  });
});

describe('choices: variants (one value each, docs/choices.md)', () => {
  it('the values schema takes only the choices upstream offers', async () => {
    expect(await schemaError({ 'oauth2-proxy': { m2m: 'gcp' } }, 'kubeflow-platform')).toContain(
      'm2m',
    );
    expect(await schemaError({ pipelines: { definitionStorage: 'etcd' } }, 'kubeflow')).toContain(
      'definitionStorage',
    );
    expect(
      await schemaError(
        { global: { istio: { platform: 'gke', mode: 'ambient' } } },
        'kubeflow-platform',
      ),
    ).toBeUndefined();
    expect(
      await schemaError({ global: { istio: { mode: 'cni' } } }, 'kubeflow-platform'),
    ).toContain("at '/global/istio/mode': value must be one of 'sidecar', 'ambient'");
    // Istio's values are global (they label other subcharts' Namespaces): not under istio.
    expect(await schemaError({ istio: { platform: 'gke' } }, 'kubeflow-platform')).toContain(
      "additional properties 'platform' not allowed",
    );
  });

  it("global.istio.mode: ambient labels istio-system and kubeflow as upstream's ambient overlay does, drops kubeflow's istio-injection, under a user's labels", async () => {
    const labels = (
      r: { get(kind: string, ns: string | undefined, name: string): K8sObject },
      ns: string,
    ) => r.get('Namespace', undefined, ns).metadata.labels ?? {};
    const sidecar = await renderWith({}, ['kubeflow-platform']);
    const ambient = await renderWith({ global: { istio: { mode: 'ambient' } } }, [
      'kubeflow-platform',
    ]);
    // common/istio/istio-install/components/ambient-mode: istio-namespace-pss-privileged.yaml,
    // and overlays/ambient-oauth2-proxy/kubeflow-namespace-ambient.yaml.
    expect(labels(ambient, 'istio-system')).toEqual({
      ...labels(sidecar, 'istio-system'),
      'pod-security.kubernetes.io/enforce': 'privileged',
    });
    // Less istio-injection (release data removeLabels): a sidecar keeps a pod out of ambient.
    const { 'istio-injection': injection, ...kubeflow } = labels(sidecar, 'kubeflow');
    expect(injection).toBe('enabled');
    expect(labels(ambient, 'kubeflow')).toEqual({
      ...kubeflow,
      'istio.io/dataplane-mode': 'ambient',
    });
    expect(ambient.has('DaemonSet', 'istio-system', 'ztunnel')).toBe(true);
    expect(sidecar.has('DaemonSet', 'istio-system', 'ztunnel')).toBe(false);
    // Upstream's ambient GKE overlay has no kubeflow-namespace-ambient.yaml: kubeflow unlabelled.
    const gke = await renderWith({ global: { istio: { mode: 'ambient', platform: 'gke' } } }, [
      'kubeflow-platform',
    ]);
    expect(labels(gke, 'kubeflow')).toEqual(labels(sidecar, 'kubeflow'));
    expect(labels(gke, 'istio-system')).toEqual(labels(ambient, 'istio-system'));
    // global.namespaceLabels wins over the variant's label, as over upstream's.
    const mine = await renderWith(
      {
        global: {
          istio: { mode: 'ambient' },
          namespaceLabels: {
            'istio-system': { 'pod-security.kubernetes.io/enforce': 'baseline' },
            kubeflow: { 'istio.io/dataplane-mode': 'none' },
          },
        },
      },
      ['kubeflow-platform'],
    );
    expect(labels(mine, 'istio-system')['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(labels(mine, 'kubeflow')['istio.io/dataplane-mode']).toBe('none');
    // A user's istio-injection stays, ambient or not.
    const injected = await renderWith(
      {
        global: {
          istio: { mode: 'ambient' },
          namespaceLabels: { kubeflow: { 'istio-injection': 'enabled' } },
        },
      },
      ['kubeflow-platform'],
    );
    expect(labels(injected, 'kubeflow')['istio-injection']).toBe('enabled');
  });

  it("oauth2-proxy.m2m: eks with eksIssuer replaces upstream's placeholder issuer; the others keep theirs", async () => {
    const issuers = (r: { get(kind: string, ns: string, name: string): K8sObject }) =>
      (
        r.get('RequestAuthentication', 'istio-system', 'm2m-token-issuer') as unknown as {
          spec: { jwtRules: { issuer: string }[] };
        }
      ).spec.jwtRules.map((j) => j.issuer);
    const issuer = 'https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF';
    const eks = await renderWith({ 'oauth2-proxy': { m2m: 'eks', eksIssuer: issuer } }, [
      'kubeflow-platform',
    ]);
    expect(issuers(eks)).toEqual([issuer]);
    const placeholder = await renderWith({ 'oauth2-proxy': { m2m: 'eks' } }, ['kubeflow-platform']);
    expect(issuers(placeholder)).toEqual([
      'https://oidc.eks.AWS_REGION.amazonaws.com/id/CLUSTER_ID',
    ]);
    const kind = await renderWith({ 'oauth2-proxy': { m2m: 'kind', eksIssuer: issuer } }, [
      'kubeflow-platform',
    ]);
    expect(issuers(kind)).not.toContain(issuer);
    expect(kind.has('Deployment', 'istio-system', 'cluster-jwks-proxy')).toBe(true);
    const dexOnly = await renderWith({}, ['kubeflow-platform']);
    expect(dexOnly.has('Deployment', 'istio-system', 'cluster-jwks-proxy')).toBe(false);
  });
});

describe('choices: bring your own cert-manager (global.certManager.issuerRef)', () => {
  it('with cert-manager and Istio off and an issuerRef set, none of their objects renders and every Certificate names the issuer', async () => {
    const off = ['cert-manager', 'istio-crds', 'istio-namespace', 'istio'];
    const r = await renderWith({
      ...Object.fromEntries(off.map((c) => [c, { enabled: false }])),
      global: { certManager: { issuerRef: { name: 'corp-ca' } } },
    });
    for (const c of off) expect(r.text).not.toContain(`/charts/${c}/`);
    const certificates = r.objects.filter(
      (o) => o.kind === 'Certificate' && o.apiVersion.startsWith('cert-manager.io/'),
    );
    // The six of 26.03's default install (admission-webhook, katib, KServe's two, KFP's
    // cache, PVC viewer); each names its own self-signed Issuer upstream.
    expect(certificates.map((o) => o.metadata.name).sort()).toEqual([
      'admission-webhook-cert',
      'katib-webhook-cert',
      'kfp-cache-cert',
      'llmisvc-serving-cert',
      'pvcviewer-serving-cert',
      'serving-cert',
    ]);
    for (const o of certificates) {
      expect({ name: o.metadata.name, ref: (o.spec as { issuerRef: unknown }).issuerRef }).toEqual({
        name: o.metadata.name,
        ref: { name: 'corp-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' },
      });
    }
  });
});

describe('choices: bring your own Istio (docs/choices.md)', () => {
  it('with istio and istio-crds off, the charts expect of your Istio exactly what docs/choices.md lists', async () => {
    const r = await renderWith({ istio: { enabled: false }, 'istio-crds': { enabled: false } });
    type Spec = {
      selector?: Record<string, unknown>;
      template?: { metadata?: { labels?: object } };
    };
    const spec = (o: K8sObject) => (o.spec ?? {}) as Spec;
    const podLabels = r.objects
      .filter((o) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(o.kind))
      .map((o) => (spec(o).template?.metadata?.labels ?? {}) as Record<string, string>);
    const unmatched = (selector: Record<string, string>) =>
      !podLabels.some((labels) => Object.entries(selector).every(([k, v]) => labels[k] === v));
    const expected = new Set<string>();
    for (const o of r.objects) {
      const where = `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
      // Istio's root namespace: a policy there selects pods of every namespace.
      const policy =
        ['AuthorizationPolicy', 'RequestAuthentication'].includes(o.kind) &&
        o.metadata.namespace === 'istio-system';
      const selector = policy
        ? (spec(o).selector?.matchLabels as Record<string, string> | undefined)
        : o.kind === 'Gateway' && o.apiVersion.startsWith('networking.istio.io/')
          ? (spec(o).selector as Record<string, string> | undefined)
          : undefined;
      if (selector && unmatched(selector))
        expected.add(`pods ${JSON.stringify(selector)}: ${where}`);
    }
    const text = JSON.stringify(r.objects);
    for (const m of text.matchAll(/[a-z0-9-]+\.istio-system\.svc(\.cluster\.local)?/g)) {
      expected.add(`service ${m[0]}`);
    }
    for (const m of text.matchAll(/cluster\.local\/ns\/istio-system\/sa\/[a-z0-9-]+/g)) {
      expected.add(`principal ${m[0]}`);
    }
    // Checked by hand against the rendered charts; docs/choices.md lists the same.
    expect([...expected].sort()).toEqual([
      'pods {"app":"istio-ingressgateway"}: AuthorizationPolicy istio-system/istio-ingressgateway-oauth2-proxy',
      'pods {"app":"istio-ingressgateway"}: AuthorizationPolicy istio-system/istio-ingressgateway-require-jwt',
      'pods {"app":"istio-ingressgateway"}: RequestAuthentication istio-system/dex-jwt',
      'pods {"istio":"ingressgateway"}: Gateway kubeflow/kubeflow-gateway',
      'principal cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
      'service istio-ingressgateway.istio-system.svc.cluster.local',
      'service istiod.istio-system.svc',
      'service knative-local-gateway.istio-system.svc.cluster.local',
    ]);
    // knative-local-gateway is Kubeflow's own (knative-serving, cluster-local-gateway).
    expect(r.has('Service', 'istio-system', 'knative-local-gateway')).toBe(true);
  });

  it("global.ingress.gatewayPrincipal in istio mode is refused while this chart's Istio runs the gateway", async () => {
    const principal = {
      global: { ingress: { gatewayPrincipal: 'cluster.local/ns/istio-system/sa/gw' } },
    };
    expect(await schemaError(principal, 'kubeflow-platform')).toContain(
      "global.ingress.gatewayPrincipal is for your own Istio's ingress gateway (istio.enabled: false) or gateway-api mode",
    );
    expect(
      await schemaError({ ...principal, istio: { enabled: false } }, 'kubeflow-platform'),
    ).toBeUndefined();
  });
});

describe('choices: bring your own OIDC proxy (docs/choices.md)', () => {
  it('with Dex and oauth2-proxy off, the extra issuers stay and nothing else refers to them', async () => {
    const r = await renderWith(
      {
        dex: { enabled: false },
        'oauth2-proxy': { enabled: false },
        global: {
          auth: { extraJwtIssuers: [{ issuer: 'https://idp.example.org', audiences: ['kf'] }] },
        },
      },
      ['kubeflow-platform', 'kubeflow'],
    );
    const jwt = r.get('RequestAuthentication', 'istio-system', 'kfcharts-jwt-0') as unknown as {
      spec: { jwtRules: { issuer: string }[] };
    };
    expect(jwt.spec.jwtRules.map((j) => j.issuer)).toEqual(['https://idp.example.org']);
    expect(
      r.objects.some((o) => ['auth', 'oauth2-proxy'].includes(o.metadata.namespace ?? '')),
    ).toBe(false);
    // Only Istio's mesh config still names oauth2-proxy (its ext-authz provider, unused).
    const naming = r.objects
      .filter((o) => /oauth2-proxy\.oauth2-proxy\.svc|dex\.auth\.svc/.test(JSON.stringify(o)))
      .map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
    expect(naming).toEqual(['ConfigMap istio-system/istio']);
  });
});

/** stderr of `helm template` (Helm 4, then Helm 3) of a chart with `--set`; '' when it renders. */
async function helmErrors(chart: string, set: readonly string[], skipSchema = false) {
  const run = (helm: string) =>
    promisify(execFile)(helm, [
      'template',
      'r',
      chart,
      ...set.flatMap((s) => ['--set', s]),
      ...(skipSchema ? ['--skip-schema-validation'] : []),
    ]).then(
      () => '',
      (error: { stderr?: string }) => String(error.stderr),
    );
  return Promise.all([run(new Helm().path), run(Helm.v3().path)]);
}

describe('choices: global variant values with the schema skipped', () => {
  it('a choice upstream does not offer fails every release, Istio or not (the parent chart checks it)', async () => {
    for (const chart of ['kubeflow', 'kubeflow-platform']) {
      const set = ['global.istio.mode=cni', 'istio.enabled=false'];
      const errors = await helmErrors(join(await valuesCharts(), chart), set, true);
      for (const error of errors) {
        expect(error).toMatch(
          new RegExp(
            `^Error: execution error at \\(${chart}/templates/kfcharts-choices\\.yaml:\\d+:\\d+\\): global\\.istio\\.mode: must be one of sidecar, ambient, not "cni"`,
          ),
        );
      }
    }
  });
});

describe('choices: requirements (release data choices.requires)', () => {
  const WHY =
    "net-istio sends cluster-local traffic (KServe predictors' too) to Service istio-system/knative-local-gateway (its default local gateway: config-istio sets none), whose selector app=cluster-local-gateway, istio=cluster-local-gateway (overlays/gateways) matches only cluster-local-gateway's pods; without them that traffic reaches no pod";
  const platform = async () => join(await valuesCharts(), 'kubeflow-platform');

  it('the values schema of the chart holding both refuses knative-serving without cluster-local-gateway, oauth2-proxy without dex (exact Helm 4 and Helm 3 text)', async () => {
    const [helm4, helm3] = await helmErrors(await platform(), [
      'cluster-local-gateway.enabled=false',
    ]);
    // As printed by Helm 4.1.4 and Helm 3.17.2: neither prints a schema's description, both
    // print an enum's values, and the second (impossible for a boolean) is the reason.
    const head =
      "Error: values don't meet the specifications of the schema(s) in the following chart(s):\nkubeflow-platform:\n";
    const reason = (component: string, needs: string, why: string) =>
      `true, as ${component}.enabled needs ${needs}.enabled: ${why}`;
    const clg = reason('knative-serving', 'cluster-local-gateway', WHY);
    expect(helm4).toBe(
      `${head}- at '': 'allOf' failed\n  - at '/cluster-local-gateway/enabled': value must be one of true, '${clg.replaceAll("'", "\\'")}'\n\n`,
    );
    expect(helm3).toBe(
      `${head}- (root): Must validate "then" as "if" was valid\n- cluster-local-gateway.enabled: cluster-local-gateway.enabled must be one of the following: true, "${clg}"\n- (root): Must validate all the schemas (allOf)\n\n`,
    );
    const [dex4, dex3] = await helmErrors(await platform(), ['dex.enabled=false']);
    expect(dex4).toContain(
      "- at '/dex/enabled': value must be one of true, 'true, as oauth2-proxy.enabled needs dex.enabled: oauth2-proxy\\'s oauth2_proxy.cfg sends logins to /dex/auth",
    );
    expect(dex3).toContain(
      '- dex.enabled: dex.enabled must be one of the following: true, "true, as oauth2-proxy.enabled needs dex.enabled: oauth2-proxy\'s oauth2_proxy.cfg sends logins to /dex/auth',
    );
  });

  it('with the schema skipped, the template fails naming both keys and why (Helm 4 and Helm 3)', async () => {
    const errors = await helmErrors(
      await platform(),
      ['cluster-local-gateway.enabled=false'],
      true,
    );
    for (const text of errors) {
      expect(text).toContain(
        `Error: execution error at (kubeflow-platform/templates/kfcharts-requires.yaml:6:4): knative-serving.enabled needs cluster-local-gateway.enabled (enable cluster-local-gateway or disable knative-serving): ${WHY}\n`,
      );
    }
    for (const text of await helmErrors(await platform(), ['dex.enabled=false'], true)) {
      expect(text).toContain(
        "oauth2-proxy.enabled needs dex.enabled (enable dex or disable oauth2-proxy): oauth2-proxy's oauth2_proxy.cfg sends logins to /dex/auth",
      );
    }
    // A component whose block is null is on, as for Helm's dependency condition.
    const nulled = await helmErrors(
      await platform(),
      ['cluster-local-gateway.enabled=false', 'knative-serving=null'],
      true,
    );
    for (const text of nulled) expect(text).toContain('knative-serving.enabled needs');
  });

  it('accepts both off, the one that needs the other off alone, and the defaults; a chart without cluster-local-gateway has no check', async () => {
    const dir = await valuesCharts();
    for (const set of [
      ['cluster-local-gateway.enabled=false', 'knative-serving.enabled=false'],
      ['knative-serving.enabled=false'],
      ['oauth2-proxy.enabled=false'],
      ['dex.enabled=false', 'oauth2-proxy.enabled=false'],
      [],
    ]) {
      expect({ set, errors: await helmErrors(join(dir, 'kubeflow-platform'), set) }).toEqual({
        set,
        errors: ['', ''],
      });
    }
    expect(
      await schemaError({ 'cluster-local-gateway': { enabled: false } }, 'kubeflow-crds'),
    ).toBe(undefined);
  });

  it('a reason with quotes, template text and printf verbs reaches the message verbatim', async () => {
    // A chart of the generated check and the lookup helper it uses, from _kfcharts.tpl.
    const why = 'a "quoted" {{ .Values.x }} %s %!d reason';
    const chart = tempDir('requires');
    mkdirSync(join(chart, 'templates'));
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: requires\nversion: 0.1.0\n');
    writeFileSync(
      join(chart, 'values.yaml'),
      'knative-serving: {enabled: true}\ncluster-local-gateway: {enabled: false}\n',
    );
    const helpers = readFileSync(join(projectRoot, 'charts/templates/_kfcharts.tpl'), 'utf8');
    const start = helpers.indexOf('{{- define "kfcharts.lookup" -}}');
    const lookup = helpers.slice(start, helpers.indexOf('{{- /*', start));
    expect(lookup).toMatch(/^\{\{- define "kfcharts\.lookup"[\s\S]*\{\{- end -\}\}\n+$/);
    writeFileSync(join(chart, 'templates/_lookup.tpl'), lookup);
    writeFileSync(
      join(chart, 'templates/kfcharts-requires.yaml'),
      requirementChecks([
        { component: 'knative-serving', needs: 'cluster-local-gateway', why, evidence: [] },
      ]),
    );
    for (const text of await helmErrors(chart, [])) {
      expect(text).toContain(
        `knative-serving.enabled needs cluster-local-gateway.enabled (enable cluster-local-gateway or disable knative-serving): ${why}\n`,
      );
    }
  });
});

describe('choices: bring your own infrastructure, install order (verify)', () => {
  it('with cert-manager, Istio, Knative Serving, Dex and oauth2-proxy off, the rest renders and installs in order on what they render at defaults; without that, it cannot', async () => {
    const dir = await valuesCharts();
    const helm = new Helm();
    const components = new Map(
      CHARTS.flatMap((chart) =>
        readdirSync(join(dir, chart, 'charts')).map((c) => [c, { name: c } as Component] as const),
      ),
    );
    const defaults = (
      await Promise.all(
        CHARTS.map(async (chart) =>
          parseHelmOutput(await renderChart(helm, join(dir, chart)), chart),
        ),
      )
    ).flat();
    const render = await renderBringYourOwn(CHARTS, dir, helm, components);
    expect(render.set).toEqual([
      'cert-manager.enabled=false',
      'istio-crds.enabled=false',
      'istio.enabled=false',
      'knative-serving.enabled=false',
      'dex.enabled=false',
      'oauth2-proxy.enabled=false',
      'global.certManager.issuerRef.name=kfcharts-verify-issuer',
    ]);
    const report = checkBringYourOwn(render, defaults, CHARTS, components);
    expect({ ...report, set: undefined }).toEqual({
      off: ['cert-manager', 'istio-crds', 'istio', 'knative-serving', 'dex', 'oauth2-proxy'],
      absent: [],
      issuer: 'kfcharts-verify-issuer',
      set: undefined,
      // 26.03 renders 675 objects at defaults (upstream-26.03.test.ts): the 211 of the
      // switched-off components are gone, nothing else.
      objects: 464,
      alreadyInstalled: 211,
      renderFailures: [],
      stillRendered: [],
      otherIssuers: [],
      violations: [],
    });
    expect(defaults.length).toBe(675);

    // Nothing taken as installed: what the rest needs of them is reported.
    const none = bringYourOwnViolations(render.rendered, [], CHARTS, components);
    expect(none).toContainEqual({
      release: 'kubeflow',
      object: 'cert-manager.io/v1 Certificate kubeflow/admission-webhook-cert',
      reason: 'no release installs the CRD of cert-manager.io/Certificate',
    });
    expect(none).toContainEqual({
      release: 'kubeflow-platform',
      object: 'networking.istio.io/v1alpha3 Gateway kubeflow/kubeflow-gateway',
      reason: 'no release installs the CRD of networking.istio.io/Gateway',
    });
    // Their webhooks count as served only when their workloads are installed too.
    const installed = defaults.filter((o) => render.off.includes(o.component));
    const withoutIstiod = installed.filter(
      (o) => o.key !== 'apps/v1 Deployment istio-system/istiod',
    );
    expect(withoutIstiod.length).toBe(installed.length - 1);
    const unserved = bringYourOwnViolations(render.rendered, withoutIstiod, CHARTS, components);
    expect(unserved.length).toBeGreaterThan(0);
    for (const v of unserved)
      expect(v.reason).toMatch(
        /^webhook .* intercepts its pods and no release serves istio-system\/istiod /,
      );
  });
});
