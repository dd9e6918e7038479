import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { tempDir } from './helpers.ts';
import { envOf, type K8sObject, type Rendered, renderWith, schemaError } from './values-charts.ts';

/**
 * Authentication: Dex connectors and static user, the OIDC client Dex and oauth2-proxy
 * share, oauth2-proxy's cookie secret, extra JWT issuers (Istio and oauth2-proxy), and the
 * default Profile. Expected upstream values were read from the 26.03 kustomize output.
 */

/** Upstream's well-known credentials, as they appear in its Secrets. */
const b64 = (s: string) => Buffer.from(s).toString('base64');
const UPSTREAM = {
  clientId: 'kubeflow-oidc-authservice',
  clientSecret: 'pUBnBOY80SnXgjibTYM9ZWNzY2xreNGQok',
  cookieSecret: '7d16fee92f8d11b8940b081b3f8b8acb',
  hash: '$2y$12$4K/VkmDd1q1Orb3xAt82zu8gk7Ad6ReFR4LCP9UeYE90NLiN9Df72',
};
const UPSTREAM_STRINGS = [
  UPSTREAM.hash,
  b64(UPSTREAM.clientId),
  b64(UPSTREAM.clientSecret),
  b64(UPSTREAM.cookieSecret),
  'user@example.com',
];

const GITHUB = {
  type: 'github',
  id: 'github',
  name: 'GitHub',
  config: {
    clientID: '$GITHUB_CLIENT_ID',
    clientSecret: '$GITHUB_CLIENT_SECRET',
    redirectURI: 'https://kubeflow.example.org/dex/callback',
    orgs: [{ name: 'example-org', teams: ['ml'] }],
  },
};
const POCKET_ID = {
  type: 'oidc',
  id: 'pocket-id',
  name: 'Pocket ID',
  config: {
    issuer: 'https://id.example.org',
    clientID: 'kubeflow',
    clientSecret: '$POCKET_ID_CLIENT_SECRET',
    redirectURI: 'https://kubeflow.example.org/dex/callback',
    insecureSkipEmailVerified: false,
  },
};
const HASH = '$2y$10$TaGx3Qn6mZ0bY1zG8WqOQeQ0pV9f7Q4d2Yt5r1s8u3v6w9x2y5z7A';

type Json = Record<string, unknown>;

function secretOf(r: Rendered, namespace: string, prefix: string): K8sObject | undefined {
  return r.objects.find(
    (o) =>
      o.kind === 'Secret' &&
      o.metadata.namespace === namespace &&
      o.metadata.name.startsWith(prefix),
  );
}

function decoded(secret: K8sObject | undefined): Record<string, string> {
  const data = (secret?.data ?? {}) as Record<string, string>;
  return Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
  );
}

function dexConfig(r: Rendered): Json {
  const configMap = r.get('ConfigMap', 'auth', 'dex').data as Record<string, string>;
  return parse(configMap['config.yaml'] as string) as Json;
}

function dexContainer(r: Rendered): Json & { envFrom?: unknown[] } {
  const spec = (
    r.get('Deployment', 'auth', 'dex') as unknown as { spec: { template: { spec: Json } } }
  ).spec.template.spec as { containers: (Json & { name: string })[] };
  return spec.containers.find((c) => c.name === 'dex') as Json & { envFrom?: unknown[] };
}

function oauth2ProxyParameters(r: Rendered): Record<string, string> {
  const found = r.objects.find(
    (o) =>
      o.kind === 'ConfigMap' &&
      o.metadata.namespace === 'oauth2-proxy' &&
      o.metadata.name.startsWith('oauth2-proxy-parameters-'),
  );
  return found?.data as Record<string, string>;
}

function requestAuthentications(r: Rendered): K8sObject[] {
  return r.objects.filter(
    (o) => o.kind === 'RequestAuthentication' && o.metadata.name.startsWith('kfcharts-'),
  );
}

describe('values: authentication', () => {
  it('connectors, envFromSecret, an extra issuer, own secrets and profile reach every consumer', async () => {
    const r = await renderWith(
      {
        global: {
          auth: {
            extraJwtIssuers: [
              { issuer: 'https://token.actions.githubusercontent.com', audiences: ['kubeflow'] },
            ],
            oidcClient: { clientId: 'kubeflow-web', clientSecret: 'client-s3cret' },
          },
        },
        dex: {
          connectors: [GITHUB, POCKET_ID],
          envFromSecret: 'dex-connector-secrets',
          staticPasswords: { email: 'admin@corp.example.org', hash: HASH },
        },
        'oauth2-proxy': { cookieSecret: '0123456789abcdef0123456789abcdef' },
        'user-namespace': { profile: { name: 'team-ml', owner: 'admin@corp.example.org' } },
      },
      ['kubeflow-platform', 'kubeflow'],
    );

    const config = dexConfig(r);
    expect(config.connectors).toEqual([GITHUB, POCKET_ID]);
    expect(config.enablePasswordDB).toBe(true);
    expect(config.staticPasswords).toEqual([
      {
        email: 'admin@corp.example.org',
        hashFromEnv: 'DEX_USER_PASSWORD',
        username: 'user',
        userID: '15841185641784',
      },
    ]);
    // The rest of config.yaml is upstream's.
    expect(config.staticClients).toEqual([
      {
        idEnv: 'OIDC_CLIENT_ID',
        redirectURIs: ['/oauth2/callback'],
        name: 'Dex Login Application',
        secretEnv: 'OIDC_CLIENT_SECRET',
      },
    ]);
    expect(config.issuer).toBe('http://dex.auth.svc.cluster.local:5556/dex');

    expect(dexContainer(r).envFrom).toEqual([
      { secretRef: { name: 'dex-oidc-client' } },
      { secretRef: { name: 'dex-passwords' } },
      { secretRef: { name: 'dex-connector-secrets' } },
    ]);
    expect(decoded(r.get('Secret', 'auth', 'dex-oidc-client'))).toEqual({
      OIDC_CLIENT_ID: 'kubeflow-web',
      OIDC_CLIENT_SECRET: 'client-s3cret',
    });
    expect(r.get('Secret', 'auth', 'dex-passwords').stringData).toEqual({
      DEX_USER_PASSWORD: HASH,
    });
    expect(decoded(secretOf(r, 'oauth2-proxy', 'oauth2-proxy-'))).toEqual({
      'client-id': 'kubeflow-web',
      'client-secret': 'client-s3cret',
      'cookie-secret': '0123456789abcdef0123456789abcdef',
    });

    expect(oauth2ProxyParameters(r).EXTRA_JWT_ISSUERS).toBe(
      'https://token.actions.githubusercontent.com=kubeflow',
    );
    const issuers = requestAuthentications(r);
    expect(issuers.map((o) => [o.metadata.namespace, o.metadata.name])).toEqual([
      ['istio-system', 'kfcharts-jwt-0'],
    ]);
    expect(issuers[0]?.apiVersion).toBe('security.istio.io/v1beta1');
    expect(issuers[0]?.spec).toEqual({
      selector: { matchLabels: { app: 'istio-ingressgateway' } },
      jwtRules: [
        {
          issuer: 'https://token.actions.githubusercontent.com',
          audiences: ['kubeflow'],
          forwardOriginalToken: true,
          fromHeaders: [{ name: 'Authorization', prefix: 'Bearer ' }],
          outputClaimToHeaders: [
            { header: 'kubeflow-userid', claim: 'email' },
            { header: 'kubeflow-groups', claim: 'groups' },
          ],
        },
      ],
    });
    // Upstream's Dex rule stays.
    expect(r.has('RequestAuthentication', 'istio-system', 'dex-jwt')).toBe(true);

    expect(r.has('Profile', undefined, 'kubeflow-user-example-com')).toBe(false);
    expect(r.get('Profile', undefined, 'team-ml').spec).toEqual({
      owner: { kind: 'User', name: 'admin@corp.example.org' },
    });

    for (const upstream of UPSTREAM_STRINGS) {
      expect(r.text, upstream).not.toContain(upstream);
    }
  });

  it('issuers: jwksUri, several audiences and a user id claim', async () => {
    const r = await renderWith(
      {
        global: {
          auth: {
            extraJwtIssuers: [
              {
                issuer: 'https://token.actions.githubusercontent.com',
                audiences: ['kubeflow', 'kubeflow-ci'],
                userIdClaim: 'sub',
              },
              {
                issuer: 'https://kubernetes.default.svc.cluster.local',
                jwksUri: 'http://cluster-jwks-proxy.istio-system.svc.cluster.local/openid/v1/jwks',
                audiences: ['https://kubernetes.default.svc.cluster.local'],
              },
            ],
          },
        },
      },
      ['kubeflow-platform'],
    );
    expect(oauth2ProxyParameters(r).EXTRA_JWT_ISSUERS).toBe(
      'https://token.actions.githubusercontent.com=kubeflow,' +
        'https://token.actions.githubusercontent.com=kubeflow-ci,' +
        'https://kubernetes.default.svc.cluster.local=https://kubernetes.default.svc.cluster.local',
    );
    const rules = requestAuthentications(r).map(
      (o) => (o.spec as { jwtRules: Json[] }).jwtRules[0] as Json,
    );
    expect(rules.map((rule) => [rule.issuer, rule.jwksUri, rule.audiences])).toEqual([
      ['https://token.actions.githubusercontent.com', undefined, ['kubeflow', 'kubeflow-ci']],
      [
        'https://kubernetes.default.svc.cluster.local',
        'http://cluster-jwks-proxy.istio-system.svc.cluster.local/openid/v1/jwks',
        ['https://kubernetes.default.svc.cluster.local'],
      ],
    ]);
    expect(rules.map((rule) => rule.outputClaimToHeaders)).toEqual([
      [
        { header: 'kubeflow-userid', claim: 'sub' },
        { header: 'kubeflow-groups', claim: 'groups' },
      ],
      [
        { header: 'kubeflow-userid', claim: 'email' },
        { header: 'kubeflow-groups', claim: 'groups' },
      ],
    ]);
  });

  it('every credential in an existingSecret: no credential string is rendered', async () => {
    const inline = ['inline-client-secret', HASH];
    const r = await renderWith(
      {
        global: {
          auth: {
            oidcClient: {
              clientId: 'inline-client-id',
              clientSecret: inline[0],
              existingSecret: 'kubeflow-oidc',
              existingSecretClientIdKey: 'id',
              existingSecretClientSecretKey: 'secret',
            },
          },
        },
        dex: {
          staticPasswords: { hash: HASH, existingSecret: 'dex-user', existingSecretKey: 'bcrypt' },
        },
        'oauth2-proxy': {
          cookieSecret: 'inline-cookie-se',
          existingSecret: 'oauth2-proxy-cookie',
          existingSecretCookieSecretKey: 'cookie',
        },
      },
      ['kubeflow-platform'],
    );
    expect(r.has('Secret', 'auth', 'dex-oidc-client')).toBe(false);
    expect(r.has('Secret', 'auth', 'dex-passwords')).toBe(false);
    expect(secretOf(r, 'oauth2-proxy', 'oauth2-proxy-')).toBeUndefined();
    for (const credential of [
      ...UPSTREAM_STRINGS.slice(0, 4),
      ...inline,
      'inline-client-id',
      'inline-cookie-se',
      b64('inline-client-id'),
      b64(inline[0] as string),
      b64('inline-cookie-se'),
    ]) {
      expect(r.text, credential).not.toContain(credential);
    }
    expect(r.text).not.toContain('dex-oidc-client');
    expect(r.text).not.toContain('dex-passwords');

    const dex = r.get('Deployment', 'auth', 'dex');
    expect(dexContainer(r).envFrom ?? []).toEqual([]);
    expect(envOf(dex, 'dex', 'OIDC_CLIENT_ID')?.valueFrom).toEqual({
      secretKeyRef: { name: 'kubeflow-oidc', key: 'id' },
    });
    expect(envOf(dex, 'dex', 'OIDC_CLIENT_SECRET')?.valueFrom).toEqual({
      secretKeyRef: { name: 'kubeflow-oidc', key: 'secret' },
    });
    expect(envOf(dex, 'dex', 'DEX_USER_PASSWORD')?.valueFrom).toEqual({
      secretKeyRef: { name: 'dex-user', key: 'bcrypt' },
    });
    const proxy = r.get('Deployment', 'oauth2-proxy', 'oauth2-proxy');
    expect(envOf(proxy, 'oauth2-proxy', 'OAUTH2_PROXY_CLIENT_ID')?.valueFrom).toEqual({
      secretKeyRef: { name: 'kubeflow-oidc', key: 'id' },
    });
    expect(envOf(proxy, 'oauth2-proxy', 'OAUTH2_PROXY_CLIENT_SECRET')?.valueFrom).toEqual({
      secretKeyRef: { name: 'kubeflow-oidc', key: 'secret' },
    });
    expect(envOf(proxy, 'oauth2-proxy', 'OAUTH2_PROXY_COOKIE_SECRET')?.valueFrom).toEqual({
      secretKeyRef: { name: 'oauth2-proxy-cookie', key: 'cookie' },
    });
    // The static user stays (its hash comes from the Secret).
    expect((dexConfig(r).staticPasswords as Json[])[0]?.hashFromEnv).toBe('DEX_USER_PASSWORD');
  });

  it("only the OIDC client in an existingSecret: oauth2-proxy's Secret keeps the cookie secret", async () => {
    const r = await renderWith(
      { global: { auth: { oidcClient: { existingSecret: 'kubeflow-oidc' } } } },
      ['kubeflow-platform'],
    );
    const secret = secretOf(r, 'oauth2-proxy', 'oauth2-proxy-');
    expect(decoded(secret)).toEqual({ 'cookie-secret': UPSTREAM.cookieSecret });
    const proxy = r.get('Deployment', 'oauth2-proxy', 'oauth2-proxy');
    expect(envOf(proxy, 'oauth2-proxy', 'OAUTH2_PROXY_COOKIE_SECRET')?.valueFrom).toEqual({
      secretKeyRef: { name: secret?.metadata.name, key: 'cookie-secret' },
    });
    expect(envOf(proxy, 'oauth2-proxy', 'OAUTH2_PROXY_CLIENT_ID')?.valueFrom).toEqual({
      secretKeyRef: { name: 'kubeflow-oidc', key: 'client-id' },
    });
    expect(dexContainer(r).envFrom).toEqual([{ secretRef: { name: 'dex-passwords' } }]);
    expect(r.text).not.toContain(b64(UPSTREAM.clientSecret));
  });

  it('staticPasswords off: no password database, static user, hash Secret or envFrom', async () => {
    const r = await renderWith(
      { dex: { staticPasswords: { enabled: false, hash: HASH }, connectors: [GITHUB] } },
      ['kubeflow-platform'],
    );
    const config = dexConfig(r);
    expect(config.enablePasswordDB).toBe(false);
    expect(config).not.toHaveProperty('staticPasswords');
    expect(config.connectors).toEqual([GITHUB]);
    expect(Object.keys(config)).toEqual([
      'issuer',
      'storage',
      'web',
      'logger',
      'oauth2',
      'enablePasswordDB',
      'connectors',
      'staticClients',
    ]);
    expect(r.has('Secret', 'auth', 'dex-passwords')).toBe(false);
    expect(dexContainer(r).envFrom).toEqual([{ secretRef: { name: 'dex-oidc-client' } }]);
    expect(r.text).not.toContain(HASH);
    expect(r.text).not.toContain(UPSTREAM.hash);
    expect(r.text).not.toContain('user@example.com');
  });

  it('values are data: quotes, {{, #, newlines render as the same strings', async () => {
    const tricky = 'Corp "SSO" {{ .Values.x }} # not a comment\n- next: line\u0085evil: 1';
    const connector = {
      type: 'oidc',
      id: 'corp_sso-1',
      name: tricky,
      config: {
        issuer: 'https://sso.example.org',
        clientSecret: '$CORP_SECRET',
        claimMapping: { email: "mail'{{ x }}'", groups: 'a: b\n  c: d' },
        scopes: ['openid', '#profile', '{{'],
      },
    };
    const secret = 'p"w\'{{ .Release.Name }}#\n: x';
    const values = {
      global: {
        auth: {
          extraJwtIssuers: [
            { issuer: 'https://idp.example.org/a#b', audiences: ['aud#1', 'aud:$x'] },
          ],
          oidcClient: { clientId: 'id#1', clientSecret: secret },
        },
      },
      dex: {
        connectors: [connector],
        envFromSecret: 'dex-env',
        staticPasswords: { email: 'first#last@corp.example.org' },
      },
      'oauth2-proxy': { cookieSecret: '#"{{ x }}"\n:4567' },
      'user-namespace': { profile: { owner: 'first#last@corp.example.org' } },
    };
    // As JSON with NEL escaped: a YAML writer leaves it raw, and Go's YAML folds it.
    const file = join(tempDir('values'), 'values.yaml');
    writeFileSync(file, JSON.stringify(values).replace(/\u0085/g, '\\u0085'));
    const r = await renderWith(file, ['kubeflow-platform', 'kubeflow']);
    const config = dexConfig(r);
    expect(config.connectors).toEqual([connector]);
    expect((config.staticPasswords as Json[])[0]?.email).toBe('first#last@corp.example.org');
    // NEL (U+0085) is a line break to Kubernetes' YAML 1.1 parser: it stays escaped.
    const configMap = r.get('ConfigMap', 'auth', 'dex').data as Record<string, string>;
    expect(configMap['config.yaml']).not.toContain('\u0085');
    expect(configMap['config.yaml']).toContain('line\\u0085evil');
    expect(decoded(r.get('Secret', 'auth', 'dex-oidc-client'))).toEqual({
      OIDC_CLIENT_ID: 'id#1',
      OIDC_CLIENT_SECRET: secret,
    });
    expect(decoded(secretOf(r, 'oauth2-proxy', 'oauth2-proxy-'))).toEqual({
      'client-id': 'id#1',
      'client-secret': secret,
      'cookie-secret': '#"{{ x }}"\n:4567',
    });
    expect(oauth2ProxyParameters(r).EXTRA_JWT_ISSUERS).toBe(
      'https://idp.example.org/a#b=aud#1,https://idp.example.org/a#b=aud:$x',
    );
    const rule = (requestAuthentications(r)[0]?.spec as { jwtRules: Json[] } | undefined)
      ?.jwtRules[0];
    expect(rule?.issuer).toBe('https://idp.example.org/a#b');
    expect(rule?.audiences).toEqual(['aud#1', 'aud:$x']);
    expect((r.get('Profile', undefined, 'kubeflow-user-example-com').spec as Json).owner).toEqual({
      kind: 'User',
      name: 'first#last@corp.example.org',
    });
    expect(dexContainer(r).envFrom).toContainEqual({ secretRef: { name: 'dex-env' } });
  });

  it('defaults: no extra issuer, upstream secrets and user', async () => {
    const r = await renderWith({}, ['kubeflow-platform', 'kubeflow']);
    expect(requestAuthentications(r)).toEqual([]);
    expect(oauth2ProxyParameters(r).EXTRA_JWT_ISSUERS).toBe('');
    expect(decoded(secretOf(r, 'oauth2-proxy', 'oauth2-proxy-'))).toEqual({
      'client-id': UPSTREAM.clientId,
      'client-secret': UPSTREAM.clientSecret,
      'cookie-secret': UPSTREAM.cookieSecret,
    });
    expect(r.get('Secret', 'auth', 'dex-passwords').stringData).toEqual({
      DEX_USER_PASSWORD: UPSTREAM.hash,
    });
    const config = dexConfig(r);
    expect(config).not.toHaveProperty('connectors');
    expect((config.staticPasswords as Json[])[0]?.email).toBe('user@example.com');
    expect(dexContainer(r).envFrom).toEqual([
      { secretRef: { name: 'dex-oidc-client' } },
      { secretRef: { name: 'dex-passwords' } },
    ]);
    expect(r.get('Profile', undefined, 'kubeflow-user-example-com').spec).toEqual({
      owner: { kind: 'User', name: 'user@example.com' },
    });
  });

  it('the schema rejects issuers oauth2-proxy would misread', async () => {
    for (const issuer of ['https://a.example.org/x=y', 'https://a.example.org/x,y']) {
      const error = await schemaError(
        { global: { auth: { extraJwtIssuers: [{ issuer, audiences: ['kubeflow'] }] } } },
        'kubeflow-platform',
      );
      expect(error, issuer).toMatch(/extraJwtIssuers/);
    }
    const audience = await schemaError(
      { global: { auth: { extraJwtIssuers: [{ issuer: 'https://a.org', audiences: ['a,b'] }] } } },
      'kubeflow-platform',
    );
    expect(audience).toMatch(/audiences/);
  });
});
