import { escapeTemplateText } from '../../chart/escape.ts';
import { ObjectEditor, type Path } from '../edit.ts';
import { GATEWAY_API, GATEWAY_NAME, GATEWAY_NAMESPACE } from '../gateway-api.ts';
import type { ObjectRule } from '../rule.ts';
import { json } from './template.ts';

/**
 * gateway-api mode and upstream's NetworkPolicies (docs/gateway-api.md, "NetworkPolicies").
 * Upstream admits its ingress gateway by label: pods `app: istio-ingressgateway` of
 * istio-system (oauth2-proxy, Dex, Knative's activator). Istio deploys a Gateway API
 * Gateway's proxy in the Gateway's namespace with the label
 * `gateway.networking.k8s.io/gateway-name: <gateway>` (the kube-gateway template of
 * upstream's istio-sidecar-injector ConfigMap): those policies admit that peer too, and the
 * created Gateway's pods get a policy admitting traffic from anywhere, since namespace
 * kubeflow's default-allow-same-namespace admits only its own pods.
 */
const GATEWAY_LABEL = 'gateway.networking.k8s.io/gateway-name';
const UPSTREAM_GATEWAY = 'istio-ingressgateway';
const RULE = 'ingress-gateway-network-peer';

type Json = Record<string, unknown>;

/** Whether a NetworkPolicy peer's podSelector selects upstream's ingress gateway pods. */
function selectsIngressGateway(peer: unknown): boolean {
  const selector = (peer as Json | null)?.podSelector as Json | undefined;
  if (!selector) return false;
  if ((selector.matchLabels as Json | undefined)?.app === UPSTREAM_GATEWAY) return true;
  return ((selector.matchExpressions ?? []) as Json[]).some(
    (e) =>
      e.key === 'app' &&
      e.operator === 'In' &&
      Array.isArray(e.values) &&
      e.values.includes(UPSTREAM_GATEWAY),
  );
}

/** The `from` lists (paths) of a NetworkPolicy that admit upstream's ingress gateway. */
function admittingLists(e: ObjectEditor): Path[] {
  const ingress = e.value(['spec', 'ingress']);
  if (!Array.isArray(ingress)) return [];
  return ingress.flatMap((rule: Json, i) =>
    Array.isArray(rule?.from) && rule.from.some(selectsIngressGateway)
      ? [['spec', 'ingress', i, 'from']]
      : [],
  );
}

/** The Gateway API gateway's pods as a NetworkPolicy peer (lines of a `from` item). */
export function gatewayPeer(): string[] {
  return [
    '- namespaceSelector:',
    '    matchLabels:',
    `      kubernetes.io/metadata.name: ${json(GATEWAY_NAMESPACE)}`,
    '  podSelector:',
    '    matchLabels:',
    `      ${GATEWAY_LABEL}: ${json(GATEWAY_NAME)}`,
  ];
}

const isNetworkPolicy = (object: { kind: string; apiVersion: string }) =>
  object.kind === 'NetworkPolicy' && object.apiVersion === 'networking.k8s.io/v1';

/** Every NetworkPolicy ingress rule admitting upstream's ingress gateway pods. */
export const networkPeerRule: ObjectRule = {
  id: RULE,
  // Upstream's ingress gateway is Istio's; the policies admitting it belong to several
  // components (oauth2-proxy, dex, knative-serving): one count over all notices a new one.
  component: 'istio',
  description: `gateway-api mode: NetworkPolicies admitting the ingress gateway pods (istio-system, app: ${UPSTREAM_GATEWAY}) also admit the Gateway API gateway's pods (its namespace, ${GATEWAY_LABEL}: <gateway>)`,
  matches: (object) =>
    isNetworkPolicy(object) && admittingLists(new ObjectEditor(object, RULE)).length > 0,
  apply(object) {
    const e = new ObjectEditor(object, RULE);
    for (const path of admittingLists(e)) e.append(path, GATEWAY_API, gatewayPeer());
    return { ...object, edits: [...(object.edits ?? []), ...e.edits] };
  },
};

/**
 * The NetworkPolicy admitting traffic from anywhere to the pods of the Gateway the charts
 * create (`name` in `namespace`): its proxy is the cluster's edge, reached from outside
 * through its Service (upstream's istio-ingressgateway admits only istio-system and
 * knative-serving pods; upstream reaches it by port-forward).
 */
export function gatewayNetworkPolicy(name: string, namespace: string): string {
  return [
    'apiVersion: networking.k8s.io/v1',
    'kind: NetworkPolicy',
    'metadata:',
    `  name: ${escapeTemplateText(JSON.stringify(`allow-${name}`))}`,
    `  namespace: ${escapeTemplateText(JSON.stringify(namespace))}`,
    'spec:',
    '  podSelector:',
    '    matchLabels:',
    `      ${GATEWAY_LABEL}: ${escapeTemplateText(JSON.stringify(name))}`,
    '  ingress:',
    '  - {}',
    '  policyTypes:',
    '  - Ingress',
  ].join('\n');
}
