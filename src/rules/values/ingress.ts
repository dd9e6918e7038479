import { escapeTemplateText } from '../../chart/escape.ts';
import type { ManifestObject } from '../../manifest/object.ts';
import { EditError, ObjectEditor, selectObject, templateRule } from '../edit.ts';
import {
  GATEWAY_API,
  GATEWAY_NAME,
  GATEWAY_NAMESPACE,
  INGRESS,
  KUBEFLOW_GATEWAY,
} from '../gateway-api.ts';
import type { ObjectRule } from '../rule.ts';
import { gatewayNetworkPolicy } from './ingress-network-policies.ts';
import { ifElse, json } from './template.ts';

/**
 * global.ingress (docs/gateway-api.md): what gateway-api mode changes besides the routes
 * (src/rules/gateway-api.ts converts those).
 * - The Istio Gateway kubeflow/kubeflow-gateway becomes a Gateway API Gateway of the same
 *   name (gatewayClassName, HTTP on port 80 like upstream's, the domain's hosts), or nothing
 *   when parentRef names an existing one.
 * - Auth at the gateway: upstream's ext-authz (oauth2-proxy), JWT and allow policies select
 *   the istio-ingressgateway pods; they select the Gateway API gateway's pods instead, by
 *   the label Istio gives them (`gateway.networking.k8s.io/gateway-name`, see the
 *   kube-gateway template in upstream's istio-sidecar-injector ConfigMap). They stay in
 *   istio-system, Istio's root namespace, where a selector matches pods of every namespace.
 * - Kubeflow's backends admit only the ingress gateway's principal (AuthorizationPolicies,
 *   and the profile controller's ISTIO_INGRESS_GATEWAY_PRINCIPAL for user namespaces): the
 *   Gateway API gateway's principal instead.
 * - KServe's raw-deployment InferenceServices get HTTPRoutes on that gateway
 *   (inferenceservice-config ingress.enableGatewayApi, kserveIngressGateway).
 */
const DOMAIN = '(include "kfcharts.domain" $)';
const CLASS = `${INGRESS}.gatewayClassName`;
/**
 * The gateway-api mode principal as a Helm expression: gatewayPrincipal, else Istio's
 * naming of the Gateway's Deployment and ServiceAccount, `<gateway>-<gatewayClassName>`.
 * It is the body of the named template kfcharts.gatewayPrincipal (_kfcharts.tpl), which the
 * rules here and the hand-written templates (jwt-profile-bindings.yaml) share.
 */
export const GATEWAY_PRINCIPAL_EXPRESSION = `(${INGRESS}.gatewayPrincipal | default (printf "cluster.local/ns/%s/sa/%s-%s" ${GATEWAY_NAMESPACE} ${GATEWAY_NAME} (toString ${CLASS})))`;
const PRINCIPAL = '(include "kfcharts.gatewayPrincipal" $)';
/**
 * When the principal replaces upstream's: in gateway-api mode, and in istio mode when
 * gatewayPrincipal is set (your own Istio's ingress gateway under another service
 * account, docs/choices.md).
 */
const OWN_PRINCIPAL = '(eq (include "kfcharts.ownGatewayPrincipal" $) "true")';
/** Upstream's ingress gateway identity, which gateway-api mode replaces. */
const UPSTREAM_PRINCIPAL = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
const GATEWAY_LABEL = 'gateway.networking.k8s.io/gateway-name';

function listener(name: string, hostname: string | undefined): string[] {
  return [
    `  - name: ${name}`,
    '    protocol: HTTP',
    '    port: 80',
    ...(hostname ? [`    hostname: ${hostname}`] : []),
    '    allowedRoutes:',
    '      namespaces:',
    // Like upstream's Istio Gateway, which takes VirtualServices from every namespace
    // (KServe creates HTTPRoutes in profile namespaces).
    '        from: All',
  ];
}

/** The Gateway API Gateway in place of upstream's Istio Gateway. */
function gatewayTemplate(name: string, namespace: string): string {
  return [
    'apiVersion: gateway.networking.k8s.io/v1',
    'kind: Gateway',
    'metadata:',
    // Upstream's names are data: escaped like all of kustomize's text.
    `  name: ${escapeTemplateText(JSON.stringify(name))}`,
    `  namespace: ${escapeTemplateText(JSON.stringify(namespace))}`,
    'spec:',
    `  gatewayClassName: ${json(CLASS)}`,
    '  listeners:',
    `{{ if ${DOMAIN} }}${[
      ...listener('http', `{{ ${DOMAIN} | toJson }}`),
      ...listener('http-subdomains', `{{ printf "*.%s" ${DOMAIN} | toJson }}`),
    ].join('\n')}`,
    `{{ else }}${listener('http', undefined).join('\n')}`,
    '{{ end }}',
  ].join('\n');
}

/** The edits that render `then` in place of the whole object in gateway-api mode. */
function replaceInGatewayApiMode(
  object: ManifestObject,
  rule: string,
  then: string,
): ManifestObject {
  const end = object.text.length;
  return {
    ...object,
    edits: [
      ...(object.edits ?? []),
      { start: 0, end: 0, template: `{{ if not ${GATEWAY_API} }}`, rule },
      { start: end, end, template: `{{ else }}${then}{{ end }}`, rule },
    ],
  };
}

const gatewayRule: ObjectRule = {
  id: 'ingress-kubeflow-gateway',
  description:
    'gateway-api mode: Istio Gateway kubeflow/kubeflow-gateway → a Gateway API Gateway and a NetworkPolicy admitting traffic to its pods from anywhere (neither with ingress.parentRef.name)',
  component: 'kubeflow-istio-resources',
  matches: (object, component) =>
    component === 'kubeflow-istio-resources' &&
    object.apiVersion.startsWith('networking.istio.io/') &&
    selectObject('Gateway', KUBEFLOW_GATEWAY.namespace, KUBEFLOW_GATEWAY.name)(object),
  apply(object) {
    const gateway = gatewayTemplate(object.name, object.namespace ?? '');
    const policy = gatewayNetworkPolicy(object.name, object.namespace ?? '');
    return replaceInGatewayApiMode(
      object,
      'ingress-kubeflow-gateway',
      `{{ if not ${INGRESS}.parentRef.name }}${gateway}\n---\n${policy}\n{{ end }}`,
    );
  },
};

/**
 * Objects selecting upstream's ingress gateway pods: in gateway-api mode they select the
 * Gateway API gateway's pods (Istio as the implementation).
 */
const authSelectorRule: ObjectRule = {
  id: 'ingress-gateway-auth-selector',
  // Written for Istio's ingress gateway; it changes objects of istio and oauth2-proxy, and
  // one count over all of them notices a policy upstream adds or moves.
  component: 'istio',
  description:
    "gateway-api mode: the ingress gateway's ext-authz, JWT and allow policies (istio-system, selector app: istio-ingressgateway) select the Gateway API gateway's pods",
  matches: (object) =>
    object.namespace === 'istio-system' &&
    object.apiVersion.startsWith('security.istio.io/') &&
    (object.kind === 'AuthorizationPolicy' || object.kind === 'RequestAuthentication') &&
    new ObjectEditor(object, 'ingress-gateway-auth-selector').value([
      'spec',
      'selector',
      'matchLabels',
      'app',
    ]) === 'istio-ingressgateway',
  apply(object) {
    const e = new ObjectEditor(object, 'ingress-gateway-auth-selector');
    const labels = ['spec', 'selector', 'matchLabels'];
    const keys = Object.keys((e.value(labels) ?? {}) as Record<string, unknown>);
    e.replaceKey(labels, 'app', (o) => ifElse(GATEWAY_API, GATEWAY_LABEL, o));
    e.replaceScalar([...labels, 'app'], (o) => ifElse(GATEWAY_API, json(GATEWAY_NAME), o));
    for (const key of keys.filter((k) => k !== 'app')) {
      e.keepEntryWhen(labels, key, `(not ${GATEWAY_API})`);
    }
    return { ...object, edits: [...(object.edits ?? []), ...e.edits] };
  },
};

/** Every `principals` list item that names upstream's ingress gateway. */
const principalRule: ObjectRule = {
  id: 'ingress-gateway-principal',
  // Istio's ingress gateway identity, admitted by the web apps of many components: one
  // count over all of them notices an app upstream adds.
  component: 'istio',
  description: `gateway-api mode, or global.ingress.gatewayPrincipal set: AuthorizationPolicies that admit ${UPSTREAM_PRINCIPAL} admit the gateway's principal instead`,
  matches: (object) =>
    object.kind === 'AuthorizationPolicy' &&
    object.apiVersion.startsWith('security.istio.io/') &&
    object.text.includes(UPSTREAM_PRINCIPAL),
  apply(object) {
    const e = new ObjectEditor(object, 'ingress-gateway-principal');
    const lists = e.findMaps(
      (m) => Array.isArray(m.principals) && m.principals.includes(UPSTREAM_PRINCIPAL),
    );
    if (lists.length === 0) throw new EditError(`no principals list names ${UPSTREAM_PRINCIPAL}`);
    for (const path of lists) {
      const items = e.value([...path, 'principals']) as unknown[];
      items.forEach((item, i) => {
        if (item === UPSTREAM_PRINCIPAL) {
          e.replaceScalar([...path, 'principals', i], (o) =>
            ifElse(OWN_PRINCIPAL, json(PRINCIPAL), o),
          );
        }
      });
    }
    return { ...object, edits: [...(object.edits ?? []), ...e.edits] };
  },
};

export const ingressRules: readonly ObjectRule[] = [
  gatewayRule,
  authSelectorRule,
  principalRule,
  templateRule({
    id: 'ingress-profiles-gateway-principal',
    description:
      "gateway-api mode, or global.ingress.gatewayPrincipal set: the profile controller's ISTIO_INGRESS_GATEWAY_PRINCIPAL (user namespaces' policies) is the gateway's principal",
    component: 'profiles',
    select: selectObject('ConfigMap', 'kubeflow', 'profiles-config-*'),
    edit(e) {
      const path = ['data', 'ISTIO_INGRESS_GATEWAY_PRINCIPAL'];
      if (e.value(path) !== UPSTREAM_PRINCIPAL) {
        throw new EditError(`${path.join('.')} is not ${UPSTREAM_PRINCIPAL}`);
      }
      e.replaceScalar(path, (o) => ifElse(OWN_PRINCIPAL, json(PRINCIPAL), o));
    },
  }),
  templateRule({
    id: 'ingress-kserve-gateway-api',
    description:
      "gateway-api mode: KServe's inferenceservice-config ingress enableGatewayApi: true, kserveIngressGateway: the Kubeflow gateway (raw-deployment InferenceServices get HTTPRoutes)",
    component: 'kserve',
    select: selectObject('ConfigMap', 'kubeflow', 'inferenceservice-config'),
    edit(e) {
      const ingress = ['data', 'ingress'];
      e.replaceInScalar(ingress, '"enableGatewayApi": false', 1, (o) =>
        ifElse(GATEWAY_API, '"enableGatewayApi": true', o),
      );
      const gateway = json(`(printf "%s/%s" ${GATEWAY_NAMESPACE} ${GATEWAY_NAME})`);
      const current = /"kserveIngressGateway": "[^"]*"/.exec(String(e.value(ingress)))?.[0];
      if (current === undefined) throw new EditError('ingress has no kserveIngressGateway');
      e.replaceInScalar(ingress, current, 1, (o) =>
        ifElse(GATEWAY_API, `"kserveIngressGateway": ${gateway}`, o),
      );
    },
  }),
];
