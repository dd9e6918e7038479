import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseYamlStream } from '../../src/manifest/object.ts';
import { projectRoot } from './helpers.ts';
import {
  type K8sObject,
  type Rendered,
  renderUnchecked,
  renderWith,
  schemaError,
} from './values-charts.ts';

/**
 * global.ingress.mode: gateway-api (docs/gateway-api.md), checked on the rendered charts
 * of the newest pinned release: one HTTPRoute per VirtualService on the Kubeflow gateway,
 * each valid against Gateway API's standard-channel CRD schemas and routing like its
 * VirtualService. The routing check below reads Istio's and Gateway API's documented
 * semantics itself; it shares no code with the converter (src/rules/gateway-api.ts).
 */
const CHARTS = ['kubeflow-platform', 'kubeflow'];
const GATEWAY_API = { global: { ingress: { mode: 'gateway-api' } } };

type Json = Record<string, unknown>;
const spec = (o: K8sObject) => o.spec as Json;

/** `kubeflow/kubeflow-gateway`, or its short name in namespace kubeflow (Istio's reading). */
function onKubeflowGateway(vs: K8sObject): boolean {
  const gateways = (spec(vs).gateways ?? []) as string[];
  return gateways.some(
    (g) =>
      g === 'kubeflow/kubeflow-gateway' ||
      (g === 'kubeflow-gateway' && vs.metadata.namespace === 'kubeflow'),
  );
}

const isGatewayApi = (o: K8sObject) => o.apiVersion.startsWith('gateway.networking.k8s.io/');

// ---------------------------------------------------------------------------------------
// A request and what each side does with it
// ---------------------------------------------------------------------------------------

/** Where a request goes and what reaches the backend. */
interface Outcome {
  readonly backend: string;
  readonly path: string;
  readonly headers: string;
  readonly timeoutMs: number | undefined;
}

const ms = (d: string): number => {
  const m = /^(\d+)(ms|s)$/.exec(d);
  if (!m) throw new Error(`duration ${d}`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
};

/**
 * Istio: a VirtualService prefix is a string prefix; `rewrite.uri` replaces the matched
 * prefix as a string. Routes of several VirtualServices on one gateway are merged in
 * creation order with catch-all routes last (Istio's CombineVHostRoutes); the checks
 * below make sure no two non-catch-all routes overlap, so creation order cannot matter.
 */
function istioRoute(services: readonly K8sObject[], path: string): Outcome | undefined {
  const candidates: { prefix: string; http: Json; ns: string; catchAll: boolean }[] = [];
  for (const vs of services) {
    for (const http of spec(vs).http as Json[]) {
      for (const m of (http.match ?? [{}]) as Json[]) {
        const uri = (m.uri ?? { prefix: '/' }) as Json;
        expect(Object.keys(uri), 'upstream uses prefix matches only').toEqual(['prefix']);
        const prefix = uri.prefix as string;
        if (path.startsWith(prefix)) {
          candidates.push({
            prefix,
            http,
            ns: vs.metadata.namespace as string,
            catchAll: prefix === '/',
          });
        }
      }
    }
  }
  const specific = candidates.filter((c) => !c.catchAll);
  expect(specific.length, `${path}: overlapping VirtualService routes`).toBeLessThanOrEqual(1);
  const chosen = specific[0] ?? candidates[0];
  if (!chosen) return undefined;
  const { http, prefix } = chosen;
  const rewrite = (http.rewrite as Json | undefined)?.uri as string | undefined;
  const [route] = http.route as { destination: { host: string; port: { number: number } } }[];
  if (!route) throw new Error('no destination');
  const [svc, ns] = route.destination.host.split('.');
  const add = ((http.headers as Json | undefined)?.request as Json | undefined)?.add as
    | Json
    | undefined;
  return {
    backend: `${svc}.${ns}:${route.destination.port.number}`,
    path: rewrite === undefined ? path : rewrite + path.slice(prefix.length),
    headers: JSON.stringify(Object.entries(add ?? {}).sort()),
    // Istio: no timeout unless set.
    timeoutMs: http.timeout === undefined ? 0 : ms(http.timeout as string),
  };
}

/** How an implementation ranks RegularExpression path matches against PathPrefix ones. */
type RegexRank = 'above-prefix' | 'below-prefix';

/**
 * Gateway API: PathPrefix matches whole path elements (a trailing `/` of the value is
 * ignored), Exact wins, then the longest PathPrefix; RegularExpression precedence is the
 * implementation's (Envoy Gateway: above PathPrefix, Istio: below). ReplacePrefixMatch
 * follows the table of HTTPPathModifier in the Gateway API reference.
 */
function gatewayRoute(routes: readonly K8sObject[], path: string, rank: RegexRank) {
  type Hit = { rank: number; length: number; rule: Json; route: K8sObject; value: string };
  const hits: Hit[] = [];
  for (const route of routes) {
    for (const rule of spec(route).rules as Json[]) {
      for (const m of rule.matches as { path: { type: string; value: string } }[]) {
        const { type, value } = m.path;
        const trimmed = value.length > 1 ? value.replace(/\/$/, '') : value;
        const matches =
          type === 'Exact'
            ? path === value
            : type === 'PathPrefix'
              ? value === '/' || path === trimmed || path.startsWith(`${trimmed}/`)
              : new RegExp(`^(?:${value})$`).test(path);
        if (!matches) continue;
        const typeRank =
          type === 'Exact' ? 3 : type === 'PathPrefix' ? 1 : rank === 'above-prefix' ? 2 : 0;
        hits.push({ rank: typeRank, length: trimmed.length, rule, route, value: trimmed });
      }
    }
  }
  hits.sort((a, b) => b.rank - a.rank || b.length - a.length);
  const hit = hits[0];
  if (!hit) return undefined;
  const filters = (hit.rule.filters ?? []) as Json[];
  let out = path;
  const rewrite = filters.find((f) => f.type === 'URLRewrite')?.urlRewrite as Json | undefined;
  const modifier = (rewrite?.path ?? undefined) as Json | undefined;
  if (modifier?.type === 'ReplacePrefixMatch') {
    const replacement = (modifier.replacePrefixMatch as string).replace(/\/$/, '');
    const prefix = hit.value === '/' ? '' : hit.value;
    out = replacement + path.slice(prefix.length) || '/';
  } else if (modifier?.type === 'ReplaceFullPath') {
    out = modifier.replaceFullPath as string;
  }
  const add = (
    filters.find((f) => f.type === 'RequestHeaderModifier')?.requestHeaderModifier as
      | Json
      | undefined
  )?.add as { name: string; value: string }[] | undefined;
  const [backend] = hit.rule.backendRefs as { name: string; namespace?: string; port: number }[];
  if (!backend) throw new Error('no backendRef');
  const timeout = (hit.rule.timeouts as Json | undefined)?.request as string | undefined;
  return {
    backend: `${backend.name}.${backend.namespace ?? hit.route.metadata.namespace}:${backend.port}`,
    path: out,
    headers: JSON.stringify((add ?? []).map((h) => [h.name, h.value]).sort()),
    timeoutMs: timeout === undefined ? undefined : ms(timeout),
  };
}

/** Request paths around every prefix of the VirtualServices: inside, at, just beside. */
function samplePaths(services: readonly K8sObject[]): string[] {
  const paths = new Set(['/', '/x', '/index.html', '/unknown/path']);
  for (const vs of services) {
    for (const http of spec(vs).http as Json[]) {
      for (const m of (http.match ?? [{}]) as Json[]) {
        const p = ((m.uri as Json | undefined)?.prefix as string | undefined) ?? '/';
        for (const s of [p, `${p}x`, `${p}/x`, `${p}.Service/Method`, p.replace(/\/$/, '')]) {
          if (s.startsWith('/') && !s.includes('//')) paths.add(s);
        }
      }
    }
  }
  return [...paths].sort();
}

/**
 * A validator of the vendored standard-channel CRD schemas (test/fixtures/gateway-api,
 * see its source field). The API server prunes or, with kubectl's default strict field
 * validation, refuses unknown fields: every object schema gets additionalProperties false
 * unless it preserves unknown fields. x-kubernetes-* keywords and int32/int64 formats are
 * not JSON schema; CEL rules (x-kubernetes-validations) are not evaluated here.
 */
function crdValidator(fixture: string): (object: K8sObject) => string[] {
  const file = join(projectRoot, `test/fixtures/gateway-api/${fixture}.json`);
  const { schemas } = JSON.parse(readFileSync(file, 'utf8')) as { schemas: Record<string, Json> };
  // A branch of anyOf/oneOf only validates the value (Kubernetes' structural schemas):
  // `properties: {ingress: {}}` there names a field, it does not close the object.
  const strict = (node: unknown, branch = false): unknown => {
    if (Array.isArray(node)) return node.map((n) => strict(n, branch));
    if (node === null || typeof node !== 'object') return node;
    const out = Object.fromEntries(
      Object.entries(node).map(([k, v]) => [k, strict(v, k === 'anyOf' || k === 'oneOf')]),
    ) as Json;
    if (out.properties && !branch && !out['x-kubernetes-preserve-unknown-fields']) {
      out.additionalProperties ??= false;
    }
    // Kubernetes' patterns are Go RE2: its one-letter Unicode classes (`\PC`, Cilium's
    // header values) are JavaScript's `\P{C}`.
    if (typeof out.pattern === 'string') {
      out.pattern = out.pattern.replace(/\\([pP])([A-Z])/g, '\\$1{$2}');
    }
    return out;
  };
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  return (object) => {
    const schema = schemas[`${object.apiVersion} ${object.kind}`];
    if (!schema) return [`no schema for ${object.apiVersion} ${object.kind}`];
    // metadata is the API server's ObjectMeta, not part of the CRD's schema.
    const validate = ajv.compile(
      strict({
        ...schema,
        properties: { ...(schema.properties as Json), metadata: { type: 'object' } },
      }) as object,
    );
    return validate(object)
      ? []
      : (validate.errors ?? []).map(
          (e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
        );
  };
}

// ---------------------------------------------------------------------------------------

let defaults: Rendered;
let gatewayApi: Rendered;
let services: K8sObject[];
let routes: K8sObject[];

beforeAll(async () => {
  [defaults, gatewayApi] = await Promise.all([
    renderWith({}, CHARTS),
    renderWith(GATEWAY_API, CHARTS),
  ]);
  services = defaults.objects.filter((o) => o.kind === 'VirtualService' && onKubeflowGateway(o));
  routes = gatewayApi.objects.filter((o) => o.kind === 'HTTPRoute');
}, 120_000);

describe('global.ingress.mode', () => {
  it('istio (default): upstream objects, no Gateway API object', () => {
    expect(services.length).toBe(11);
    expect(defaults.objects.filter(isGatewayApi)).toEqual([]);
    expect(defaults.get('Gateway', 'kubeflow', 'kubeflow-gateway').apiVersion).toMatch(
      /^networking\.istio\.io\//,
    );
  });

  it('gateway-api: one HTTPRoute per VirtualService on the Kubeflow gateway, none left', () => {
    const key = (o: K8sObject) => `${o.metadata.namespace}/${o.metadata.name}`;
    expect(routes.map(key).sort()).toEqual(services.map(key).sort());
    expect(gatewayApi.objects.filter((o) => o.kind === 'VirtualService')).toEqual([]);
    const gateways = gatewayApi.objects.filter((o) => o.kind === 'Gateway');
    expect(gateways.map((g) => [g.apiVersion, key(g)])).toContainEqual([
      'gateway.networking.k8s.io/v1',
      'kubeflow/kubeflow-gateway',
    ]);
    expect(gateways.filter((g) => key(g) === 'kubeflow/kubeflow-gateway')).toHaveLength(1);
    for (const route of routes) {
      expect(spec(route).parentRefs).toEqual([
        {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: 'kubeflow-gateway',
          namespace: 'kubeflow',
        },
      ]);
    }
  });

  for (const version of ['v1.2.1', 'v1.6.1']) {
    it(`every Gateway API object is valid against the standard-channel CRDs of ${version}`, () => {
      const validator = crdValidator(`standard-${version}`);
      const objects = gatewayApi.objects.filter(isGatewayApi);
      expect(objects.length).toBe(routes.length + 1);
      for (const object of objects) expect(validator(object), object.metadata.name).toEqual([]);
      // The check can fail: a field of the experimental channel only, a bad path type.
      const route = structuredClone(routes[0]) as K8sObject;
      const [rule] = spec(route).rules as Json[];
      (rule as Json).retry = { attempts: 2 };
      expect(validator(route).join()).toMatch(/retry/);
      (rule as Json).retry = undefined;
      (rule as { matches: Json[] }).matches = [{ path: { type: 'Glob', value: '/x' } }];
      expect(validator(route).join()).toMatch(/allowed values/);
    });
  }

  it('every HTTPRoute routes like its VirtualService (Envoy Gateway ranks regex above PathPrefix)', () => {
    const paths = samplePaths(services);
    expect(paths.length).toBeGreaterThan(40);
    const differ = paths.filter(
      (p) =>
        JSON.stringify(istioRoute(services, p)) !==
        JSON.stringify(gatewayRoute(routes, p, 'above-prefix')),
    );
    // The one documented difference: a PathPrefix ending in `/` also matches the path
    // without it (`/dex` reaches Dex instead of the central dashboard).
    const slashEnded = services.flatMap((vs) =>
      (spec(vs).http as Json[]).flatMap((h) =>
        ((h.match ?? []) as Json[])
          .map((m) => (m.uri as Json).prefix as string)
          .filter((p) => p.length > 1 && p.endsWith('/'))
          .map((p) => p.slice(0, -1)),
      ),
    );
    expect(differ.sort()).toEqual(slashEnded.sort());
  });

  it('with Istio ranking regex below PathPrefix, only string-prefix continuations reach the catch-all', () => {
    const paths = samplePaths(services);
    const differ = paths.filter(
      (p) =>
        JSON.stringify(gatewayRoute(routes, p, 'above-prefix')) !==
        JSON.stringify(gatewayRoute(routes, p, 'below-prefix')),
    );
    // `/pipelinex`, `/ml_metadata.Service/Method`: documented in docs/gateway-api.md.
    expect(differ).toEqual([
      '/ml_metadata.Service/Method',
      '/ml_metadatax',
      '/pipeline.Service/Method',
      '/pipelinex',
    ]);
    for (const p of differ) {
      expect(gatewayRoute(routes, p, 'below-prefix')?.backend).toBe('centraldashboard.kubeflow:80');
    }
  });
});

describe('v1.11.0', () => {
  it('converts every VirtualService on the Kubeflow gateway too', async () => {
    const [before, after] = await Promise.all([
      renderWith({}, CHARTS, [], 'v1.11.0'),
      renderWith(GATEWAY_API, CHARTS, [], 'v1.11.0'),
    ]);
    const key = (o: K8sObject) => `${o.metadata.namespace}/${o.metadata.name}`;
    const converted = before.objects.filter(
      (o) => o.kind === 'VirtualService' && onKubeflowGateway(o),
    );
    expect(converted.length).toBeGreaterThan(0);
    const httpRoutes = after.objects.filter((o) => o.kind === 'HTTPRoute');
    expect(httpRoutes.map(key).sort()).toEqual(converted.map(key).sort());
    const validator = crdValidator('standard-v1.2.1');
    for (const o of after.objects.filter(isGatewayApi)) expect(validator(o)).toEqual([]);
  });
});

describe('gateway-api mode: the gateway, auth and runtime-created routes', () => {
  const PRINCIPAL = 'cluster.local/ns/kubeflow/sa/kubeflow-gateway-istio';
  const UPSTREAM = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';

  it('the Gateway: gatewayClassName, HTTP on port 80, routes from every namespace', () => {
    const gateway = gatewayApi.objects.find(
      (o) => o.kind === 'Gateway' && isGatewayApi(o) && o.metadata.name === 'kubeflow-gateway',
    ) as K8sObject;
    expect(spec(gateway)).toEqual({
      gatewayClassName: 'istio',
      listeners: [
        {
          name: 'http',
          protocol: 'HTTP',
          port: 80,
          allowedRoutes: { namespaces: { from: 'All' } },
        },
      ],
    });
  });

  it("the ingress policies select the gateway's pods; backends admit its principal", () => {
    const selectors = gatewayApi.objects
      .filter((o) => o.metadata.namespace === 'istio-system')
      .filter((o) => o.kind === 'AuthorizationPolicy' || o.kind === 'RequestAuthentication')
      .map((o) => [o.metadata.name, (spec(o).selector as Json | undefined)?.matchLabels]);
    expect(selectors).toEqual(
      expect.arrayContaining([
        ['istio-ingressgateway', { 'gateway.networking.k8s.io/gateway-name': 'kubeflow-gateway' }],
        [
          'istio-ingressgateway-oauth2-proxy',
          { 'gateway.networking.k8s.io/gateway-name': 'kubeflow-gateway' },
        ],
        [
          'istio-ingressgateway-require-jwt',
          { 'gateway.networking.k8s.io/gateway-name': 'kubeflow-gateway' },
        ],
        ['dex-jwt', { 'gateway.networking.k8s.io/gateway-name': 'kubeflow-gateway' }],
      ]),
    );
    expect(gatewayApi.text).not.toContain(UPSTREAM);
    const admitting = gatewayApi.objects.filter(
      (o) => o.kind === 'AuthorizationPolicy' && JSON.stringify(o).includes(PRINCIPAL),
    );
    expect(admitting.length).toBe(
      defaults.objects.filter(
        (o) => o.kind === 'AuthorizationPolicy' && JSON.stringify(o).includes(UPSTREAM),
      ).length,
    );
    const profiles = gatewayApi.objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('profiles-config-'),
    ) as K8sObject;
    expect((profiles.data as Json).ISTIO_INGRESS_GATEWAY_PRINCIPAL).toBe(PRINCIPAL);
  });

  it("NetworkPolicies admitting the ingress gateway admit the gateway's pods; those admit anyone", () => {
    const peer = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kubeflow' } },
      podSelector: {
        matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'kubeflow-gateway' },
      },
    };
    const froms = (r: Rendered, ns: string, name: string) =>
      (spec(r.get('NetworkPolicy', ns, name)).ingress as Json[]).map((i) => i.from);
    for (const [ns, name] of [
      ['oauth2-proxy', 'allow-istio-ingressgateway'],
      ['auth', 'allow-istio-and-oauth2-proxy'],
      ['knative-serving', 'allow-istio-gateways-to-activator'],
    ] as const) {
      const upstream = froms(defaults, ns, name) as Json[][];
      expect(JSON.stringify(upstream), `${ns}/${name}`).toContain('istio-ingressgateway');
      expect(froms(gatewayApi, ns, name), `${ns}/${name}`).toEqual([
        [...(upstream[0] ?? []), peer],
      ]);
    }
    // Every policy that names upstream's ingress gateway as a peer got the new peer.
    const admitting = (r: Rendered) =>
      r.objects.filter(
        (o) =>
          o.kind === 'NetworkPolicy' &&
          JSON.stringify((spec(o).ingress as Json[] | undefined)?.map((i) => i.from)).includes(
            'istio-ingressgateway',
          ),
      );
    expect(
      admitting(defaults)
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual([
      'allow-istio-and-oauth2-proxy',
      'allow-istio-gateways-to-activator',
      'allow-istio-ingressgateway',
    ]);
    expect(defaults.has('NetworkPolicy', 'kubeflow', 'allow-kubeflow-gateway')).toBe(false);
    expect(spec(gatewayApi.get('NetworkPolicy', 'kubeflow', 'allow-kubeflow-gateway'))).toEqual({
      podSelector: {
        matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'kubeflow-gateway' },
      },
      ingress: [{}],
      policyTypes: ['Ingress'],
    });
  });

  it("extraJwtIssuers' profileBindings admit the gateway's principal, as the profile controller does", async () => {
    const binding = { user: 'ci@example.org', profile: 'team-a', role: 'edit' };
    const issuer = { issuer: 'https://issuer.example.org', audiences: ['kf'] };
    const principals = async (ingress: Json) => {
      const r = await renderWith(
        {
          global: {
            ingress,
            auth: { extraJwtIssuers: [{ ...issuer, profileBindings: [binding] }] },
          },
        },
        ['kubeflow'],
      );
      const policy = r.objects.find(
        (o) => o.kind === 'AuthorizationPolicy' && o.metadata.namespace === 'team-a',
      ) as K8sObject;
      const profiles = r.objects.find(
        (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('profiles-config-'),
      ) as K8sObject;
      return [
        (spec(policy).rules as { from: { source: { principals: string[] } }[] }[])[0]?.from[0]
          ?.source.principals,
        (profiles.data as Json).ISTIO_INGRESS_GATEWAY_PRINCIPAL,
      ];
    };
    const KFP_UI = 'cluster.local/ns/kubeflow/sa/ml-pipeline-ui';
    expect(await principals({})).toEqual([[UPSTREAM, KFP_UI], UPSTREAM]);
    expect(await principals({ mode: 'gateway-api' })).toEqual([[PRINCIPAL, KFP_UI], PRINCIPAL]);
    const own = 'cluster.local/ns/envoy-gateway-system/sa/envoy-x';
    expect(await principals({ mode: 'gateway-api', gatewayPrincipal: own })).toEqual([
      [own, KFP_UI],
      own,
    ]);
    // istio mode with your own Istio's ingress gateway (docs/choices.md): set, it replaces
    // upstream's principal too.
    const byo = 'cluster.local/ns/istio-system/sa/istio-ingressgateway';
    expect(await principals({ gatewayPrincipal: byo })).toEqual([[byo, KFP_UI], byo]);
  });

  it("KServe's raw deployments get HTTPRoutes on the Kubeflow gateway", () => {
    const ingress = JSON.parse(
      (gatewayApi.get('ConfigMap', 'kubeflow', 'inferenceservice-config').data as Json)
        .ingress as string,
    );
    expect(ingress.enableGatewayApi).toBe(true);
    expect(ingress.kserveIngressGateway).toBe('kubeflow/kubeflow-gateway');
  });

  it('parentRef: routes attach to an existing Gateway; none created; principal and class follow', async () => {
    const r = await renderWith(
      {
        global: {
          domain: 'kubeflow.example.org',
          ingress: {
            mode: 'gateway-api',
            gatewayClassName: 'eg',
            parentRef: { name: 'shared', namespace: 'gateways', sectionName: 'https' },
            gatewayPrincipal: 'cluster.local/ns/envoy-gateway-system/sa/envoy-shared',
          },
          auth: { extraJwtIssuers: [{ issuer: 'https://issuer.example.org', audiences: ['kf'] }] },
        },
      },
      CHARTS,
    );
    expect(r.objects.filter((o) => o.kind === 'Gateway' && isGatewayApi(o))).toEqual([]);
    // No policy for pods of a Gateway the charts do not create; the peers follow parentRef.
    expect(r.has('NetworkPolicy', 'kubeflow', 'allow-kubeflow-gateway')).toBe(false);
    expect(
      (
        spec(r.get('NetworkPolicy', 'oauth2-proxy', 'allow-istio-ingressgateway')).ingress as Json[]
      )[0]?.from,
    ).toContainEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateways' } },
      podSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'shared' } },
    });
    for (const route of r.objects.filter((o) => o.kind === 'HTTPRoute')) {
      expect(spec(route).parentRefs).toEqual([
        {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: 'shared',
          namespace: 'gateways',
          sectionName: 'https',
        },
      ]);
    }
    expect(r.text).toContain('cluster.local/ns/envoy-gateway-system/sa/envoy-shared');
    expect(r.text).toContain('gateway.networking.k8s.io/gateway-name: "shared"');
    // The extra issuers' RequestAuthentications (a hand-written template) follow too.
    expect(spec(r.get('RequestAuthentication', 'istio-system', 'kfcharts-jwt-0')).selector).toEqual(
      {
        matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'shared' },
      },
    );
    const ingress = JSON.parse(
      (r.get('ConfigMap', 'kubeflow', 'inferenceservice-config').data as Json).ingress as string,
    );
    expect(ingress.kserveIngressGateway).toBe('gateways/shared');
  });

  it('global.domain: the created Gateway listens for the domain and its subdomains', async () => {
    const r = await renderWith(
      { global: { domain: 'kubeflow.example.org', ingress: { mode: 'gateway-api' } } },
      ['kubeflow-platform'],
    );
    const gateway = r.objects.find((o) => o.kind === 'Gateway' && isGatewayApi(o)) as K8sObject;
    expect((spec(gateway).listeners as Json[]).map((l) => [l.name, l.hostname])).toEqual([
      ['http', 'kubeflow.example.org'],
      ['http-subdomains', '*.kubeflow.example.org'],
    ]);
  });

  it('the schema refuses an unknown mode and a parentRef without namespace', async () => {
    expect(await schemaError({ global: { ingress: { mode: 'nginx' } } })).toMatch(/mode/);
    expect(await schemaError({ global: { ingress: { parentRef: { name: 'shared' } } } })).toMatch(
      /namespace/,
    );
  });
});

describe('examples/gateway-api', () => {
  const dir = join(projectRoot, 'examples/gateway-api');
  const read = (file: string) =>
    parseYamlStream(readFileSync(join(dir, file), 'utf8'), file) as K8sObject[];
  const standard = ['v1.2.1', 'v1.6.1'].map((v) => crdValidator(`standard-${v}`));
  const envoyGateway = crdValidator('envoy-gateway-v1.9.0');
  const cilium = crdValidator('cilium-v1.18.2');
  const valid = (o: K8sObject) =>
    isGatewayApi(o)
      ? standard.flatMap((v) => v(o))
      : o.apiVersion.startsWith('cilium.io/')
        ? cilium(o)
        : envoyGateway(o);

  it('every object is valid against its CRD schema (Gateway API standard channel, Envoy Gateway v1.9.0, Cilium v1.18.2)', () => {
    const objects = [...read('envoy-gateway.yaml'), ...read('cilium-edge.yaml')];
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'CiliumNetworkPolicy',
      'Gateway',
      'GatewayClass',
      'HTTPRoute',
      'HTTPRoute',
      'ReferenceGrant',
      'ReferenceGrant',
      'SecurityPolicy',
    ]);
    for (const o of objects) expect(valid(o), `${o.kind} ${o.metadata.name}`).toEqual([]);
    const policy = structuredClone(read('envoy-gateway.yaml')[1]) as K8sObject;
    (spec(policy).jwt as Json).providers = [{ name: 'dex', claimToHeader: [] }];
    expect(envoyGateway(policy).join()).toMatch(/claimToHeader/);
    const cnp = structuredClone(read('cilium-edge.yaml')[3]) as K8sObject;
    (spec(cnp).ingress as Json[])[0] = { fromEntities: ['ingres'] };
    expect(cilium(cnp).join()).toMatch(/allowed values/);
  });

  it("Envoy Gateway: the SecurityPolicy covers the charts' routes in kubeflow, its backends exist", async () => {
    const r = await renderWith(join(dir, 'values-envoy-gateway.yaml'), CHARTS);
    const [, policy, ...grants] = read('envoy-gateway.yaml') as [
      K8sObject,
      K8sObject,
      ...K8sObject[],
    ];
    const targets = (spec(policy).targetRefs as { name: string }[]).map((t) => t.name);
    const inKubeflow = r.objects
      .filter((o) => o.kind === 'HTTPRoute' && o.metadata.namespace === 'kubeflow')
      .map((o) => o.metadata.name);
    expect(targets).toEqual(inKubeflow.sort());
    const gateway = r.objects.find((o) => o.kind === 'Gateway' && isGatewayApi(o)) as K8sObject;
    expect(spec(gateway).gatewayClassName).toBe('eg');
    const extAuth = ((spec(policy).extAuth as Json).http as Json).backendRefs as Json[];
    const [provider] = (spec(policy).jwt as Json).providers as [Json];
    const jwks = (provider.remoteJWKS as Json).backendRefs as Json[];
    for (const ref of [...extAuth, ...jwks]) {
      const service = r.get('Service', ref.namespace as string, ref.name as string);
      expect((spec(service).ports as { port: number }[]).map((p) => p.port)).toContain(ref.port);
      expect(
        grants.map((g) => [g.metadata.namespace, (spec(g).to as Json[])[0]?.name]),
      ).toContainEqual([ref.namespace, ref.name]);
    }
    // The issuer is Dex's, as upstream's RequestAuthentication reads it.
    const dexJwt = r.get('RequestAuthentication', 'istio-system', 'dex-jwt');
    expect(((spec(policy).jwt as Json).providers as Json[])[0]?.issuer).toBe(
      (spec(dexJwt).jwtRules as Json[])[0]?.issuer,
    );
  });

  it("Cilium at the edge: the backend is Kubeflow's Istio ingress gateway at defaults", () => {
    const [, route] = read('cilium-edge.yaml') as [K8sObject, K8sObject];
    const [backend] =
      (spec(route).rules as { backendRefs: { name: string; port: number }[] }[])[0]?.backendRefs ??
      [];
    const service = defaults.get('Service', 'istio-system', backend?.name ?? '');
    const port = (spec(service).ports as { port: number; targetPort: number }[]).find(
      (p) => p.port === backend?.port,
    );
    expect(port).toBeDefined();
    expect(route.metadata.namespace).toBe('istio-system');
    // The CiliumNetworkPolicy admits Cilium's Envoy to that Service's pods, at the pod port.
    const cnp = read('cilium-edge.yaml').find((o) => o.kind === 'CiliumNetworkPolicy') as K8sObject;
    expect(cnp.metadata.namespace).toBe('istio-system');
    const selector = (spec(cnp).endpointSelector as { matchLabels: Json }).matchLabels;
    const pods = (
      spec(defaults.get('Deployment', 'istio-system', 'istio-ingressgateway')).template as {
        metadata: { labels: Json };
      }
    ).metadata.labels;
    expect(pods).toMatchObject(selector);
    expect(spec(service).selector).toMatchObject(selector);
    expect(spec(cnp).ingress).toEqual([
      {
        fromEntities: ['ingress'],
        toPorts: [{ ports: [{ port: String(port?.targetPort), protocol: 'TCP' }] }],
      },
    ]);
    // Upstream's policies on those pods admit no outside peer (why the CiliumNetworkPolicy).
    const upstream = defaults.objects.filter(
      (o) =>
        o.kind === 'NetworkPolicy' &&
        o.metadata.namespace === 'istio-system' &&
        JSON.stringify(spec(o).podSelector).match(/istio-ingressgateway|^\{\}$/),
    );
    expect(upstream.map((o) => o.metadata.name).sort()).toEqual([
      'allow-knative-to-istio-gateways',
      'default-allow-same-namespace-istio-system',
    ]);
  });

  it('values-istio.yaml renders', async () => {
    const r = await renderWith(join(dir, 'values-istio.yaml'), ['kubeflow-platform']);
    expect(r.objects.filter((o) => o.kind === 'HTTPRoute').length).toBeGreaterThan(0);
  });
});

describe('hostile ingress values (schema off) render as data', () => {
  it('parentRef and principal strings stay strings', async () => {
    const hostile = 'a"b\n{{ .Release.Name }}: #x\u0085';
    const values = {
      global: {
        ingress: {
          mode: 'gateway-api',
          gatewayClassName: hostile,
          parentRef: { name: hostile, namespace: hostile, sectionName: hostile },
          gatewayPrincipal: hostile,
        },
        auth: {
          extraJwtIssuers: [
            {
              issuer: 'https://issuer.example.org',
              audiences: ['kf'],
              profileBindings: [{ user: 'u', profile: 'team-a', role: 'edit' }],
            },
          ],
        },
      },
    };
    let peers = 0;
    let bindings = 0;
    let renders = 0;
    for (const chart of CHARTS) {
      const outs = await renderUnchecked(values, chart);
      renders = outs.length; // one per Helm major version, the same for every chart
      for (const out of outs) {
        expect(out.ok, out.text).toBe(true);
        const objects = parseYamlStream(out.text, chart) as K8sObject[];
        const routes = objects.filter((o) => o.kind === 'HTTPRoute');
        expect(routes.length).toBeGreaterThan(0);
        for (const route of routes) {
          expect(spec(route).parentRefs).toEqual([
            {
              group: 'gateway.networking.k8s.io',
              kind: 'Gateway',
              name: hostile,
              namespace: hostile,
              sectionName: hostile,
            },
          ]);
        }
        expect(out.text).not.toContain('\nr:');
        for (const policy of objects.filter((o) => o.kind === 'NetworkPolicy')) {
          const from = (spec(policy).ingress as { from?: Json[] }[]).flatMap((i) => i.from ?? []);
          if (!JSON.stringify(from).includes('gateway.networking.k8s.io/gateway-name')) continue;
          peers++;
          expect(from).toContainEqual({
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': hostile } },
            podSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': hostile } },
          });
        }
        for (const policy of objects.filter(
          (o) => o.kind === 'AuthorizationPolicy' && o.metadata.namespace === 'team-a',
        )) {
          bindings++;
          expect(JSON.stringify(spec(policy).rules)).toContain(JSON.stringify(hostile));
        }
      }
    }
    expect([peers, bindings]).toEqual([3 * renders, renders]);
  });
});
