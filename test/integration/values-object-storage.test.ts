import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ObjectEditor } from '../../src/rules/edit.ts';
import { projectRoot } from './helpers.ts';
import { envOf, type K8sObject, type Rendered, renderWith, schemaError } from './values-charts.ts';

/** global.objectStorage: Pipelines' artifacts on an external S3-compatible store. */
const SCRIPT = readFileSync(join(projectRoot, 'charts/pipelines/sync-external-s3.py'), 'utf8');
const CODE = 'kubeflow-pipelines-profile-controller-code-c55f957kgf';
const SEAWEEDFS_OBJECTS = [
  ['Deployment', 'seaweedfs'],
  ['Service', 'seaweedfs'],
  ['ServiceAccount', 'seaweedfs'],
  ['PersistentVolumeClaim', 'seaweedfs-pvc'],
  ['NetworkPolicy', 'seaweedfs'],
  ['AuthorizationPolicy', 'seaweedfs-service'],
  ['DestinationRule', 'ml-pipeline-seaweedfs'],
] as const;

function external(storage: Record<string, unknown>): Promise<Rendered> {
  return renderWith({ global: { objectStorage: { external: true, ...storage } } }, ['kubeflow']);
}

function data(r: Rendered, name: string): Record<string, string> {
  return r.get('ConfigMap', 'kubeflow', name).data as Record<string, string>;
}

function envNames(workload: K8sObject, container: string): string[] {
  const spec = (
    workload as unknown as {
      spec: { template: { spec: { containers: { name: string; env: { name: string }[] }[] } } };
    }
  ).spec.template.spec;
  return (spec.containers.find((c) => c.name === container)?.env ?? []).map((e) => e.name);
}

/** Every secretKeyRef in the objects, with the object that holds it. */
function secretKeyRefs(
  objects: readonly K8sObject[],
): { object: string; name: string; key: string }[] {
  const found: { object: string; name: string; key: string }[] = [];
  const walk = (node: unknown, object: string): void => {
    if (Array.isArray(node)) for (const item of node) walk(item, object);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'secretKeyRef') found.push({ object, ...(v as { name: string; key: string }) });
        else walk(v, object);
      }
    }
  };
  for (const o of objects) walk(o, `${o.kind}/${o.metadata.name}`);
  return found;
}

function artifactRepository(r: Rendered): unknown {
  return parse(data(r, 'workflow-controller-configmap').artifactRepository as string);
}

const INLINE_REFS = {
  accesskey: { secretKeyRef: { name: 'mlpipeline-minio-artifact', key: 'accesskey' } },
  secretkey: { secretKeyRef: { name: 'mlpipeline-minio-artifact', key: 'secretkey' } },
};

describe('values: global.objectStorage', () => {
  it('AWS S3 with inline keys: every consumer points at the store, SeaweedFS is gone', async () => {
    const r = await external({
      endpoint: 's3.eu-west-1.amazonaws.com',
      region: 'eu-west-1',
      secure: true,
      bucket: 'kf-artifacts',
      accessKey: 'AKIAKFCHARTSTEST',
      secretKey: 'kfchartsSecretKeyValue',
    });

    expect(r.get('Secret', 'kubeflow', 'mlpipeline-minio-artifact').stringData).toEqual({
      accesskey: 'AKIAKFCHARTSTEST',
      secretkey: 'kfchartsSecretKeyValue',
    });
    // Credentials only in that Secret: not in ConfigMaps, env literals or the script.
    expect(r.text.split('AKIAKFCHARTSTEST')).toHaveLength(2);
    expect(r.text.split('kfchartsSecretKeyValue')).toHaveLength(2);

    expect(data(r, 'pipeline-install-config').bucketName).toBe('kf-artifacts');

    const api = r.get('Deployment', 'kubeflow', 'ml-pipeline');
    const apiEnv = (name: string) => envOf(api, 'ml-pipeline-api-server', name);
    expect(apiEnv('OBJECTSTORECONFIG_HOST')?.value).toBe('s3.eu-west-1.amazonaws.com');
    expect(apiEnv('OBJECTSTORECONFIG_PORT')?.value).toBe('443');
    expect(apiEnv('OBJECTSTORECONFIG_SECURE')?.value).toBe('true');
    expect(apiEnv('OBJECTSTORECONFIG_REGION')?.value).toBe('eu-west-1');
    expect(apiEnv('OBJECTSTORECONFIG_BUCKETNAME')?.valueFrom).toEqual({
      configMapKeyRef: { key: 'bucketName', name: 'pipeline-install-config' },
    });
    expect(apiEnv('OBJECTSTORECONFIG_ACCESSKEY')?.valueFrom).toEqual(INLINE_REFS.accesskey);
    expect(apiEnv('OBJECTSTORECONFIG_SECRETACCESSKEY')?.valueFrom).toEqual(INLINE_REFS.secretkey);

    const ui = r.get('Deployment', 'kubeflow', 'ml-pipeline-ui');
    const uiEnv = (name: string) => envOf(ui, 'ml-pipeline-ui', name);
    expect(uiEnv('MINIO_NAMESPACE')).toEqual({ name: 'MINIO_NAMESPACE', value: '' });
    expect(envNames(ui, 'ml-pipeline-ui').filter((n) => n === 'MINIO_NAMESPACE')).toHaveLength(1);
    expect(uiEnv('MINIO_HOST')?.value).toBe('s3.eu-west-1.amazonaws.com');
    expect(uiEnv('MINIO_PORT')?.value).toBe('443');
    expect(uiEnv('MINIO_SSL')?.value).toBe('true');
    expect(uiEnv('ARGO_ARCHIVE_BUCKETNAME')?.value).toBe('kf-artifacts');
    expect(uiEnv('AWS_REGION')?.value).toBe('eu-west-1');
    expect(uiEnv('MINIO_ACCESS_KEY')?.valueFrom).toEqual(INLINE_REFS.accesskey);
    expect(uiEnv('MINIO_SECRET_KEY')?.valueFrom).toEqual(INLINE_REFS.secretkey);

    expect(artifactRepository(r)).toEqual({
      archiveLogs: true,
      s3: {
        endpoint: 's3.eu-west-1.amazonaws.com',
        bucket: 'kf-artifacts',
        keyFormat:
          'private-artifacts/{{workflow.namespace}}/{{workflow.name}}/{{workflow.creationTimestamp.Y}}/{{workflow.creationTimestamp.m}}/{{workflow.creationTimestamp.d}}/{{pod.name}}',
        insecure: false,
        region: 'eu-west-1',
        accessKeySecret: { name: 'mlpipeline-minio-artifact', key: 'accesskey' },
        secretKeySecret: { name: 'mlpipeline-minio-artifact', key: 'secretkey' },
      },
    });

    const launcher = data(r, 'kfp-launcher');
    expect(launcher.defaultPipelineRoot).toBe('minio://kf-artifacts/v2/artifacts');
    expect(parse(launcher.providers as string)).toEqual({
      minio: {
        default: {
          endpoint: 'https://s3.eu-west-1.amazonaws.com',
          region: 'eu-west-1',
          disableSSL: false,
          forcePathStyle: true,
          credentials: {
            fromEnv: false,
            secretRef: {
              secretName: 'mlpipeline-minio-artifact',
              accessKeyKey: 'accesskey',
              secretKeyKey: 'secretkey',
            },
          },
        },
      },
    });

    const controller = r.get('Deployment', 'kubeflow', 'kubeflow-pipelines-profile-controller');
    expect(envNames(controller, 'profile-controller')).toEqual([
      'KFP_VERSION',
      'KFP_DEFAULT_PIPELINE_ROOT',
      'ARTIFACTS_PROXY_ENABLED',
      'ARTIFACT_RETENTION_DAYS',
      'KFCHARTS_S3_ENDPOINT',
      'KFCHARTS_S3_REGION',
      'KFCHARTS_S3_SECURE',
      'KFCHARTS_S3_BUCKET',
      'KFCHARTS_S3_PATH_PREFIX',
      'KFCHARTS_S3_PROFILE_CREDENTIALS',
      'KFCHARTS_S3_PROFILE_SECRET',
      'KFCHARTS_S3_PROFILE_SECRET_ACCESS_KEY_KEY',
      'KFCHARTS_S3_PROFILE_SECRET_SECRET_KEY_KEY',
    ]);
    const controllerEnv = (name: string) => envOf(controller, 'profile-controller', name);
    expect(controllerEnv('KFCHARTS_S3_ENDPOINT')?.value).toBe('s3.eu-west-1.amazonaws.com');
    expect(controllerEnv('KFCHARTS_S3_REGION')?.value).toBe('eu-west-1');
    expect(controllerEnv('KFCHARTS_S3_SECURE')?.value).toBe('true');
    expect(controllerEnv('KFCHARTS_S3_BUCKET')?.value).toBe('kf-artifacts');
    // profiles get their own keys (profileCredentials: secret): the shared ones stay out
    expect(controllerEnv('KFCHARTS_S3_PROFILE_CREDENTIALS')?.value).toBe('secret');
    expect(controllerEnv('KFCHARTS_S3_PROFILE_SECRET')?.value).toBe('kfp-object-storage');
    expect(controllerEnv('KFCHARTS_S3_PATH_PREFIX')?.value).toBe('private-artifacts');
    const podMetadata = (controller as unknown as { spec: { template: { metadata: object } } }).spec
      .template.metadata;
    expect(podMetadata).toMatchObject({
      annotations: {
        'kfcharts.dev/sync-py-sha256': createHash('sha256').update(SCRIPT).digest('hex'),
      },
    });
    expect(data(r, CODE)['sync.py']).toBe(SCRIPT);

    for (const [kind, name] of SEAWEEDFS_OBJECTS) {
      expect(r.has(kind, 'kubeflow', name), `${kind} ${name}`).toBe(false);
    }
    expect(r.text.toLowerCase()).not.toContain('seaweedfs');
    expect(r.text).not.toContain('minio123');
  });

  it('MinIO-style endpoint with a port over plain HTTP, no region', async () => {
    const r = await external({
      endpoint: 'minio.storage.svc:9000',
      secure: false,
      accessKey: 'minio-user',
      secretKey: 'minio-password',
    });
    const api = r.get('Deployment', 'kubeflow', 'ml-pipeline');
    expect(envOf(api, 'ml-pipeline-api-server', 'OBJECTSTORECONFIG_HOST')?.value).toBe(
      'minio.storage.svc',
    );
    expect(envOf(api, 'ml-pipeline-api-server', 'OBJECTSTORECONFIG_PORT')?.value).toBe('9000');
    expect(envOf(api, 'ml-pipeline-api-server', 'OBJECTSTORECONFIG_SECURE')?.value).toBe('false');
    expect(envOf(api, 'ml-pipeline-api-server', 'OBJECTSTORECONFIG_REGION')).toBeUndefined();
    expect(data(r, 'pipeline-install-config').bucketName).toBe('mlpipeline');

    const ui = r.get('Deployment', 'kubeflow', 'ml-pipeline-ui');
    expect(envOf(ui, 'ml-pipeline-ui', 'MINIO_HOST')?.value).toBe('minio.storage.svc');
    expect(envOf(ui, 'ml-pipeline-ui', 'MINIO_PORT')?.value).toBe('9000');
    expect(envOf(ui, 'ml-pipeline-ui', 'MINIO_SSL')?.value).toBe('false');
    expect(envOf(ui, 'ml-pipeline-ui', 'ARGO_ARCHIVE_BUCKETNAME')?.value).toBe('mlpipeline');
    expect(envOf(ui, 'ml-pipeline-ui', 'AWS_REGION')).toBeUndefined();

    const repository = artifactRepository(r) as { s3: Record<string, unknown> };
    expect(repository.s3).toMatchObject({
      endpoint: 'minio.storage.svc:9000',
      bucket: 'mlpipeline',
      insecure: true,
    });
    expect(repository.s3).not.toHaveProperty('region');

    const launcher = data(r, 'kfp-launcher');
    expect(launcher.defaultPipelineRoot).toBe('minio://mlpipeline/v2/artifacts');
    expect(parse(launcher.providers as string).minio.default).toMatchObject({
      endpoint: 'http://minio.storage.svc:9000',
      region: 'us-east-1',
      disableSSL: true,
    });

    const controller = r.get('Deployment', 'kubeflow', 'kubeflow-pipelines-profile-controller');
    expect(envOf(controller, 'profile-controller', 'KFCHARTS_S3_ENDPOINT')?.value).toBe(
      'minio.storage.svc:9000',
    );
    expect(envOf(controller, 'profile-controller', 'KFCHARTS_S3_SECURE')?.value).toBe('false');
    expect(envOf(controller, 'profile-controller', 'KFCHARTS_S3_REGION')?.value).toBe('');
  });

  it('IPv6 literal without a port: host without brackets, port 443 from secure', async () => {
    const r = await external({ endpoint: '[fd00::5]', accessKey: 'a', secretKey: 'b' });
    const api = r.get('Deployment', 'kubeflow', 'ml-pipeline');
    expect(envOf(api, 'ml-pipeline-api-server', 'OBJECTSTORECONFIG_HOST')?.value).toBe('fd00::5');
    expect(envOf(api, 'ml-pipeline-api-server', 'OBJECTSTORECONFIG_PORT')?.value).toBe('443');
    const launcher = parse(data(r, 'kfp-launcher').providers as string);
    expect(launcher.minio.default.endpoint).toBe('https://[fd00::5]');
  });

  it('existingSecret: no credential is rendered and every consumer reads that Secret', async () => {
    const r = await external({
      endpoint: 's3.eu-west-1.amazonaws.com',
      region: 'eu-west-1',
      existingSecret: 'kf-s3',
      existingSecretAccessKeyKey: 'AWS_ACCESS_KEY_ID',
      existingSecretSecretKeyKey: 'AWS_SECRET_ACCESS_KEY',
      // the profile controller reads the shared keys only to hand them out
      profileCredentials: 'shared',
      // Ignored with existingSecret: must not appear anywhere.
      accessKey: 'IGNORED-ACCESS-KEY',
      secretKey: 'IGNORED-SECRET-KEY',
    });
    expect(r.has('Secret', 'kubeflow', 'mlpipeline-minio-artifact')).toBe(false);
    for (const text of ['IGNORED-ACCESS-KEY', 'IGNORED-SECRET-KEY', 'minio123']) {
      expect(r.text).not.toContain(text);
    }
    // The old Secret's name survives only in the profile controller's script, which
    // creates a Secret of that name in each profile namespace.
    for (const o of r.objects.filter((o) => o.metadata.name !== CODE)) {
      expect(JSON.stringify(o), `${o.kind}/${o.metadata.name}`).not.toContain(
        'mlpipeline-minio-artifact',
      );
    }

    const refs = secretKeyRefs(r.objects).filter((ref) => ref.name === 'kf-s3');
    expect(refs.map((ref) => `${ref.object} ${ref.key}`).sort()).toEqual(
      [
        'Deployment/kubeflow-pipelines-profile-controller AWS_ACCESS_KEY_ID',
        'Deployment/kubeflow-pipelines-profile-controller AWS_SECRET_ACCESS_KEY',
        'Deployment/ml-pipeline AWS_ACCESS_KEY_ID',
        'Deployment/ml-pipeline AWS_SECRET_ACCESS_KEY',
        'Deployment/ml-pipeline-ui AWS_ACCESS_KEY_ID',
        'Deployment/ml-pipeline-ui AWS_SECRET_ACCESS_KEY',
      ].sort(),
    );

    const repository = artifactRepository(r) as { s3: Record<string, unknown> };
    expect(repository.s3.accessKeySecret).toEqual({ name: 'kf-s3', key: 'AWS_ACCESS_KEY_ID' });
    expect(repository.s3.secretKeySecret).toEqual({ name: 'kf-s3', key: 'AWS_SECRET_ACCESS_KEY' });
    const launcher = parse(data(r, 'kfp-launcher').providers as string);
    expect(launcher.minio.default.credentials).toEqual({
      fromEnv: false,
      secretRef: {
        secretName: 'kf-s3',
        accessKeyKey: 'AWS_ACCESS_KEY_ID',
        secretKeyKey: 'AWS_SECRET_ACCESS_KEY',
      },
    });
  });

  it('keys with quotes, newlines, template openers and # stay one exact string', async () => {
    const accessKey = 'ak"\'{{ .Values }}\n# not: yaml';
    const secretKey = 'sk: {{- fail "x" }} "quoted" # comment\nsecond line';
    const r = await external({ endpoint: 's3.example.org', accessKey, secretKey });
    expect(r.get('Secret', 'kubeflow', 'mlpipeline-minio-artifact').stringData).toEqual({
      accesskey: accessKey,
      secretkey: secretKey,
    });
  });

  it('defaults: SeaweedFS and upstream sync.py as kustomize renders them', async () => {
    const r = await renderWith({}, ['kubeflow']);
    for (const [kind, name] of SEAWEEDFS_OBJECTS) {
      expect(r.has(kind, 'kubeflow', name), `${kind} ${name}`).toBe(true);
    }
    expect(r.get('Secret', 'kubeflow', 'mlpipeline-minio-artifact').stringData).toEqual({
      accesskey: 'minio',
      secretkey: 'minio123',
    });
    expect(data(r, CODE)['sync.py']).toContain('iam.create_access_key(UserName=namespace)');
    const controller = r.get('Deployment', 'kubeflow', 'kubeflow-pipelines-profile-controller');
    expect(envOf(controller, 'profile-controller', 'OBJECT_STORE_HOST')?.value).toBe('seaweedfs');
    expect(envOf(controller, 'profile-controller', 'KFCHARTS_S3_ENDPOINT')).toBeUndefined();
    expect(data(r, 'kfp-launcher')).toEqual({ defaultPipelineRoot: '' });
  });

  it('schema: external needs an endpoint host[:port] and keys or existingSecret', async () => {
    const base = { external: true, endpoint: 's3.example.org', accessKey: 'a', secretKey: 'b' };
    const error = (storage: object) => schemaError({ global: { objectStorage: storage } });
    expect(await error(base)).toBeUndefined();
    expect(await error({ ...base, endpoint: '' })).toBeDefined();
    expect(await error({ ...base, endpoint: 'https://s3.example.org' })).toBeDefined();
    expect(await error({ ...base, endpoint: 's3.example.org/path' })).toBeDefined();
    expect(await error({ external: true, endpoint: 's3.example.org' })).toBeDefined();
    expect(await error({ ...base, bucket: 'Bad_Bucket' })).toBeDefined();
  });
});

describe('ObjectEditor.replaceBlockScalar', () => {
  const text = 'apiVersion: v1\nkind: ConfigMap\ndata:\n  a.py: |\n    old\n  b: x\n';
  /** The text with the edit's then-branch spliced in and Helm's escapes undone. */
  function replaced(content: string): unknown {
    const editor = new ObjectEditor(
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', namespace: 'n', labels: {}, text },
      'test',
    );
    editor.replaceBlockScalar(['data', 'a.py'], 'cond', content);
    const [edit] = editor.edits;
    if (!edit) throw new Error('no edit');
    const [head, original] = edit.template.split('{{ else }}') as [string, string];
    expect(head.startsWith('{{ if cond }}')).toBe(true);
    expect(original).toBe('|\n    old\n{{ end }}');
    const then = head.slice('{{ if cond }}'.length).replaceAll('{{"{{"}}', '{{');
    return parse(text.slice(0, edit.start) + then + text.slice(edit.end)).data;
  }

  it.each([
    ['one final newline', 'print(1)\n\nx = f"{{{{a}}}}"  # {{ not a template\n'],
    ['no final newline', 'a\nb'],
    ['several final newlines', 'a\n\n\n'],
    ['a first line starting with spaces', '  indented\nnext\n'],
    ['leading empty lines', '\n\n  x\n'],
    ['tabs and trailing spaces', '\tx  \n y\n'],
    ['nothing', ''],
  ])('keeps content with %s exactly', (_, content) => {
    expect(replaced(content)).toEqual({ 'a.py': content, b: 'x' });
  });

  it('rejects control characters; a quoted scalar takes the content as a JSON string', () => {
    expect(() => replaced('a\u0000b')).toThrow(/control characters/);
    const editor = new ObjectEditor(
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', namespace: 'n', labels: {}, text },
      'test',
    );
    expect(editor.value(['data', 'b'])).toBeTypeOf('string');
    editor.replaceBlockScalar(['data', 'b'], 'cond', 'x = "{{ y }}"\n  z\n');
    expect(editor.edits.map((e) => e.template)).toEqual([
      `{{ if cond }}"x = \\"{{"{{"}} y }}\\"\\n  z\\n"{{ else }}${text.slice(editor.edits[0]?.start, editor.edits[0]?.end)}{{ end }}`,
    ]);
  });
});
