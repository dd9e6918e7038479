/**
 * The values API: the one source of values.schema.json, values.yaml (defaults and
 * comments) and the README's values reference. Each lifted key is a JSON-schema node
 * with its `default` and `description`; `x-kfcharts-example` is shown in docs only.
 *
 * The rules in src/rules/values/ read these keys in templates as `$.Values.global.*` or
 * the component's own `$.Values.*`. Defaults equal upstream's behaviour: at defaults the
 * charts render exactly what kustomize renders.
 */

export type Schema = Record<string, unknown> & {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, Schema>;
};

// Patterns instead of `format`: Helm 3 and Helm 4 validators differ in which formats they assert.
export const DNS_NAME =
  '^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$';
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
const HOST =
  '^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$|^\\[[0-9a-fA-F:.]+\\]$';
/** A TCP port 1-65535 in decimal, without leading zeros. */
const PORT =
  '([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])';
const HOST_PORT = `^(${DNS_NAME.slice(1, -1)}|\\[[0-9a-fA-F:.]+\\])(:${PORT})?$`;
const SECRET_KEY = '^[-._a-zA-Z0-9]+$';
const HTTP_URL = '^https?://[^\\s"\'{}<>\\\\]+$';
/** oauth2-proxy's EXTRA_JWT_ISSUERS is `issuer=audience,...`: no `,` or `=` in either. */
export const JWT_ISSUER = '^https?://[^\\s"\'{}<>\\\\,=]+$';
export const JWT_AUDIENCE = '^[^\\s,="\'{}\\\\]+$';
/** registry host[:port] and an optional path, as in `mirror.example.org:5000/kubeflow`. */
export const REGISTRY = `^(${DNS_NAME.slice(1, -1)})(:${PORT})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$`;

function text(description: string, fallback = '', extra: Record<string, unknown> = {}): Schema {
  return { type: 'string', default: fallback, description, ...extra };
}
function bool(description: string, fallback: boolean): Schema {
  return { type: 'boolean', default: fallback, description };
}
function object(description: string, properties: Record<string, Schema>, extra = {}): Schema {
  return { type: 'object', description, additionalProperties: false, properties, ...extra };
}
function secretName(description: string): Schema {
  return text(description, '', { anyOf: [{ const: '' }, { pattern: DNS_NAME, maxLength: 253 }] });
}
function secretKey(description: string, fallback: string): Schema {
  return text(description, fallback, { pattern: SECRET_KEY, maxLength: 253 });
}
/** JSON schema's if/then: what `external: true` requires. */
function whenExternal(required: object): Schema {
  return {
    if: { properties: { external: { const: true } }, required: ['external'] },
    // biome-ignore lint/suspicious/noThenProperty: a JSON-schema keyword, not a thenable
    then: required,
  };
}
const nonEmpty = (key: string) => ({ properties: { [key]: { minLength: 1 } }, required: [key] });

const database = object(
  'The MySQL/MariaDB of Pipelines (pipelines, metadata and cache databases) and Katib.',
  {
    external: bool(
      "true: use the server below and leave out upstream's in-cluster MySQL and katib-mysql (Deployments, Services, PVCs, Istio policies). false: upstream's in-cluster MySQL, as today; the other keys are ignored.",
      false,
    ),
    host: text('Server host name or IP (required when external).', '', {
      anyOf: [{ const: '' }, { pattern: HOST, maxLength: 253 }],
    }),
    port: {
      type: 'integer',
      minimum: 1,
      maximum: 65535,
      default: 3306,
      description: 'Server port.',
    },
    username: text('User name (when existingSecret is empty).', 'root', { minLength: 1 }),
    password: text('Password (when existingSecret is empty). Lands only in Secrets.'),
    existingSecret: secretName(
      'Secret in namespace kubeflow that holds the user name and password; then no credential is rendered and workloads read it by secretKeyRef.',
    ),
    existingSecretUsernameKey: secretKey('Key of the user name in existingSecret.', 'username'),
    existingSecretPasswordKey: secretKey('Key of the password in existingSecret.', 'password'),
  },
  whenExternal({
    allOf: [
      nonEmpty('host'),
      {
        anyOf: [nonEmpty('existingSecret'), nonEmpty('password')],
        description: 'external database: set password or existingSecret',
      },
    ],
  }),
);

const objectStorage = object(
  'The S3-compatible store of Pipelines artifacts (API server, UI, Argo, profile controller).',
  {
    external: bool(
      "true: use the store below and leave out upstream's in-cluster SeaweedFS. false: upstream's SeaweedFS, as today; the other keys are ignored.",
      false,
    ),
    endpoint: text(
      'host[:port] of the S3 API without a scheme, e.g. s3.eu-west-1.amazonaws.com (required when external); TLS follows `secure`, the port defaults to 443 (secure) or 80.',
      '',
      {
        anyOf: [{ const: '' }, { pattern: HOST_PORT, maxLength: 260 }],
      },
    ),
    region: text(
      'Bucket region, e.g. eu-west-1. Empty: the KFP launcher assumes us-east-1, so set it for AWS buckets elsewhere.',
      '',
      {
        pattern: '^[a-z0-9-]*$',
        maxLength: 64,
      },
    ),
    secure: bool('Use TLS (https) to the endpoint.', true),
    bucket: text('Bucket for pipeline artifacts; it must exist.', 'mlpipeline', {
      pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
    }),
    accessKey: text('Access key id (when existingSecret is empty). Lands only in Secrets.'),
    secretKey: text('Secret access key (when existingSecret is empty). Lands only in Secrets.'),
    existingSecret: secretName(
      'Secret in namespace kubeflow with the access and secret key; then no credential is rendered.',
    ),
    existingSecretAccessKeyKey: secretKey('Key of the access key in existingSecret.', 'accesskey'),
    existingSecretSecretKeyKey: secretKey('Key of the secret key in existingSecret.', 'secretkey'),
  },
  whenExternal({
    allOf: [
      nonEmpty('endpoint'),
      {
        anyOf: [
          nonEmpty('existingSecret'),
          { allOf: [nonEmpty('accessKey'), nonEmpty('secretKey')] },
        ],
        description: 'external object storage: set accessKey and secretKey, or existingSecret',
      },
    ],
  }),
);

const jwtIssuer: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['issuer', 'audiences'],
  properties: {
    issuer: {
      type: 'string',
      pattern: JWT_ISSUER,
      maxLength: 2048,
      description: 'Issuer URL (the `iss` claim).',
    },
    jwksUri: {
      type: 'string',
      pattern: HTTP_URL,
      maxLength: 2048,
      description: "JWKS URL; default: the issuer's discovery document.",
    },
    audiences: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', minLength: 1, maxLength: 256, pattern: JWT_AUDIENCE },
      description: 'Accepted `aud` values.',
    },
    userIdClaim: {
      type: 'string',
      default: 'email',
      pattern: '^[A-Za-z0-9_][-A-Za-z0-9_.:]*$',
      maxLength: 256,
      description:
        "Claim that becomes the `kubeflow-userid` header (Kubeflow's user name): `email` like upstream's Dex rule, or e.g. `sub` for tokens without an e-mail such as GitHub Actions' (`repo:<owner>/<repo>:...`).",
    },
  },
};

const auth = object('Authentication at the ingress gateway.', {
  extraJwtIssuers: {
    type: 'array',
    default: [],
    items: jwtIssuer,
    description:
      'More token issuers for machine-to-machine calls (e.g. GitHub Actions OIDC): each gets an Istio RequestAuthentication in istio-system (user id claim → kubeflow-userid, `groups` → kubeflow-groups) and is accepted by oauth2-proxy (EXTRA_JWT_ISSUERS). A shared issuer signs tokens for anyone who asks (any GitHub repository can request any audience): grant Kubeflow access (Profiles, RBAC) only to the user ids you expect.',
    'x-kfcharts-example': [
      { issuer: 'https://token.actions.githubusercontent.com', audiences: ['kubeflow'] },
    ],
  },
  oidcClient: object('The OIDC client oauth2-proxy uses at Dex (Dex static client).', {
    clientId: text("Client id; empty keeps upstream's.", '', {
      pattern: '^[^\\s"\'{}\\\\]*$',
      maxLength: 256,
    }),
    clientSecret: text(
      "Client secret; empty keeps upstream's well-known default. Lands only in Secrets.",
    ),
    existingSecret: secretName(
      "Secret with the client id and secret, present in namespaces auth and oauth2-proxy; then no client credential is rendered: Dex leaves out dex-oidc-client and reads both by secretKeyRef, oauth2-proxy's Secret keeps only the cookie secret (unless oauth2-proxy.existingSecret moves that too, then it is left out).",
    ),
    existingSecretClientIdKey: secretKey('Key of the client id in existingSecret.', 'client-id'),
    existingSecretClientSecretKey: secretKey(
      'Key of the client secret in existingSecret.',
      'client-secret',
    ),
  }),
});

/** Bring your own cert-manager issuer (docs/choices.md). */
const certManager = object("cert-manager as the Certificates of Kubeflow's webhooks use it.", {
  issuerRef: object(
    "The issuer every cert-manager Certificate of the charts names; empty name keeps upstream's (each component's own self-signed Issuer). For a cert-manager you run yourself (cert-manager.enabled: false).",
    {
      name: text("Issuer or ClusterIssuer name; empty: upstream's issuers.", '', {
        anyOf: [{ const: '' }, { pattern: DNS_NAME, maxLength: 253 }],
      }),
      kind: text("Issuer (in each Certificate's namespace) or ClusterIssuer.", 'ClusterIssuer', {
        enum: ['ClusterIssuer', 'Issuer'],
      }),
      group: text(
        "API group of the issuer (cert-manager.io, or an external issuer's).",
        'cert-manager.io',
        {
          pattern: DNS_NAME,
          maxLength: 253,
        },
      ),
    },
  ),
});

export const globalSchema: Schema = object(
  'Helm global values, shared with every subchart of every kfcharts release.',
  {
    domain: text(
      "Public host name of Kubeflow, e.g. kubeflow.example.org. Sets the hosts of the Kubeflow gateway (the domain and `*.<domain>`), Knative's domain (`<service>.<namespace>.<domain>`), KServe's ingressDomain, and oauth2-proxy's redirect URL `https://<domain>/oauth2/callback` (also accepted by Dex): serve it over HTTPS (TLS ends in front of or at the gateway). Empty keeps upstream's (any host, relative redirect, example.com).",
      '',
      { anyOf: [{ const: '' }, { pattern: DNS_NAME, maxLength: 253 }] },
    ),
    imageRegistry: text(
      'Pull every image through this registry prefix (a mirror): `<imageRegistry>/<original registry>/<repository>`, tags and digests unchanged. `kfcharts images` lists what to mirror.',
      '',
      { anyOf: [{ const: '' }, { pattern: REGISTRY, maxLength: 253 }] },
    ),
    namespaceLabels: {
      type: 'object',
      default: {},
      description:
        'Extra labels per namespace the charts create (auth, cert-manager, istio-system, knative-serving, kubeflow, kubeflow-system, oauth2-proxy), e.g. `{auth: {team: platform}}`. A label upstream already sets there takes your value, e.g. `{kubeflow: {pod-security.kubernetes.io/enforce: baseline}}`.',
      propertyNames: { pattern: DNS_LABEL },
      additionalProperties: {
        type: 'object',
        propertyNames: {
          pattern:
            '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$',
        },
        additionalProperties: {
          type: 'string',
          pattern: '^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$',
        },
      },
    },
    generateSecrets: bool(
      "true: every credential that would otherwise be upstream's well-known default (Dex's static password, OIDC client secret, oauth2-proxy cookie secret, in-cluster MySQL, katib-mysql and SeaweedFS/MinIO keys) is generated once and kept across upgrades by looking up the existing Secret; Dex's static password is then in Secret auth/dex-static-user (keys email, password). Inline values and existingSecret still win. Needs a cluster at render time to keep values (helm install/upgrade, Flux); `helm template` and Argo CD generate new ones every render: see docs/credentials.md.",
      false,
    ),
    database,
    objectStorage,
    auth,
    certManager,
  },
);

/** Keys of a component's own block besides `enabled`. */
export const componentSchemas: Readonly<Record<string, Record<string, Schema>>> = {
  dex: {
    connectors: {
      type: 'array',
      default: [],
      description:
        "Dex connectors (GitHub, OIDC, LDAP, ...), passed through verbatim into Dex's config.yaml. Reference secrets as `$VAR` and provide them with envFromSecret.",
      items: {
        type: 'object',
        required: ['type', 'id', 'name'],
        properties: {
          type: { type: 'string', pattern: '^[a-z0-9]+$' },
          id: { type: 'string', pattern: '^[a-zA-Z0-9_-]+$' },
          name: { type: 'string', minLength: 1 },
          config: {
            type: 'object',
            // Dex's config.yaml is a ConfigMap: a connector's secrets must come from env vars.
            properties: Object.fromEntries(
              ['clientSecret', 'bindPW', 'password', 'privateKey'].map((key) => [
                key,
                {
                  type: 'string',
                  pattern: '^\\$[A-Za-z_][A-Za-z0-9_]*$',
                  description: `A $VAR from dex.envFromSecret; a literal ${key} would land in a ConfigMap.`,
                },
              ]),
            ),
          },
        },
      },
    },
    envFromSecret: secretName(
      'Secret in namespace auth whose keys become environment variables of Dex, for `$VAR` references in connectors.',
    ),
    staticPasswords: object("Dex's local password database with upstream's default user.", {
      enabled: bool(
        'false: turn off the password database (log in through connectors only).',
        true,
      ),
      email: text(
        "E-mail (login) of the static user; give user-namespace.profile.owner the same to keep upstream's default user and Profile together.",
        'user@example.com',
        { pattern: '^[^\\s@"\'{}\\\\]+@[^\\s@"\'{}\\\\]+$', maxLength: 254 },
      ),
      hash: text(
        "bcrypt hash of the static user's password; empty keeps upstream's (password 12341234). Lands only in Secrets.",
        '',
        { pattern: '^(\\$2[aby]?\\$[0-9]{2}\\$[./A-Za-z0-9]{53})?$' },
      ),
      existingSecret: secretName(
        'Secret in namespace auth with the bcrypt hash; then no hash is rendered.',
      ),
      existingSecretKey: secretKey('Key of the hash in existingSecret.', 'DEX_USER_PASSWORD'),
    }),
  },
  'oauth2-proxy': {
    eksIssuer: text(
      "With m2m: eks, the issuer of the EKS cluster's service-account tokens (`aws eks describe-cluster --query cluster.identity.oidc.issuer`) that upstream's m2m-dex-and-eks overlay asks to edit by hand; empty keeps upstream's placeholder https://oidc.eks.AWS_REGION.amazonaws.com/id/CLUSTER_ID.",
      '',
      { anyOf: [{ const: '' }, { pattern: JWT_ISSUER, maxLength: 2048 }] },
    ),
    cookieSecret: text(
      "Cookie secret (16, 24 or 32 bytes); empty keeps upstream's well-known default. Lands only in Secrets.",
      '',
      {
        anyOf: [
          { const: '' },
          { minLength: 16, maxLength: 16 },
          { minLength: 24, maxLength: 24 },
          { minLength: 32, maxLength: 32 },
        ],
      },
    ),
    existingSecret: secretName(
      "Secret in namespace oauth2-proxy with the cookie secret; then no cookie secret is rendered and oauth2-proxy reads it by secretKeyRef. oauth2-proxy's own Secret keeps the client id and secret (unless global.auth.oidcClient.existingSecret moves them too, then it is left out).",
    ),
    existingSecretCookieSecretKey: secretKey(
      'Key of the cookie secret in existingSecret.',
      'cookie-secret',
    ),
  },
  'user-namespace': {
    profile: object("The default user's Profile (upstream's kubeflow-user-example-com).", {
      name: text('Profile (and namespace) name.', 'kubeflow-user-example-com', {
        pattern: DNS_LABEL,
      }),
      owner: text('Owner e-mail; it must match the user Dex logs in.', 'user@example.com', {
        pattern: '^[^\\s@"\'{}\\\\]+@[^\\s@"\'{}\\\\]+$',
      }),
    }),
  },
};

/**
 * Every leaf key of the values API (`global.database.port`, `dex.staticPasswords.enabled`)
 * with its schema node, for the checks _kfcharts.tpl derives from the schema.
 */
export function schemaLeaves(): { path: string; schema: Schema }[] {
  const out: { path: string; schema: Schema }[] = [];
  const walk = (path: string, schema: Schema): void => {
    if (schema.properties) {
      for (const [key, child] of Object.entries(schema.properties)) walk(`${path}.${key}`, child);
    } else out.push({ path, schema });
  };
  walk('global', globalSchema);
  for (const [component, keys] of Object.entries(componentSchemas)) {
    for (const [key, schema] of Object.entries(keys)) walk(`${component}.${key}`, schema);
  }
  return out;
}

/** The defaults of a schema node: what values.yaml holds. */
export function defaultsOf(schema: Schema): unknown {
  if (schema.properties) {
    return Object.fromEntries(
      Object.entries(schema.properties).map(([key, child]) => [key, defaultsOf(child)]),
    );
  }
  return schema.default;
}

/**
 * The default of a values key, e.g. `global.domain` or `dex.staticPasswords.email`
 * (a component's own keys by the component's name); throws for a key the schema lacks.
 */
export function defaultAt(key: string): unknown {
  const [first, ...rest] = key.split('.');
  const root: Schema | undefined =
    first === 'global' ? globalSchema : { properties: componentSchemas[first ?? ''] ?? {} };
  const node = rest.reduce<Schema | undefined>((s, k) => s?.properties?.[k], root);
  if (!node || rest.length === 0) throw new Error(`${key} is not in the values schema`);
  return defaultsOf(node);
}
