import { defaultAt } from '../../values/schema.ts';
import { EditError, type ObjectEditor, type Path, selectObject, templateRule } from '../edit.ts';
import type { ObjectRule } from '../rule.ts';
import {
  DEX_STATIC_USER_SECRET,
  GENERATE,
  type Generated,
  generated,
  generatedBcrypt,
  upstreamValue,
} from './credentials.ts';
import {
  AUTH,
  and,
  base64,
  container,
  ifElse,
  json,
  not,
  redirectSecretKeyRefs,
  secretKeyRefEnv,
} from './template.ts';

/**
 * Authentication: Dex (connectors, static password user, the OIDC client it shares with
 * oauth2-proxy), oauth2-proxy (client and cookie secrets, extra JWT issuers), the default
 * user's Profile. The RequestAuthentication of each extra issuer is a hand-written
 * template: charts/templates/kubeflow-istio-resources/kubeflow-platform/jwt-issuers.yaml.
 *
 * Lines of Dex's config.yaml (a block scalar) are edited with replaceInScalar; user values
 * land there only as one-line JSON (see json() in template.ts).
 */
const OIDC = `${AUTH}.oidcClient`;
const OIDC_EXISTING = `${OIDC}.existingSecret`;
/** dex's own block. */
const PASSWORDS = '$.Values.staticPasswords';
const PASSWORDS_ON = `${PASSWORDS}.enabled`;
const PASSWORDS_EXISTING = and(PASSWORDS_ON, `${PASSWORDS}.existingSecret`);
const PASSWORDS_INLINE = and(PASSWORDS_ON, not(`${PASSWORDS}.existingSecret`));
/** oauth2-proxy's own block. */
const COOKIE_EXISTING = '$.Values.existingSecret';

/** The schema default of `path` in component `component`'s block. */
function componentDefault(component: string, path: readonly string[]): string {
  const key = [component, ...path].join('.');
  const fallback = defaultAt(key);
  if (typeof fallback !== 'string') throw new EditError(`schema has no string default at ${key}`);
  return fallback;
}

/** `true` when the value at `expression` differs from `fallback` (its schema default). */
function differs(expression: string, fallback: string): string {
  return `(ne (toString ${expression}) ${JSON.stringify(fallback)})`;
}

/** The index of the `envFrom` item of container `name` that reads Secret `secret`. */
function envFromIndex(editor: ObjectEditor, name: string, secret: string): number {
  const items = editor.value([...container(name), 'envFrom']) as
    | { secretRef?: { name?: string } }[]
    | undefined;
  const index = items?.findIndex((item) => item.secretRef?.name === secret) ?? -1;
  if (index < 0) throw new EditError(`container ${name} has no envFrom of Secret ${secret}`);
  return index;
}

/** Env entries reading `keys` (env name → key expression) from Secret `nameExpression`. */
function secretEnv(nameExpression: string, keys: Readonly<Record<string, string>>): string[] {
  return Object.entries(keys).flatMap(([env, key]) =>
    secretKeyRefEnv(env, json(nameExpression), json(key)),
  );
}

const CONFIG: readonly string[] = ['data', 'config.yaml'];

/**
 * global.generateSecrets: the OIDC client secret Dex and oauth2-proxy share (one value per
 * release render, kept from dex-oidc-client on upgrades), oauth2-proxy's cookie secret.
 */
function oidcClientSecret(known: string): Generated {
  return {
    id: 'oidc-client-secret',
    length: 32,
    known: [known],
    lookups: [['auth', 'dex-oidc-client', 'OIDC_CLIENT_SECRET']],
  };
}

/** Edits one credential of a Secret's `data`: the user's value, else a generated one, else upstream's. */
function dataCredential(e: ObjectEditor, key: string, value: string, spec: Generated): void {
  e.replaceScalar(['data', key], (o) =>
    ifElse(value, base64(value), ifElse(GENERATE, base64(generated(spec)), o)),
  );
}

export const authRules: readonly ObjectRule[] = [
  templateRule({
    id: 'auth-dex-connectors',
    description: "dex.connectors: Dex's config.yaml gains them, as JSON, when set",
    component: 'dex',
    select: selectObject('ConfigMap', 'auth', 'dex'),
    edit(e) {
      // Before `staticClients:`, a top-level key of config.yaml, indented by 4 in the ConfigMap.
      if (!e.object.text.includes('\n    staticClients:\n')) {
        throw new EditError('config.yaml has no staticClients key indented by 4');
      }
      e.replaceInScalar(CONFIG, 'staticClients:\n', 1, (o) => {
        // toJson of a list is one JSON line (valid YAML); controls escaped as in json().
        const connectors = `connectors: {{ $.Values.connectors | toJson | include "kfcharts.escapeControls" }}`;
        return `{{ if $.Values.connectors }}${connectors}\n    {{ end }}${o}`;
      });
    },
  }),
  templateRule({
    id: 'auth-dex-static-passwords',
    description:
      "dex.staticPasswords: the password database on or off and the static user's e-mail",
    component: 'dex',
    select: selectObject('ConfigMap', 'auth', 'dex'),
    edit(e) {
      e.replaceInScalar(CONFIG, 'enablePasswordDB: true', 1, (o) =>
        ifElse(PASSWORDS_ON, o, 'enablePasswordDB: false'),
      );
      // The static user, from `staticPasswords:` to the indentation of the key after it
      // (the indentation before `staticPasswords:` then indents that key).
      e.replaceInScalar(CONFIG, 'staticPasswords:\n', 1, (o) => `{{ if ${PASSWORDS_ON} }}${o}`);
      e.replaceInScalar(CONFIG, '  userID: "15841185641784"\n    ', 1, (o) => `${o}{{ end }}`);
      const email = `${PASSWORDS}.email`;
      const fallback = componentDefault('dex', ['staticPasswords', 'email']);
      e.replaceInScalar(CONFIG, `- email: ${fallback}\n`, 1, (o) =>
        ifElse(differs(email, fallback), `- email: ${json(email)}\n`, o),
      );
    },
  }),
  templateRule({
    id: 'auth-dex-deployment',
    description:
      "Dex's env: OIDC client and static password from existingSecrets (secretKeyRef) instead of the rendered Secrets, and dex.envFromSecret",
    component: 'dex',
    select: selectObject('Deployment', 'auth', 'dex'),
    edit(e) {
      const envFrom = [...container('dex'), 'envFrom'];
      e.keepItemWhen([...envFrom, envFromIndex(e, 'dex', 'dex-oidc-client')], not(OIDC_EXISTING));
      e.keepItemWhen([...envFrom, envFromIndex(e, 'dex', 'dex-passwords')], PASSWORDS_INLINE);
      const env = [...container('dex'), 'env'];
      e.append(
        env,
        OIDC_EXISTING,
        secretEnv(OIDC_EXISTING, {
          OIDC_CLIENT_ID: `${OIDC}.existingSecretClientIdKey`,
          OIDC_CLIENT_SECRET: `${OIDC}.existingSecretClientSecretKey`,
        }),
      );
      e.append(
        env,
        PASSWORDS_EXISTING,
        secretEnv(`${PASSWORDS}.existingSecret`, {
          DEX_USER_PASSWORD: `${PASSWORDS}.existingSecretKey`,
        }),
      );
      e.append(envFrom, '$.Values.envFromSecret', [
        '- secretRef:',
        `    name: ${json('$.Values.envFromSecret')}`,
      ]);
    },
  }),
  templateRule({
    id: 'auth-dex-oidc-client-secret',
    description:
      'dex-oidc-client: global.auth.oidcClient id and secret; left out with its existingSecret',
    component: 'dex',
    select: selectObject('Secret', 'auth', 'dex-oidc-client'),
    edit(e) {
      e.keepObjectWhen(not(OIDC_EXISTING));
      e.replaceScalar(['data', 'OIDC_CLIENT_ID'], (o) =>
        ifElse(`${OIDC}.clientId`, base64(`${OIDC}.clientId`), o),
      );
      const known = upstreamValue(e, 'data', 'OIDC_CLIENT_SECRET');
      dataCredential(e, 'OIDC_CLIENT_SECRET', `${OIDC}.clientSecret`, oidcClientSecret(known));
    },
  }),
  templateRule({
    id: 'auth-dex-passwords-secret',
    description:
      "dex-passwords: the static user's bcrypt hash; left out with dex.staticPasswords off or its existingSecret",
    component: 'dex',
    select: selectObject('Secret', 'auth', 'dex-passwords'),
    edit(e) {
      e.keepObjectWhen(PASSWORDS_INLINE);
      // generateSecrets: a generated password (readable in DEX_STATIC_USER_SECRET) and its hash.
      const knownHash = upstreamValue(e, 'stringData', 'DEX_USER_PASSWORD');
      const hash = generatedBcrypt(
        {
          id: 'dex-static-password',
          length: 20,
          known: [],
          lookups: [['auth', DEX_STATIC_USER_SECRET, 'password']],
        },
        ['auth', 'dex-passwords', 'DEX_USER_PASSWORD'],
        [knownHash],
      );
      e.replaceScalar(['stringData', 'DEX_USER_PASSWORD'], (o) =>
        ifElse(`${PASSWORDS}.hash`, json(`${PASSWORDS}.hash`), ifElse(GENERATE, json(hash), o)),
      );
    },
  }),
  templateRule({
    id: 'auth-oauth2-proxy-secret',
    description:
      "oauth2-proxy's Secret: client id and secret (global.auth.oidcClient) and cookie secret; each key left out when its existingSecret holds it, the Secret when all are",
    component: 'oauth2-proxy',
    select: selectObject('Secret', 'oauth2-proxy', 'oauth2-proxy-*'),
    edit(e) {
      e.keepObjectWhen(not(and(OIDC_EXISTING, COOKIE_EXISTING)));
      const keys: [key: string, value: string, moved: string][] = [
        ['client-id', `${OIDC}.clientId`, OIDC_EXISTING],
        ['client-secret', `${OIDC}.clientSecret`, OIDC_EXISTING],
        ['cookie-secret', '$.Values.cookieSecret', COOKIE_EXISTING],
      ];
      const self = e.object.name;
      // The client id is no secret: generateSecrets leaves it.
      const generatedAs: Partial<Record<string, Generated>> = {
        'client-secret': {
          ...oidcClientSecret(upstreamValue(e, 'data', 'client-secret')),
          lookups: [
            ['auth', 'dex-oidc-client', 'OIDC_CLIENT_SECRET'],
            ['oauth2-proxy', self, 'client-secret'],
          ],
        },
        'cookie-secret': {
          id: 'oauth2-proxy-cookie-secret',
          length: 32,
          known: [upstreamValue(e, 'data', 'cookie-secret')],
          lookups: [['oauth2-proxy', self, 'cookie-secret']],
        },
      };
      for (const [key, value, moved] of keys) {
        e.keepEntryWhen(['data'], key, not(moved));
        const spec = generatedAs[key];
        if (spec === undefined) {
          e.replaceScalar(['data', key], (o) => ifElse(value, base64(value), o));
        } else dataCredential(e, key, value, spec);
      }
    },
  }),
  templateRule({
    id: 'auth-oauth2-proxy-existing-secrets',
    description:
      'oauth2-proxy reads the client id and secret and the cookie secret from their existingSecrets',
    component: 'oauth2-proxy',
    select: selectObject('Deployment', 'oauth2-proxy', 'oauth2-proxy'),
    edit(e) {
      const ref = e.value([
        ...container('oauth2-proxy'),
        'env',
        { name: 'OAUTH2_PROXY_COOKIE_SECRET' },
        'valueFrom',
        'secretKeyRef',
        'name',
      ]);
      if (typeof ref !== 'string') throw new EditError('no secretKeyRef of the cookie secret');
      const client = redirectSecretKeyRefs(e, ref, OIDC_EXISTING, OIDC_EXISTING, {
        'client-id': `${OIDC}.existingSecretClientIdKey`,
        'client-secret': `${OIDC}.existingSecretClientSecretKey`,
      });
      const cookie = redirectSecretKeyRefs(e, ref, COOKIE_EXISTING, COOKIE_EXISTING, {
        'cookie-secret': '$.Values.existingSecretCookieSecretKey',
      });
      if (client !== 2 || cookie !== 1) {
        throw new EditError(
          `found ${client} client and ${cookie} cookie secretKeyRefs, not 2 and 1`,
        );
      }
    },
  }),
  templateRule({
    id: 'auth-oauth2-proxy-extra-jwt-issuers',
    description:
      'oauth2-proxy-parameters EXTRA_JWT_ISSUERS: `issuer=audience` for each audience of each global.auth.extraJwtIssuers',
    component: 'oauth2-proxy',
    select: selectObject('ConfigMap', 'oauth2-proxy', 'oauth2-proxy-parameters-*'),
    edit(e) {
      const issuers = `${AUTH}.extraJwtIssuers`;
      const pairs =
        `{{ $pairs := list }}{{ range ${issuers} }}{{ $issuer := .issuer | toString }}` +
        '{{ range .audiences }}{{ $pairs = append $pairs (printf "%s=%s" $issuer (toString .)) }}{{ end }}' +
        '{{ end }}{{ join "," $pairs | toJson | include "kfcharts.escapeControls" }}';
      e.replaceScalar(['data', 'EXTRA_JWT_ISSUERS'], (o) => ifElse(issuers, pairs, o));
    },
  }),
  templateRule({
    id: 'auth-user-namespace-profile',
    description: "The default Profile's name and owner from user-namespace.profile",
    component: 'user-namespace',
    select: selectObject('Profile', undefined, 'kubeflow-user-example-com'),
    edit: (e) =>
      profileFields(e, [
        [['metadata', 'name'], 'name'],
        [['spec', 'owner', 'name'], 'owner'],
      ]),
  }),
  templateRule({
    id: 'auth-user-namespace-params',
    description:
      "The parameters ConfigMap some releases ship beside the default Profile (kustomize's replacement source) names the same Profile and owner",
    component: 'user-namespace',
    select: selectObject('ConfigMap', 'default', 'default-install-config-*'),
    edit: (e) =>
      profileFields(e, [
        [['data', 'profile-name'], 'name'],
        [['data', 'user'], 'owner'],
      ]),
  }),
];

/**
 * Fields holding the default Profile's name or owner take user-namespace.profile.<key>
 * when it differs from the default, which must be upstream's value there.
 */
function profileFields(
  e: ObjectEditor,
  fields: readonly (readonly [Path, 'name' | 'owner'])[],
): void {
  for (const [path, key] of fields) {
    const value = `$.Values.profile.${key}`;
    const fallback = componentDefault('user-namespace', ['profile', key]);
    if (e.value(path) !== fallback) {
      throw new EditError(`${path.join('.')} is not the schema default ${fallback}`);
    }
    e.replaceScalar(path, (o) => ifElse(differs(value, fallback), json(value), o));
  }
}
