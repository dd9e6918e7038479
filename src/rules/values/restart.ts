import { defaultAt } from '../../values/schema.ts';
import { selectObject, templateRule } from '../edit.ts';
import type { ObjectRule } from '../rule.ts';

/**
 * Dex reads its config.yaml and oauth2-proxy its cfg and Secrets only at start, and their
 * ConfigMap and Secret names don't change with values. So when the values behind them
 * differ from the defaults, the pod template gets a checksum of those values: `helm
 * upgrade` with new connectors, issuers, Secret names or domain then rolls the pods. At
 * defaults nothing is added, so the charts still equal upstream.
 */
const ANNOTATION = 'kfcharts.dev/values-sha256';

/** A values key read in the template, and its default from the schema. */
interface Watched {
  readonly expression: string;
  readonly fallback: unknown;
}

function global(...path: string[]): Watched {
  const key = ['global', ...path].join('.');
  return { expression: `$.Values.${key}`, fallback: defaultAt(key) };
}

/** A key of the component's own block, which its subchart sees at the top of `.Values`. */
function own(component: string, ...path: string[]): Watched {
  return {
    expression: `$.Values.${path.join('.')}`,
    fallback: defaultAt([component, ...path].join('.')),
  };
}

/**
 * The OIDC client as both Deployments see it. Credentials themselves are left out: a
 * checksum on the pod template would let anyone who reads Deployments test guesses. So a
 * changed inline secret needs `kubectl rollout restart`; a changed Secret name rolls.
 */
const OIDC_CLIENT = {
  oidcClientId: global('auth', 'oidcClient', 'clientId'),
  oidcClientSecretName: global('auth', 'oidcClient', 'existingSecret'),
  oidcClientIdKey: global('auth', 'oidcClient', 'existingSecretClientIdKey'),
  oidcClientSecretKey: global('auth', 'oidcClient', 'existingSecretClientSecretKey'),
};

/** JSON as Sprig's toJson prints it: compact, map keys sorted. */
function goJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${goJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function restartRule(rule: {
  id: string;
  component: string;
  namespace: string;
  name: string;
  watched: Readonly<Record<string, Watched>>;
}): ObjectRule {
  const keys = Object.keys(rule.watched).sort();
  const dict = `(dict ${keys.map((k) => `"${k}" ${rule.watched[k]?.expression}`).join(' ')})`;
  const defaults = goJson(Object.fromEntries(keys.map((k) => [k, rule.watched[k]?.fallback])));
  // A Go string literal: JSON's string syntax is a subset of Go's.
  const changed = `(ne (toJson ${dict}) ${JSON.stringify(defaults)})`;
  return templateRule({
    id: rule.id,
    description: `Deployment ${rule.namespace}/${rule.name}: ${ANNOTATION} of its values when they differ from the defaults`,
    component: rule.component,
    select: selectObject('Deployment', rule.namespace, rule.name),
    edit(e) {
      const metadata = ['spec', 'template', 'metadata'];
      if (e.has([...metadata, 'annotations'])) {
        e.append([...metadata, 'annotations'], changed, [
          `${ANNOTATION}: {{ toJson ${dict} | sha256sum | toJson }}`,
        ]);
      } else {
        e.append(metadata, changed, [
          'annotations:',
          `  ${ANNOTATION}: {{ toJson ${dict} | sha256sum | toJson }}`,
        ]);
      }
    },
  });
}

export const restartRules: readonly ObjectRule[] = [
  restartRule({
    id: 'restart-dex-on-values',
    component: 'dex',
    namespace: 'auth',
    name: 'dex',
    watched: {
      connectors: own('dex', 'connectors'),
      envFromSecret: own('dex', 'envFromSecret'),
      staticPasswordsEnabled: own('dex', 'staticPasswords', 'enabled'),
      staticPasswordsEmail: own('dex', 'staticPasswords', 'email'),
      staticPasswordsSecret: own('dex', 'staticPasswords', 'existingSecret'),
      ...OIDC_CLIENT,
      domain: global('domain'),
    },
  }),
  restartRule({
    id: 'restart-oauth2-proxy-on-values',
    component: 'oauth2-proxy',
    namespace: 'oauth2-proxy',
    name: 'oauth2-proxy',
    watched: {
      extraJwtIssuers: global('auth', 'extraJwtIssuers'),
      ...OIDC_CLIENT,
      cookieSecretSecret: own('oauth2-proxy', 'existingSecret'),
      cookieSecretKey: own('oauth2-proxy', 'existingSecretCookieSecretKey'),
      domain: global('domain'),
    },
  }),
];
