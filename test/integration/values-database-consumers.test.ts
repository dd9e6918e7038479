import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot, tempDir } from './helpers.ts';
import { type K8sObject, type Rendered, renderWith, schemaError } from './values-charts.ts';

/**
 * global.database.consumers, .tls and .mariadbOperator (issue 11, items 1, 2 and 5): each
 * consumer's own database and user, TLS where the component supports it, and
 * mariadb-operator objects checked against the operator's own CRD schemas.
 */
const EXAMPLE = join(projectRoot, 'examples/values/per-consumer-databases.yaml');
const FIXTURES = join(projectRoot, 'test/fixtures/mariadb-operator');

/** The database consumers and the workload (Deployment in kubeflow) of each. */
const WORKLOADS = {
  pipelines: 'ml-pipeline',
  cache: 'cache-server',
  metadata: 'metadata-grpc-deployment',
  katib: 'katib-db-manager',
} as const;
type Consumer = keyof typeof WORKLOADS;
const CONSUMERS = Object.keys(WORKLOADS) as Consumer[];

interface Env {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
    fieldRef?: unknown;
  };
}
interface Container {
  name: string;
  args?: string[];
  env?: Env[];
  envFrom?: unknown[];
  volumeMounts?: { name: string; mountPath: string }[];
  command?: string[];
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Record<string, unknown>[];
}

function podSpec(workload: K8sObject): PodSpec {
  return (workload as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
}

/** Every container of the pod, init containers first. */
function containers(workload: K8sObject): Container[] {
  const spec = podSpec(workload);
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/**
 * An env var's value as the pod would see it: ConfigMaps and Secrets from the rendered
 * objects, or from `cluster` (Secrets the user manages: existingSecret).
 */
function resolver(
  r: Rendered,
  cluster: Record<string, Record<string, string>>,
  namespace = 'kubeflow',
) {
  return (env: Env): string | undefined => {
    if (env.value !== undefined) return env.value;
    const cm = env.valueFrom?.configMapKeyRef;
    if (cm) return (r.get('ConfigMap', namespace, cm.name).data as Record<string, string>)[cm.key];
    const ref = env.valueFrom?.secretKeyRef;
    if (!ref) return undefined;
    if (r.has('Secret', namespace, ref.name))
      return secretData(r, {}, namespace, ref.name)[ref.key];
    const managed = cluster[ref.name]?.[ref.key];
    if (managed === undefined) throw new Error(`Secret ${ref.name} key ${ref.key} exists nowhere`);
    return managed;
  };
}

/** A Secret's decoded keys: rendered in `namespace`, else one the user manages (`cluster`). */
function secretData(
  r: Rendered,
  cluster: Record<string, Record<string, string>>,
  namespace: string,
  name: string,
): Record<string, string> {
  if (r.has('Secret', namespace, name)) {
    const secret = r.get('Secret', namespace, name) as {
      stringData?: Record<string, string>;
      data?: Record<string, string>;
    };
    return {
      ...Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
      ),
      ...secret.stringData,
    };
  }
  const managed = cluster[name];
  if (managed === undefined) throw new Error(`Secret ${namespace}/${name} exists nowhere`);
  return managed;
}

/** Every env value of every container of the consumer's workload, resolved. */
function seenBy(r: Rendered, consumer: Consumer, cluster: Record<string, Record<string, string>>) {
  const resolve = resolver(r, cluster);
  const workload = r.get('Deployment', 'kubeflow', WORKLOADS[consumer]);
  const values = new Map<string, string>();
  for (const c of containers(workload)) {
    for (const env of c.env ?? []) {
      const v = resolve(env);
      if (v !== undefined) values.set(`${c.name}/${env.name}`, v);
    }
  }
  return values;
}

/** The env var names each consumer reads its database, user and password from. */
const READS: Record<Consumer, { database: string; user: string; password: string }> = {
  pipelines: {
    database: 'ml-pipeline-api-server/DBCONFIG_MYSQLCONFIG_DBNAME',
    user: 'ml-pipeline-api-server/DBCONFIG_MYSQLCONFIG_USER',
    password: 'ml-pipeline-api-server/DBCONFIG_MYSQLCONFIG_PASSWORD',
  },
  cache: {
    database: 'server/DBCONFIG_DB_NAME',
    user: 'server/DBCONFIG_USER',
    password: 'server/DBCONFIG_PASSWORD',
  },
  metadata: {
    database: 'container/MYSQL_DATABASE',
    user: 'container/DBCONFIG_USER',
    password: 'container/DBCONFIG_PASSWORD',
  },
  katib: {
    database: 'katib-db-manager/KATIB_MYSQL_DB_DATABASE',
    user: 'katib-db-manager/DB_USER',
    password: 'katib-db-manager/DB_PASSWORD',
  },
};

/** Each consumer's own database and user: inline for two, existingSecret for two. */
const OWN: Record<Consumer, { database: string; username: string; password: string }> = {
  pipelines: {
    database: 'kf_pipelines',
    username: 'u-pipelines',
    password: 'pw "pipelines" {{ x }}',
  },
  cache: { database: 'kf_cache', username: 'u-cache', password: 'pw-cache # not: yaml' },
  metadata: { database: 'kf_metadata', username: 'u-metadata', password: 'pw-metadata' },
  katib: { database: 'kf_katib', username: 'u-katib', password: 'pw-katib' },
};
const MANAGED: Record<string, Record<string, string>> = {
  'cache-db': { user: OWN.cache.username, pass: OWN.cache.password },
  'katib-db': { user: OWN.katib.username, pass: OWN.katib.password },
};

/**
 * Model Registry: optional (enabled by MODEL_REGISTRY), in a namespace of its own, its
 * server reading user, password and database by envFrom. Its own inline user has strings
 * that must stay data.
 */
const MR_NAMESPACE = 'team-mr';
const MODEL_REGISTRY = { 'model-registry': { enabled: true, namespace: MR_NAMESPACE } };
const OWN_MR = {
  database: 'kf_model_registry',
  username: 'u-mr "{{ .Values }}"',
  password: "pw-mr # not: yaml\n{{ x }} '",
};

/**
 * What Model Registry's server logs in with: its env as the pod sees it (envFrom in order,
 * then env, which wins) and its DSN argument with the `$(VAR)`s expanded from that env.
 */
function modelRegistrySees(r: Rendered, cluster: Record<string, Record<string, string>>) {
  const workload = r.get('Deployment', MR_NAMESPACE, 'model-registry-deployment');
  const server = containers(workload).find((c) => c.name === 'rest-container') as Container;
  const env = new Map<string, string>();
  const sources = (server.envFrom ?? []) as {
    configMapRef?: { name: string };
    secretRef?: { name: string };
  }[];
  for (const from of sources) {
    const data = from.configMapRef
      ? (r.get('ConfigMap', MR_NAMESPACE, from.configMapRef.name).data as Record<string, string>)
      : secretData(r, cluster, MR_NAMESPACE, (from.secretRef as { name: string }).name);
    for (const [k, v] of Object.entries(data)) env.set(k, v);
  }
  const resolve = resolver(r, cluster, MR_NAMESPACE);
  for (const e of server.env ?? []) {
    const v = resolve(e);
    if (v !== undefined) env.set(e.name, v);
  }
  const flag = '--embedmd-database-dsn=';
  const arg = server.args?.find((a) => a.startsWith(flag));
  if (arg === undefined) throw new Error(`rest-container has no ${flag}`);
  const dsn = arg
    .slice(flag.length)
    .replace(/\$\(([A-Z_]+)\)/g, (ref, name: string) => env.get(name) ?? ref);
  return { env, dsn };
}

/** Upstream's DSN text with these credentials, database and host. */
function mrDsn(c: { username: string; password: string; database: string }, host: string) {
  return `${c.username}:${c.password}@tcp(${host}:3306)/${c.database}?charset=utf8mb4`;
}

function perConsumerValues(extra: object = {}) {
  const inline = (c: Consumer) => ({ ...OWN[c] });
  const managed = (c: Consumer, secret: string) => ({
    database: OWN[c].database,
    username: OWN[c].username,
    existingSecret: secret,
    existingSecretUsernameKey: 'user',
    existingSecretPasswordKey: 'pass',
  });
  return {
    global: {
      database: {
        external: true,
        host: 'db.example.org',
        username: 'shared-user',
        password: 'shared-password',
        consumers: {
          pipelines: inline('pipelines'),
          cache: managed('cache', 'cache-db'),
          metadata: inline('metadata'),
          katib: managed('katib', 'katib-db'),
          modelRegistry: { ...OWN_MR },
        },
        ...extra,
      },
    },
  };
}

describe('values: global.database.consumers', () => {
  it('each consumer renders with exactly its own database and user, and none with another', async () => {
    const r = await renderWith({ ...perConsumerValues(), ...MODEL_REGISTRY }, ['kubeflow']);
    const mr = modelRegistrySees(r, MANAGED);
    for (const consumer of CONSUMERS) {
      const seen = seenBy(r, consumer, MANAGED);
      const reads = READS[consumer];
      expect({
        consumer,
        database: seen.get(reads.database),
        username: seen.get(reads.user),
        password: seen.get(reads.password),
      }).toEqual({ consumer, ...OWN[consumer] });
      // No env value of any container of the workload is another consumer's (or the shared) secret.
      const values = [...seen.values()];
      for (const other of CONSUMERS.filter((c) => c !== consumer)) {
        for (const field of ['database', 'username', 'password'] as const) {
          expect(values, `${consumer} sees ${other}'s ${field}`).not.toContain(OWN[other][field]);
        }
      }
      expect(values).not.toContain('shared-password');
      expect(values).not.toContain('shared-user');
      for (const field of ['database', 'username', 'password'] as const) {
        expect(values, `${consumer} sees Model Registry's ${field}`).not.toContain(OWN_MR[field]);
      }
    }
    // Model Registry logs in as its own user to its own database, and sees no other's.
    expect(mr.dsn).toBe(mrDsn(OWN_MR, 'db.example.org'));
    const mrValues = [...mr.env.values()];
    for (const other of CONSUMERS) {
      for (const field of ['database', 'username', 'password'] as const) {
        expect(mrValues, `Model Registry sees ${other}'s ${field}`).not.toContain(
          OWN[other][field],
        );
      }
    }
    expect(mrValues).not.toContain('shared-password');
    expect(mrValues).not.toContain('shared-user');
    // Own inline users in their own Secrets; the managed ones are not rendered.
    expect(r.get('Secret', 'kubeflow', 'kfcharts-database-pipelines').stringData).toEqual({
      username: OWN.pipelines.username,
      password: OWN.pipelines.password,
    });
    expect(r.has('Secret', 'kubeflow', 'kfcharts-database-cache')).toBe(false);
    expect(r.has('Secret', 'kubeflow', 'katib-mysql-secrets')).toBe(false);
  });

  it("Katib's own inline user lands in katib-mysql-secrets even with a shared existingSecret", async () => {
    const r = await renderWith(
      {
        global: {
          database: {
            external: true,
            host: 'db.example.org',
            existingSecret: 'shared-db',
            consumers: { katib: { username: 'u-katib', password: 'pw-katib' } },
          },
        },
      },
      ['kubeflow'],
    );
    const shared = { 'shared-db': { username: 'shared-user', password: 'shared-password' } };
    const katib = seenBy(r, 'katib', shared);
    expect(katib.get(READS.katib.user)).toBe('u-katib');
    expect(katib.get(READS.katib.password)).toBe('pw-katib');
    expect(katib.get(READS.katib.database)).toBe('katib');
    const api = seenBy(r, 'pipelines', shared);
    expect(api.get(READS.pipelines.user)).toBe('shared-user');
    expect(api.get(READS.pipelines.database)).toBe('mlpipeline');
  });

  it('Model Registry: its own existingSecret, else its own inline user, wins over the shared existingSecret', async () => {
    const cluster = {
      'shared-db': { username: 'shared-user', password: 'shared-password' },
      'mr-db': { user: 'u-mr-managed', pass: 'pw-mr-managed' },
    };
    const render = (modelRegistry: object) =>
      renderWith(
        {
          ...MODEL_REGISTRY,
          global: {
            database: {
              external: true,
              host: 'db.example.org',
              existingSecret: 'shared-db',
              consumers: { modelRegistry },
            },
          },
        },
        ['kubeflow'],
      );
    const [managed, inline] = await Promise.all([
      render({
        username: 'u-mr-managed',
        existingSecret: 'mr-db',
        existingSecretUsernameKey: 'user',
        existingSecretPasswordKey: 'pass',
      }),
      render({ database: 'model_registry', username: 'u-mr', password: 'pw-mr' }),
    ]);
    const fromManaged = modelRegistrySees(managed, cluster);
    expect(fromManaged.dsn).toBe(
      mrDsn(
        { username: 'u-mr-managed', password: 'pw-mr-managed', database: 'metadb' },
        'db.example.org',
      ),
    );
    expect(managed.has('Secret', MR_NAMESPACE, 'model-registry-db-secrets')).toBe(false);
    const fromInline = modelRegistrySees(inline, cluster);
    expect(fromInline.dsn).toBe(
      mrDsn({ username: 'u-mr', password: 'pw-mr', database: 'model_registry' }, 'db.example.org'),
    );
    for (const seen of [fromManaged, fromInline]) {
      expect([...seen.env.values()]).not.toContain('shared-password');
      expect([...seen.env.values()]).not.toContain('shared-user');
    }
  });

  it('external without consumers keeps upstream names and the shared user', async () => {
    const r = await renderWith(
      {
        ...MODEL_REGISTRY,
        global: { database: { external: true, host: 'db', username: 'kf', password: 'pw' } },
      },
      ['kubeflow'],
    );
    // Model Registry too: upstream's `metadb`, ML Metadata's name (docs/database.md).
    expect(modelRegistrySees(r, {}).dsn).toBe(
      mrDsn({ username: 'kf', password: 'pw', database: 'metadb' }, 'db'),
    );
    const names = Object.fromEntries(
      CONSUMERS.map((c) => [c, seenBy(r, c, {}).get(READS[c].database)]),
    );
    expect(names).toEqual({
      pipelines: 'mlpipeline',
      cache: 'cachedb',
      metadata: 'metadb',
      katib: 'katib',
    });
    for (const c of CONSUMERS) {
      expect(seenBy(r, c, {}).get(READS[c].user), c).toBe('kf');
      expect(seenBy(r, c, {}).get(READS[c].password), c).toBe('pw');
    }
  });

  it('needs no shared password when every consumer has its own user', async () => {
    // The refusals are cases of test/fixtures/invalid-values (db-*.yaml).
    const own = Object.fromEntries(CONSUMERS.map((c) => [c, { username: c, password: 'x' }]));
    expect(
      await schemaError({ global: { database: { external: true, host: 'db', consumers: own } } }),
    ).toBeUndefined();
    const some = { ...own, katib: { username: '' } };
    expect(
      await schemaError({ global: { database: { external: true, host: 'db', consumers: some } } }),
    ).toContain("values don't meet the specifications of the schema");
    // Model Registry (optional) is not among them; enabled, it needs a user of its own then.
    expect(
      await renderError({
        ...MODEL_REGISTRY,
        global: { database: { external: true, host: 'db', consumers: own } },
      }),
    ).toContain(
      'global.database.consumers.modelRegistry: Model Registry is enabled and has no database user',
    );
  });
});

/** helm's error text (message and output) of a render that must fail. */
async function renderError(values: object): Promise<string> {
  try {
    await renderWith(values, ['kubeflow']);
  } catch (error) {
    return String((error as Error).message) + String((error as { details?: string }).details ?? '');
  }
  throw new Error('the render succeeded');
}

/** Runs ML Metadata's init container script with the env the pod would give it. */
function mlmdConfig(r: Rendered, cluster: Record<string, Record<string, string>>): string {
  const workload = r.get('Deployment', 'kubeflow', WORKLOADS.metadata);
  const init = podSpec(workload).initContainers?.find((c) => c.name === 'kfcharts-mlmd-config');
  if (!init?.command) throw new Error('no kfcharts-mlmd-config init container');
  const resolve = resolver(r, cluster);
  const env = Object.fromEntries((init.env ?? []).map((e) => [e.name, resolve(e) ?? '']));
  const out = join(tempDir('mlmd'), 'config.pbtxt');
  const script = (init.command[2] as string).replaceAll('/kfcharts/mlmd/config.pbtxt', out);
  expect(init.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
  execFileSync('/bin/sh', ['-c', script], { env: { PATH: process.env.PATH, ...env } });
  return readFileSync(out, 'utf8');
}

/** Text-format octal escapes back to UTF-8 text. */
function unescapeOctal(text: string): string {
  const bytes = [...text.matchAll(/\\([0-7]{3})/g)].map((m) => Number.parseInt(m[1] as string, 8));
  expect(text.replace(/\\[0-7]{3}/g, '')).toBe('');
  return Buffer.from(bytes).toString('utf8');
}

/** The string fields of the config file, decoded. */
function configStrings(config: string): Record<string, string> {
  return Object.fromEntries(
    [...config.matchAll(/^\s*(\w+): "([^"]*)"$/gm)].map((m) => [m[1], unescapeOctal(m[2] ?? '')]),
  );
}

describe('values: global.database.tls', () => {
  const tls = (settings: object) =>
    perConsumerValues({
      tls: { enabled: true, caSecret: 'db-ca', caKey: 'bundle.pem', ...settings },
    });

  it('the KFP API server, cache server and ML Metadata carry TLS and the CA', async () => {
    const values = tls({});
    const mirrored = {
      global: { ...values.global, imageRegistry: 'mirror.example.org/kf' },
      katib: { enabled: false },
    };
    const r = await renderWith(mirrored, ['kubeflow']);
    const api = r.get('Deployment', 'kubeflow', 'ml-pipeline');
    const apiEnv = containers(api).find((c) => c.name === 'ml-pipeline-api-server')?.env ?? [];
    const extra = apiEnv.find((e) => e.name === 'DBCONFIG_MYSQLCONFIG_EXTRAPARAMS')?.value;
    expect(JSON.parse(extra as string)).toEqual({ tls: 'true' });
    const cache = containers(r.get('Deployment', 'kubeflow', 'cache-server')).find(
      (c) => c.name === 'server',
    );
    const param = cache?.args?.find((a) => a.startsWith('--db_extra_params='));
    expect(JSON.parse((param as string).slice('--db_extra_params='.length))).toEqual({
      tls: 'true',
    });
    // Both Go servers: the CA joins the system roots through SSL_CERT_DIR.
    for (const [workload, name] of [
      [api, 'ml-pipeline-api-server'],
      [r.get('Deployment', 'kubeflow', 'cache-server'), 'server'],
    ] as const) {
      const c = containers(workload).find((x) => x.name === name) as Container;
      const dirs = c.env?.find((e) => e.name === 'SSL_CERT_DIR')?.value?.split(':') ?? [];
      const mount = c.volumeMounts?.find((m) => m.name === 'kfcharts-database-ca');
      expect(dirs).toContain(mount?.mountPath);
      expect(dirs).toContain('/etc/ssl/certs');
      expect(podSpec(workload).volumes).toContainEqual({
        name: 'kfcharts-database-ca',
        secret: { secretName: 'db-ca', items: [{ key: 'bundle.pem', path: 'ca.crt' }] },
      });
    }
    // ML Metadata: a config file with ssl_options, its own credentials, and the upgrade flag.
    const mlmd = r.get('Deployment', 'kubeflow', 'metadata-grpc-deployment');
    const server = podSpec(mlmd).containers[0] as Container;
    expect(server.args).toContain('--metadata_source_config_type=config_file');
    expect(server.args).toContain(
      '--metadata_store_server_config_file=/kfcharts/mlmd/config.pbtxt',
    );
    const config = mlmdConfig(r, MANAGED);
    expect(configStrings(config)).toEqual({
      host: 'db.example.org',
      database: OWN.metadata.database,
      user: OWN.metadata.username,
      password: OWN.metadata.password,
      ca: '/kfcharts/database-ca/ca.crt',
    });
    expect(config).toMatch(/ssl_options \{\n\s+ca: "[^"]+"\n\s+verify_server_cert: true\n/);
    expect(config).toMatch(/migration_options \{\n\s+enable_upgrade_migration: true\n\}/);
    expect(config).toMatch(/port: 3306\n/);
    // The init container runs ML Metadata's own image, through the mirror like every image.
    const images = containers(mlmd).map((c) => (c as Container & { image: string }).image);
    expect(images).toHaveLength(2);
    expect(images[0]).toBe(images[1]);
    expect(images[0]).toMatch(
      /^mirror\.example\.org\/kf\/gcr\.io\/tfx-oss-public\/ml_metadata_store_server:/,
    );
    const caMount = server.volumeMounts?.find((m) => m.name === 'kfcharts-database-ca');
    expect(caMount?.mountPath).toBe('/kfcharts/database-ca');
  });

  it('a password that would break the config file stays one string', async () => {
    const hostile = 'p"w\\ \n}\u0001é {{ x }}';
    const values = tls({ verifyServerCert: false, caSecret: '' });
    (values.global.database.consumers.metadata as { password: string }).password = hostile;
    const r = await renderWith({ ...values, katib: { enabled: false } }, ['kubeflow']);
    const config = mlmdConfig(r, MANAGED);
    expect(configStrings(config).password).toBe(hostile);
    expect(configStrings(config).ca).toBeUndefined();
    expect(config).toMatch(/verify_server_cert: false/);
    const api = containers(r.get('Deployment', 'kubeflow', 'ml-pipeline')).find(
      (c) => c.name === 'ml-pipeline-api-server',
    );
    const extra = api?.env?.find((e) => e.name === 'DBCONFIG_MYSQLCONFIG_EXTRAPARAMS')?.value;
    expect(JSON.parse(extra as string)).toEqual({ tls: 'skip-verify' });
    expect(api?.env?.some((e) => e.name === 'SSL_CERT_DIR')).toBe(false);
  });

  it('with Katib enabled, TLS is refused with a message that names Katib and says why', async () => {
    expect(await renderError(tls({}))).toContain(
      'global.database.tls.enabled: Katib cannot connect to the database over TLS (katib-db-manager builds its MySQL DSN from a fixed template without TLS parameters',
    );
  });
});

/** The CRD's openAPIV3Schema, with every object closed (a misspelt field fails). */
function crdValidator(file: string) {
  const crd = parse(readFileSync(join(FIXTURES, file), 'utf8')) as {
    spec: {
      names: { kind: string };
      versions: { name: string; schema: { openAPIV3Schema: object } }[];
    };
  };
  const version = crd.spec.versions.find((v) => v.name === 'v1alpha1');
  if (!version) throw new Error(`${file} has no v1alpha1`);
  const close = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(close);
    if (typeof node !== 'object' || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node))
      out[k] =
        k === 'properties'
          ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, close(s)]))
          : close(v);
    if ('properties' in out && !('additionalProperties' in out)) {
      // metadata is the API server's, not the CRD's to describe.
      if (!('x-kubernetes-preserve-unknown-fields' in out)) out.additionalProperties = false;
    }
    return out;
  };
  const schema = close(version.schema.openAPIV3Schema) as Record<string, unknown>;
  const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(
    schema,
  );
  return { kind: crd.spec.names.kind, validate };
}

describe('values: global.database.mariadbOperator', () => {
  const validators = Object.fromEntries(
    ['databases', 'users', 'grants'].map((f) => {
      const v = crdValidator(`k8s.mariadb.com_${f}.yaml`);
      return [v.kind, v.validate];
    }),
  );
  const operatorObjects = (r: Rendered) =>
    r.objects.filter((o) => o.apiVersion.startsWith('k8s.mariadb.com/'));

  it('renders Database, User and Grant per enabled consumer, valid against the CRDs', async () => {
    const r = await renderWith(EXAMPLE, ['kubeflow']);
    const objects = operatorObjects(r);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      ['Database', 'Grant', 'User'].flatMap((k) =>
        ['cache', 'metadata', 'pipelines'].map((c) => `${k}/kfcharts-${c}`),
      ),
    );
    for (const o of objects) {
      expect(o.apiVersion).toBe('k8s.mariadb.com/v1alpha1');
      const validate = validators[o.kind];
      expect(validate, o.kind).toBeDefined();
      const ok = validate?.(o);
      expect({
        object: `${o.kind}/${o.metadata.name}`,
        errors: ok ? null : validate?.errors,
      }).toEqual({
        object: `${o.kind}/${o.metadata.name}`,
        errors: null,
      });
    }
    // The validator can fail: a misspelt field and a missing required one.
    const user = objects.find((o) => o.kind === 'User') as K8sObject;
    const misspelt = structuredClone(user) as K8sObject & { spec: Record<string, unknown> };
    misspelt.spec.passwordSecretRef = misspelt.spec.passwordSecretKeyRef;
    expect(validators.User?.(misspelt)).toBe(false);
    const grant = structuredClone(objects.find((o) => o.kind === 'Grant')) as K8sObject & {
      spec: Record<string, unknown>;
    };
    delete grant.spec.privileges;
    expect(validators.Grant?.(grant)).toBe(false);
  });

  it("each User's password is the one its consumer reads, and each Grant its database", async () => {
    const values = perConsumerValues({
      mariadbOperator: { enabled: true, mariaDbRef: { name: 'mariadb' }, userHost: '10.0.%' },
    });
    const r = await renderWith({ ...values, ...MODEL_REGISTRY }, ['kubeflow']);
    const objects = operatorObjects(r);
    for (const consumer of CONSUMERS) {
      const named = (kind: string) =>
        objects.find((o) => o.kind === kind && o.metadata.name === `kfcharts-${consumer}`) as
          | (K8sObject & { spec: Record<string, unknown> })
          | undefined;
      const workload = r.get('Deployment', 'kubeflow', WORKLOADS[consumer]);
      const [container, env] = READS[consumer].password.split('/');
      const ref = containers(workload)
        .find((c) => c.name === container)
        ?.env?.find((e) => e.name === env)?.valueFrom?.secretKeyRef;
      expect({ consumer, ref: named('User')?.spec.passwordSecretKeyRef }).toEqual({
        consumer,
        ref,
      });
      expect(named('User')?.spec).toMatchObject({ name: OWN[consumer].username, host: '10.0.%' });
      expect(named('Database')?.spec.name).toBe(OWN[consumer].database);
      expect(named('Grant')?.spec).toMatchObject({
        database: OWN[consumer].database,
        username: OWN[consumer].username,
        host: '10.0.%',
        privileges: ['ALL PRIVILEGES'],
      });
      for (const kind of ['Database', 'User', 'Grant']) {
        expect(validators[kind]?.(named(kind)), `${kind} ${consumer}`).toBe(true);
      }
    }
    // Model Registry's, in its namespace: the User's password is the Secret key its server
    // reads (envFrom model-registry-db-secrets), its strings exactly the values (data).
    const mr = objects.filter(
      (o) => o.metadata.name === 'kfcharts-model-registry',
    ) as (K8sObject & {
      spec: Record<string, unknown>;
    })[];
    expect(mr.map((o) => `${o.kind} ${o.metadata.namespace}`).sort()).toEqual(
      ['Database', 'Grant', 'User'].map((k) => `${k} ${MR_NAMESPACE}`),
    );
    const of = (kind: string) => mr.find((o) => o.kind === kind) as (typeof mr)[number];
    const ref = of('User').spec.passwordSecretKeyRef as { name: string; key: string };
    expect(secretData(r, {}, MR_NAMESPACE, ref.name)[ref.key]).toBe(OWN_MR.password);
    expect(modelRegistrySees(r, {}).env.get('MYSQL_ROOT_PASSWORD')).toBe(OWN_MR.password);
    expect(of('User').spec).toMatchObject({ name: OWN_MR.username, host: '10.0.%' });
    expect(of('Database').spec.name).toBe(OWN_MR.database);
    expect(of('Grant').spec).toMatchObject({
      database: OWN_MR.database,
      username: OWN_MR.username,
      privileges: ['ALL PRIVILEGES'],
    });
    for (const o of mr) expect(validators[o.kind]?.(o), `${o.kind} model-registry`).toBe(true);
    // One shared server: an empty mariaDbRef.namespace is kubeflow's MariaDB for them too.
    expect(mr.map((o) => o.spec.mariaDbRef)).toEqual(
      mr.map(() => ({ name: 'mariadb', namespace: 'kubeflow' })),
    );
    const pipelinesUser = objects.find(
      (o) => o.metadata.name === 'kfcharts-pipelines',
    ) as K8sObject & {
      spec: Record<string, unknown>;
    };
    expect(pipelinesUser.spec.mariaDbRef).toEqual({ name: 'mariadb' });
  });

  it("Model Registry's User: its own existingSecret's key, no TLS requirement (its DSN has none)", async () => {
    const values = perConsumerValues({
      mariadbOperator: { enabled: true, mariaDbRef: { name: 'mariadb' } },
      tls: { enabled: true, verifyServerCert: false },
    }) as { global: { database: { consumers: Record<string, object> } } };
    values.global.database.consumers.modelRegistry = {
      database: OWN_MR.database,
      username: 'u-mr-managed',
      existingSecret: 'mr-db',
      existingSecretPasswordKey: 'pass',
    };
    const r = await renderWith({ ...values, ...MODEL_REGISTRY, katib: { enabled: false } }, [
      'kubeflow',
    ]);
    const users = operatorObjects(r).filter((o) => o.kind === 'User') as (K8sObject & {
      spec: Record<string, unknown>;
    })[];
    const mr = users.find((u) => u.metadata.name === 'kfcharts-model-registry');
    expect(mr?.metadata.namespace).toBe(MR_NAMESPACE);
    expect(mr?.spec.passwordSecretKeyRef).toEqual({ name: 'mr-db', key: 'pass' });
    const server = containers(r.get('Deployment', MR_NAMESPACE, 'model-registry-deployment'));
    const password = server[0]?.env?.find((e) => e.name === 'MYSQL_ROOT_PASSWORD');
    expect(password?.valueFrom?.secretKeyRef).toEqual({ name: 'mr-db', key: 'pass' });
    expect(mr?.spec.require).toBeUndefined();
    // the Pipelines consumers' Users do require TLS
    expect(
      users
        .filter((u) => u.spec.require !== undefined)
        .map((u) => u.metadata.name)
        .sort(),
    ).toEqual(['kfcharts-cache', 'kfcharts-metadata', 'kfcharts-pipelines']);
    expect(validators.User?.(mr)).toBe(true);
  });

  it('the subcharts carry the same objects template', () => {
    const copy = (component: string) =>
      readFileSync(
        join(projectRoot, 'charts/templates', component, 'kubeflow/mariadb-operator-objects.yaml'),
        'utf8',
      );
    expect(copy('katib')).toBe(copy('pipelines'));
    expect(copy('model-registry')).toBe(copy('pipelines'));
  });

  it('refuses two consumers with one user name or one database, naming both keys', async () => {
    const operator = { mariadbOperator: { enabled: true, mariaDbRef: { name: 'mariadb' } } };
    const values = (consumers: Record<string, object>, top: object = {}) => {
      const v = perConsumerValues(operator) as {
        global: { database: { consumers: Record<string, object> } };
      };
      for (const [name, c] of Object.entries(consumers)) {
        v.global.database.consumers[name] = { ...v.global.database.consumers[name], ...c };
      }
      return { ...v, ...top };
    };
    // Katib's user is the API server's: across the two subcharts
    expect(await renderError(values({ katib: { username: OWN.pipelines.username } }))).toContain(
      'global.database.mariadbOperator: global.database.consumers.pipelines.username and global.database.consumers.katib.username are both "u-pipelines": each consumer needs its own user',
    );
    // one database, spelt in another case (a server with lower_case_table_names folds it)
    expect(
      await renderError(values({ metadata: { database: OWN.cache.database.toUpperCase() } })),
    ).toContain(
      "global.database.mariadbOperator: global.database.consumers.cache.database and global.database.consumers.metadata.database are both \"KF_CACHE\": each consumer needs its own database for the operator's objects (with cleanupPolicy Delete, deleting one consumer's object would drop the other's data)",
    );
    // Model Registry enabled: upstream's default database is ML Metadata's, refused
    expect(
      await renderError(
        values(
          { metadata: { database: 'metadb' }, modelRegistry: { database: 'metadb' } },
          MODEL_REGISTRY,
        ),
      ),
    ).toContain(
      'global.database.mariadbOperator: global.database.consumers.metadata.database and global.database.consumers.modelRegistry.database are both "metadb": each consumer needs its own database',
    );
    // Katib and Model Registry disabled: their values make no objects, so they collide with nothing
    const r = await renderWith(
      values(
        {
          katib: { username: OWN.pipelines.username },
          modelRegistry: { username: OWN.pipelines.username },
        },
        { katib: { enabled: false } },
      ),
      ['kubeflow'],
    );
    expect(
      r.objects.filter((o) => o.kind === 'User' && o.apiVersion.startsWith('k8s.mariadb.com/'))
        .length,
    ).toBe(3);
    // without the operator, a shared database is the user's choice (no objects to collide)
    const off = perConsumerValues() as {
      global: { database: { consumers: Record<string, { database: string }> } };
    };
    (off.global.database.consumers.metadata as { database: string }).database = OWN.cache.database;
    await expect(renderWith(off, ['kubeflow'])).resolves.toBeDefined();
  });

  it("refuses a consumer without a user name: the operator's User needs it as text", async () => {
    const error = await renderError({
      global: {
        database: {
          external: true,
          host: 'db',
          password: 'pw',
          mariadbOperator: { enabled: true, mariaDbRef: { name: 'mariadb' } },
        },
      },
    });
    expect(error).toMatch(
      /global\.database\.mariadbOperator: set global\.database\.consumers\.(pipelines|cache|metadata|katib)\.username: the operator's User takes the user name as text/,
    );
  });
});
