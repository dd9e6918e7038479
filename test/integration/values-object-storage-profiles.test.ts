import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseYamlStream } from '../../src/manifest/object.ts';
import { Helm } from '../../src/tools/helm.ts';
import { tempDir } from './helpers.ts';
import { type K8sObject, renderUnchecked, schemaError, valuesCharts } from './values-charts.ts';

/**
 * global.objectStorage with external storage: every profile namespace gets its own
 * credentials and its own path, unless `profileCredentials: shared` says otherwise.
 * The profile controller's sync.py, as the chart renders it, runs here under python3
 * with the environment the chart gives its Deployment, and answers metacontroller's sync
 * requests for two profile namespaces.
 */
const PYTHON = (() => {
  try {
    return execFileSync('python3', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
})();

const STORE = {
  external: true,
  endpoint: 's3.eu-west-1.amazonaws.com',
  region: 'eu-west-1',
  bucket: 'kf-artifacts',
  accessKey: 'AKIAADMINKEY',
  secretKey: 'admin-secret-key',
  pathPrefix: 'teams/kfp',
};
const PROFILES = ['team-a', 'team-b'];

interface Install {
  readonly notes: string;
  readonly objects: readonly K8sObject[];
}

/** `helm install --dry-run=client` of the kubeflow chart: its objects and NOTES. */
async function install(storage: object): Promise<Install> {
  const dir = await valuesCharts();
  const file = join(tempDir('values'), 'values.yaml');
  writeFileSync(file, stringify({ global: { objectStorage: storage } }));
  const out = JSON.parse(
    await new Helm().installDryRun(join(dir, 'kubeflow'), {
      releaseName: 'r',
      namespace: 'ns',
      valuesFiles: [file],
    }),
  ) as { info: { notes: string }; manifest: string };
  return {
    notes: out.info.notes,
    objects: parseYamlStream(out.manifest, 'helm install --dry-run') as K8sObject[],
  };
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string };
    secretKeyRef?: { name: string; key: string };
  };
}

/** The profile controller's environment as the kubelet would give it, from the render. */
function controllerEnv(objects: readonly K8sObject[]): Record<string, string> {
  const find = (kind: string, name: string) =>
    objects.find(
      (o) => o.kind === kind && o.metadata.namespace === 'kubeflow' && o.metadata.name === name,
    ) as
      | (K8sObject & { data?: Record<string, string>; stringData?: Record<string, string> })
      | undefined;
  const deployment = find('Deployment', 'kubeflow-pipelines-profile-controller') as unknown as {
    spec: {
      template: {
        spec: {
          containers: {
            name: string;
            env: EnvVar[];
            envFrom?: { configMapRef: { name: string } }[];
          }[];
        };
      };
    };
  };
  const container = deployment.spec.template.spec.containers.find(
    (c) => c.name === 'profile-controller',
  );
  if (!container) throw new Error('no profile-controller container');
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    Object.assign(env, find('ConfigMap', from.configMapRef.name)?.data ?? {});
  }
  for (const e of container.env) {
    const cm = e.valueFrom?.configMapKeyRef;
    const secret = e.valueFrom?.secretKeyRef;
    if (e.value !== undefined) env[e.name] = e.value;
    else if (cm) {
      const value = find('ConfigMap', cm.name)?.data?.[cm.key];
      if (value !== undefined) env[e.name] = value;
    } else if (secret) {
      const s = find('Secret', secret.name);
      const value =
        s?.stringData?.[secret.key] ??
        (s?.data?.[secret.key] && Buffer.from(s.data[secret.key] as string, 'base64').toString());
      if (value === undefined) throw new Error(`env ${e.name}: no Secret ${secret.name}`);
      env[e.name] = value;
    }
  }
  return env;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

interface Controller {
  sync(
    namespace: string,
    observed?: readonly K8sObject[],
  ): Promise<{ status: Record<string, string>; attachments: K8sObject[] }>;
  stop(): void;
  readonly log: () => string;
}

/** sync.py of the render, started with the render's environment (plus `extra`). */
async function startController(
  objects: readonly K8sObject[],
  extra: Record<string, string>,
): Promise<Controller> {
  const code = objects.find(
    (o) =>
      o.kind === 'ConfigMap' &&
      o.metadata.name.startsWith('kubeflow-pipelines-profile-controller-code-'),
  ) as unknown as { data: Record<string, string> };
  const dir = tempDir('sync-py');
  writeFileSync(join(dir, 'sync.py'), code.data['sync.py'] as string);
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn('python3', [join(dir, 'sync.py')], {
    env: {
      PATH: process.env.PATH ?? '',
      ...controllerEnv(objects),
      ...extra,
      CONTROLLER_PORT: String(port),
    },
  });
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  const post = async (namespace: string, observed: readonly K8sObject[] = []) => {
    // metacontroller's request: the observed children by `<apiVersion kind>` and `ns/name`
    const attachments: Record<string, Record<string, K8sObject>> = {
      'Secret.v1': {},
      'ConfigMap.v1': {},
      'Deployment.apps/v1': {},
      'Service.v1': {},
    };
    for (const o of observed) {
      const group = attachments[`${o.kind}.${o.apiVersion}`];
      if (group) group[`${namespace}/${o.metadata.name}`] = o;
    }
    const body = JSON.stringify({
      object: {
        metadata: { name: namespace, labels: { 'pipelines.kubeflow.org/enabled': 'true' } },
      },
      attachments,
    });
    const response = await fetch(`http://127.0.0.1:${port}/sync`, { method: 'POST', body });
    return (await response.json()) as {
      status: Record<string, string>;
      attachments: K8sObject[];
    };
  };
  // the server listens once the script has read its settings
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`sync.py exited: ${output}`);
    try {
      await post('probe');
      break;
    } catch (error) {
      if (i > 100) throw new Error(`sync.py does not answer: ${String(error)}\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { sync: post, stop: () => child.kill(), log: () => output };
}

type Child = K8sObject & { data?: Record<string, string> };

function child(attachments: readonly K8sObject[], kind: string, name: string): Child {
  const found = attachments.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found as Child;
}

/** What one profile's pipelines and Argo read: path and credential references. */
function storageOf(attachments: readonly K8sObject[]) {
  const launcher = child(attachments, 'ConfigMap', 'kfp-launcher').data ?? {};
  const repository = JSON.parse(
    child(attachments, 'ConfigMap', 'artifact-repositories').data?.['default-namespaced'] ?? '{}',
  ).s3;
  const proxy = child(attachments, 'Deployment', 'ml-pipeline-ui-artifact') as unknown as {
    spec: { template: { spec: { containers: { env: EnvVar[] }[] } } };
  };
  const proxyEnv = proxy.spec.template.spec.containers[0]?.env ?? [];
  return {
    root: launcher.defaultPipelineRoot,
    launcherSecret: parse(launcher.providers ?? '').minio.default.credentials.secretRef,
    keyFormat: repository.keyFormat as string,
    argoSecrets: [repository.accessKeySecret, repository.secretKeySecret],
    proxySecrets: proxyEnv
      .filter((e) => e.name === 'MINIO_ACCESS_KEY' || e.name === 'MINIO_SECRET_KEY')
      .map((e) => e.valueFrom?.secretKeyRef),
    secrets: attachments.filter((o) => o.kind === 'Secret'),
  };
}

describe.skipIf(PYTHON === undefined)(
  `profiles on external object storage (sync.py under ${PYTHON ?? 'python3: not installed, skipped'})`,
  () => {
    const controllers: Controller[] = [];
    let perProfile: Install;
    let shared: Install;
    beforeAll(async () => {
      [perProfile, shared] = await Promise.all([
        install({
          ...STORE,
          profileSecret: {
            name: 's3-{namespace}',
            accessKeyKey: 'AWS_ACCESS_KEY_ID',
            secretKeyKey: 'AWS_SECRET_ACCESS_KEY',
          },
        }),
        install({ ...STORE, profileCredentials: 'shared' }),
      ]);
    });
    afterAll(() => {
      for (const c of controllers) c.stop();
    });

    it('two profiles get different credentials and different paths; no shared key reaches them', async () => {
      const env = controllerEnv(perProfile.objects);
      // the controller itself never holds the shared keys in this mode
      expect(Object.values(env)).not.toContain(STORE.accessKey);
      expect(Object.values(env)).not.toContain(STORE.secretKey);
      const controller = await startController(perProfile.objects, {
        ARTIFACTS_PROXY_ENABLED: 'true',
      });
      controllers.push(controller);
      const [a, b] = await Promise.all(PROFILES.map((ns) => controller.sync(ns)));
      const storage = [a, b].map((r) => storageOf(r?.attachments ?? []));
      for (const [i, ns] of PROFILES.entries()) {
        const s = storage[i];
        const ref = { name: `s3-${ns}` };
        expect(s?.root).toBe(`minio://kf-artifacts/teams/kfp/${ns}/v2/artifacts`);
        expect(s?.keyFormat.startsWith(`teams/kfp/${ns}/{{workflow.name}}/`)).toBe(true);
        expect(s?.launcherSecret).toEqual({
          secretName: ref.name,
          accessKeyKey: 'AWS_ACCESS_KEY_ID',
          secretKeyKey: 'AWS_SECRET_ACCESS_KEY',
        });
        expect(s?.argoSecrets).toEqual([
          { ...ref, key: 'AWS_ACCESS_KEY_ID' },
          { ...ref, key: 'AWS_SECRET_ACCESS_KEY' },
        ]);
        expect(s?.proxySecrets).toEqual([
          { ...ref, key: 'AWS_ACCESS_KEY_ID' },
          { ...ref, key: 'AWS_SECRET_ACCESS_KEY' },
        ]);
        // the profile's Secret is the user's: the controller creates none
        expect(s?.secrets).toEqual([]);
      }
      expect(storage[0]?.launcherSecret).not.toEqual(storage[1]?.launcherSecret);
      expect(storage[0]?.root).not.toBe(storage[1]?.root);
      for (const r of [a, b]) expect(JSON.stringify(r)).not.toContain(STORE.secretKey);
      // ready once its children are there, without a Secret of its own; a Secret left
      // from shared keys is no longer desired (metacontroller deletes it)
      expect(a?.status).toEqual({ 'kubeflow-pipelines-ready': 'False' });
      const children = a?.attachments ?? [];
      expect((await controller.sync('team-a', children)).status).toEqual({
        'kubeflow-pipelines-ready': 'True',
      });
      const stale = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'mlpipeline-minio-artifact', namespace: 'team-a' },
      };
      const again = await controller.sync('team-a', [...children, stale]);
      expect(again.status).toEqual({ 'kubeflow-pipelines-ready': 'False' });
      expect(again.attachments.filter((o) => o.kind === 'Secret')).toEqual([]);
      // NOTES name the Secret each profile needs and how an installation that had the
      // shared keys moves over (its old ConfigMaps still name mlpipeline-minio-artifact)
      const notes = perProfile.notes.replace(/\s+/g, ' ');
      expect(notes).not.toContain('WARNING: global.objectStorage.profileCredentials');
      expect(notes).toContain(
        'Create, in each profile namespace, the Secret "s3-{namespace}" ({namespace}: the namespace) with the keys "AWS_ACCESS_KEY_ID" and "AWS_SECRET_ACCESS_KEY": an access key limited to <bucket>/<pathPrefix>/<namespace>/ (bucket "kf-artifacts", pathPrefix "teams/kfp").',
      );
      expect(notes).toContain(
        'kubectl -n <namespace> delete configmap kfp-launcher artifact-repositories',
      );
      expect(notes).toContain('"Upgrading from an earlier kfcharts"');
      // only in the release with the profile controller, not in the CRD release that
      // also holds a pipelines subchart
      const crdNotes = readFileSync(
        join(await valuesCharts(), 'kubeflow-crds/templates/NOTES.txt'),
        'utf8',
      );
      expect(crdNotes).not.toContain('objectStorage');
    });

    it('a fixed Secret name: each profile reads the Secret of its own namespace', async () => {
      const fixed = await install(STORE);
      const controller = await startController(fixed.objects, {});
      controllers.push(controller);
      const r = await controller.sync('team-c');
      const s = storageOf([
        ...r.attachments,
        // no artifact proxy here: stand-in so storageOf reads the rest
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'ml-pipeline-ui-artifact' },
          spec: { template: { spec: { containers: [] } } },
        },
      ]);
      expect(s.launcherSecret.secretName).toBe('kfp-object-storage');
      expect(s.argoSecrets).toEqual([
        { name: 'kfp-object-storage', key: 'accesskey' },
        { name: 'kfp-object-storage', key: 'secretkey' },
      ]);
      expect(s.root).toBe('minio://kf-artifacts/teams/kfp/team-c/v2/artifacts');
      // a fixed name: no {namespace} explanation in NOTES
      expect(fixed.notes).toContain('the Secret "kfp-object-storage"\nwith the keys "accesskey"');
      expect(r.attachments.map((o) => o.metadata.namespace)).toEqual(
        Array(r.attachments.length).fill('team-c'),
      );
    });

    it('shared keys only when asked for: every profile gets the same Secret, and NOTES warn', async () => {
      const controller = await startController(shared.objects, {});
      controllers.push(controller);
      const [a, b] = await Promise.all(PROFILES.map((ns) => controller.sync(ns)));
      const secrets = [a, b].map(
        (r) =>
          storageOf([
            ...(r?.attachments ?? []),
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              metadata: { name: 'ml-pipeline-ui-artifact' },
              spec: { template: { spec: { containers: [] } } },
            },
          ]).secrets,
      );
      const data = secrets.map((s) => (s[0] as Child | undefined)?.data);
      expect(data[0]).toEqual({
        accesskey: Buffer.from(STORE.accessKey).toString('base64'),
        secretkey: Buffer.from(STORE.secretKey).toString('base64'),
      });
      expect(data[1]).toEqual(data[0]);
      // paths still differ by profile
      expect(
        child(a?.attachments ?? [], 'ConfigMap', 'kfp-launcher').data?.defaultPipelineRoot,
      ).toBe('minio://kf-artifacts/teams/kfp/team-a/v2/artifacts');
      expect(shared.notes).toContain(
        'WARNING: global.objectStorage.profileCredentials is "shared"',
      );
      expect(shared.notes).toContain('every Kubeflow user can read and overwrite');
      expect(shared.notes).not.toContain('Create, in each profile namespace');
    });
  },
);

describe('schema: per-profile object storage', () => {
  const error = (storage: object) =>
    schemaError({ global: { objectStorage: { ...STORE, ...storage } } });

  it('accepts a Secret name with {namespace}, refuses the controller-owned name and bad prefixes', async () => {
    expect(await error({ profileSecret: { name: 's3-{namespace}' } })).toBeUndefined();
    expect(await error({ profileCredentials: 'shared' })).toBeUndefined();
    expect(await error({ profileCredentials: 'iam' })).toMatch(/profileCredentials/);
    expect(await error({ profileSecret: { name: 'mlpipeline-minio-artifact' } })).toMatch(
      /profileSecret/,
    );
    expect(await error({ profileSecret: { name: 'S3 {ns}' } })).toMatch(/profileSecret/);
    for (const pathPrefix of ['', '/abs', 'a//b', 'a/../b', 'a"b', 'a/']) {
      expect(await error({ pathPrefix }), pathPrefix).toMatch(/pathPrefix/);
    }
  });
});

describe('hostile per-profile values (schema off)', () => {
  it('quotes, newlines, {{ and # in pathPrefix and profileSecret stay exact strings', async () => {
    const hostile = 'x"\n{{ fail "y" }} # z: \'q\'';
    const storage = {
      ...STORE,
      pathPrefix: hostile,
      profileCredentials: hostile,
      profileSecret: { name: hostile, accessKeyKey: hostile, secretKeyKey: hostile },
    };
    const results = await renderUnchecked({ global: { objectStorage: storage } }, 'kubeflow');
    for (const result of results) {
      expect(result.ok, result.text).toBe(true);
      const objects = parseYamlStream(result.text, 'helm template') as K8sObject[];
      const env = controllerEnv(objects);
      for (const name of [
        'KFCHARTS_S3_PATH_PREFIX',
        'KFCHARTS_S3_PROFILE_CREDENTIALS',
        'KFCHARTS_S3_PROFILE_SECRET',
        'KFCHARTS_S3_PROFILE_SECRET_ACCESS_KEY_KEY',
        'KFCHARTS_S3_PROFILE_SECRET_SECRET_KEY_KEY',
      ]) {
        expect(env[name], name).toBe(hostile);
      }
      const argo = objects.find((o) => o.metadata.name === 'workflow-controller-configmap') as
        | (K8sObject & { data: Record<string, string> })
        | undefined;
      const repository = parse(argo?.data.artifactRepository ?? '') as {
        s3: { keyFormat: string };
      };
      expect(repository.s3.keyFormat.startsWith(`${hostile}/{{workflow.namespace}}/`)).toBe(true);
    }
    // numbers where strings belong: still rendered, as text
    const numbers = { ...STORE, pathPrefix: 7, profileCredentials: 7 };
    for (const result of await renderUnchecked(
      { global: { objectStorage: numbers } },
      'kubeflow',
    )) {
      expect(result.ok, result.text).toBe(true);
      const env = controllerEnv(parseYamlStream(result.text, 'helm template') as K8sObject[]);
      expect([env.KFCHARTS_S3_PATH_PREFIX, env.KFCHARTS_S3_PROFILE_CREDENTIALS]).toEqual([
        '7',
        '7',
      ]);
    }
  });
});
