import { parseDocument } from 'yaml';
import { crdInfo } from '../manifest/crd.ts';
import {
  apiGroup,
  isCrd,
  KUBERNETES_YAML,
  type ManifestObject,
  objectKey,
} from '../manifest/object.ts';
import { BUILT_IN_GROUPS, kindScope } from '../manifest/scope.ts';
import type { ReleasePlan } from './plan.ts';

/** An object that a first install in release order would not get through. */
export interface OrderViolation {
  readonly release: string;
  readonly object: string;
  readonly reason: string;
}

/** Namespaces every cluster has; objects may live there without a release creating them. */
const SYSTEM_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

interface Placed {
  readonly object: ManifestObject;
  readonly release: number;
}

interface Webhook {
  readonly config: string;
  readonly name: string;
  readonly release: number;
  readonly failurePolicy: string;
  readonly rules: readonly {
    apiGroups?: string[];
    resources?: string[];
    operations?: string[];
    scope?: string;
  }[];
  readonly namespaceSelector: LabelSelector | undefined;
  readonly objectSelector: LabelSelector | undefined;
  readonly service: string | undefined;
}

interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: string[] }[];
}

/**
 * The static install-order check: installing the releases one after another, each with
 * `--wait`, every object must find
 *  - its CRD established by an earlier release (Helm maps kinds before it creates anything),
 *  - its namespace created by an earlier or the same release (Helm creates Namespaces first),
 *  - every webhook that would intercept its creation with failurePolicy Fail either not yet
 *    registered or served by an earlier release.
 * Webhooks are matched by rules (group, resource, CREATE), namespaceSelector and objectSelector.
 */
export function checkInstallOrder(plan: ReleasePlan): OrderViolation[] {
  const placed: Placed[] = plan.releases.flatMap((r) =>
    r.components.flatMap((c) => c.objects.map((object) => ({ object, release: r.index }))),
  );
  const names = plan.releases.map((r) => r.name);

  const crds = new Map<string, { release: number; plural: string; scope: string }>();
  for (const { object, release } of placed.filter((p) => isCrd(p.object))) {
    const info = crdInfo(object);
    crds.set(`${info.group}/${info.kind}`, { release, plural: info.plural, scope: info.scope });
  }
  const namespaces = new Map<string, { release: number; labels: Record<string, string> }>();
  for (const { object, release } of placed) {
    if (object.apiVersion === 'v1' && object.kind === 'Namespace') {
      namespaces.set(object.name, {
        release,
        labels: { ...object.labels, 'kubernetes.io/metadata.name': object.name },
      });
    }
  }
  const serving = servingReleases(placed);
  const webhooks = placed.flatMap(({ object, release }) => readWebhooks(object, release));

  const violations: OrderViolation[] = [];
  for (const { object, release } of placed) {
    const violate = (reason: string) =>
      violations.push({ release: names[release] as string, object: objectKey(object), reason });
    const group = apiGroup(object);
    const crd = crds.get(`${group}/${object.kind}`);
    if (crd === undefined && !BUILT_IN_GROUPS.has(group))
      violate(`no release installs the CRD of ${group}/${object.kind}`);
    if (crd !== undefined && crd.release >= release) {
      violate(`its CRD is installed by ${names[crd.release]}, not by an earlier release`);
    }
    // Scope comes from the kind, not from metadata.namespace: kustomize sets a namespace
    // on cluster-scoped custom resources too, and the API server drops it.
    // A kind of unknown scope (no CRD: reported above) counts as namespaced.
    const namespaced = kindScope(group, object.kind, crd?.scope) !== 'Cluster';
    const namespace = namespaced ? (object.namespace ?? 'default') : undefined;
    if (namespace !== undefined && !SYSTEM_NAMESPACES.has(namespace)) {
      const ns = namespaces.get(namespace);
      if (ns === undefined) violate(`no release creates its namespace ${namespace}`);
      else if (ns.release > release)
        violate(`its namespace ${namespace} is created by the later ${names[ns.release]}`);
    }
    const resource = crd?.plural ?? pluralize(object.kind);
    const nsLabels =
      namespace === undefined
        ? undefined
        : (namespaces.get(namespace)?.labels ?? { 'kubernetes.io/metadata.name': namespace });
    for (const w of webhooks) {
      if (w.failurePolicy === 'Ignore' || w.release > release) continue;
      if (!intercepts(w, group, resource, nsLabels, object.labels)) continue;
      const served = w.service === undefined ? undefined : serving.get(w.service);
      if (served === undefined) {
        violate(
          `webhook ${w.name} (${w.config}) intercepts it and no release serves ${w.service ?? 'its URL'} (a Service and the workload it selects)`,
        );
      } else if (served >= release) {
        violate(
          `webhook ${w.name} (${w.config}) intercepts it but its service ${w.service} is served from ${names[served]}, not from an earlier release`,
        );
      }
    }
  }
  return violations;
}

/** Workload kinds whose pods can back a Service. */
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/**
 * `namespace/name` of each Service → the release from which it is served: the latest of
 * the Service's own release and those of the workloads whose pod labels it selects. A
 * Service that selects no workload of any release is not served at all.
 */
function servingReleases(placed: readonly Placed[]): Map<string, number> {
  const parse = (o: ManifestObject) =>
    parseDocument(o.text, KUBERNETES_YAML).toJS() as Record<string, unknown>;
  const workloads = placed
    .filter((p) => p.object.apiVersion === 'apps/v1' && WORKLOADS.has(p.object.kind))
    .map((p) => {
      const spec = parse(p.object).spec as
        | { template?: { metadata?: { labels?: Record<string, string> } } }
        | undefined;
      return { ...p, labels: spec?.template?.metadata?.labels ?? {} };
    });
  const serving = new Map<string, number>();
  for (const { object, release } of placed) {
    if (object.apiVersion !== 'v1' || object.kind !== 'Service') continue;
    const selector = (parse(object).spec as { selector?: Record<string, string> } | undefined)
      ?.selector;
    if (!selector || Object.keys(selector).length === 0) continue;
    const backing = workloads.filter(
      (w) =>
        w.object.namespace === object.namespace &&
        selectorMatches({ matchLabels: selector }, w.labels),
    );
    if (backing.length > 0) {
      serving.set(
        `${object.namespace}/${object.name}`,
        Math.max(release, ...backing.map((w) => w.release)),
      );
    }
  }
  return serving;
}

function readWebhooks(object: ManifestObject, release: number): Webhook[] {
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
    release,
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
