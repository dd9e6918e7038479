import { parseDocument } from 'yaml';
import { crdInfo } from '../manifest/crd.ts';
import { apiGroup, isCrd, KUBERNETES_YAML, type ManifestObject } from '../manifest/object.ts';
import { BUILT_IN_GROUPS, kindScope } from '../manifest/scope.ts';

/**
 * What admission needs for each object, independent of any release layout: its CRD, its
 * namespace, and the webhooks (failurePolicy Fail) that would intercept its creation,
 * with the objects that serve each. The planner (plan.ts) places objects by it and the
 * install-order check (order.ts) checks a plan by it, so both read webhooks the same way.
 */

/** Namespaces every cluster has; objects may live there without a release creating them. */
export const SYSTEM_NAMESPACES = new Set([
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
]);

export interface Webhook {
  readonly config: string;
  readonly name: string;
  readonly failurePolicy: string;
  readonly rules: readonly {
    apiGroups?: string[];
    resources?: string[];
    operations?: string[];
    scope?: string;
  }[];
  readonly namespaceSelector: LabelSelector | undefined;
  readonly objectSelector: LabelSelector | undefined;
  /** `namespace/name` of the Service it calls; undefined for a URL. */
  readonly service: string | undefined;
}

export interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: string[] }[];
}

/** Anything that carries one object: a placed object, an object with its component. */
export interface Carrier {
  readonly object: ManifestObject;
}

export interface Interception<T extends Carrier> {
  readonly webhook: Webhook;
  /** The MutatingWebhookConfiguration or ValidatingWebhookConfiguration. */
  readonly registeredBy: T;
  /** The Service and the workloads it selects; undefined if no Service with a workload. */
  readonly servedBy: readonly T[] | undefined;
  /** It intercepts the pods the object (a workload) creates, not the object itself. */
  readonly pods: boolean;
}

export interface Needs<T extends Carrier> {
  /** group/kind for a custom kind; undefined for built-in kinds. */
  readonly customKind: string | undefined;
  /** The carrier of its CRD; undefined if none (or a built-in kind). */
  readonly crd: T | undefined;
  /** Its namespace, if namespaced and not a system namespace. */
  readonly namespace: string | undefined;
  /** The carrier of that Namespace object; undefined if none creates it. */
  readonly namespaceObject: T | undefined;
  /** Webhooks with failurePolicy Fail that match its creation. */
  readonly webhooks: readonly Interception<T>[];
}

export interface Admission<T extends Carrier> {
  needs(item: T): Needs<T>;
}

/** Workload kinds whose pods can back a Service. */
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
/**
 * Kinds whose pods are created as soon as they are: Helm's --wait waits for them, and a
 * pod webhook (e.g. a sidecar injector) that is not served fails their pods.
 */
const POD_CREATORS: Readonly<Record<string, string>> = {
  Deployment: 'apps',
  StatefulSet: 'apps',
  DaemonSet: 'apps',
  Job: 'batch',
};

export function analyzeAdmission<T extends Carrier>(items: readonly T[]): Admission<T> {
  const crds = new Map<string, { item: T; plural: string; scope: string }>();
  for (const item of items.filter((i) => isCrd(i.object))) {
    const info = crdInfo(item.object);
    crds.set(`${info.group}/${info.kind}`, { item, plural: info.plural, scope: info.scope });
  }
  const namespaces = new Map<string, { item: T; labels: Record<string, string> }>();
  for (const item of items) {
    const o = item.object;
    if (o.apiVersion === 'v1' && o.kind === 'Namespace') {
      namespaces.set(o.name, {
        item,
        labels: { ...o.labels, 'kubernetes.io/metadata.name': o.name },
      });
    }
  }
  const backends = serviceBackends(items);
  const webhooks = items.flatMap((item) =>
    readWebhooks(item.object).map((webhook) => ({ webhook, item })),
  );

  return {
    needs(item) {
      const object = item.object;
      const group = apiGroup(object);
      const crd = crds.get(`${group}/${object.kind}`);
      // Scope comes from the kind, not from metadata.namespace: kustomize sets a namespace
      // on cluster-scoped custom resources too, and the API server drops it.
      // A kind of unknown scope (no CRD) counts as namespaced.
      const namespaced = kindScope(group, object.kind, crd?.scope) !== 'Cluster';
      const namespace = namespaced ? (object.namespace ?? 'default') : undefined;
      const resource = crd?.plural ?? pluralize(object.kind);
      const nsLabels =
        namespace === undefined
          ? undefined
          : (namespaces.get(namespace)?.labels ?? { 'kubernetes.io/metadata.name': namespace });
      const podLabels = createsPods(object) ? templateLabels(object) : undefined;
      const intercepting = webhooks.flatMap(({ webhook, item: registeredBy }) => {
        if (webhook.failurePolicy === 'Ignore') return [];
        const self = intercepts(webhook, group, resource, nsLabels, object.labels);
        const pods =
          !self && podLabels !== undefined && intercepts(webhook, '', 'pods', nsLabels, podLabels);
        if (!self && !pods) return [];
        const servedBy = webhook.service === undefined ? undefined : backends.get(webhook.service);
        return [{ webhook, registeredBy, servedBy, pods }];
      });
      const own = namespace !== undefined && !SYSTEM_NAMESPACES.has(namespace);
      return {
        customKind: BUILT_IN_GROUPS.has(group) ? undefined : `${group}/${object.kind}`,
        crd: crd?.item,
        namespace: own ? namespace : undefined,
        namespaceObject: own ? namespaces.get(namespace)?.item : undefined,
        webhooks: intercepting,
      };
    },
  };
}

/**
 * `namespace/name` of each Service → the Service and the workloads whose pod labels it
 * selects. A Service that selects no workload is not listed: nothing serves it.
 */
function serviceBackends<T extends Carrier>(items: readonly T[]): Map<string, T[]> {
  const workloads = items
    .filter((i) => i.object.apiVersion === 'apps/v1' && WORKLOADS.has(i.object.kind))
    .map((item) => ({ item, labels: templateLabels(item.object) }));
  const backends = new Map<string, T[]>();
  for (const item of items) {
    const object = item.object;
    if (object.apiVersion !== 'v1' || object.kind !== 'Service') continue;
    const selector = (parse(object).spec as { selector?: Record<string, string> } | undefined)
      ?.selector;
    if (!selector || Object.keys(selector).length === 0) continue;
    const backing = workloads.filter(
      (w) =>
        w.item.object.namespace === object.namespace &&
        selectorMatches({ matchLabels: selector }, w.labels),
    );
    if (backing.length > 0) {
      backends.set(`${object.namespace}/${object.name}`, [item, ...backing.map((w) => w.item)]);
    }
  }
  return backends;
}

function parse(o: ManifestObject): Record<string, unknown> {
  return parseDocument(o.text, KUBERNETES_YAML).toJS() as Record<string, unknown>;
}

function createsPods(o: ManifestObject): boolean {
  const group = POD_CREATORS[o.kind];
  return group !== undefined && apiGroup(o) === group;
}

/** The labels of a workload's pod template. */
function templateLabels(o: ManifestObject): Record<string, string> {
  const spec = parse(o).spec as
    | { template?: { metadata?: { labels?: Record<string, string> } } }
    | undefined;
  return spec?.template?.metadata?.labels ?? {};
}

export function readWebhooks(object: ManifestObject): Webhook[] {
  if (
    object.kind !== 'MutatingWebhookConfiguration' &&
    object.kind !== 'ValidatingWebhookConfiguration'
  )
    return [];
  const value = parseDocument(object.text, KUBERNETES_YAML).toJS() as {
    webhooks?: {
      name: string;
      failurePolicy?: string;
      rules?: Webhook['rules'];
      namespaceSelector?: LabelSelector;
      objectSelector?: LabelSelector;
      clientConfig?: { service?: { namespace: string; name: string } };
    }[];
  };
  return (value.webhooks ?? []).map((w) => ({
    config: `${object.kind} ${object.name}`,
    name: w.name,
    // admissionregistration.k8s.io/v1 defaults failurePolicy to Fail.
    failurePolicy: w.failurePolicy ?? 'Fail',
    rules: w.rules ?? [],
    namespaceSelector: w.namespaceSelector,
    objectSelector: w.objectSelector,
    service: w.clientConfig?.service
      ? `${w.clientConfig.service.namespace}/${w.clientConfig.service.name}`
      : undefined,
  }));
}

function intercepts(
  w: Webhook,
  group: string,
  resource: string,
  nsLabels: Record<string, string> | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  const ruleMatches = w.rules.some(
    (r) =>
      (r.apiGroups ?? []).some((g) => g === '*' || g === group) &&
      (r.resources ?? []).some((x) => x === '*' || x === '*/*' || x === resource) &&
      (r.operations ?? []).some((op) => op === '*' || op === 'CREATE') &&
      (r.scope === undefined ||
        r.scope === '*' ||
        r.scope === (nsLabels === undefined ? 'Cluster' : 'Namespaced')),
  );
  if (!ruleMatches) return false;
  // namespaceSelector applies to namespaced objects only.
  if (nsLabels !== undefined && !selectorMatches(w.namespaceSelector, nsLabels)) return false;
  return selectorMatches(w.objectSelector, labels);
}

export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {}))
    if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const ok =
      e.operator === 'In'
        ? has && (e.values ?? []).includes(value as string)
        : e.operator === 'NotIn'
          ? !has || !(e.values ?? []).includes(value as string)
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

/** Resource name of a built-in kind, as webhook rules name it. */
export function pluralize(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower === 'endpoints') return lower;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}
