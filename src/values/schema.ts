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

/**
 * The consumers of global.database and upstream's database name of each: the names the
 * components use when nothing is set (pipeline-install-config pipelineDb/cacheDb/mlmdDb,
 * Katib's code default, Model Registry's overlays/db). Another consumer is one more entry
 * here and one more rule that reads `consumers.<name>`.
 */
export const DATABASE_CONSUMERS: Readonly<
  Record<
    string,
    { database: string; what: string; namespace?: string; note?: string; optional?: true }
  >
> = {
  pipelines: { database: 'mlpipeline', what: "the KFP API server's (ml-pipeline)" },
  cache: { database: 'cachedb', what: "the KFP cache server's (cache-server)" },
  metadata: { database: 'metadb', what: "ML Metadata's (metadata-grpc-deployment)" },
  katib: { database: 'katib', what: "Katib's (katib-db-manager)" },
  // An optional component (off by default): not required to have its own user when every
  // other consumer has one; its subchart refuses missing credentials when it is enabled.
  modelRegistry: {
    database: 'metadb',
    what: "Model Registry's (model-registry-deployment, when model-registry.enabled)",
    note: "Upstream's default `metadb` is ML Metadata's database too: on a shared server set another, e.g. `model_registry`.",
    namespace: "Model Registry's namespace (model-registry.namespace)",
    optional: true,
  },
};
/** The consumers every external install must give credentials (own or shared). */
const REQUIRED_CONSUMERS = Object.keys(DATABASE_CONSUMERS).filter(
  (name) => !DATABASE_CONSUMERS[name]?.optional,
);

/** A MySQL database name the consumers may use unquoted in SQL (KFP's CREATE DATABASE). */
const DATABASE_NAME = '^[A-Za-z_][A-Za-z0-9_]{0,63}$';

/** global.database.consumers.<name>: its own database, and optionally its own user. */
export function databaseConsumer(
  what: string,
  database: string,
  namespace = 'namespace kubeflow',
  note = '',
): Schema {
  return object(
    `${what} database and user on the shared server (used when external).`,
    {
      database: text(`Database name.${note ? ` ${note}` : ''}`, database, {
        pattern: DATABASE_NAME,
      }),
      username: text(
        'Own user, with password (or with existingSecret, for mariadbOperator only); empty: the shared user.',
      ),
      password: text('Its password. Lands only in Secrets.'),
      existingSecret: secretName(
        `Secret in ${namespace} with this consumer's user and password; wins over username/password.`,
      ),
      existingSecretUsernameKey: secretKey('Key of the user name in existingSecret.', 'username'),
      existingSecretPasswordKey: secretKey('Key of the password in existingSecret.', 'password'),
    },
    {
      if: { ...nonEmpty('username'), not: nonEmpty('existingSecret') },
      // biome-ignore lint/suspicious/noThenProperty: a JSON-schema keyword, not a thenable
      then: { ...nonEmpty('password'), description: 'own username: set its password too' },
    },
  );
}

/** A consumer with credentials of its own: the shared ones are then not needed for it. */
const ownCredentials = { anyOf: [nonEmpty('existingSecret'), nonEmpty('username')] };

const databaseTls = object(
  'TLS from the consumers to the server (used when external). The KFP API server and cache server (Go, go-sql-driver/mysql) and ML Metadata support it; Katib does not (its db-manager builds a fixed DSN), so with TLS on, Katib must be disabled.',
  {
    enabled: bool(
      "true: the KFP API server and cache server connect over TLS and refuse a plain connection; ML Metadata asks for TLS but its `ssl_options` are ignored when the server has no SSL (MLMD's proto), so require TLS on the server (`require_secure_transport`, or `REQUIRE SSL` per user; the mariadb-operator `User` objects get it).",
      false,
    ),
    verifyServerCert: bool(
      "Verify the server's certificate (chain and host name). false: encrypt only (go-sql-driver `tls=skip-verify`, ML Metadata `verify_server_cert: false`).",
      true,
    ),
    caSecret: secretName(
      'Secret in namespace kubeflow with the CA certificate (PEM) that signed the server certificate.',
    ),
    caConfigMap: secretName(
      'ConfigMap in namespace kubeflow with the CA certificate (PEM); instead of caSecret.',
    ),
    caKey: secretKey('Key of the CA certificate in caSecret or caConfigMap.', 'ca.crt'),
  },
  {
    allOf: [
      {
        not: { allOf: [nonEmpty('caSecret'), nonEmpty('caConfigMap')] },
        description: 'database TLS: set caSecret or caConfigMap, not both',
      },
      {
        if: {
          properties: { enabled: { const: true }, verifyServerCert: { const: true } },
          required: ['enabled'],
        },
        // biome-ignore lint/suspicious/noThenProperty: a JSON-schema keyword, not a thenable
        then: {
          anyOf: [nonEmpty('caSecret'), nonEmpty('caConfigMap')],
          description:
            "database TLS with verifyServerCert: set caSecret or caConfigMap (ML Metadata's image has no CA bundle to verify against)",
        },
      },
    ],
  },
);

const mariadbOperator = object(
  'mariadb-operator objects (k8s.mariadb.com/v1alpha1 Database, User, Grant) for every enabled consumer, in namespace kubeflow (Model Registry: in its own namespace); the operator creates the databases and users on its MariaDB. Used when external.',
  {
    enabled: bool('true: render the objects.', false),
    mariaDbRef: object('The MariaDB object of the operator that is the shared server.', {
      name: text('Name of the MariaDB object (required when enabled).', '', {
        anyOf: [{ const: '' }, { pattern: DNS_NAME, maxLength: 253 }],
      }),
      namespace: text(
        "Its namespace; empty: kubeflow (the objects' own, but Model Registry's).",
        '',
        {
          anyOf: [{ const: '' }, { pattern: DNS_LABEL, maxLength: 63 }],
        },
      ),
    }),
    userHost: text(
      "Host part of each user (`'user'@'host'`) and of its grant; `%`: any host.",
      '%',
      { pattern: '^[-A-Za-z0-9_.%:]{1,255}$' },
    ),
    cleanupPolicy: text(
      "What the operator does with a database or user when its object is deleted: Skip keeps it, Delete drops it (the operator's default when empty is Skip).",
      'Skip',
      { enum: ['Skip', 'Delete'] },
    ),
  },
  {
    if: { properties: { enabled: { const: true } }, required: ['enabled'] },
    // biome-ignore lint/suspicious/noThenProperty: a JSON-schema keyword, not a thenable
    then: {
      properties: { mariaDbRef: nonEmpty('name') },
      description: 'mariadbOperator: set mariaDbRef.name',
    },
  },
);

const database = object(
  'The MySQL/MariaDB of Pipelines (pipelines, metadata and cache databases), Katib and Model Registry.',
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
    consumers: object(
      "Each consumer's database name and, optionally, its own user: defaults are upstream's names and the shared user above. Used when external. See docs/database.md.",
      Object.fromEntries(
        Object.entries(DATABASE_CONSUMERS).map(([name, c]) => [
          name,
          databaseConsumer(c.what, c.database, c.namespace, c.note),
        ]),
      ),
    ),
    tls: databaseTls,
    mariadbOperator,
  },
  whenExternal({
    allOf: [
      nonEmpty('host'),
      {
        // An if/else, not a third anyOf branch: Helm 3 reports only the best-scoring
        // branch of a failed anyOf, and that would name consumers.* instead of password.
        if: {
          properties: {
            consumers: {
              properties: Object.fromEntries(
                REQUIRED_CONSUMERS.map((name) => [name, ownCredentials]),
              ),
              required: REQUIRED_CONSUMERS,
            },
          },
          required: ['consumers'],
        },
        else: {
          anyOf: [nonEmpty('existingSecret'), nonEmpty('password')],
          description:
            'external database: set password or existingSecret (unless every consumer has its own user)',
        },
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
    pathPrefix: text(
      "Bucket path of the profiles' artifacts: each profile's pipelines and Argo write under `<pathPrefix>/<namespace>/` (upstream: private-artifacts), so a profile's keys can be limited to its own path (when external).",
      'private-artifacts',
      { pattern: '^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$', maxLength: 200 },
    ),
    profileCredentials: {
      type: 'string',
      enum: ['secret', 'shared'],
      default: 'secret',
      description:
        "Object storage credentials of the profile namespaces (when external). `secret`: each profile namespace holds its own keys in the Secret `profileSecret.name` (you provide it, e.g. by ExternalSecret, with keys limited to `<bucket>/<pathPrefix>/<namespace>/`); the profile controller only points the profile's pipelines and Argo at it. `shared`: every profile namespace gets a copy of the keys above, so every user can read and overwrite every profile's artifacts (NOTES warn).",
    },
    profileSecret: object(
      'The per-profile Secret (`profileCredentials: secret`), in each profile namespace.',
      {
        name: text(
          'Secret name; `{namespace}` stands for the profile namespace. Not mlpipeline-minio-artifact: the profile controller owns that name.',
          'kfp-object-storage',
          {
            pattern: '^([a-z0-9.-]|\\{namespace\\})+$',
            not: { const: 'mlpipeline-minio-artifact' },
            maxLength: 200,
          },
        ),
        accessKeyKey: secretKey('Key of the access key id.', 'accesskey'),
        secretKeyKey: secretKey('Key of the secret access key.', 'secretkey'),
      },
    ),
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
    profileBindings: {
      type: 'array',
      default: [],
      description:
        "User ids (values of userIdClaim) that may act in a profile when they come in a token of this issuer: each becomes a contributor of the profile as kfam makes one (a RoleBinding to ClusterRole kubeflow-<role> with kfam's `user` and `role` annotations, and an Istio AuthorizationPolicy for the `kubeflow-userid` header), in the `kubeflow` release. Those two match the user id only, so the `kubeflow-platform` release ties it to the issuer at the ingress gateway: an AuthorizationPolicy DENY (istio-system/kfcharts-jwt-bound-users) refuses a request whose kubeflow-userid is a bound id while its token's `iss` is none of the issuers that bind it (e.g. a Dex user or another issuer's token with the same string), for every request through the gateway, not only in the bound profile. Requests that do not pass the ingress gateway are not covered. The profile must exist before the release that names it is installed or upgraded. See docs/machine-identities.md.",
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['user', 'profile', 'role'],
        properties: {
          user: {
            type: 'string',
            minLength: 1,
            maxLength: 200,
            // No `*`: Istio reads a leading or trailing one in `values` as a wildcard.
            pattern: '^[^\\s*]+$',
            description:
              'The user id exactly as the claim holds it, e.g. `repo:acme/pipelines:ref:refs/heads/main`; no spaces and no `*` (a wildcard in Istio policies).',
          },
          profile: {
            type: 'string',
            pattern: DNS_LABEL,
            maxLength: 63,
            description: 'Profile (namespace) name.',
          },
          role: {
            type: 'string',
            enum: ['edit', 'view'],
            description: "kfam's contributor roles: ClusterRole kubeflow-edit or kubeflow-view.",
          },
        },
      },
    },
  },
};

const auth = object('Authentication at the ingress gateway.', {
  extraJwtIssuers: {
    type: 'array',
    default: [],
    items: jwtIssuer,
    description:
      'More token issuers for machine-to-machine calls (e.g. GitHub Actions OIDC): each gets an Istio RequestAuthentication in istio-system (user id claim → kubeflow-userid, `groups` → kubeflow-groups) and is accepted by oauth2-proxy (EXTRA_JWT_ISSUERS). A shared issuer signs tokens for anyone who asks (any GitHub repository can request any audience): grant Kubeflow access only to the user ids you expect, e.g. with `profileBindings` (user id → profile and role; docs/machine-identities.md).',
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

/**
 * How traffic reaches Kubeflow. Under `global` because every release holds routes (Dex and
 * oauth2-proxy in kubeflow-platform, the web apps in kubeflow) and one release in another
 * mode than the rest would leave half of Kubeflow unrouted: only `global` reaches every
 * subchart of every release from one values file.
 */
const ingress = object(
  'How requests reach Kubeflow: Istio Gateway and VirtualServices (upstream), or Gateway API (docs/gateway-api.md).',
  {
    mode: text(
      "`istio`: upstream's Istio Gateway kubeflow/kubeflow-gateway and VirtualServices. `gateway-api`: a Gateway API HTTPRoute for every VirtualService on that gateway instead (the VirtualServices and the Istio Gateway are left out), attached to a Gateway the charts create (gatewayClassName) or to parentRef; see docs/gateway-api.md for what each implementation must provide.",
      'istio',
      { enum: ['istio', 'gateway-api'] },
    ),
    gatewayClassName: text(
      "GatewayClass of the Gateway the charts create in gateway-api mode (kubeflow/kubeflow-gateway, HTTP on port 80), e.g. `istio`, `eg` (Envoy Gateway) or `cilium`. With parentRef.name no Gateway is created, but an empty gatewayPrincipal still derives from it (`<gateway>-<gatewayClassName>`, Istio's naming): set the existing Gateway's class, or gatewayPrincipal.",
      'istio',
      { pattern: DNS_NAME, maxLength: 253 },
    ),
    parentRef: object(
      'An existing Gateway to attach the HTTPRoutes to instead of creating one; it must allow routes from namespaces auth, oauth2-proxy and kubeflow.',
      {
        name: text('Gateway name; empty: the charts create kubeflow/kubeflow-gateway.', '', {
          anyOf: [{ const: '' }, { pattern: DNS_NAME, maxLength: 253 }],
        }),
        namespace: text('Gateway namespace (required with name).', '', {
          anyOf: [{ const: '' }, { pattern: DNS_LABEL, maxLength: 63 }],
        }),
        sectionName: text('Listener of that Gateway; empty: every listener.', '', {
          anyOf: [{ const: '' }, { pattern: DNS_NAME, maxLength: 253 }],
        }),
      },
      {
        if: { properties: { name: { minLength: 1 } }, required: ['name'] },
        // biome-ignore lint/suspicious/noThenProperty: a JSON-schema keyword, not a thenable
        then: { ...nonEmpty('namespace'), description: 'parentRef.name needs parentRef.namespace' },
      },
    ),
    gatewayPrincipal: text(
      "The Istio principal (SPIFFE name without spiffe://) of the gateway's proxy, which Kubeflow's AuthorizationPolicies and the profile controller allow in place of upstream's istio-ingressgateway. gateway-api mode: empty means Istio's own Gateway API deployment, `cluster.local/ns/<gateway namespace>/sa/<gateway name>-<gatewayClassName>`; a proxy outside the mesh has none (docs/gateway-api.md). istio mode: empty keeps upstream's `cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account`; set it when your own Istio's ingress gateway runs under another service account (istio.enabled: false, docs/choices.md).",
      '',
      { pattern: '^([A-Za-z0-9.-]+/ns/[a-z0-9-]+/sa/[A-Za-z0-9.-]+)?$', maxLength: 512 },
    ),
  },
);

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
    ingress,
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
