import { KfchartsError } from '../errors.ts';
import { type ManifestObject, objectKey, parseYamlStream } from '../manifest/object.ts';

/**
 * Fields that a controller in the cluster owns once it runs. Helm 4 applies charts with
 * server-side apply: a chart that sets such a field to another value than the controller's
 * makes the next `helm upgrade` fail with a field-manager conflict (or, forced, fight the
 * controller at every upgrade). The evidence for each entry is in docs/server-side-apply.md.
 *
 * `enforced` entries must not be in any chart: the build fails naming object and field
 * (src/rules/server-side-apply.ts drops the first two). The others are known conflicts
 * kfcharts keeps deliberately, because dropping the field would change what upstream
 * installs; the build report lists each one found.
 */
export interface ControllerOwnedField {
  readonly id: string;
  /** The field manager or controller that writes the field. */
  readonly owner: string;
  readonly enforced: boolean;
  /** Why it is owned, or why it stays although owned. */
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
  readonly enforced: boolean;
  /** `apiVersion kind ns/name`, as everywhere in kfcharts. */
  readonly object: string;
  readonly pointer: string;
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
    enforced: true,
    why: 'the controller writes the union of the selected ClusterRoles into rules',
    find: aggregatedRules,
  },
  {
    id: 'injected-ca-bundle',
    owner: 'the CA injector (cert-manager-cainjector, istiod, Knative webhook)',
    enforced: true,
    why: 'the injector writes the serving CA into caBundle',
    find: (o) => injectedCaBundles(o).map((c) => c.pointer),
  },
  {
    id: 'hpa-replicas',
    owner: 'the HorizontalPodAutoscaler controller (kube-controller-manager)',
    enforced: true,
    why: 'the autoscaler sets spec.replicas through the scale subresource',
    find: hpaReplicas,
  },
  {
    id: 'knative-webhook-rules',
    owner: 'Knative webhook',
    enforced: false,
    why: 'Knative rewrites the rules, one per served type; dropping them would leave the webhook matching nothing until Knative runs, and move objects the install-order check places behind it',
    find: (o) =>
      webhooksOf(o).flatMap((w, i) =>
        isKnativeWebhookEntry(o, w) && w.rules !== undefined ? [`/webhooks/${i}/rules`] : [],
      ),
  },
  {
    id: 'istiod-validator-failure-policy',
    owner: 'istiod',
    enforced: false,
    why: 'istiod switches failurePolicy from Ignore to Fail once it serves; left out, the API default Fail would reject Istio config until istiod is ready',
    find: (o) =>
      isIstiodWebhook(o) && o.kind === 'ValidatingWebhookConfiguration'
        ? webhooksOf(o).flatMap((w, i) =>
            w.failurePolicy === 'Ignore' ? [`/webhooks/${i}/failurePolicy`] : [],
          )
        : [],
  },
];

/** Every controller-owned field set in `objects`, enforced or not. */
export function findControllerOwned(objects: readonly K8sObject[]): ControllerOwnedFinding[] {
  const findings: ControllerOwnedFinding[] = [];
  for (const o of objects) {
    for (const field of CONTROLLER_OWNED) {
      for (const pointer of field.find(o, objects)) {
        findings.push({
          field: field.id,
          owner: field.owner,
          enforced: field.enforced,
          object: keyOf(o),
          pointer,
          why: field.why,
        });
      }
    }
  }
  return findings;
}

/**
 * The build-time lint over the final objects (upstream's text at default values, after the
 * rules): fails on any enforced field, naming object and field; returns the known,
 * deliberately kept ones for the build report.
 */
export function lintControllerOwned(
  components: readonly { name: string; objects: readonly ManifestObject[] }[],
): ControllerOwnedFinding[] {
  const parsed = components.flatMap(({ name, objects }) =>
    objects.map((o) => parseObject(o, `component '${name}': ${objectKey(o)}`)),
  );
  const findings = findControllerOwned(parsed);
  const enforced = findings.filter((f) => f.enforced);
  if (enforced.length > 0) {
    throw new KfchartsError(
      'chart-invalid',
      `${enforced.length} field(s) that a controller owns would be in the charts; Helm's server-side apply would conflict with it at the next upgrade (docs/server-side-apply.md)`,
      { details: enforced.map(describeFinding).join('\n') },
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
