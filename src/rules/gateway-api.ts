import { parse, stringify } from 'yaml';
import { escapeTemplateText } from '../chart/escape.ts';
import { KUBERNETES_YAML, type ManifestObject } from '../manifest/object.ts';
import type { TextEdit } from './edit.ts';
import type { ObjectRule } from './rule.ts';
import { json } from './values/template.ts';

/**
 * Gateway API mode (`global.ingress.mode: gateway-api`, docs/gateway-api.md): every Istio
 * VirtualService bound to the Kubeflow gateway is converted at build time into an
 * equivalent Gateway API HTTPRoute (and, for backends in another namespace, the
 * ReferenceGrants they need). The object's template renders the VirtualService in `istio`
 * mode (the default: kustomize's text, unchanged) and the HTTPRoute in `gateway-api` mode.
 *
 * A field with no exact HTTPRoute equivalent fails the build, naming the object and the
 * field: the converter knows a closed list of fields, so a field upstream adds later is
 * refused rather than dropped.
 */

/** The Istio Gateway upstream's VirtualServices attach to, as `namespace/name`. */
export const KUBEFLOW_GATEWAY = { namespace: 'kubeflow', name: 'kubeflow-gateway' } as const;

export const INGRESS = '$.Values.global.ingress';
/** Helm condition: the charts render Gateway API objects instead of Istio's. */
export const GATEWAY_API = `(eq (toString ${INGRESS}.mode) "gateway-api")`;
const PARENT = `${INGRESS}.parentRef`;
/** The Gateway the routes attach to: parentRef, else the one the charts create. */
export const GATEWAY_NAME = `(${PARENT}.name | default ${JSON.stringify(KUBEFLOW_GATEWAY.name)})`;
export const GATEWAY_NAMESPACE = `(ternary ${PARENT}.namespace ${JSON.stringify(KUBEFLOW_GATEWAY.namespace)} (not (empty ${PARENT}.name)))`;

/** A VirtualService feature without an HTTPRoute equivalent: the field and why. */
export class UnsupportedFeature extends Error {
  readonly field: string;
  constructor(field: string, why: string) {
    super(`${field}: ${why}`);
    this.field = field;
  }
}

type Json = Record<string, unknown>;

function isMap(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * HTTPRoute's CRD limits (standard channel v1.2.1 and v1.6.1, test/fixtures/gateway-api):
 * checked here so a VirtualService beyond them fails the build, not the apply.
 */
export const HTTP_ROUTE_LIMITS = { hostnames: 16, rules: 16, backendRefs: 16 };

export interface VirtualService {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Json; annotations?: Json };
  readonly spec: Json;
}

/** What the Gateway API side of one VirtualService is. */
export interface Conversion {
  /** The HTTPRoute without `spec.parentRefs` (values decide those at render time). */
  readonly route: Json;
  /** One per backend namespace other than the route's. */
  readonly grants: readonly Json[];
  /** Fields left out because they do not route (`http[].name`, `match[].name`), for the report. */
  readonly dropped: readonly string[];
}

/** Whether `gateway` (an entry of `spec.gateways`) names the Kubeflow gateway. */
function isKubeflowGateway(gateway: unknown, namespace: string): boolean {
  if (gateway === `${KUBEFLOW_GATEWAY.namespace}/${KUBEFLOW_GATEWAY.name}`) return true;
  // A short name is the VirtualService's own namespace (Istio's reading).
  return gateway === KUBEFLOW_GATEWAY.name && namespace === KUBEFLOW_GATEWAY.namespace;
}

/** Whether the VirtualService attaches to the Kubeflow gateway (what gateway-api mode converts). */
export function onKubeflowGateway(vs: VirtualService): boolean {
  const gateways = isMap(vs.spec) ? vs.spec.gateways : undefined;
  const namespace = vs.metadata.namespace ?? 'default';
  return Array.isArray(gateways) && gateways.some((g) => isKubeflowGateway(g, namespace));
}

const HTTP_ROUTE_FIELDS = new Set(['name', 'match', 'route', 'rewrite', 'headers', 'timeout']);
const WHY: Readonly<Record<string, string>> = {
  retries:
    "HTTPRoute's retry field is in Gateway API's experimental channel only; the standard-channel CRDs refuse it",
  redirect: 'not converted (RequestRedirect differs in port and scheme defaults)',
  directResponse: 'HTTPRoute has no direct response',
  delegate: 'HTTPRoute has no delegation',
  mirror: 'not converted (RequestMirror is Extended support)',
  mirrors: 'not converted (RequestMirror is Extended support)',
  mirrorPercentage: 'not converted (RequestMirror is Extended support)',
  mirrorPercent: 'not converted (RequestMirror is Extended support)',
  mirror_percent: 'not converted (RequestMirror is Extended support)',
  fault: 'HTTPRoute has no fault injection',
  corsPolicy: "HTTPRoute's CORS filter is experimental",
};

/**
 * Converts one VirtualService. Throws UnsupportedFeature for anything without an exact
 * equivalent (see docs/gateway-api.md, "Coverage").
 */
export function toHttpRoute(vs: VirtualService): Conversion {
  const namespace = vs.metadata.namespace ?? 'default';
  const spec = vs.spec;
  if (!isMap(spec)) throw new UnsupportedFeature('spec', 'missing or not a map');
  for (const key of Object.keys(spec)) {
    if (key === 'hosts' || key === 'gateways' || key === 'http') continue;
    throw new UnsupportedFeature(
      `spec.${key}`,
      key === 'tcp' || key === 'tls'
        ? `${key} routes are not HTTP: a TCPRoute/TLSRoute would be needed`
        : 'no HTTPRoute equivalent',
    );
  }
  const gateways = (spec.gateways ?? []) as unknown[];
  const others = gateways.filter((g) => !isKubeflowGateway(g, namespace));
  if (others.length > 0) {
    throw new UnsupportedFeature(
      'spec.gateways',
      `also names ${others.map((g) => JSON.stringify(g)).join(', ')}; an HTTPRoute replaces the Kubeflow gateway's binding only`,
    );
  }
  const hostnames = convertHosts(spec.hosts);
  const http = spec.http;
  if (!Array.isArray(http) || http.length === 0) {
    throw new UnsupportedFeature('spec.http', 'no HTTP routes');
  }
  const rules: Json[] = [];
  const matchesSeen: { path: PathMatch; at: string; only: boolean }[] = [];
  const backendNamespaces = new Map<string, Set<string>>();
  const dropped: string[] = [];
  http.forEach((entry: Json, i) => {
    const at = `spec.http[${i}]`;
    if (!isMap(entry)) throw new UnsupportedFeature(at, 'is not a map');
    // Names label Istio's stats; HTTPRoute rule names are not in v1.2's standard channel.
    if (entry.name !== undefined) dropped.push(`${at}.name`);
    ((Array.isArray(entry.match) ? entry.match : []) as Json[]).forEach((m, j) => {
      if (m.name !== undefined) dropped.push(`${at}.match[${j}].name`);
    });
    for (const key of Object.keys(entry)) {
      if (!HTTP_ROUTE_FIELDS.has(key)) {
        throw new UnsupportedFeature(`${at}.${key}`, WHY[key] ?? 'no HTTPRoute equivalent');
      }
    }
    const matches = convertMatches(entry.match, at);
    const backends = convertBackends(entry.route, `${at}.route`, namespace, backendNamespaces);
    const headerFilters = convertHeaders(entry.headers, `${at}.headers`);
    const timeout =
      entry.timeout === undefined ? undefined : duration(entry.timeout, `${at}.timeout`);
    const rewrite = (entry.rewrite ?? {}) as Json;
    for (const key of Object.keys(rewrite)) {
      if (key !== 'uri' && key !== 'authority') {
        throw new UnsupportedFeature(`${at}.rewrite.${key}`, 'no HTTPRoute equivalent');
      }
    }
    // One rule per match: a rewrite's filter depends on the match's kind.
    for (const [j, match] of matches.entries()) {
      const filters: Json[] = [];
      const urlRewrite = convertRewrite(rewrite, match.path, `${at}.rewrite`);
      if (urlRewrite) filters.push({ type: 'URLRewrite', urlRewrite });
      filters.push(...headerFilters);
      for (const seen of matchesSeen) {
        if (seen.at !== at && overlaps(seen.path, match.path, seen.only && match.only)) {
          throw new UnsupportedFeature(
            `${at}.match[${j}]`,
            `overlaps ${seen.at} (first match wins in a VirtualService, the most specific match in an HTTPRoute)`,
          );
        }
      }
      matchesSeen.push({ path: match.path, at, only: match.only });
      rules.push({
        matches: match.gateway,
        ...(filters.length > 0 && { filters }),
        backendRefs: backends,
        // Istio's default route timeout is none; Gateway API leaves an absent one to the
        // implementation (Envoy's is 15s), and reads 0s as none.
        timeouts: { request: timeout ?? '0s' },
      });
    }
  });
  // One rule per match, of at most two matches (gatewayPaths): within 16 rules the CRD's
  // 64 matches per rule and 128 in all cannot be exceeded.
  if (rules.length > HTTP_ROUTE_LIMITS.rules) {
    throw new UnsupportedFeature(
      'spec.http',
      `converts into ${rules.length} HTTPRoute rules; an HTTPRoute allows ${HTTP_ROUTE_LIMITS.rules}`,
    );
  }
  const metadata: Json = { name: vs.metadata.name, namespace };
  if (vs.metadata.labels) metadata.labels = vs.metadata.labels;
  if (vs.metadata.annotations) metadata.annotations = vs.metadata.annotations;
  const route: Json = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata,
    spec: { ...(hostnames.length > 0 && { hostnames }), rules },
  };
  const grants = [...backendNamespaces.entries()].map(([backendNamespace, services]) => ({
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: {
      name: `${namespace}-${vs.metadata.name}`.slice(0, 253),
      namespace: backendNamespace,
    },
    spec: {
      from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace }],
      to: [...services].sort().map((name) => ({ group: '', kind: 'Service', name })),
    },
  }));
  return { route, grants, dropped };
}

const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** `*` (every host) → no hostnames, which an HTTPRoute reads as every host of its listener. */
function convertHosts(hosts: unknown): string[] {
  if (!Array.isArray(hosts) || hosts.length === 0) {
    throw new UnsupportedFeature('spec.hosts', 'a VirtualService on a gateway needs hosts');
  }
  if (hosts.includes('*')) return [];
  if (hosts.length > HTTP_ROUTE_LIMITS.hostnames) {
    throw new UnsupportedFeature(
      'spec.hosts',
      `${hosts.length} hosts; an HTTPRoute allows ${HTTP_ROUTE_LIMITS.hostnames} hostnames`,
    );
  }
  return hosts.map((host, i) => {
    if (typeof host !== 'string' || !HOSTNAME.test(host) || /^[0-9.]+$/.test(host)) {
      throw new UnsupportedFeature(`spec.hosts[${i}]`, `${JSON.stringify(host)} is no hostname`);
    }
    return host;
  });
}

/** A path match as both sides read it. */
export type PathMatch =
  | { readonly kind: 'prefix'; readonly value: string }
  | { readonly kind: 'exact'; readonly value: string }
  | { readonly kind: 'regex'; readonly value: string };

interface Match {
  readonly path: PathMatch;
  /** Only the path restricts the match (no headers, query or method). */
  readonly only: boolean;
  /** The HTTPRoute matches (two for a prefix not ending in `/`). */
  readonly gateway: Json[];
}

const MATCH_FIELDS = new Set(['name', 'uri', 'headers', 'queryParams', 'method']);
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

/** Istio's RE2 special characters, escaped so a string matches itself. */
function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/**
 * Istio's `prefix` is a string prefix; Gateway API's PathPrefix matches whole path
 * elements. For a prefix ending in `/` (or `/` itself) they agree, except that PathPrefix
 * also matches the path without its trailing `/`. Any other prefix P (`/pipeline`, and
 * `/ml_metadata`, which KFP's UI calls as `/ml_metadata.MetadataStoreService/...`) becomes
 * PathPrefix P (P and P/...; portable) plus the regular expression of the string prefix
 * for the rest. Gateway API leaves the precedence of regular expressions to the
 * implementation: Istio ranks them below every PathPrefix, so there the rest reaches the
 * catch-all route (docs/gateway-api.md, "Path matches").
 */
export function gatewayPaths(path: PathMatch): Json[] {
  switch (path.kind) {
    case 'exact':
      return [{ type: 'Exact', value: path.value }];
    case 'regex':
      return [{ type: 'RegularExpression', value: path.value }];
    case 'prefix':
      return path.value.endsWith('/')
        ? [{ type: 'PathPrefix', value: path.value }]
        : [
            { type: 'PathPrefix', value: path.value },
            { type: 'RegularExpression', value: `^${escapeRegex(path.value)}.*` },
          ];
  }
}

function convertMatches(matches: unknown, at: string): Match[] {
  if (matches === undefined || (Array.isArray(matches) && matches.length === 0)) {
    const path: PathMatch = { kind: 'prefix', value: '/' };
    return [{ path, only: true, gateway: gatewayPaths(path).map((p) => ({ path: p })) }];
  }
  if (!Array.isArray(matches)) throw new UnsupportedFeature(`${at}.match`, 'is not a list');
  return matches.map((m: Json, j) => {
    const here = `${at}.match[${j}]`;
    for (const key of Object.keys(m)) {
      if (!MATCH_FIELDS.has(key)) {
        throw new UnsupportedFeature(`${here}.${key}`, 'no HTTPRoute match equivalent');
      }
    }
    const path = uriMatch(m.uri, `${here}.uri`);
    const rest: Json = {};
    if (m.headers !== undefined) rest.headers = stringMatches(m.headers, `${here}.headers`);
    if (m.queryParams !== undefined) {
      rest.queryParams = stringMatches(m.queryParams, `${here}.queryParams`);
    }
    if (m.method !== undefined) {
      const method = (m.method as Json).exact;
      if (Object.keys(m.method as Json).length !== 1 || !METHODS.includes(String(method))) {
        throw new UnsupportedFeature(`${here}.method`, 'only an exact, standard HTTP method');
      }
      rest.method = method;
    }
    const only = Object.keys(rest).length === 0;
    return { path, only, gateway: gatewayPaths(path).map((p) => ({ path: p, ...rest })) };
  });
}

function uriMatch(uri: unknown, at: string): PathMatch {
  if (uri === undefined) return { kind: 'prefix', value: '/' };
  const entries = Object.entries(uri as Json);
  const [kind, value] = entries[0] ?? [];
  if (entries.length !== 1 || typeof value !== 'string' || !value.startsWith('/')) {
    throw new UnsupportedFeature(at, 'only one of prefix, exact or regex, as an absolute path');
  }
  if (kind === 'prefix' || kind === 'exact' || kind === 'regex') return { kind, value };
  throw new UnsupportedFeature(`${at}.${kind}`, 'no HTTPRoute path match equivalent');
}

/** Headers or query parameters: name → {exact|regex}. */
function stringMatches(map: unknown, at: string): Json[] {
  return Object.entries(map as Json).map(([name, match]) => {
    const entries = Object.entries(match as Json);
    const [kind, value] = entries[0] ?? [];
    if (entries.length !== 1 || typeof value !== 'string' || name.startsWith(':')) {
      throw new UnsupportedFeature(`${at}.${name}`, 'only one exact or regex value of a header');
    }
    if (kind === 'exact') return { name, type: 'Exact', value };
    if (kind === 'regex') return { name, type: 'RegularExpression', value };
    throw new UnsupportedFeature(`${at}.${name}.${kind}`, 'only exact and regex values');
  });
}

/** Whether two matches can both match one request (then their order decides). */
function overlaps(a: PathMatch, b: PathMatch, pathsOnly: boolean): boolean {
  if (!pathsOnly || a.kind === 'regex' || b.kind === 'regex') return true;
  if (a.kind === 'exact' && b.kind === 'exact') return a.value === b.value;
  if (a.kind === 'exact') return a.value.startsWith(b.value);
  if (b.kind === 'exact') return b.value.startsWith(a.value);
  return a.value.startsWith(b.value) || b.value.startsWith(a.value);
}

/**
 * rewrite.uri → URLRewrite path; rewrite.authority → URLRewrite hostname. Istio replaces
 * a matched prefix as a string, Gateway API by path elements: both agree when prefix and
 * replacement both end in `/`; a replacement equal to the prefix changes nothing.
 */
function convertRewrite(rewrite: Json, path: PathMatch, at: string): Json | undefined {
  const out: Json = {};
  if (rewrite.authority !== undefined) {
    if (typeof rewrite.authority !== 'string' || !HOSTNAME.test(rewrite.authority)) {
      throw new UnsupportedFeature(`${at}.authority`, 'is no hostname');
    }
    out.hostname = rewrite.authority;
  }
  const uri = rewrite.uri;
  if (uri !== undefined) {
    if (typeof uri !== 'string' || !uri.startsWith('/')) {
      throw new UnsupportedFeature(`${at}.uri`, 'is not an absolute path');
    }
    if (path.kind !== 'prefix') {
      out.path = { type: 'ReplaceFullPath', replaceFullPath: uri };
    } else if (uri !== path.value) {
      if (!path.value.endsWith('/') || !uri.endsWith('/')) {
        throw new UnsupportedFeature(
          `${at}.uri`,
          `replacing prefix ${JSON.stringify(path.value)} by ${JSON.stringify(uri)} differs between Istio (string) and Gateway API (path elements)`,
        );
      }
      out.path = { type: 'ReplacePrefixMatch', replacePrefixMatch: uri };
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

function convertHeaders(headers: unknown, at: string): Json[] {
  if (headers === undefined) return [];
  const out: Json[] = [];
  for (const [side, value] of Object.entries(headers as Json)) {
    const type =
      side === 'request'
        ? 'RequestHeaderModifier'
        : side === 'response'
          ? 'ResponseHeaderModifier'
          : undefined;
    if (type === undefined) throw new UnsupportedFeature(`${at}.${side}`, 'no equivalent');
    const modifier: Json = {};
    for (const [op, entries] of Object.entries(value as Json)) {
      const here = `${at}.${side}.${op}`;
      if (op === 'remove') {
        const names = entries as unknown[];
        for (const name of names) {
          if (typeof name !== 'string' || !HEADER_NAME.test(name)) {
            throw new UnsupportedFeature(here, `${JSON.stringify(name)} is no header name`);
          }
        }
        modifier.remove = names;
      } else if (op === 'set' || op === 'add') {
        modifier[op] = Object.entries(entries as Json).map(([name, v]) => {
          // Istio hands values to Envoy, which expands %...% variables; Gateway API values are literal.
          if (typeof v !== 'string' || v.includes('%') || !HEADER_NAME.test(name)) {
            throw new UnsupportedFeature(
              `${here}.${name}`,
              'only a literal value (Envoy %VARIABLES% have no equivalent)',
            );
          }
          return { name, value: v };
        });
      } else {
        throw new UnsupportedFeature(here, 'only set, add and remove');
      }
    }
    out.push({
      type,
      [type === 'RequestHeaderModifier' ? 'requestHeaderModifier' : 'responseHeaderModifier']:
        modifier,
    });
  }
  return out;
}

/** A Service of this cluster by Istio's host forms: name, name.ns, name.ns.svc[.cluster.local]. */
function convertBackends(
  route: unknown,
  at: string,
  namespace: string,
  grants: Map<string, Set<string>>,
): Json[] {
  if (!Array.isArray(route) || route.length === 0) {
    throw new UnsupportedFeature(at, 'no destination');
  }
  if (route.length > HTTP_ROUTE_LIMITS.backendRefs) {
    throw new UnsupportedFeature(
      at,
      `${route.length} destinations; an HTTPRoute rule allows ${HTTP_ROUTE_LIMITS.backendRefs} backendRefs`,
    );
  }
  return route.map((r: Json, k) => {
    const here = `${at}[${k}]`;
    for (const key of Object.keys(r)) {
      if (key !== 'destination' && key !== 'weight') {
        throw new UnsupportedFeature(`${here}.${key}`, 'no HTTPRoute backendRef equivalent');
      }
    }
    const destination = (r.destination ?? {}) as Json;
    for (const key of Object.keys(destination)) {
      if (key !== 'host' && key !== 'port') {
        throw new UnsupportedFeature(
          `${here}.destination.${key}`,
          key === 'subset' ? 'DestinationRule subsets have no equivalent' : 'no equivalent',
        );
      }
    }
    // Istio expands a short name in the VirtualService's namespace and reads any name with
    // a dot as a fully qualified host: only these two forms name a Service of the cluster.
    const host = String(destination.host ?? '');
    const parts = host.split('.');
    const short = parts.length === 1;
    const full = parts.length === 5 && parts.slice(2).join('.') === 'svc.cluster.local';
    if (!(short || full) || !parts.every((p) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(p))) {
      throw new UnsupportedFeature(
        `${here}.destination.host`,
        `${JSON.stringify(host)} is not a Service of this cluster (<name> or <name>.<namespace>.svc.cluster.local)`,
      );
    }
    const name = parts[0] as string;
    const backendNamespace = short ? namespace : (parts[1] as string);
    const port = (destination.port as Json | undefined)?.number;
    if (typeof port !== 'number' || Object.keys(destination.port as Json).length !== 1) {
      throw new UnsupportedFeature(
        `${here}.destination.port`,
        'a backendRef needs the port number',
      );
    }
    if (backendNamespace !== namespace) {
      const services = grants.get(backendNamespace) ?? new Set<string>();
      services.add(name);
      grants.set(backendNamespace, services);
    }
    const ref: Json = {
      group: '',
      kind: 'Service',
      name,
      ...(backendNamespace !== namespace && { namespace: backendNamespace }),
      port,
    };
    if (r.weight !== undefined && typeof r.weight !== 'number') {
      throw new UnsupportedFeature(`${here}.weight`, 'not a number');
    }
    // Istio's weights sum to 100; Gateway API's are relative: the same shares. Of several
    // destinations, Istio skips one without a weight (pilot route.go: "Ignore 0 weighted
    // clusters if there are other clusters in the route"); Gateway API's absent weight is 1.
    if (route.length > 1) ref.weight = r.weight ?? 0;
    return ref;
  });
}

/** A protobuf duration (`300s`, `1.5s`) as a Gateway API Duration (`300s`, `1500ms`). */
function duration(value: unknown, at: string): string {
  const m = typeof value === 'string' ? /^(\d+)(?:\.(\d{1,3}))?s$/.exec(value) : null;
  if (!m)
    throw new UnsupportedFeature(
      at,
      `${JSON.stringify(value)} is no duration in whole milliseconds`,
    );
  const ms = Number(m[1]) * 1000 + Number((m[2] ?? '').padEnd(3, '0'));
  const text = ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
  if (!/^([0-9]{1,5}(h|m|s|ms)){1,4}$/.test(text)) {
    throw new UnsupportedFeature(at, `${JSON.stringify(value)} exceeds Gateway API's Duration`);
  }
  return text;
}

/** parentRefs as template text: values choose the Gateway at render time. */
function parentRefsTemplate(): string {
  return [
    '  parentRefs:',
    '  - group: gateway.networking.k8s.io',
    '    kind: Gateway',
    `    name: ${json(GATEWAY_NAME)}`,
    `    namespace: ${json(GATEWAY_NAMESPACE)}`,
    `{{ if ${PARENT}.sectionName }}    sectionName: ${json(`${PARENT}.sectionName`)}\n{{ end }}`,
  ].join('\n');
}

/** YAML of a converted object, escaped (upstream strings are data). */
function yamlOf(value: Json): string {
  // YAML 1.1 as Kubernetes reads it: strings like `on` or `0755` get quotes.
  return escapeTemplateText(stringify(value, { version: '1.1', lineWidth: 0 }));
}

/**
 * The template text of the Gateway API side: the HTTPRoute with its parentRefs, then
 * each ReferenceGrant as its own document.
 */
export function gatewayApiTemplate(conversion: Conversion): string {
  const route = yamlOf(conversion.route);
  const at = route.indexOf('\nspec:\n');
  if (at < 0) throw new Error('converted HTTPRoute has no spec');
  const split = at + '\nspec:\n'.length;
  return [
    route.slice(0, split) + parentRefsTemplate() + route.slice(split),
    ...conversion.grants.map(yamlOf),
  ].join('---\n');
}

/** The VirtualService of an object's text, as Kubernetes reads it. */
function virtualServiceOf(object: ManifestObject): VirtualService {
  return parse(object.text, KUBERNETES_YAML) as VirtualService;
}

function isVirtualService(object: ManifestObject): boolean {
  return object.kind === 'VirtualService' && object.apiVersion.startsWith('networking.istio.io/');
}

/**
 * The generic transform: every VirtualService on the Kubeflow gateway, in any component,
 * renders as its HTTPRoute in gateway-api mode. Reports how many it converted.
 */
export function gatewayApiRoutesRule(): ObjectRule {
  const converted: string[] = [];
  const dropped: string[] = [];
  return {
    id: 'gateway-api-httproutes',
    source: 'src/rules/gateway-api.ts',
    description:
      'gateway-api mode: each VirtualService on the Kubeflow gateway becomes an equivalent HTTPRoute (docs/gateway-api.md)',
    generic: true,
    // A VirtualService without a spec map cannot say where it attaches: apply() refuses it,
    // which applyRules reports as drift (a throw here would crash the build).
    matches: (object) => {
      if (!isVirtualService(object)) return false;
      const vs = virtualServiceOf(object) as VirtualService | null;
      return !isMap(vs) || !isMap(vs.spec) || onKubeflowGateway(vs);
    },
    apply(object) {
      const conversion = toHttpRoute(virtualServiceOf(object));
      const template = gatewayApiTemplate(conversion);
      const key = `${object.namespace ?? ''}/${object.name}`;
      converted.push(key);
      for (const field of conversion.dropped) dropped.push(`${key} ${field}`);
      const edits: TextEdit[] = [
        {
          start: 0,
          end: 0,
          template: `{{ if not ${GATEWAY_API} }}`,
          rule: 'gateway-api-httproutes',
        },
        {
          start: object.text.length,
          end: object.text.length,
          template: `{{ else }}${template}{{ end }}`,
          rule: 'gateway-api-httproutes',
        },
      ];
      return { ...object, edits: [...(object.edits ?? []), ...edits] };
    },
    notes: () => [
      ...(converted.length > 0
        ? [`${converted.length} HTTPRoute(s) in gateway-api mode: ${converted.sort().join(', ')}`]
        : []),
      ...(dropped.length > 0
        ? [`left out of the HTTPRoutes (names, no routing effect): ${dropped.sort().join(', ')}`]
        : []),
    ],
  };
}
