import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../../paths.ts';
import { EditError, type ObjectEditor, selectObject, templateRule } from '../edit.ts';
import type { ObjectRule } from '../rule.ts';
import { GENERATE, generated, upstreamValue } from './credentials.ts';
import {
  and,
  container,
  ifElse,
  json,
  not,
  OBJECT_STORAGE,
  redirectSecretKeyRefs,
  removeWhen,
  secretKeyRefEnv,
} from './template.ts';

/**
 * global.objectStorage: Pipelines' artifacts on an external S3-compatible store instead
 * of upstream's in-cluster SeaweedFS. The API server, the UI, Argo's controller-wide
 * artifact repository and the kubeflow namespace's kfp-launcher point at the store;
 * the pipelines profile controller runs kfcharts' sync.py
 * (charts/pipelines/sync-external-s3.py), which gives every profile namespace kfp-launcher
 * and Argo configuration for the store under the profile's own path
 * `<pathPrefix>/<namespace>/`, with the profile's own credentials (a Secret the user
 * provides in each profile namespace, `profileCredentials: secret`) or, only when asked
 * for, the shared ones (`shared`), instead of minting SeaweedFS IAM users. The shared
 * credentials live only in the Secret mlpipeline-minio-artifact (or existingSecret);
 * everything else reads them by secretKeyRef.
 */
const OS = OBJECT_STORAGE;
const EXTERNAL = `${OS}.external`;
const EXISTING = and(EXTERNAL, `${OS}.existingSecret`);
const INLINE = and(EXTERNAL, not(`${OS}.existingSecret`));
const WITH_REGION = and(EXTERNAL, `${OS}.region`);
/** Profiles get the shared keys (an explicit opt-in; NOTES warn). */
const SHARED = and(EXTERNAL, `(eq (toString ${OS}.profileCredentials) "shared")`);
/** Upstream's per-profile path prefix, in sync.py and Argo's keyFormat. */
const UPSTREAM_PREFIX = 'private-artifacts';

const SECRET = 'mlpipeline-minio-artifact';
const SECRET_KEYS = {
  accesskey: `${OS}.existingSecretAccessKeyKey`,
  secretkey: `${OS}.existingSecretSecretKeyKey`,
};

/** endpoint is host[:port] (schema); host without port and IPv6 brackets. */
const HOST = `(regexReplaceAll ":[0-9]+$" (${OS}.endpoint | toString) "" | trimPrefix "[" | trimSuffix "]")`;
/** The endpoint's port, else 443 with TLS and 80 without. */
const PORT = `(regexFind ":[0-9]+$" (${OS}.endpoint | toString) | trimPrefix ":" | default (ternary "443" "80" ${OS}.secure))`;
/** scheme://host[:port], the form kfp-launcher providers and the KFP UI parse. */
const URL = `(printf "%s://%s" (ternary "https" "http" ${OS}.secure) (${OS}.endpoint | toString))`;
const INSECURE = `{{ not ${OS}.secure | toJson }}`;

/** The credential Secret's name and keys for lines added in external mode. */
const CREDENTIALS = {
  name: ifElse(`${OS}.existingSecret`, json(`${OS}.existingSecret`), SECRET),
  accesskey: ifElse(`${OS}.existingSecret`, json(SECRET_KEYS.accesskey), 'accesskey'),
  secretkey: ifElse(`${OS}.existingSecret`, json(SECRET_KEYS.secretkey), 'secretkey'),
};

/** kfcharts' sync.py for an external store, shipped instead of upstream's. */
const SYNC_SCRIPT = 'charts/pipelines/sync-external-s3.py';
let syncScript: string | undefined;
function externalSyncScript(): string {
  syncScript ??= readFileSync(resolve(projectRoot, SYNC_SCRIPT), 'utf8');
  return syncScript;
}

/** Points the secretKeyRefs to mlpipeline-minio-artifact at existingSecret; `count` of them. */
function redirectCredentials(e: ObjectEditor, count: number): void {
  const changed = redirectSecretKeyRefs(e, SECRET, EXISTING, `${OS}.existingSecret`, SECRET_KEYS);
  if (changed !== count) {
    throw new EditError(`${changed} secretKeyRef(s) to ${SECRET}, expected ${count}`);
  }
}

function secretKeyRefLines(variable: string, key: 'accesskey' | 'secretkey'): string[] {
  return secretKeyRefEnv(variable, CREDENTIALS.name, CREDENTIALS[key]);
}

export const objectStorageRules: readonly ObjectRule[] = [
  templateRule({
    id: 'object-storage-artifact-secret',
    description:
      'mlpipeline-minio-artifact: the external access and secret key; left out with existingSecret',
    component: 'pipelines',
    select: selectObject('Secret', 'kubeflow', SECRET),
    edit(e) {
      e.keepObjectWhen(not(EXISTING));
      // global.generateSecrets with the in-cluster store: generated admin keys (SeaweedFS
      // configures its admin user from this Secret at every start).
      const keys = [
        ['accesskey', `${OS}.accessKey`, 20],
        ['secretkey', `${OS}.secretKey`, 40],
      ] as const;
      for (const [key, value, length] of keys) {
        const own = generated({
          id: `object-storage-${key}`,
          length,
          known: [upstreamValue(e, 'stringData', key)],
          lookups: [['kubeflow', SECRET, key]],
        });
        e.replaceScalar(['stringData', key], (o) =>
          ifElse(INLINE, json(value), ifElse(and(GENERATE, not(EXTERNAL)), json(own), o)),
        );
      }
    },
  }),
  templateRule({
    id: 'object-storage-pipeline-install-config',
    description:
      'pipeline-install-config: bucketName (the API server bucket) from global.objectStorage',
    component: 'pipelines',
    select: selectObject('ConfigMap', 'kubeflow', 'pipeline-install-config'),
    edit(e) {
      e.replaceScalar(['data', 'bucketName'], (o) => ifElse(EXTERNAL, json(`${OS}.bucket`), o));
    },
  }),
  templateRule({
    id: 'object-storage-api-server',
    description:
      'ml-pipeline: OBJECTSTORECONFIG_HOST/PORT/SECURE/REGION of the store, credentials from existingSecret',
    component: 'pipelines',
    select: selectObject('Deployment', 'kubeflow', 'ml-pipeline'),
    edit(e) {
      const apiEnv = [...container('ml-pipeline-api-server'), 'env'];
      const variables: [string, string][] = [
        ['OBJECTSTORECONFIG_HOST', json(HOST)],
        ['OBJECTSTORECONFIG_PORT', json(PORT)],
        ['OBJECTSTORECONFIG_SECURE', json(`${OS}.secure`)],
      ];
      for (const [name, value] of variables) {
        e.replaceScalar([...apiEnv, { name }, 'value'], (o) => ifElse(EXTERNAL, value, o));
      }
      e.append(apiEnv, WITH_REGION, [
        '- name: OBJECTSTORECONFIG_REGION',
        `  value: ${json(`${OS}.region`)}`,
      ]);
      redirectCredentials(e, 2);
    },
  }),
  templateRule({
    id: 'object-storage-ui',
    description:
      'ml-pipeline-ui: MINIO_HOST/PORT/SSL/NAMESPACE, ARGO_ARCHIVE_BUCKETNAME and AWS_REGION of the store, credentials from existingSecret',
    component: 'pipelines',
    select: selectObject('Deployment', 'kubeflow', 'ml-pipeline-ui'),
    edit(e) {
      const envPath = [...container('ml-pipeline-ui'), 'env'];
      // The UI builds its endpoint as MINIO_HOST.MINIO_NAMESPACE unless the namespace is empty.
      e.keepItemWhen([...envPath, { name: 'MINIO_NAMESPACE' }], not(EXTERNAL));
      e.append(envPath, EXTERNAL, [
        '- name: MINIO_NAMESPACE',
        '  value: ""',
        '- name: MINIO_HOST',
        `  value: ${json(HOST)}`,
        '- name: MINIO_PORT',
        `  value: ${json(PORT)}`,
        '- name: MINIO_SSL',
        `  value: ${json(`${OS}.secure`)}`,
        '- name: ARGO_ARCHIVE_BUCKETNAME',
        `  value: ${json(`${OS}.bucket`)}`,
      ]);
      e.append(envPath, WITH_REGION, ['- name: AWS_REGION', `  value: ${json(`${OS}.region`)}`]);
      redirectCredentials(e, 2);
    },
  }),
  templateRule({
    id: 'object-storage-workflow-controller',
    description:
      "workflow-controller-configmap: Argo's default artifact repository on the store (endpoint, bucket, TLS, region, credentials)",
    component: 'pipelines',
    select: selectObject('ConfigMap', 'kubeflow', 'workflow-controller-configmap'),
    edit(e) {
      const repository = ['data', 'artifactRepository'];
      const line = (find: string, then: string) =>
        e.replaceInScalar(repository, find, 1, (o) => ifElse(EXTERNAL, then, o));
      // The in-cluster store's endpoint differs by release (SeaweedFS, MinIO): whichever it is.
      const upstream = parse(String(e.value(repository))) as { s3?: { endpoint?: unknown } };
      line(
        `endpoint: ${JSON.stringify(upstream?.s3?.endpoint)}`,
        `endpoint: ${json(`${OS}.endpoint`)}`,
      );
      line('bucket: "mlpipeline"', `bucket: ${json(`${OS}.bucket`)}`);
      // keyFormat is a JSON-quoted string: the prefix goes in as the inside of one.
      e.replaceInScalar(repository, `keyFormat: "${UPSTREAM_PREFIX}/`, 1, (o) =>
        ifElse(
          EXTERNAL,
          `keyFormat: "{{ ${OS}.pathPrefix | toString | toJson | include "kfcharts.escapeControls" | trimPrefix "\\"" | trimSuffix "\\"" }}/`,
          o,
        ),
      );
      // region goes on its own line below insecure, at the same indentation.
      e.replaceInScalar(repository, '\n      insecure: true', 1, (o) =>
        ifElse(
          EXTERNAL,
          `\n      insecure: ${INSECURE}{{ if ${OS}.region }}\n      region: ${json(`${OS}.region`)}{{ end }}`,
          o,
        ),
      );
      e.replaceInScalar(repository, `name: ${SECRET}`, 2, (o) =>
        ifElse(EXISTING, `name: ${json(`${OS}.existingSecret`)}`, o),
      );
      for (const key of ['accesskey', 'secretkey'] as const) {
        e.replaceInScalar(repository, `key: ${key}`, 1, (o) =>
          ifElse(EXISTING, `key: ${json(SECRET_KEYS[key])}`, o),
        );
      }
    },
  }),
  templateRule({
    id: 'object-storage-kfp-launcher',
    description:
      "kfp-launcher (kubeflow): pipeline root in the bucket and a minio provider for the store (the launcher's built-in default is seaweedfs.kubeflow:9000)",
    component: 'pipelines',
    select: selectObject('ConfigMap', 'kubeflow', 'kfp-launcher'),
    edit(e) {
      e.replaceScalar(['data', 'defaultPipelineRoot'], (o) =>
        ifElse(EXTERNAL, json(`(printf "minio://%s/v2/artifacts" ${OS}.bucket)`), o),
      );
      e.append(['data'], EXTERNAL, [
        'providers: |',
        '  minio:',
        '    default:',
        `      endpoint: ${json(URL)}`,
        `      region: ${json(`(${OS}.region | default "us-east-1")`)}`,
        `      disableSSL: ${INSECURE}`,
        '      forcePathStyle: true',
        '      credentials:',
        '        fromEnv: false',
        '        secretRef:',
        `          secretName: ${CREDENTIALS.name}`,
        `          accessKeyKey: ${CREDENTIALS.accesskey}`,
        `          secretKeyKey: ${CREDENTIALS.secretkey}`,
      ]);
    },
  }),
  templateRule({
    id: 'object-storage-profile-controller',
    description:
      'kubeflow-pipelines-profile-controller: KFCHARTS_S3_* settings for the external sync.py instead of the SeaweedFS endpoints and admin keys',
    component: 'pipelines',
    select: selectObject('Deployment', 'kubeflow', 'kubeflow-pipelines-profile-controller'),
    edit(e) {
      const envPath = [...container('profile-controller'), 'env'];
      // The in-cluster store's settings; releases set some of them (OBJECT_STORE_HOST
      // came with SeaweedFS), and the endpoint and both keys are always among them.
      for (const name of ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
        if (!e.has([...envPath, { name }])) throw new EditError(`has no env ${name} to replace`);
      }
      for (const name of [
        'AWS_ENDPOINT_URL',
        'S3_ENDPOINT_URL',
        'AWS_REGION',
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'OBJECT_STORE_HOST',
      ]) {
        if (e.has([...envPath, { name }])) e.keepItemWhen([...envPath, { name }], not(EXTERNAL));
      }
      e.append(envPath, EXTERNAL, [
        '- name: KFCHARTS_S3_ENDPOINT',
        `  value: ${json(`${OS}.endpoint`)}`,
        '- name: KFCHARTS_S3_REGION',
        `  value: ${json(`${OS}.region`)}`,
        '- name: KFCHARTS_S3_SECURE',
        `  value: ${json(`${OS}.secure`)}`,
        '- name: KFCHARTS_S3_BUCKET',
        `  value: ${json(`${OS}.bucket`)}`,
        '- name: KFCHARTS_S3_PATH_PREFIX',
        `  value: ${json(`${OS}.pathPrefix`)}`,
        '- name: KFCHARTS_S3_PROFILE_CREDENTIALS',
        `  value: ${json(`${OS}.profileCredentials`)}`,
        '- name: KFCHARTS_S3_PROFILE_SECRET',
        `  value: ${json(`${OS}.profileSecret.name`)}`,
        '- name: KFCHARTS_S3_PROFILE_SECRET_ACCESS_KEY_KEY',
        `  value: ${json(`${OS}.profileSecret.accessKeyKey`)}`,
        '- name: KFCHARTS_S3_PROFILE_SECRET_SECRET_KEY_KEY',
        `  value: ${json(`${OS}.profileSecret.secretKeyKey`)}`,
      ]);
      // The shared keys reach the controller only when profiles are to get them.
      e.append(envPath, SHARED, [
        ...secretKeyRefLines('KFCHARTS_S3_ACCESS_KEY', 'accesskey'),
        ...secretKeyRefLines('KFCHARTS_S3_SECRET_KEY', 'secretkey'),
      ]);
      // The script is mounted from a ConfigMap whose name does not change with it:
      // restart the controller when kfcharts ships another version of it.
      const digest = createHash('sha256').update(externalSyncScript()).digest('hex');
      e.append(['spec', 'template', 'metadata'], EXTERNAL, [
        'annotations:',
        `  kfcharts.dev/sync-py-sha256: "${digest}"`,
      ]);
    },
  }),
  templateRule({
    id: 'object-storage-profile-controller-code',
    description: `kubeflow-pipelines-profile-controller code: sync.py from ${SYNC_SCRIPT} (no SeaweedFS IAM) when external`,
    component: 'pipelines',
    select: selectObject('ConfigMap', 'kubeflow', 'kubeflow-pipelines-profile-controller-code-*'),
    edit(e) {
      e.replaceBlockScalar(['data', 'sync.py'], EXTERNAL, externalSyncScript());
    },
  }),
  removeWhen({
    id: 'object-storage-seaweedfs',
    description: "Pipelines' in-cluster SeaweedFS, left out when global.objectStorage.external",
    component: 'pipelines',
    condition: EXTERNAL,
    targets: [
      ['Deployment', 'kubeflow', 'seaweedfs'],
      ['Service', 'kubeflow', 'seaweedfs'],
      // Some releases also serve SeaweedFS under MinIO's old Service name.
      ['Service', 'kubeflow', 'minio-service'],
      ['ServiceAccount', 'kubeflow', 'seaweedfs'],
      ['PersistentVolumeClaim', 'kubeflow', 'seaweedfs-pvc'],
      ['NetworkPolicy', 'kubeflow', 'seaweedfs'],
      ['AuthorizationPolicy', 'kubeflow', 'seaweedfs-service'],
      ['DestinationRule', 'kubeflow', 'ml-pipeline-seaweedfs'],
    ],
  }),
];
