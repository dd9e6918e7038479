import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYamlStream } from '../../src/manifest/object.ts';
import { tempDir } from './helpers.ts';
import {
  jsonWithEscapedControls,
  renderUnchecked,
  renderWith,
  uncheckedError,
} from './values-charts.ts';

/**
 * Values that users who skip schema validation (`--skip-schema-validation`) can pass: the
 * templates re-check every boolean switch and bounded integer of the schema (the list is
 * derived from src/values/schema.ts), and print DEL and C1 controls escaped.
 */
describe('with --skip-schema-validation, every switch and port is checked again', () => {
  it.each([
    [
      'dex.staticPasswords.enabled: "false" (would keep the default user)',
      { dex: { staticPasswords: { enabled: 'false' } } },
      'kubeflow-platform',
      'dex.staticPasswords.enabled: must be true or false, not "false"',
    ],
    [
      'katib.enabled: "false" (Helm ignores a non-boolean condition)',
      { katib: { enabled: 'false' } },
      'kubeflow',
      'katib.enabled: must be true or false, not "false"',
    ],
    [
      'global.database.port: 70000',
      { global: { database: { port: 70000 } } },
      'kubeflow',
      'global.database.port: must be a whole number from 1 to 65535, not 70000',
    ],
    [
      'global.database.port: 0',
      { global: { database: { port: 0 } } },
      'kubeflow-crds',
      'global.database.port: must be a whole number from 1 to 65535, not 0',
    ],
    [
      'global.database.port: "3306; DROP" (a string)',
      { global: { database: { port: '3306; DROP' } } },
      'kubeflow',
      'global.database.port: must be a whole number from 1 to 65535, not "3306; DROP"',
    ],
  ])('hostile: %s', async (_name, values, chart, message) => {
    const errors = await uncheckedError(values, chart);
    for (const error of errors) {
      expect(error).toContain(`execution error at (${chart}/templates/kfcharts-validate.yaml`);
      expect(error).toContain(`: ${message}\n`);
    }
  });
});

describe('DEL and C1 controls in free-form strings', () => {
  const controls = 'a\u007fb\u0080c\u0085d\u009fe';
  const escaped = 'a\\u007fb\\u0080c\\u0085d\\u009fe';

  it('hostile: a Dex connector name with DEL and C1 renders escaped (schema on)', async () => {
    const connector = { type: 'oidc', id: 'x', name: controls, config: { issuer: 'https://i' } };
    const file = join(tempDir('values'), 'values.json');
    writeFileSync(file, jsonWithEscapedControls({ dex: { connectors: [connector] } }));
    const r = await renderWith(file, ['kubeflow-platform']);
    const config = (r.get('ConfigMap', 'auth', 'dex').data as Record<string, string>)[
      'config.yaml'
    ];
    expect(config).toContain(escaped);
    expect(r.text).not.toMatch(/[\u007f-\u009f]/);
  });

  it('hostile: a namespace label with DEL and C1 renders escaped (schema off)', async () => {
    const values = { global: { namespaceLabels: { kubeflow: { team: controls } } } };
    for (const result of await renderUnchecked(values, 'kubeflow-platform')) {
      expect(result.ok).toBe(true);
      expect(result.text).toContain(`"team": "${escaped}"`);
      expect(result.text).not.toMatch(/[\u007f-\u009f]/);
    }
  });
});

describe('global.database consumers, tls and mariadbOperator: every string stays data (schema off)', () => {
  /** Quotes, template syntax, a comment, a line break into YAML structure, NEL. */
  const h = (tag: string) => `${tag}"'{{ x }} #: \n- y: z\u0085w`;
  const database = {
    external: true,
    host: 'db.example.org',
    password: 'pw',
    consumers: {
      pipelines: { database: h('db'), username: h('user'), password: h('pw') },
      cache: {
        username: h('cuser'),
        existingSecret: h('secret'),
        existingSecretUsernameKey: h('ukey'),
        existingSecretPasswordKey: h('pkey'),
      },
      metadata: { username: h('muser'), password: h('mpw') },
      katib: { database: h('kdb'), username: h('kuser'), password: h('kpw') },
    },
    mariadbOperator: {
      enabled: true,
      mariaDbRef: { name: h('ref'), namespace: h('ns') },
      userHost: h('host'),
      cleanupPolicy: h('policy'),
    },
  };
  type Obj = { kind: string; metadata: { name: string }; [k: string]: unknown };
  const find = (objects: Obj[], kind: string, name: string) => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name}`);
    return found as Obj & { spec: Record<string, unknown>; data: Record<string, string> };
  };
  const pod = (o: Obj) =>
    (o as unknown as { spec: { template: { spec: Record<string, unknown> } } }).spec.template
      .spec as {
      containers: { name: string; env?: { name: string; value?: string; valueFrom?: unknown }[] }[];
      volumes?: { name: string; secret?: { secretName: string; items: { key: string }[] } }[];
    };

  it('hostile: consumers and mariadbOperator strings (Katib on)', async () => {
    for (const result of await renderUnchecked({ global: { database } }, 'kubeflow')) {
      expect(result.ok, result.text).toBe(true);
      expect(result.text).not.toMatch(/[\u007f-\u009f]/);
      const objects = parseYamlStream(result.text, 'helm template') as Obj[];
      expect(find(objects, 'ConfigMap', 'pipeline-install-config').data.pipelineDb).toBe(h('db'));
      expect(find(objects, 'Secret', 'kfcharts-database-pipelines').stringData).toEqual({
        username: h('user'),
        password: h('pw'),
      });
      const cache = pod(find(objects, 'Deployment', 'cache-server')).containers[0];
      expect(cache?.env?.find((e) => e.name === 'DBCONFIG_USER')?.valueFrom).toEqual({
        secretKeyRef: { name: h('secret'), key: h('ukey') },
      });
      const katibSecret = find(objects, 'Secret', 'katib-mysql-secrets').data;
      expect(Buffer.from(katibSecret.DB_USER as string, 'base64').toString()).toBe(h('kuser'));
      const dbManager = pod(find(objects, 'Deployment', 'katib-db-manager')).containers[0];
      expect(dbManager?.env?.find((e) => e.name === 'KATIB_MYSQL_DB_DATABASE')?.value).toBe(
        h('kdb'),
      );
      const user = find(objects, 'User', 'kfcharts-cache').spec;
      expect(user).toEqual({
        mariaDbRef: { name: h('ref'), namespace: h('ns') },
        name: h('cuser'),
        host: h('host'),
        passwordSecretKeyRef: { name: h('secret'), key: h('pkey') },
        cleanupPolicy: h('policy'),
      });
      expect(find(objects, 'Database', 'kfcharts-katib').spec.name).toBe(h('kdb'));
      expect(find(objects, 'Grant', 'kfcharts-pipelines').spec).toMatchObject({
        database: h('db'),
        username: h('user'),
        host: h('host'),
      });
    }
  });

  it('hostile: one user name for two consumers fails, the name printed as JSON', async () => {
    const consumers = {
      ...database.consumers,
      katib: { ...database.consumers.katib, username: h('user') },
    };
    for (const error of await uncheckedError(
      { global: { database: { ...database, consumers } } },
      'kubeflow',
    )) {
      expect(error).toContain(
        `global.database.consumers.pipelines.username and global.database.consumers.katib.username are both ${JSON.stringify(h('user'))}:`,
      );
    }
  });

  it("hostile: Model Registry's consumer strings and namespace (own inline user, then own existingSecret)", async () => {
    const mr = { database: h('mrdb'), username: h('mruser'), password: h('mrpw') };
    const values = (modelRegistry: object) => ({
      global: { database: { ...database, consumers: { ...database.consumers, modelRegistry } } },
      'model-registry': { enabled: true, namespace: h('mrns') },
    });
    const secretData = (o: Obj) =>
      Object.fromEntries(
        Object.entries(find([o], 'Secret', 'model-registry-db-secrets').data).map(([k, v]) => [
          k,
          Buffer.from(v, 'base64').toString(),
        ]),
      );
    for (const result of await renderUnchecked(values(mr), 'kubeflow')) {
      expect(result.ok, result.text).toBe(true);
      expect(result.text).not.toMatch(/[\u007f-\u009f]/);
      const objects = parseYamlStream(result.text, 'helm template') as Obj[];
      expect(find(objects, 'ConfigMap', 'model-registry-db-parameters').data.MYSQL_DATABASE).toBe(
        h('mrdb'),
      );
      expect(secretData(find(objects, 'Secret', 'model-registry-db-secrets'))).toEqual({
        MYSQL_USER_NAME: h('mruser'),
        MYSQL_ROOT_PASSWORD: h('mrpw'),
      });
      const user = find(objects, 'User', 'kfcharts-model-registry');
      expect(user.metadata).toEqual({ name: 'kfcharts-model-registry', namespace: h('mrns') });
      expect(user.spec).toMatchObject({
        name: h('mruser'),
        passwordSecretKeyRef: { name: 'model-registry-db-secrets', key: 'MYSQL_ROOT_PASSWORD' },
      });
      expect(find(objects, 'Database', 'kfcharts-model-registry').spec.name).toBe(h('mrdb'));
    }
    const managed = {
      ...mr,
      existingSecret: h('mrsecret'),
      existingSecretUsernameKey: h('mrukey'),
      existingSecretPasswordKey: h('mrpkey'),
    };
    for (const result of await renderUnchecked(values(managed), 'kubeflow')) {
      expect(result.ok, result.text).toBe(true);
      const objects = parseYamlStream(result.text, 'helm template') as Obj[];
      expect(objects.some((o) => o.metadata.name === 'model-registry-db-secrets')).toBe(false);
      const server = pod(find(objects, 'Deployment', 'model-registry-deployment')).containers[0];
      expect(server?.env?.map((e) => [e.name, e.valueFrom])).toEqual([
        ['MYSQL_USER_NAME', { secretKeyRef: { name: h('mrsecret'), key: h('mrukey') } }],
        ['MYSQL_ROOT_PASSWORD', { secretKeyRef: { name: h('mrsecret'), key: h('mrpkey') } }],
      ]);
      expect(find(objects, 'User', 'kfcharts-model-registry').spec.passwordSecretKeyRef).toEqual({
        name: h('mrsecret'),
        key: h('mrpkey'),
      });
    }
  });

  it('hostile: tls strings (Katib off)', async () => {
    const tls = { enabled: true, caSecret: h('ca'), caKey: h('cakey') };
    const values = { global: { database: { ...database, tls } }, katib: { enabled: false } };
    for (const result of await renderUnchecked(values, 'kubeflow')) {
      expect(result.ok, result.text).toBe(true);
      expect(result.text).not.toMatch(/[\u007f-\u009f]/);
      const objects = parseYamlStream(result.text, 'helm template') as Obj[];
      for (const name of ['ml-pipeline', 'cache-server', 'metadata-grpc-deployment']) {
        const volume = pod(find(objects, 'Deployment', name)).volumes?.find(
          (v) => v.name === 'kfcharts-database-ca',
        );
        expect({ name, volume }).toEqual({
          name,
          volume: {
            name: 'kfcharts-database-ca',
            secret: { secretName: h('ca'), items: [{ key: h('cakey'), path: 'ca.crt' }] },
          },
        });
      }
    }
  });
});

describe('an optional component whose namespace is a value (docs/choices.md), schema off', () => {
  it('hostile: model-registry.namespace with a line break and template text stays one string', async () => {
    const namespace = 'x\n  evil: {{ .Release.Name }}';
    const values = { 'model-registry': { enabled: true, namespace } };
    for (const result of await renderUnchecked(values, 'kubeflow')) {
      expect(result.ok).toBe(true);
      expect(result.text).toContain(`namespace: ${JSON.stringify(namespace)}`);
      expect(result.text).not.toMatch(/^ {2}evil:/m);
    }
  });

  it('hostile: model-registry.enabled without a namespace fails by name', async () => {
    for (const error of await uncheckedError({ 'model-registry': { enabled: true } }, 'kubeflow')) {
      expect(error).toContain('set the namespace to install this component into');
    }
  });
});

describe('variant values (docs/choices.md), schema off', () => {
  it('hostile: oauth2-proxy.eksIssuer with a line break and template text stays one string', async () => {
    const issuer = 'https://x\n  evil: {{ .Release.Name }}';
    const values = { 'oauth2-proxy': { m2m: 'eks', eksIssuer: issuer } };
    for (const result of await renderUnchecked(values, 'kubeflow-platform')) {
      expect(result.ok).toBe(true);
      expect(result.text).toContain(`issuer: ${JSON.stringify(issuer)}`);
      expect(result.text).not.toMatch(/^ {2}evil:/m);
    }
  });

  it('hostile: an m2m choice upstream does not offer fails by name, its text only quoted', async () => {
    const values = { 'oauth2-proxy': { m2m: 'kind" }}{{ .Release.Name' } };
    for (const error of await uncheckedError(values, 'kubeflow-platform')) {
      expect(error).toContain(
        'oauth2-proxy.m2m: must be one of dex-only, kind, eks, not "kind\\" }}{{ .Release.Name"',
      );
    }
  });
});

describe('global.certManager.issuerRef, schema off', () => {
  it('hostile: an issuer name with a line break and template text stays one string', async () => {
    const name = 'corp\n  evil: {{ .Release.Name }}';
    const values = { global: { certManager: { issuerRef: { name } } } };
    for (const result of await renderUnchecked(values, 'kubeflow')) {
      expect(result.ok).toBe(true);
      expect(result.text).toContain(`name: ${JSON.stringify(name)}`);
      expect(result.text).not.toMatch(/^ {2}evil:/m);
    }
  });
});
