import { beforeAll, describe, expect, it } from 'vitest';
import { parseYamlStream } from '../../src/manifest/object.ts';
import {
  type K8sObject,
  type Rendered,
  renderUnchecked,
  renderWith,
  schemaError,
} from './values-charts.ts';

/**
 * global.auth.extraJwtIssuers[].profileBindings: a GitHub Actions workflow's token
 * (`sub` = `repo:<owner>/<repo>:ref:<ref>`) reaches a profile with a role. Checked over
 * the rendered objects: the RequestAuthentication that makes `sub` the kubeflow-userid, the
 * contributor objects kfam would make, and, by evaluating RBAC over the render, the
 * SubjectAccessReview the KFP API server makes before it creates or lists runs.
 */
const GITHUB = 'https://token.actions.githubusercontent.com';
const DEPLOY = 'repo:acme/pipelines:ref:refs/heads/main';
const REPORTS = 'repo:acme/reports:environment:prod';
const OTHER = 'repo:evil/fork:ref:refs/heads/main';
const VALUES = {
  global: {
    auth: {
      extraJwtIssuers: [
        {
          issuer: GITHUB,
          audiences: ['kubeflow.example.org'],
          userIdClaim: 'sub',
          profileBindings: [
            { user: DEPLOY, profile: 'team-a', role: 'edit' },
            { user: REPORTS, profile: 'team-a', role: 'view' },
            { user: DEPLOY, profile: 'team-b', role: 'view' },
          ],
        },
      ],
    },
  },
};

/** kfam's getBindingName (kfam/bindings.go, v1.10.0), written out again here. */
function kfamName(user: string, role: string): string {
  const dashes = (s: string) => s.replace(/[^a-zA-Z0-9]+/g, '-');
  return dashes(`User-${encodeURIComponent(dashes(user))}-ClusterRole-${role}`.toLowerCase());
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
}
type Role = K8sObject & {
  rules?: Rule[];
  aggregationRule?: { clusterRoleSelectors: { matchLabels: Record<string, string> }[] };
};
type Binding = K8sObject & {
  roleRef: { kind: string; name: string };
  subjects: { kind: string; name: string; apiGroup?: string }[];
};

/**
 * RBAC's answer for a user in a namespace (the SubjectAccessReview the KFP API server
 * sends, backend/src/apiserver/resource: group pipelines.kubeflow.org): RoleBindings of
 * the namespace naming the user, their ClusterRoles with aggregated rules.
 */
function allowed(
  objects: readonly K8sObject[],
  user: string,
  namespace: string,
  verb: string,
  resource: string,
): boolean {
  const roles = objects.filter((o) => o.kind === 'ClusterRole') as Role[];
  const rulesOf = (name: string, seen = new Set<string>()): Rule[] => {
    if (seen.has(name)) return [];
    seen.add(name);
    const role = roles.find((r) => r.metadata.name === name);
    if (!role) return [];
    const aggregated = (role.aggregationRule?.clusterRoleSelectors ?? []).flatMap((selector) =>
      roles
        .filter((r) =>
          Object.entries(selector.matchLabels).every(([k, v]) => r.metadata.labels?.[k] === v),
        )
        .flatMap((r) => rulesOf(r.metadata.name, seen)),
    );
    return [...(role.rules ?? []), ...aggregated];
  };
  const bindings = objects.filter(
    (o) => o.kind === 'RoleBinding' && o.metadata.namespace === namespace,
  ) as Binding[];
  const matches = (list: string[] | undefined, value: string) =>
    (list ?? []).some((x) => x === '*' || x === value);
  return bindings
    .filter((b) => b.subjects.some((s) => s.kind === 'User' && s.name === user))
    .flatMap((b) => rulesOf(b.roleRef.name))
    .some(
      (r) =>
        matches(r.apiGroups, 'pipelines.kubeflow.org') &&
        matches(r.resources, resource) &&
        matches(r.verbs, verb),
    );
}

describe('values: profileBindings of an extra JWT issuer', () => {
  let r: Rendered;
  beforeAll(async () => {
    r = await renderWith(VALUES, ['kubeflow-platform', 'kubeflow']);
  });

  it('the token reaches Kubeflow with its `sub` as the user id', () => {
    const auth = r.objects.find(
      (o) => o.kind === 'RequestAuthentication' && o.metadata.name === 'kfcharts-jwt-0',
    ) as K8sObject & { spec: { jwtRules: Record<string, unknown>[] } };
    expect(auth.spec.jwtRules[0]).toMatchObject({
      issuer: GITHUB,
      audiences: ['kubeflow.example.org'],
      outputClaimToHeaders: [
        { header: 'kubeflow-userid', claim: 'sub' },
        { header: 'kubeflow-groups', claim: 'groups' },
      ],
    });
  });

  it('each binding is a contributor as kfam makes one: RoleBinding and AuthorizationPolicy', () => {
    for (const { user, profile, role } of VALUES.global.auth.extraJwtIssuers[0]?.profileBindings ??
      []) {
      const name = kfamName(user, role);
      const annotations = { user, role };
      const binding = r.get('RoleBinding', profile, name);
      expect(binding.metadata).toMatchObject({ annotations });
      expect(binding).toMatchObject({
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: `kubeflow-${role}`,
        },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
      });
      const policy = r.get('AuthorizationPolicy', profile, name);
      expect(policy.metadata).toMatchObject({ annotations });
      expect(policy.spec).toEqual({
        rules: [
          {
            from: [
              {
                source: {
                  principals: [
                    'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
                    'cluster.local/ns/kubeflow/sa/ml-pipeline-ui',
                  ],
                },
              },
            ],
            when: [{ key: 'request.headers[kubeflow-userid]', values: [user] }],
          },
        ],
      });
    }
    expect(kfamName(DEPLOY, 'edit')).toBe(
      'user-repo-acme-pipelines-ref-refs-heads-main-clusterrole-edit',
    );
  });

  it("RBAC over the render answers the KFP API server's checks as the roles say", () => {
    // edit: create and list runs in team-a; view: list only; nothing elsewhere or for others
    expect(allowed(r.objects, DEPLOY, 'team-a', 'create', 'runs')).toBe(true);
    expect(allowed(r.objects, DEPLOY, 'team-a', 'list', 'runs')).toBe(true);
    expect(allowed(r.objects, REPORTS, 'team-a', 'list', 'runs')).toBe(true);
    expect(allowed(r.objects, REPORTS, 'team-a', 'create', 'runs')).toBe(false);
    expect(allowed(r.objects, DEPLOY, 'team-b', 'list', 'runs')).toBe(true);
    expect(allowed(r.objects, DEPLOY, 'team-b', 'create', 'runs')).toBe(false);
    expect(allowed(r.objects, OTHER, 'team-a', 'list', 'runs')).toBe(false);
    expect(allowed(r.objects, DEPLOY, 'team-c', 'list', 'runs')).toBe(false);
  });

  it('a bound user id counts only in a token of an issuer that binds it (DENY at the gateway)', async () => {
    const GITLAB = 'https://gitlab.example.org';
    const DEX = 'http://dex.auth.svc.cluster.local:5556/dex';
    const values = structuredClone(VALUES) as {
      global: { auth: { extraJwtIssuers: object[] }; ingress?: object };
    };
    values.global.auth.extraJwtIssuers.push({
      issuer: GITLAB,
      audiences: ['kubeflow.example.org'],
      userIdClaim: 'sub',
      profileBindings: [{ user: DEPLOY, profile: 'team-c', role: 'view' }],
    });
    const platform = await renderWith(values, ['kubeflow-platform']);
    type Policy = K8sObject & {
      spec: {
        action: string;
        selector: { matchLabels: Record<string, string> };
        rules: { when: { key: string; values?: string[]; notValues?: string[] }[] }[];
      };
    };
    const policy = platform.get(
      'AuthorizationPolicy',
      'istio-system',
      'kfcharts-jwt-bound-users',
    ) as Policy;
    expect(policy.spec).toEqual({
      action: 'DENY',
      selector: { matchLabels: { app: 'istio-ingressgateway' } },
      rules: [
        {
          when: [
            { key: 'request.headers[kubeflow-userid]', values: [DEPLOY] },
            { key: 'request.auth.claims[iss]', notValues: [GITHUB, GITLAB] },
          ],
        },
        {
          when: [
            { key: 'request.headers[kubeflow-userid]', values: [REPORTS] },
            { key: 'request.auth.claims[iss]', notValues: [GITHUB] },
          ],
        },
      ],
    });
    // Istio's semantics for these keys: the conditions of a rule all hold, any rule denies;
    // notValues holds for a missing claim (a request without a verified token)
    const denied = (userid: string, iss: string | undefined) =>
      policy.spec.rules.some((rule) =>
        rule.when.every((c) => {
          const value = c.key === 'request.auth.claims[iss]' ? iss : userid;
          if (c.values) return value !== undefined && c.values.includes(value);
          return value === undefined || !c.notValues?.includes(value);
        }),
      );
    expect(denied(DEPLOY, GITHUB)).toBe(false);
    expect(denied(DEPLOY, GITLAB)).toBe(false);
    expect(denied(REPORTS, GITHUB)).toBe(false);
    expect(denied(DEPLOY, DEX)).toBe(true);
    expect(denied(REPORTS, GITLAB)).toBe(true);
    expect(denied(REPORTS, undefined)).toBe(true);
    expect(denied('alice@example.org', DEX)).toBe(false);
    expect(denied(OTHER, GITHUB)).toBe(false);
    // the same gateway as the issuers' RequestAuthentication, in either ingress mode
    values.global.ingress = { mode: 'gateway-api' };
    const gatewayApi = await renderWith(values, ['kubeflow-platform']);
    const selector = (o: K8sObject) => (o as Policy).spec.selector;
    const deny = gatewayApi.get('AuthorizationPolicy', 'istio-system', 'kfcharts-jwt-bound-users');
    expect(selector(deny)).toEqual({
      matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'kubeflow-gateway' },
    });
    expect(selector(deny)).toEqual(
      selector(gatewayApi.get('RequestAuthentication', 'istio-system', 'kfcharts-jwt-0')),
    );
    expect(selector(policy)).toEqual(
      selector(platform.get('RequestAuthentication', 'istio-system', 'kfcharts-jwt-0')),
    );
    // issuers without bindings: no policy
    const plain = structuredClone(VALUES);
    for (const issuer of plain.global.auth.extraJwtIssuers) issuer.profileBindings = [];
    const none = await renderWith(plain, ['kubeflow-platform']);
    expect(none.text).not.toContain('kfcharts-jwt-bound-users');
  });

  it('renders nothing at defaults', async () => {
    const defaults = await renderWith({}, ['kubeflow']);
    expect(defaults.text).not.toContain('kfcharts-jwt-profile-bindings');
  });

  it('two entries that would give one object name fail, naming both', async () => {
    const twice = structuredClone(VALUES);
    const issuer = twice.global.auth.extraJwtIssuers[0];
    issuer?.profileBindings.push({
      user: 'repo:acme/pipelines:ref:refs/heads:main',
      profile: 'team-a',
      role: 'edit',
    });
    const error = await schemaError(twice);
    expect(error).toContain(
      'global.auth.extraJwtIssuers[0].profileBindings[3]: "repo:acme/pipelines:ref:refs/heads:main" in profile "team-a" gives the same object name (user-repo-acme-pipelines-ref-refs-heads-main-clusterrole-edit) as extraJwtIssuers[0].profileBindings[0]',
    );
  });

  it('schema: a role kfam knows, a profile name, a user id without spaces', async () => {
    const bindings = (binding: object) =>
      schemaError({
        global: {
          auth: {
            extraJwtIssuers: [{ issuer: GITHUB, audiences: ['k'], profileBindings: [binding] }],
          },
        },
      });
    const ok = { user: DEPLOY, profile: 'team-a', role: 'edit' };
    expect(await bindings(ok)).toBeUndefined();
    expect(await bindings({ ...ok, role: 'admin' })).toMatch(/role/);
    expect(await bindings({ ...ok, profile: 'Team_A' })).toMatch(/profile/);
    expect(await bindings({ ...ok, user: 'two words' })).toMatch(/user/);
    // Istio reads a leading or trailing * in `values` as a wildcard
    expect(await bindings({ ...ok, user: 'repo:acme/*' })).toMatch(/user/);
    expect(await bindings({ user: DEPLOY, profile: 'team-a' })).toMatch(/role/);
  });

  it('hostile (schema off): quotes, newlines, {{ and # in a user id stay one exact string', async () => {
    const user = 'x"\n{{ fail "y" }} # z: \'q\'';
    const values = structuredClone(VALUES);
    const issuer = values.global.auth.extraJwtIssuers[0];
    if (issuer) issuer.profileBindings = [{ user, profile: 'team-a', role: 'edit' }];
    for (const result of await renderUnchecked(values, 'kubeflow')) {
      expect(result.ok, result.text).toBe(true);
      const objects = parseYamlStream(result.text, 'helm template') as Binding[];
      const binding = objects.find(
        (o) => o.kind === 'RoleBinding' && o.metadata.namespace === 'team-a',
      );
      expect(binding?.subjects[0]?.name).toBe(user);
      expect(binding?.metadata.name).toBe(kfamName(user, 'edit'));
    }
    // what the template's own issuer check (kfcharts.validate) lets through: #, :, NEL, *, |
    const issuerText = 'https://x/#a:b\u0085|*';
    if (issuer) issuer.issuer = issuerText;
    for (const result of await renderUnchecked(values, 'kubeflow-platform')) {
      expect(result.ok, result.text).toBe(true);
      const objects = parseYamlStream(result.text, 'helm template') as (K8sObject & {
        spec: { rules: { when: { values?: string[]; notValues?: string[] }[] }[] };
      })[];
      const deny = objects.find((o) => o.metadata.name === 'kfcharts-jwt-bound-users');
      expect(deny?.spec.rules[0]?.when.map((c) => c.values ?? c.notValues)).toEqual([
        [user],
        [issuerText],
      ]);
    }
  });
});
