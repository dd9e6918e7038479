import { EditError, selectObject, templateRule } from '../edit.ts';
import type { ObjectRule } from '../rule.ts';
import { ifElse } from './template.ts';

/**
 * global.domain: the public host name of Kubeflow. Empty keeps upstream's settings,
 * which work on any host (relative redirect URLs, gateway hosts `*`) and give Knative
 * and KServe the placeholder domain example.com. When set:
 * - Knative Serving's config-domain names it instead of example.com (routes become
 *   `<name>.<namespace>.<domain>`, https://knative.dev/docs/serving/using-a-custom-domain/);
 * - KServe's ingressDomain is it (InferenceService hosts `<name>-<namespace>.<domain>`);
 *   urlScheme stays http: the charts' gateway serves plain HTTP on port 80, TLS (if any)
 *   ends before it, and KServe only prints the scheme into status URLs;
 * - the Kubeflow gateway (the external gateway of Knative and KServe as well) serves
 *   `<domain>` and `*.<domain>` instead of every host, so those routes still reach it;
 * - oauth2-proxy redirects to `https://<domain>/oauth2/callback`, and Dex's static client
 *   accepts that URI besides upstream's relative one.
 * The domain is printed only through the regex-checked `kfcharts.domain` helper.
 */
const DOMAIN = '(include "kfcharts.domain" $)';
const domainJson = `{{ ${DOMAIN} | toJson }}`;
const wildcardJson = `{{ printf "*.%s" ${DOMAIN} | toJson }}`;
const callbackJson = `{{ printf "https://%s/oauth2/callback" ${DOMAIN} | toJson }}`;

export const domainRules: readonly ObjectRule[] = [
  templateRule({
    id: 'domain-knative-config-domain',
    description:
      "Knative config-domain: the key example.com (upstream's default domain) → global.domain",
    component: 'knative-serving',
    select: selectObject('ConfigMap', 'knative-serving', 'config-domain'),
    edit(e) {
      if (e.value(['data', 'example.com']) !== '')
        throw new EditError('data.example.com is not ""');
      e.replaceKey(['data'], 'example.com', (o) => ifElse(DOMAIN, domainJson, o));
    },
  }),
  templateRule({
    id: 'domain-kserve-ingress-domain',
    description: 'KServe inferenceservice-config: ingress.ingressDomain → global.domain',
    component: 'kserve',
    select: selectObject('ConfigMap', 'kubeflow', 'inferenceservice-config'),
    edit(e) {
      e.replaceInScalar(['data', 'ingress'], '"ingressDomain": "example.com"', 1, (o) =>
        ifElse(DOMAIN, `"ingressDomain": ${domainJson}`, o),
      );
    },
  }),
  templateRule({
    id: 'domain-kubeflow-gateway-hosts',
    description: 'Gateway kubeflow/kubeflow-gateway: hosts global.domain and *.global.domain',
    component: 'kubeflow-istio-resources',
    select: selectObject('Gateway', 'kubeflow', 'kubeflow-gateway'),
    edit(e) {
      const hosts = ['spec', 'servers', 0, 'hosts'];
      const value = e.value(hosts);
      if (JSON.stringify(value) !== '["*"]') {
        throw new EditError(`spec.servers[0].hosts is ${JSON.stringify(value)}, expected ["*"]`);
      }
      e.replaceScalar([...hosts, 0], (o) => ifElse(DOMAIN, domainJson, o));
      e.append(hosts, DOMAIN, [`- ${wildcardJson}`]);
    },
  }),
  templateRule({
    id: 'domain-oauth2-proxy-redirect-url',
    description: 'oauth2-proxy.cfg: redirect_url → https://<global.domain>/oauth2/callback',
    component: 'oauth2-proxy',
    // kustomize's hash-suffixed oauth2-proxy-<hash>, not -parameters-<hash> or -theme-<hash>
    select: (o) =>
      o.kind === 'ConfigMap' &&
      o.namespace === 'oauth2-proxy' &&
      /^oauth2-proxy-[a-z0-9]{10}$/.test(o.name),
    edit(e) {
      e.replaceInScalar(['data', 'oauth2_proxy.cfg'], 'redirect_url = "/oauth2/callback"', 1, (o) =>
        ifElse(DOMAIN, `redirect_url = ${callbackJson}`, o),
      );
    },
  }),
  templateRule({
    id: 'domain-dex-redirect-uris',
    description:
      'Dex config.yaml: the static client also accepts https://<global.domain>/oauth2/callback',
    component: 'dex',
    select: selectObject('ConfigMap', 'auth', 'dex'),
    edit(e) {
      e.replaceInScalar(['data', 'config.yaml'], 'redirectURIs: ["/oauth2/callback"]', 1, (o) =>
        ifElse(DOMAIN, `redirectURIs: ["/oauth2/callback", ${callbackJson}]`, o),
      );
    },
  }),
];
