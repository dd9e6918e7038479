import { KfchartsError } from '../errors.ts';
import { type ManifestObject, objectKey, parseYamlStream } from '../manifest/object.ts';

/**
 * Fields that a controller in the cluster owns once it runs. Helm 4 applies charts with
 * server-side apply: a chart that sets such a field to another value than the controller's
 * makes the next `helm upgrade` fail with a field-manager conflict (or, forced, fight the
 * controller at every upgrade). The evidence for each entry is in docs/server-side-apply.md.
 *
 * Two ways to handle one (`handling`):
 *  - `absent`: the field must not be in any chart; the build fails naming object and field
 *    (src/rules/server-side-apply.ts drops the ones upstream ships);
 *  - `live`: upstream's value is needed on the first install (dropping it would change what
 *    upstream installs), so the chart renders upstream's value only while the object does
 *    not exist, and the live object's value after that (Helm `lookup`, kfcharts.liveWebhookField
 *    in charts/templates/_kfcharts.tpl). Applying the value the controller wrote is no
 *    server-side-apply conflict (the field becomes co-owned), and Helm 3's three-way merge
 *    finds nothing to change. The build fails on such a field that is not rendered that way.
 */
export interface ControllerOwnedField {
  readonly id: string;
  /** The field manager or controller that writes the field. */
  readonly owner: string;
  readonly handling: 'absent' | 'live';
  /** Why it is owned, and for `live`, why upstream's value is needed at install. */
  readonly why: string;
  /** JSON pointers of the field in `object` (all objects given for cross-object rules). */
  find(object: K8sObject, all: readonly K8sObject[]): string[];
}

/** A parsed object, the way the lint reads it. */
export type K8sObject = {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: {
    name?: unknown;
    namespace?: unknown;
    labels?: Record<string, unknown>;
    annotations?: Record<string, unknown>;
  };
} & Record<string, unknown>;

export interface ControllerOwnedFinding {
  readonly field: string;
  readonly owner: string;
  readonly handling: 'absent' | 'live';
  /** `apiVersion kind ns/name`, as everywhere in kfcharts. */
  readonly object: string;
  readonly pointer: string;
  /** For `live` fields: the call of kfcharts.liveWebhookField that renders it. */
  readonly liveCall?: string;
  readonly why: string;
}

const WEBHOOK_KINDS = new Set(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);

/** The annotations cert-manager's cainjector acts on (cert-manager.io/docs/concepts/ca-injector). */
export const CERT_MANAGER_INJECT_ANNOTATIONS = [
  'cert-manager.io/inject-ca-from',
  'cert-manager.io/inject-ca-from-secret',
  'cert-manager.io/inject-apiserver-ca',
] as const;

function group(o: K8sObject): string {
  const v = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  return v.includes('/') ? v.slice(0, v.indexOf('/')) : '';
}

function isWebhookConfiguration(o: K8sObject): boolean {
  return group(o) === 'admissionregistration.k8s.io' && WEBHOOK_KINDS.has(String(o.kind));
}

function hasCertManagerInjection(o: K8sObject): boolean {
  const annotations = o.metadata?.annotations ?? {};
  return CERT_MANAGER_INJECT_ANNOTATIONS.some((a) => a in annotations);
}

/** istiod patches the webhook configurations of its revision (label istio.io/rev). */
function isIstiodWebhook(o: K8sObject): boolean {
  return isWebhookConfiguration(o) && 'istio.io/rev' in (o.metadata?.labels ?? {});
}

/**
 * Knative's webhook (knative.dev/pkg) reconciles the entry of its webhook configurations
 * that bears the configuration's own name; Knative labels everything it ships with
 * app.kubernetes.io/name knative-<project>.
 */
function isKnativeWebhookEntry(o: K8sObject, webhook: Webhook): boolean {
  const name = o.metadata?.labels?.['app.kubernetes.io/name'];
  return (
    isWebhookConfiguration(o) &&
    typeof name === 'string' &&
    name.startsWith('knative-') &&
    webhook.name === o.metadata?.name
  );
}

type Webhook = {
  name?: unknown;
  clientConfig?: Record<string, unknown>;
  rules?: unknown;
  failurePolicy?: unknown;
};

function webhooksOf(o: K8sObject): Webhook[] {
  return isWebhookConfiguration(o) && Array.isArray(o.webhooks) ? (o.webhooks as Webhook[]) : [];
}

function has(value: unknown, key: string): boolean {
  return typeof value === 'object' && value !== null && key in value;
}

/**
 * Where a CA injector fills `caBundle`: cert-manager's cainjector (webhook configurations,
 * CRD conversion webhooks and APIServices annotated for it), istiod (its revision's
 * webhook configurations) and Knative's webhook (its self-named entries).
 */
export function injectedCaBundles(o: K8sObject): { pointer: string; injector: string }[] {
  const out: { pointer: string; injector: string }[] = [];
  const certManager = hasCertManagerInjection(o);
  webhooksOf(o).forEach((w, i) => {
    if (!has(w.clientConfig, 'caBundle')) return;
    const injector = certManager
      ? 'cert-manager-cainjector'
      : isIstiodWebhook(o)
        ? 'istiod'
        : isKnativeWebhookEntry(o, w)
          ? 'knative webhook'
          : undefined;
    if (injector) out.push({ pointer: `/webhooks/${i}/clientConfig/caBundle`, injector });
  });
  if (!certManager) return out;
  const spec = o.spec as
    | {
        conversion?: { webhook?: { clientConfig?: unknown } };
        caBundle?: unknown;
      }
    | undefined;
  const isCrd = group(o) === 'apiextensions.k8s.io' && o.kind === 'CustomResourceDefinition';
  if (isCrd && has(spec?.conversion?.webhook?.clientConfig, 'caBundle')) {
    out.push({
      pointer: '/spec/conversion/webhook/clientConfig/caBundle',
      injector: 'cert-manager-cainjector',
    });
  }
  if (group(o) === 'apiregistration.k8s.io' && o.kind === 'APIService' && has(spec, 'caBundle')) {
    out.push({ pointer: '/spec/caBundle', injector: 'cert-manager-cainjector' });
  }
  return out;
}

/** `rules` of a ClusterRole with an aggregationRule. */
export function aggregatedRules(o: K8sObject): string[] {
  const rbac = group(o) === 'rbac.authorization.k8s.io' && o.kind === 'ClusterRole';
  return rbac && o.aggregationRule != null && 'rules' in o ? ['/rules'] : [];
}

const SCALED_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

/** `spec.replicas` of an apps/v1 workload that a HorizontalPodAutoscaler scales. */
function hpaReplicas(o: K8sObject, all: readonly K8sObject[]): string[] {
  if (group(o) !== 'apps' || !SCALED_KINDS.has(String(o.kind)) || !has(o.spec, 'replicas'))
    return [];
  const scaled = all.some((h) => {
    if (group(h) !== 'autoscaling' || h.kind !== 'HorizontalPodAutoscaler') return false;
    const target = (h.spec as { scaleTargetRef?: Record<string, unknown> } | undefined)
      ?.scaleTargetRef;
    const targetGroup = String(target?.apiVersion ?? '').split('/')[0];
    return (
      target?.kind === o.kind &&
      target?.name === o.metadata?.name &&
      (h.metadata?.namespace ?? undefined) === (o.metadata?.namespace ?? undefined) &&
      targetGroup === 'apps'
    );
  });
  return scaled ? ['/spec/replicas'] : [];
}

export const CONTROLLER_OWNED: readonly ControllerOwnedField[] = [
  {
    id: 'aggregated-clusterrole-rules',
    owner: 'clusterrole-aggregation-controller',
    handling: 'absent',
    why: 'the controller writes the union of the selected ClusterRoles into rules',
    find: aggregatedRules,
  },
  {
    id: 'injected-ca-bundle',
    owner: 'the CA injector (cert-manager-cainjector, istiod, Knative webhook)',
    handling: 'absent',
    why: 'the injector writes the serving CA into caBundle',
    find: (o) => injectedCaBundles(o).map((c) => c.pointer),
  },
  {
    id: 'hpa-replicas',
    owner: 'the HorizontalPodAutoscaler controller (kube-controller-manager)',
    handling: 'absent',
    why: 'the autoscaler sets spec.replicas through the scale subresource',
    find: hpaReplicas,
  },
  {
    id: 'knative-webhook-rules',
    owner: 'Knative webhook',
    handling: 'live',
    why: "Knative rewrites the rules, one per served type; upstream's are needed at install, or the webhook would match nothing until Knative runs, and the install-order check places objects behind it by them",
    find: (o) =>
      webhooksOf(o).flatMap((w, i) =>
        isKnativeWebhookEntry(o, w) && w.rules !== undefined ? [`/webhooks/${i}/rules`] : [],
      ),
  },
  {
    id: 'istiod-validator-failure-policy',
    owner: 'istiod',
    handling: 'live',
    why: "istiod switches failurePolicy from Ignore to Fail once it serves; upstream's Ignore is needed at install, as the API default Fail would reject Istio config until istiod is ready",
    find: (o) =>
      isIstiodWebhook(o) && o.kind === 'ValidatingWebhookConfiguration'
        ? webhooksOf(o).flatMap((w, i) =>
            w.failurePolicy === 'Ignore' ? [`/webhooks/${i}/failurePolicy`] : [],
          )
        : [],
  },
];

/** Go template string literal (JSON's string syntax is a subset of Go's). */
const literal = (s: unknown) => JSON.stringify(String(s));

/**
 * The template call that renders the field at `pointer` (`/webhooks/<i>/<field>`) of a
 * webhook configuration from the live object: kfcharts.liveWebhookField finds the entry by
 * its name, since the index of a live entry need not be upstream's.
 */
export function liveValueCall(o: K8sObject, pointer: string): string {
  const match = /^\/webhooks\/(\d+)\/([A-Za-z]+)$/.exec(pointer);
  const webhook = match && webhooksOf(o)[Number(match[1])];
  if (!match || !webhook) {
    throw new KfchartsError('chart-invalid', `${keyOf(o)}: ${pointer} is no field of a webhook`);
  }
  const args = [o.apiVersion, o.kind, o.metadata?.name, webhook.name, match[2]].map(literal);
  return `include "kfcharts.liveWebhookField" (list ${args.join(' ')})`;
}

/** Every controller-owned field set in `objects`, however it is handled. */
export function findControllerOwned(objects: readonly K8sObject[]): ControllerOwnedFinding[] {
  const findings: ControllerOwnedFinding[] = [];
  for (const o of objects) {
    for (const field of CONTROLLER_OWNED) {
      for (const pointer of field.find(o, objects)) {
        findings.push({
          field: field.id,
          owner: field.owner,
          handling: field.handling,
          object: keyOf(o),
          pointer,
          why: field.why,
          ...(field.handling === 'live' && { liveCall: liveValueCall(o, pointer) }),
        });
      }
    }
  }
  return findings;
}

/**
 * The build-time lint over the final objects (upstream's text at default values, after the
 * rules): fails on any `absent` field, and on any `live` field that no edit of rule
 * `liveRule` renders through its liveCall, naming object and field; returns the `live` ones
 * for the build report.
 */
export function lintControllerOwned(
  components: readonly { name: string; objects: readonly ManifestObject[] }[],
  liveRule: string,
): ControllerOwnedFinding[] {
  const objects = components.flatMap(({ objects }) => objects);
  const parsed = components.flatMap(({ name, objects }) =>
    objects.map((o) => parseObject(o, `component '${name}': ${objectKey(o)}`)),
  );
  const findings = findControllerOwned(parsed);
  const rendersLive = (f: ControllerOwnedFinding, i: number) =>
    f.liveCall !== undefined &&
    objects[i]?.edits?.some(
      (e) => e.rule === liveRule && e.template.includes(f.liveCall as string),
    );
  const failing = findings.filter(
    (f) =>
      f.handling === 'absent' ||
      !rendersLive(
        f,
        parsed.findIndex((o) => keyOf(o) === f.object),
      ),
  );
  if (failing.length > 0) {
    throw new KfchartsError(
      'chart-invalid',
      `${failing.length} field(s) that a controller owns would be in the charts as fixed values; Helm's server-side apply would conflict with it at the next upgrade (docs/server-side-apply.md)`,
      {
        details: failing
          .map((f) =>
            f.handling === 'live'
              ? `${describeFinding(f)}; not rendered from the live object by ${liveRule}`
              : describeFinding(f),
          )
          .join('\n'),
      },
    );
  }
  return findings;
}

export function describeFinding(f: ControllerOwnedFinding): string {
  return `${f.object}: field ${f.pointer} is owned by ${f.owner} (${f.field}: ${f.why})`;
}

/** Only objects that can hold a listed field are parsed in full; others by their header. */
function parseObject(o: ManifestObject, where: string): K8sObject {
  const relevant =
    /^(?:rules|webhooks|aggregationRule):/m.test(o.text) ||
    o.text.includes('caBundle:') ||
    /^ {2}replicas:/m.test(o.text) ||
    o.kind === 'HorizontalPodAutoscaler';
  if (!relevant) {
    return {
      apiVersion: o.apiVersion,
      kind: o.kind,
      metadata: { name: o.name, namespace: o.namespace, labels: { ...o.labels } },
    };
  }
  const [value] = parseYamlStream(o.text, where);
  return value as K8sObject;
}

function keyOf(o: K8sObject): string {
  const namespace = typeof o.metadata?.namespace === 'string' ? o.metadata.namespace : undefined;
  return objectKey({
    apiVersion: String(o.apiVersion),
    kind: String(o.kind),
    name: String(o.metadata?.name),
    namespace,
  });
}
