import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findImageReferences } from '../../src/images.ts';
import { splitManifests } from '../../src/manifest/object.ts';
import { projectRoot } from './helpers.ts';
import { envOf, type K8sObject, type Rendered, renderWith } from './values-charts.ts';

/**
 * Issue 4's acceptance: examples/values/external-services.yaml rendered through all five
 * charts changes every consumer of each setting, and nothing still points at the
 * in-cluster MySQL, katib-mysql, SeaweedFS or example.com. The existing-secrets variant
 * renders no credential at all.
 */
const examples = join(projectRoot, 'examples/values');
const EXTERNAL = join(examples, 'external-services.yaml');
const EXISTING = join(examples, 'external-services-existing-secrets.yaml');
const values = parse(readFileSync(EXTERNAL, 'utf8'));
const MIRROR = 'mirror.example.org:5000/kubeflow/';

/** Both pinned upstream releases: the values API is the same on each. */
const TAGS = ['26.03', 'v1.11.0'] as const;
let r: Rendered;

type Data = Record<string, string>;
const data = (o: K8sObject): Data => (o.data ?? {}) as Data;
const stringData = (o: K8sObject): Data => (o.stringData ?? {}) as Data;
const decoded = (o: K8sObject, key: string) =>
  Buffer.from(data(o)[key] ?? '', 'base64').toString('utf8');
const byName = (kind: string, namespace: string, prefix: string) => {
  const found = r.objects.filter(
    (o) =>
      o.kind === kind &&
      o.metadata.namespace === namespace &&
      o.metadata.name.startsWith(prefix) &&
      /^[a-z0-9]{10}$/.test(o.metadata.name.slice(prefix.length)),
  );
  expect(found.length, `${kind} ${namespace}/${prefix}<hash>`).toBe(1);
  return found[0] as K8sObject;
};

/** Every string in an object (keys too), with its path; documentation values skipped. */
function strings(value: unknown, path: string[] = []): { path: string; text: string }[] {
  if (typeof value === 'string') return [{ path: path.join('.'), text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, [...path, String(i)]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) =>
      // Knative's and KServe's `_example` blocks are documentation (Knative's webhook even
      // refuses edits of them); CRD descriptions are the API's docs.
      k === '_example' || k === 'description'
        ? []
        : [{ path: [...path, k].join('.'), text: k }, ...strings(v, [...path, k])],
    );
  }
  return [];
}

describe.each(TAGS)('upstream %s', (tag) => {
  beforeAll(async () => {
    r = await renderWith(EXTERNAL, undefined, [], tag);
  }, 300_000);

  describe('examples/values/external-services.yaml', () => {
    it('database: Pipelines and Katib use the external MariaDB', () => {
      const db = values.global.database;
      const install = data(r.get('ConfigMap', 'kubeflow', 'pipeline-install-config'));
      expect(install).toMatchObject({
        dbHost: db.host,
        mysqlHost: db.host,
        dbPort: '3306',
        mysqlPort: '3306',
      });
      expect(stringData(r.get('Secret', 'kubeflow', 'mysql-secret'))).toEqual({
        username: db.username,
        password: db.password,
      });
      // ml-pipeline, metadata-grpc-deployment and cache-server read exactly those.
      for (const [name, container, env, ref] of [
        ['ml-pipeline', 'ml-pipeline-api-server', 'DBCONFIG_HOST', 'dbHost'],
        ['metadata-grpc-deployment', 'container', 'MYSQL_HOST', 'dbHost'],
        ['cache-server', 'server', 'DBCONFIG_HOST_NAME', 'dbHost'],
      ] as const) {
        const workload = r.get('Deployment', 'kubeflow', name);
        expect(envOf(workload, container, env)?.valueFrom, name).toEqual({
          configMapKeyRef: { key: ref, name: 'pipeline-install-config' },
        });
        expect(envOf(workload, container, 'DBCONFIG_PASSWORD')?.valueFrom, name).toEqual({
          secretKeyRef: { key: 'password', name: 'mysql-secret' },
        });
      }
      const katibSecret = r.get('Secret', 'kubeflow', 'katib-mysql-secrets');
      expect(decoded(katibSecret, 'MYSQL_ROOT_PASSWORD')).toBe(db.password);
      expect(decoded(katibSecret, 'DB_USER')).toBe(db.username);
      const dbManager = r.get('Deployment', 'kubeflow', 'katib-db-manager');
      expect(envOf(dbManager, 'katib-db-manager', 'KATIB_MYSQL_DB_HOST')?.value).toBe(db.host);
      expect(envOf(dbManager, 'katib-db-manager', 'KATIB_MYSQL_DB_PORT')?.value).toBe('3306');
      for (const [kind, name] of [
        ['Deployment', 'mysql'],
        ['Service', 'mysql'],
        ['PersistentVolumeClaim', 'mysql-pv-claim'],
        ['AuthorizationPolicy', 'mysql'],
        ['DestinationRule', 'ml-pipeline-mysql'],
        ['Deployment', 'katib-mysql'],
        ['Service', 'katib-mysql'],
        ['PersistentVolumeClaim', 'katib-mysql'],
      ] as const) {
        expect(r.has(kind, 'kubeflow', name), `${kind} ${name}`).toBe(false);
      }
    });

    it('objectStorage: Pipelines artifacts go to S3 (API server, UI, Argo, profile controller)', () => {
      const s3 = values.global.objectStorage;
      expect(stringData(r.get('Secret', 'kubeflow', 'mlpipeline-minio-artifact'))).toEqual({
        accesskey: s3.accessKey,
        secretkey: s3.secretKey,
      });
      expect(data(r.get('ConfigMap', 'kubeflow', 'pipeline-install-config')).bucketName).toBe(
        s3.bucket,
      );
      const api = r.get('Deployment', 'kubeflow', 'ml-pipeline');
      const apiEnv = (n: string) => envOf(api, 'ml-pipeline-api-server', n)?.value;
      expect([apiEnv('OBJECTSTORECONFIG_HOST'), apiEnv('OBJECTSTORECONFIG_PORT')]).toEqual([
        s3.endpoint,
        '443',
      ]);
      expect(apiEnv('OBJECTSTORECONFIG_SECURE')).toBe('true');
      expect(apiEnv('OBJECTSTORECONFIG_REGION')).toBe(s3.region);
      const ui = r.get('Deployment', 'kubeflow', 'ml-pipeline-ui');
      const uiEnv = (n: string) => envOf(ui, 'ml-pipeline-ui', n)?.value;
      expect([uiEnv('MINIO_HOST'), uiEnv('MINIO_PORT'), uiEnv('MINIO_SSL')]).toEqual([
        s3.endpoint,
        '443',
        'true',
      ]);
      const argo = parse(
        data(r.get('ConfigMap', 'kubeflow', 'workflow-controller-configmap')).artifactRepository ??
          '',
      );
      expect(argo.s3).toMatchObject({
        endpoint: s3.endpoint,
        bucket: s3.bucket,
        region: s3.region,
        insecure: false,
      });
      expect(argo.s3.keyFormat).toMatch(/^kubeflow\/\{\{workflow\.namespace\}\}\//);
      const controller = r.get('Deployment', 'kubeflow', 'kubeflow-pipelines-profile-controller');
      const spec = JSON.stringify(controller.spec);
      expect(spec).toContain('"name":"KFCHARTS_S3_PATH_PREFIX","value":"kubeflow"');
      expect(spec).toContain('"name":"KFCHARTS_S3_PROFILE_CREDENTIALS","value":"secret"');
      expect(spec).not.toContain('KFCHARTS_S3_ACCESS_KEY');
      expect(spec).toContain(`"name":"KFCHARTS_S3_ENDPOINT","value":"${s3.endpoint}"`);
      expect(spec).toContain(`"name":"KFCHARTS_S3_BUCKET","value":"${s3.bucket}"`);
      const code = byName('ConfigMap', 'kubeflow', 'kubeflow-pipelines-profile-controller-code-');
      expect(data(code)['sync.py']).toBe(
        readFileSync(join(projectRoot, 'charts/pipelines/sync-external-s3.py'), 'utf8'),
      );
    });

    it('auth: Dex connectors, the extra JWT issuer at Istio and oauth2-proxy', () => {
      const dexConfig = parse(data(r.get('ConfigMap', 'auth', 'dex'))['config.yaml'] ?? '');
      expect(dexConfig.connectors).toEqual(values.dex.connectors);
      expect(dexConfig.enablePasswordDB).toBe(false);
      const dex = r.get('Deployment', 'auth', 'dex');
      expect(JSON.stringify(dex.spec)).toContain('{"secretRef":{"name":"dex-connectors"}}');
      const issuer = values.global.auth.extraJwtIssuers[0];
      const authentications = r.objects.filter(
        (o) => o.kind === 'RequestAuthentication' && o.metadata.namespace === 'istio-system',
      );
      const rules = authentications.flatMap(
        (o) => (o.spec as { jwtRules: { issuer: string; audiences?: string[] }[] }).jwtRules,
      );
      expect(rules.find((j) => j.issuer === issuer.issuer)?.audiences).toEqual(issuer.audiences);
      const parameters = byName('ConfigMap', 'oauth2-proxy', 'oauth2-proxy-parameters-');
      expect(data(parameters).EXTRA_JWT_ISSUERS).toBe(`${issuer.issuer}=${issuer.audiences[0]}`);
      const client = values.global.auth.oidcClient;
      const dexClient = r.get('Secret', 'auth', 'dex-oidc-client');
      expect([
        decoded(dexClient, 'OIDC_CLIENT_ID'),
        decoded(dexClient, 'OIDC_CLIENT_SECRET'),
      ]).toEqual([client.clientId, client.clientSecret]);
      const proxy = byName('Secret', 'oauth2-proxy', 'oauth2-proxy-');
      expect(decoded(proxy, 'client-secret')).toBe(client.clientSecret);
      expect(decoded(proxy, 'cookie-secret')).toBe(values['oauth2-proxy'].cookieSecret);
      const profile = r.get('Profile', undefined, values['user-namespace'].profile.name);
      expect((profile.spec as { owner: { name: string } }).owner.name).toBe(
        values['user-namespace'].profile.owner,
      );
    });

    it('domain: Knative, KServe, the gateway and the redirect URLs', () => {
      const domain = values.global.domain;
      expect(data(r.get('ConfigMap', 'knative-serving', 'config-domain'))[domain]).toBe('');
      const ingress = JSON.parse(
        data(r.get('ConfigMap', 'kubeflow', 'inferenceservice-config')).ingress ?? '{}',
      );
      expect(ingress.ingressDomain).toBe(domain);
      const gateway = r.get('Gateway', 'kubeflow', 'kubeflow-gateway');
      expect((gateway.spec as { servers: { hosts: string[] }[] }).servers[0]?.hosts).toEqual([
        domain,
        `*.${domain}`,
      ]);
      const cfg = byName('ConfigMap', 'oauth2-proxy', 'oauth2-proxy-');
      expect(data(cfg)['oauth2_proxy.cfg']).toContain(
        `redirect_url = "https://${domain}/oauth2/callback"`,
      );
    });

    it('imageRegistry: every image reference, in fields and in ConfigMaps, is mirrored', () => {
      const objects = splitManifests(r.text, 'helm template');
      const found = objects.flatMap((o) => findImageReferences(o).map((f) => f.image));
      expect(found.length).toBeGreaterThan(120);
      expect(found.filter((image) => !image.startsWith(MIRROR))).toEqual([]);
    });

    it('namespaceLabels: the kubeflow namespace gets istio-injection', () => {
      expect(r.get('Namespace', undefined, 'kubeflow').metadata.labels).toMatchObject({
        'istio-injection': 'enabled',
      });
    });

    it('no rendered string points at the in-cluster MySQL, katib-mysql, SeaweedFS (or minio-service) or example.com', async () => {
      expect(inClusterReferences(r)).toEqual([]);
      // The same check finds them at default values, so it can fail.
      const defaults = inClusterReferences(await renderWith({}, undefined, [], tag));
      for (const expected of [
        'ConfigMap pipeline-install-config data.dbHost: mysql',
        'Service katib-mysql metadata.name: katib-mysql',
        'ConfigMap workflow-controller-configmap data.artifactRepository',
        'ConfigMap config-domain data.example.com: example.com',
        'Profile kubeflow-user-example-com spec.owner.name: user@example.com',
      ]) {
        expect(
          defaults.some((d) => d.startsWith(expected)),
          expected,
        ).toBe(true);
      }
    });
  });

  /** Strings (outside CRDs and `_example` docs) naming the in-cluster services or example.com. */
  function inClusterReferences(rendered: Rendered): string[] {
    return (
      rendered.objects
        .filter((o) => o.kind !== 'CustomResourceDefinition')
        .flatMap((o) => strings(o).map((s) => ({ ...s, object: `${o.kind} ${o.metadata.name}` })))
        .filter(
          ({ text }) =>
            /seaweedfs/i.test(text) ||
            // the in-cluster store under MinIO's old Service name (v1.11.0)
            /minio-service/.test(text) ||
            /example\.com/.test(text) ||
            // katib-mysql as a host or object; katib-mysql-secrets holds the external credentials
            /katib-mysql(?!-secrets)/.test(text) ||
            // the in-cluster service as a host: `mysql`, `mysql.kubeflow...`, `mysql:3306`
            /(^|[/@])mysql(\.kubeflow[\w.]*)?(:3306)?$/.test(text),
        )
        // `mysql` is also the driver's name (dbType, DB_NAME, DBCONFIG_DRIVER): not a host.
        .filter(({ path, text }) => !(text === 'mysql' && /(^|\.)(dbType|value)$/.test(path)))
        .map(({ object, path, text }) => `${object} ${path}: ${text.slice(0, 80)}`)
    );
  }

  describe('examples/values/external-services-existing-secrets.yaml', () => {
    it('renders no credential at all, even with inline credentials also set', async () => {
      // Layered over the inline example: the inline credentials are set, and must not appear.
      const layered = await renderWith(EXISTING, undefined, [EXTERNAL], tag);
      const inline = [
        values.global.database.password,
        values.global.objectStorage.accessKey,
        values.global.objectStorage.secretKey,
        values.global.auth.oidcClient.clientSecret,
        values['oauth2-proxy'].cookieSecret,
      ] as string[];
      // Upstream's well-known defaults, plain and base64 as kustomize prints them.
      const upstream = [
        'minio123',
        'pUBnBOY80SnXgjibTYM9ZWNzY2xreNGQok',
        '7d16fee92f8d11b8940b081b3f8b8acb',
        '$2y$12$4K/VkmDd1q1Orb3xAt82zu8gk7Ad6ReFR4LCP9UeYE90NLiN9Df72',
      ];
      for (const secret of [...inline, ...upstream]) {
        expect(layered.text, secret).not.toContain(secret);
        expect(layered.text, `base64 of ${secret}`).not.toContain(
          Buffer.from(secret).toString('base64'),
        );
      }
      expect(layered.text).not.toMatch(/accesskey: minio$/m);
      for (const [kind, ns, name] of [
        ['Secret', 'kubeflow', 'mysql-secret'],
        ['Secret', 'kubeflow', 'katib-mysql-secrets'],
        ['Secret', 'kubeflow', 'mlpipeline-minio-artifact'],
        ['Secret', 'auth', 'dex-oidc-client'],
        ['Secret', 'auth', 'dex-passwords'],
      ] as const) {
        expect(layered.has(kind, ns, name), `${kind} ${ns}/${name}`).toBe(false);
      }
      const refs = (o: K8sObject): string[] => {
        const names: string[] = [];
        JSON.stringify(o.spec, (key, value) => {
          if (key === 'secretKeyRef') names.push((value as { name: string }).name);
          return value;
        });
        return names;
      };
      expect(new Set(refs(layered.get('Deployment', 'kubeflow', 'ml-pipeline')))).toEqual(
        new Set(['kubeflow-db', 'kubeflow-s3']),
      );
      expect(new Set(refs(layered.get('Deployment', 'kubeflow', 'katib-db-manager')))).toEqual(
        new Set(['kubeflow-db']),
      );
      expect(new Set(refs(layered.get('Deployment', 'auth', 'dex')))).toEqual(
        new Set(['kubeflow-oidc-client']),
      );
      const proxy = layered.objects.find(
        (o) => o.kind === 'Deployment' && o.metadata.name === 'oauth2-proxy',
      ) as K8sObject;
      expect(new Set(refs(proxy))).toEqual(
        new Set(['kubeflow-oidc-client', 'oauth2-proxy-cookie']),
      );
    });
  });
});
