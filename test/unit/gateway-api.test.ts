import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DriftError } from '../../src/build.ts';
import type { Component } from '../../src/components.ts';
import { type ManifestObject, splitManifests } from '../../src/manifest/object.ts';
import { renderTemplate } from '../../src/rules/edit.ts';
import {
  gatewayApiRoutesRule,
  gatewayApiTemplate,
  toHttpRoute,
  UnsupportedFeature,
  type VirtualService,
} from '../../src/rules/gateway-api.ts';
import { applyRules } from '../../src/rules/rule.ts';

/** A VirtualService on the Kubeflow gateway with `http` as its routes (YAML lines). */
const vsText = (
  http: string,
  name = 'app',
  namespace = 'kubeflow',
) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  gateways:
  - kubeflow/kubeflow-gateway
  hosts:
  - '*'
  http:
${http}`;

const route = `    route:
    - destination:
        host: app.kubeflow.svc.cluster.local
        port:
          number: 80
`;

const vs = (http: string): VirtualService => parse(vsText(http)) as VirtualService;

function unsupported(http: string): string {
  try {
    toHttpRoute(vs(http));
  } catch (error) {
    expect(error).toBeInstanceOf(UnsupportedFeature);
    return (error as Error).message;
  }
  throw new Error('expected UnsupportedFeature');
}

const component: Component = {
  name: 'app',
  paths: ['apps/app'],
  description: 'app',
  optional: false,
  derived: false,
};

describe('VirtualService → HTTPRoute', () => {
  it('an unsupported feature fails the build, naming the object and the field', () => {
    const object = splitManifests(
      vsText(
        `  - match:\n    - uri:\n        prefix: /app/\n    retries:\n      attempts: 3\n${route}`,
      ),
      'test',
    )[0] as ManifestObject;
    const result = applyRules([gatewayApiRoutesRule()], [{ component, objects: [object] }]);
    expect(result.drift).toHaveLength(1);
    const [drift] = result.drift;
    expect(drift).toMatchObject({
      rule: 'gateway-api-httproutes',
      component: 'app',
      object: 'networking.istio.io/v1 VirtualService kubeflow/app',
    });
    expect(drift?.found).toMatch(/^spec\.http\[0\]\.retries: .*experimental channel/);
    // The build turns drift into one error naming all of it.
    const error = new DriftError({
      tag: 'test',
      releaseData: undefined,
      resolution: { components: [], derived: [] } as never,
      exampleTransforms: [],
      findings: result.findings,
      drift: result.drift,
      controllerOwned: [],
    });
    expect(error.details).toContain(
      'gateway-api-httproutes (src/rules/gateway-api.ts) [app] networking.istio.io/v1 VirtualService kubeflow/app: ',
    );
    expect(error.details).toContain('spec.http[0].retries');
  });

  it.each([
    ['corsPolicy', `  - corsPolicy:\n      allowOrigins: []\n${route}`, 'spec.http[0].corsPolicy'],
    [
      'a subset',
      `  - route:\n    - destination:\n        host: app\n        subset: v1\n        port:\n          number: 80\n`,
      'spec.http[0].route[0].destination.subset',
    ],
    [
      'no port',
      `  - route:\n    - destination:\n        host: app\n`,
      'spec.http[0].route[0].destination.port',
    ],
    [
      'an external host',
      `  - route:\n    - destination:\n        host: example.com\n        port:\n          number: 80\n`,
      'spec.http[0].route[0].destination.host',
    ],
    [
      'an Envoy variable',
      `  - headers:\n      request:\n        set:\n          x-ip: '%DOWNSTREAM_REMOTE_ADDRESS%'\n${route}`,
      'spec.http[0].headers.request.set.x-ip',
    ],
    [
      'a string rewrite Gateway API reads by elements',
      `  - match:\n    - uri:\n        prefix: /app/\n    rewrite:\n      uri: /other\n${route}`,
      'spec.http[0].rewrite.uri',
    ],
    [
      'ignoreUriCase',
      `  - match:\n    - uri:\n        prefix: /app/\n      ignoreUriCase: true\n${route}`,
      'spec.http[0].match[0].ignoreUriCase',
    ],
    ['a field unknown to the converter', `  - newFeature: {}\n${route}`, 'spec.http[0].newFeature'],
    [
      'order-dependent overlapping routes',
      `  - match:\n    - uri:\n        prefix: /a/\n${route}  - match:\n    - uri:\n        prefix: /a/b/\n${route}`,
      'spec.http[1].match[0]',
    ],
  ])('refuses %s', (_name, http, field) => {
    expect(unsupported(http)).toMatch(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: `));
  });

  it('converts matches, rewrites, headers, timeouts, weights; grants cross-namespace backends', () => {
    const { route: converted, grants } = toHttpRoute(
      vs(`  - match:
    - uri:
        exact: /exact
      method:
        exact: GET
    - uri:
        prefix: /app/
      headers:
        x-team:
          exact: a
    rewrite:
      uri: /
      authority: app.internal
    headers:
      request:
        add:
          x-forwarded-prefix: /app
        remove: [x-drop]
      response:
        set:
          x-frame-options: DENY
    timeout: 1.5s
    route:
    - destination:
        host: app
        port:
          number: 80
      weight: 90
    - destination:
        host: other.team.svc.cluster.local
        port:
          number: 8080
      weight: 10
`),
    );
    expect(converted.spec).toEqual({
      rules: [
        {
          matches: [{ path: { type: 'Exact', value: '/exact' }, method: 'GET' }],
          filters: [
            {
              type: 'URLRewrite',
              urlRewrite: {
                hostname: 'app.internal',
                path: { type: 'ReplaceFullPath', replaceFullPath: '/' },
              },
            },
            {
              type: 'RequestHeaderModifier',
              requestHeaderModifier: {
                add: [{ name: 'x-forwarded-prefix', value: '/app' }],
                remove: ['x-drop'],
              },
            },
            {
              type: 'ResponseHeaderModifier',
              responseHeaderModifier: { set: [{ name: 'x-frame-options', value: 'DENY' }] },
            },
          ],
          backendRefs: [
            { group: '', kind: 'Service', name: 'app', port: 80, weight: 90 },
            {
              group: '',
              kind: 'Service',
              name: 'other',
              namespace: 'team',
              port: 8080,
              weight: 10,
            },
          ],
          timeouts: { request: '1500ms' },
        },
        expect.objectContaining({
          matches: [
            {
              path: { type: 'PathPrefix', value: '/app/' },
              headers: [{ name: 'x-team', type: 'Exact', value: 'a' }],
            },
          ],
        }),
      ],
    });
    expect((converted.spec as { rules: { filters: unknown[] }[] }).rules[1]?.filters[0]).toEqual({
      type: 'URLRewrite',
      urlRewrite: {
        hostname: 'app.internal',
        path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' },
      },
    });
    expect(grants).toEqual([
      {
        apiVersion: 'gateway.networking.k8s.io/v1beta1',
        kind: 'ReferenceGrant',
        metadata: { name: 'kubeflow-app', namespace: 'team' },
        spec: {
          from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'kubeflow' }],
          to: [{ group: '', kind: 'Service', name: 'other' }],
        },
      },
    ]);
  });

  it('a VirtualService elsewhere stays; one on the gateway renders both modes, upstream text as data', () => {
    const [mesh, onGateway] = splitManifests(
      `${vsText(route.replace('    route', '  - route'), 'mesh').replace('  - kubeflow/kubeflow-gateway', '  - mesh')}---\n${vsText(`  - headers:\n      request:\n        set:\n          x-note: '{{ not a template }}'\n${route}`)}`,
      'test',
    ) as [ManifestObject, ManifestObject];
    const result = applyRules(
      [gatewayApiRoutesRule()],
      [{ component, objects: [mesh, onGateway] }],
    );
    expect(result.drift).toEqual([]);
    expect(result.findings[0]?.matched).toEqual([
      'app: networking.istio.io/v1 VirtualService kubeflow/app',
    ]);
    expect(result.findings[0]?.notes).toEqual(['1 HTTPRoute(s) in gateway-api mode: kubeflow/app']);
    const [, converted] = result.components[0]?.objects ?? [];
    const template = renderTemplate(converted as ManifestObject);
    expect(
      template.startsWith(
        '{{ if not (eq (toString $.Values.global.ingress.mode) "gateway-api") }}',
      ),
    ).toBe(true);
    expect(template).toContain(
      `{{ else }}apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n`,
    );
    // Upstream's `{{` stays text in both branches.
    expect(template.match(/\{\{"\{\{"\}\} not a template/g)).toHaveLength(2);
  });

  it('route and match names are left out, and reported', () => {
    const [object] = splitManifests(
      vsText(
        `  - name: main\n    match:\n    - name: app\n      uri:\n        prefix: /app/\n${route}`,
      ),
      'test',
    ) as [ManifestObject];
    const result = applyRules([gatewayApiRoutesRule()], [{ component, objects: [object] }]);
    expect(result.drift).toEqual([]);
    expect(result.findings[0]?.notes[1]).toBe(
      'left out of the HTTPRoutes (names, no routing effect): kubeflow/app spec.http[0].match[0].name, kubeflow/app spec.http[0].name',
    );
  });

  it('a short gateway name is the VirtualService namespace', () => {
    const short = (ns: string) =>
      parse(
        vsText(route.replace('    route', '  - route'), 'x', ns).replace(
          'kubeflow/kubeflow-gateway',
          'kubeflow-gateway',
        ),
      ) as VirtualService;
    expect(() => toHttpRoute(short('kubeflow'))).not.toThrow();
    expect(() => toHttpRoute(short('auth'))).toThrow(
      /spec\.gateways: also names "kubeflow-gateway"/,
    );
    expect(gatewayApiTemplate(toHttpRoute(short('kubeflow')))).toContain('  parentRefs:\n');
  });
  it('a VirtualService without spec is drift naming it, not a crash', () => {
    const [object] = splitManifests(
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: bare\n  namespace: kubeflow\n',
      'test',
    ) as [ManifestObject];
    const result = applyRules([gatewayApiRoutesRule()], [{ component, objects: [object] }]);
    expect(result.drift).toHaveLength(1);
    expect(result.drift[0]).toMatchObject({
      object: 'networking.istio.io/v1 VirtualService kubeflow/bare',
      found: 'spec: missing or not a map',
    });
  });

  it("of several destinations, one without a weight gets 0 (Istio skips it), not Gateway API's 1", () => {
    const two = `  - route:
    - destination:
        host: a
        port:
          number: 80
      weight: 100
    - destination:
        host: b
        port:
          number: 80
`;
    const rules = (toHttpRoute(vs(two)).route.spec as { rules: { backendRefs: unknown[] }[] })
      .rules;
    expect(rules[0]?.backendRefs).toEqual([
      { group: '', kind: 'Service', name: 'a', port: 80, weight: 100 },
      { group: '', kind: 'Service', name: 'b', port: 80, weight: 0 },
    ]);
    // A single destination keeps no weight (Istio gives it all the traffic).
    const one = (
      toHttpRoute(vs(route.replace('    route', '  - route'))).route.spec as {
        rules: { backendRefs: Record<string, unknown>[] }[];
      }
    ).rules;
    expect(one[0]?.backendRefs[0]).not.toHaveProperty('weight');
  });

  it("HTTPRoute's CRD limits fail the build naming the field", () => {
    const dest = (i: number) =>
      `    - destination:\n        host: s${i}\n        port:\n          number: 80\n      weight: 1\n`;
    const destinations = (n: number) => Array.from({ length: n }, (_, i) => dest(i)).join('');
    expect(() => toHttpRoute(vs(`  - route:\n${destinations(16)}`))).not.toThrow();
    expect(unsupported(`  - route:\n${destinations(17)}`)).toBe(
      'spec.http[0].route: 17 destinations; an HTTPRoute rule allows 16 backendRefs',
    );
    // One rule per match: 16 exact matches fit, 17 do not.
    const exact = (n: number) =>
      Array.from(
        { length: n },
        (_, i) => `  - match:\n    - uri:\n        exact: /e${i}\n${route}`,
      ).join('');
    expect(() => toHttpRoute(vs(exact(16)))).not.toThrow();
    expect(unsupported(exact(17))).toBe(
      'spec.http: converts into 17 HTTPRoute rules; an HTTPRoute allows 16',
    );
    const hosts = (n: number) =>
      vsText(route.replace('    route', '  - route')).replace(
        "  - '*'\n",
        Array.from({ length: n }, (_, i) => `  - h${i}.example.org\n`).join(''),
      );
    expect(() => toHttpRoute(parse(hosts(16)) as VirtualService)).not.toThrow();
    expect(() => toHttpRoute(parse(hosts(17)) as VirtualService)).toThrow(
      'spec.hosts: 17 hosts; an HTTPRoute allows 16 hostnames',
    );
  });
});

describe('examples/gateway-api/values-envoy-gateway.yaml', () => {
  /**
   * Envoy Gateway's proxy ServiceAccount (and Deployment) name: `envoy-` and
   * utils.GetHashedName("<ns>/<name>", 48) (ExpectedResourceHashedName): the name with `/` as `-`
   * (cut to 48 characters), `-`, the first 8 hex digits of its sha256.
   */
  const envoyName = (namespace: string, name: string) => {
    const nsName = `${namespace}/${name}`;
    const hash = createHash('sha256').update(nsName).digest('hex').slice(0, 8);
    const resource = nsName.replaceAll('/', '-');
    const trimmed = resource.length > 48 ? resource.slice(0, 48).replace(/-$/, '') : resource;
    return `envoy-${trimmed}-${hash}`;
  };

  it("gatewayPrincipal is the ServiceAccount Envoy Gateway gives kubeflow/kubeflow-gateway's proxy", () => {
    // Envoy Gateway's own example (a comment of its xDS server's ServiceAccount token check).
    expect(envoyName('default', 'eg')).toBe('envoy-default-eg-e41e7b31');
    const values = parse(
      readFileSync(
        new URL('../../examples/gateway-api/values-envoy-gateway.yaml', import.meta.url),
        'utf8',
      ),
    ) as { global: { ingress: { gatewayPrincipal: string; parentRef?: unknown } } };
    expect(values.global.ingress.parentRef).toBeUndefined();
    expect(values.global.ingress.gatewayPrincipal).toBe(
      `cluster.local/ns/envoy-gateway-system/sa/${envoyName('kubeflow', 'kubeflow-gateway')}`,
    );
  });
});
