import { parseDocument } from 'yaml';
import type { ManifestObject } from '../../manifest/object.ts';
import { KUBERNETES_YAML } from '../../manifest/object.ts';
import { EditError, type ObjectEditor } from '../edit.ts';
import { AUTH, DATABASE, OBJECT_STORAGE } from './template.ts';

/**
 * Upstream's well-known credentials: what the charts render at default values (as
 * upstream does) and what replaces each. Two uses:
 *  - the values rules (auth.ts, database.ts, object-storage.ts) print a generated value
 *    in their place under global.generateSecrets (generated() below), refusing upstream's
 *    value even when a lookup finds it in the cluster;
 *  - NOTES.txt of the release holding each lists those still in use after the user's
 *    values (wellKnownIn() finds them in the upstream objects at build time, and
 *    `stillInUse` decides at render time).
 * The values themselves are never written here: they are read from upstream's objects.
 */
export const GENERATE = '$.Values.global.generateSecrets';

export interface WellKnownCredential {
  readonly id: string;
  /** What it is, for NOTES. */
  readonly title: string;
  readonly component: string;
  /** The Secret holding it; a name ending in `*` is a prefix (kustomize's hash suffix). */
  readonly namespace: string;
  readonly name: string;
  /** `data` (base64) or `stringData` and the key. */
  readonly field: 'data' | 'stringData';
  readonly key: string;
  /** The values keys that replace it, for NOTES. */
  readonly replacedBy: string;
  /**
   * Template condition, true while the chart renders upstream's value; `own` is the
   * expression of the component's values block (`$.Values` in the subchart,
   * `(index $.Values "dex")` in the parent chart).
   */
  stillInUse(own: string): string;
}

const GENERATE_KEY = 'global.generateSecrets';
const OIDC = `${AUTH}.oidcClient`;
const noGenerate = `(not ${GENERATE})`;
const inClusterDatabase = `(not ${DATABASE}.external)`;
const inClusterStorage = `(not ${OBJECT_STORAGE}.external)`;

const oidcClientSecret = (namespace: string, name: string, field: 'data', key: string) =>
  ({
    id: 'oidc-client-secret',
    title: 'OIDC client secret of the Dex static client oauth2-proxy logs in with',
    component: namespace === 'auth' ? 'dex' : 'oauth2-proxy',
    namespace,
    name,
    field,
    key,
    replacedBy: `global.auth.oidcClient.clientSecret, global.auth.oidcClient.existingSecret or ${GENERATE_KEY}`,
    stillInUse: () => `(and (not ${OIDC}.existingSecret) (not ${OIDC}.clientSecret) ${noGenerate})`,
  }) as const;

export const WELL_KNOWN: readonly WellKnownCredential[] = [
  {
    id: 'dex-static-password',
    title: "bcrypt hash of the password of Dex's static user (upstream's documented default login)",
    component: 'dex',
    namespace: 'auth',
    name: 'dex-passwords',
    field: 'stringData',
    key: 'DEX_USER_PASSWORD',
    replacedBy: `dex.staticPasswords.hash, dex.staticPasswords.existingSecret, dex.staticPasswords.enabled: false or ${GENERATE_KEY}`,
    stillInUse: (own) =>
      `(and ${own}.staticPasswords.enabled (not ${own}.staticPasswords.hash) (not ${own}.staticPasswords.existingSecret) ${noGenerate})`,
  },
  oidcClientSecret('auth', 'dex-oidc-client', 'data', 'OIDC_CLIENT_SECRET'),
  oidcClientSecret('oauth2-proxy', 'oauth2-proxy-*', 'data', 'client-secret'),
  {
    id: 'oauth2-proxy-cookie-secret',
    title: "oauth2-proxy's cookie secret (signs and encrypts session cookies)",
    component: 'oauth2-proxy',
    namespace: 'oauth2-proxy',
    name: 'oauth2-proxy-*',
    field: 'data',
    key: 'cookie-secret',
    replacedBy: `oauth2-proxy.cookieSecret, oauth2-proxy.existingSecret or ${GENERATE_KEY}`,
    stillInUse: (own) =>
      `(and (not ${own}.existingSecret) (not ${own}.cookieSecret) ${noGenerate})`,
  },
  {
    id: 'pipelines-mysql-password',
    title: "password of the in-cluster MySQL's root user (Pipelines)",
    component: 'pipelines',
    namespace: 'kubeflow',
    name: 'mysql-secret',
    field: 'stringData',
    key: 'password',
    replacedBy: `global.database (external: true with password or existingSecret) or ${GENERATE_KEY}`,
    stillInUse: () => `(and ${inClusterDatabase} ${noGenerate})`,
  },
  {
    id: 'katib-mysql-password',
    title: "password of katib-mysql's root user",
    component: 'katib',
    namespace: 'kubeflow',
    name: 'katib-mysql-secrets',
    field: 'data',
    key: 'MYSQL_ROOT_PASSWORD',
    replacedBy: `global.database (external: true with password or existingSecret) or ${GENERATE_KEY}`,
    stillInUse: () => `(and ${inClusterDatabase} ${noGenerate})`,
  },
  ...(['accesskey', 'secretkey'] as const).map((key) => ({
    id: `object-storage-${key}`,
    title: `${key === 'accesskey' ? 'access key' : 'secret key'} of the in-cluster object store's admin user (SeaweedFS or MinIO)`,
    component: 'pipelines',
    namespace: 'kubeflow',
    name: 'mlpipeline-minio-artifact',
    field: 'stringData' as const,
    key,
    replacedBy: `global.objectStorage (external: true with accessKey/secretKey or existingSecret) or ${GENERATE_KEY}`,
    stillInUse: () => `(and ${inClusterStorage} ${noGenerate})`,
  })),
];

/** Whether `object` is the Secret holding `credential`. */
export function holds(credential: WellKnownCredential, object: ManifestObject): boolean {
  const { namespace, name } = credential;
  return (
    object.kind === 'Secret' &&
    object.apiVersion === 'v1' &&
    object.namespace === namespace &&
    (name.endsWith('*') ? object.name.startsWith(name.slice(0, -1)) : object.name === name)
  );
}

/** The plain value of `field.key` in a Secret's YAML text; undefined when absent. */
function plainValue(text: string, field: 'data' | 'stringData', key: string): string | undefined {
  const secret = parseDocument(text, KUBERNETES_YAML).toJSON() as Record<string, unknown>;
  const value = (secret?.[field] as Record<string, unknown> | undefined)?.[key];
  if (typeof value !== 'string') return undefined;
  return field === 'data' ? Buffer.from(value, 'base64').toString('utf8') : value;
}

export interface FoundCredential {
  readonly credential: WellKnownCredential;
  /** `Secret <namespace>/<name>` as the chart renders it (hash suffix included). */
  readonly object: string;
  /** Upstream's value, plain (base64 decoded). */
  readonly value: string;
}

/** The well-known credentials among one component's upstream objects. */
export function wellKnownIn(
  component: string,
  objects: readonly ManifestObject[],
): FoundCredential[] {
  const found: FoundCredential[] = [];
  for (const credential of WELL_KNOWN.filter((c) => c.component === component)) {
    for (const object of objects.filter((o) => holds(credential, o))) {
      const value = plainValue(object.text, credential.field, credential.key);
      if (value === undefined) continue;
      found.push({ credential, object: `Secret ${object.namespace}/${object.name}`, value });
    }
  }
  return found;
}

/** Upstream's plain value at `path` of the Secret being edited (base64 decoded under data). */
export function upstreamValue(e: ObjectEditor, field: 'data' | 'stringData', key: string): string {
  const value = e.value([field, key]);
  if (typeof value !== 'string') throw new EditError(`has no string ${field}.${key}`);
  return field === 'data' ? Buffer.from(value, 'base64').toString('utf8') : value;
}

/** A Go template string literal (JSON's string syntax is a subset of Go's). */
const literal = (s: string) => JSON.stringify(s);

export interface Generated {
  /** Shared by every template asking for the same credential in one release render. */
  readonly id: string;
  readonly length: number;
  /** Upstream's values: never reused, even when a lookup finds them in the cluster. */
  readonly known: readonly string[];
  /** Existing Secrets to keep the value from: [namespace, name, key of data]. */
  readonly lookups: readonly (readonly [string, string, string])[];
}

function generatedDict(spec: Generated): string {
  const lookups = spec.lookups.map((l) => `(list ${l.map(literal).join(' ')})`).join(' ');
  return `(dict "root" $ "id" ${literal(spec.id)} "length" ${spec.length} "known" (list ${spec.known.map(literal).join(' ')}) "lookups" (list ${lookups}))`;
}

/** Template expression: the generated (or looked-up) plain value. */
export function generated(spec: Generated): string {
  return `(include "kfcharts.generatedSecret" ${generatedDict(spec)})`;
}

/** Template expression: the bcrypt hash of a generated password, kept with its password. */
export function generatedBcrypt(
  spec: Generated,
  hashLookup: readonly [string, string, string],
  knownHashes: readonly string[],
): string {
  const dict = generatedDict(spec).slice(0, -1);
  return `(include "kfcharts.generatedBcrypt" ${dict} "hashLookup" (list ${hashLookup.map(literal).join(' ')}) "knownHashes" (list ${knownHashes.map(literal).join(' ')})))`;
}

/** The Secret holding Dex's generated static password (charts/templates/dex/...). */
export const DEX_STATIC_USER_SECRET = 'dex-static-user';
