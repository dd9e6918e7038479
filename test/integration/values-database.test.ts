import { describe, expect, it } from 'vitest';
import { envOf, renderWith } from './values-charts.ts';

/** global.database: Pipelines and Katib on an external MySQL/MariaDB. */
describe('values: global.database', () => {
  it('external with inline credentials: every consumer points at the server, in-cluster MySQL is gone', async () => {
    const r = await renderWith(
      {
        global: {
          database: {
            external: true,
            host: 'db.example.org',
            port: 3307,
            username: 'kf',
            password: 's3cret "pw" {{ x }} # not: yaml',
          },
        },
      },
      ['kubeflow'],
    );
    const config = r.get('ConfigMap', 'kubeflow', 'pipeline-install-config').data as Record<
      string,
      string
    >;
    expect(config).toMatchObject({
      dbHost: 'db.example.org',
      mysqlHost: 'db.example.org',
      dbPort: '3307',
      mysqlPort: '3307',
    });
    expect(r.get('Secret', 'kubeflow', 'mysql-secret').stringData).toEqual({
      username: 'kf',
      password: 's3cret "pw" {{ x }} # not: yaml',
    });
    const katibSecret = r.get('Secret', 'kubeflow', 'katib-mysql-secrets').data as Record<
      string,
      string
    >;
    expect(Buffer.from(katibSecret.MYSQL_ROOT_PASSWORD as string, 'base64').toString()).toBe(
      's3cret "pw" {{ x }} # not: yaml',
    );
    expect(Buffer.from(katibSecret.DB_USER as string, 'base64').toString()).toBe('kf');
    const dbManager = r.get('Deployment', 'kubeflow', 'katib-db-manager');
    expect(envOf(dbManager, 'katib-db-manager', 'KATIB_MYSQL_DB_HOST')).toEqual({
      name: 'KATIB_MYSQL_DB_HOST',
      value: 'db.example.org',
    });
    expect(envOf(dbManager, 'katib-db-manager', 'KATIB_MYSQL_DB_PORT')?.value).toBe('3307');
    expect(envOf(dbManager, 'katib-db-manager', 'DB_USER')?.valueFrom).toEqual({
      secretKeyRef: { name: 'katib-mysql-secrets', key: 'DB_USER' },
    });
    for (const [kind, name] of [
      ['Deployment', 'mysql'],
      ['Service', 'mysql'],
      ['PersistentVolumeClaim', 'mysql-pv-claim'],
      ['ServiceAccount', 'mysql'],
      ['AuthorizationPolicy', 'mysql'],
      ['DestinationRule', 'ml-pipeline-mysql'],
      ['Deployment', 'katib-mysql'],
      ['Service', 'katib-mysql'],
      ['PersistentVolumeClaim', 'katib-mysql'],
    ] as const) {
      expect(r.has(kind, 'kubeflow', name), `${kind} ${name}`).toBe(false);
    }
  });

  it('existingSecret: workloads read it by secretKeyRef and no credential Secret is rendered', async () => {
    const r = await renderWith(
      {
        global: {
          database: {
            external: true,
            host: 'db.example.org',
            existingSecret: 'kubeflow-db',
            existingSecretUsernameKey: 'user',
            existingSecretPasswordKey: 'pass',
          },
        },
      },
      ['kubeflow'],
    );
    expect(r.has('Secret', 'kubeflow', 'mysql-secret')).toBe(false);
    expect(r.has('Secret', 'kubeflow', 'katib-mysql-secrets')).toBe(false);
    expect(r.text).not.toContain('mysql-secret');
    expect(r.text).not.toContain('katib-mysql-secrets');
    const api = r.get('Deployment', 'kubeflow', 'ml-pipeline');
    expect(envOf(api, 'ml-pipeline-api-server', 'DBCONFIG_USER')?.valueFrom).toEqual({
      secretKeyRef: { name: 'kubeflow-db', key: 'user' },
    });
    const dbManager = r.get('Deployment', 'kubeflow', 'katib-db-manager');
    expect(envOf(dbManager, 'katib-db-manager', 'DB_PASSWORD')?.valueFrom).toEqual({
      secretKeyRef: { name: 'kubeflow-db', key: 'pass' },
    });
    expect(envOf(dbManager, 'katib-db-manager', 'DB_USER')?.valueFrom).toEqual({
      secretKeyRef: { name: 'kubeflow-db', key: 'user' },
    });
  });
});
