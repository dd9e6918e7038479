import { EditError, selectObject, templateRule } from '../edit.ts';
import type { ObjectRule } from '../rule.ts';
import { GENERATE, generated, upstreamValue } from './credentials.ts';
import {
  credentialRef,
  databaseName,
  type OwnSecret,
  or,
  ownExisting,
  ownInline,
  pipelinesOwnSecret,
  redirectCredentials,
} from './database-consumers.ts';
import {
  and,
  base64,
  container,
  DATABASE,
  ifElse,
  json,
  not,
  port,
  removeWhen,
  secretKeyRefEnv,
} from './template.ts';

/**
 * global.database: Pipelines (pipelines, metadata and cache databases) and Katib on an
 * external MySQL/MariaDB. Pipelines' workloads read host and port from
 * pipeline-install-config and credentials from mysql-secret; Katib's db-manager takes
 * host, port and user only from code defaults, so it gains the env vars Katib reads
 * (KATIB_MYSQL_DB_HOST, KATIB_MYSQL_DB_PORT, DB_USER, KATIB_MYSQL_DB_DATABASE: Katib
 * v0.19 pkg/db/v1beta1/common/const.go). Each consumer's database name and own user come
 * from global.database.consumers (database-consumers.ts).
 */
const EXTERNAL = `${DATABASE}.external`;
const EXISTING = and(EXTERNAL, `${DATABASE}.existingSecret`);
const INLINE = and(EXTERNAL, not(`${DATABASE}.existingSecret`));
/** global.generateSecrets with the in-cluster databases: generated root passwords. */
const GENERATE_IN_CLUSTER = and(GENERATE, not(EXTERNAL));
/** Katib's own inline user lives in katib-mysql-secrets, which only katib-db-manager reads. */
const KATIB_OWN: OwnSecret = {
  name: 'katib-mysql-secrets',
  username: 'DB_USER',
  password: 'MYSQL_ROOT_PASSWORD',
};
const KATIB = `${DATABASE}.consumers.katib`;
/** The Pipelines workloads that read mysql-secret, by consumer. */
const PIPELINES_CONSUMERS: Readonly<Record<string, string>> = {
  'ml-pipeline': 'pipelines',
  'cache-server': 'cache',
  'metadata-grpc-deployment': 'metadata',
};
/** pipeline-install-config's database name keys, by consumer. */
const DATABASE_NAME_KEYS: Readonly<Record<string, string>> = {
  pipelineDb: 'pipelines',
  cacheDb: 'cache',
  mlmdDb: 'metadata',
};

export const databaseRules: readonly ObjectRule[] = [
  templateRule({
    id: 'database-pipeline-install-config',
    description:
      'pipeline-install-config: dbHost, mysqlHost, dbPort, mysqlPort from global.database; pipelineDb, cacheDb, mlmdDb from its consumers',
    component: 'pipelines',
    select: selectObject('ConfigMap', 'kubeflow', 'pipeline-install-config'),
    edit(e) {
      for (const key of ['dbHost', 'mysqlHost']) {
        e.replaceScalar(['data', key], (o) => ifElse(EXTERNAL, json(`${DATABASE}.host`), o));
      }
      for (const key of ['dbPort', 'mysqlPort']) {
        e.replaceScalar(['data', key], (o) => ifElse(EXTERNAL, port(`${DATABASE}.port`), o));
      }
      for (const [key, consumer] of Object.entries(DATABASE_NAME_KEYS)) {
        e.replaceScalar(['data', key], (o) => databaseName(consumer, o));
      }
    },
  }),
  templateRule({
    id: 'database-mysql-secret',
    description: 'mysql-secret: the external user and password; left out with existingSecret',
    component: 'pipelines',
    select: selectObject('Secret', 'kubeflow', 'mysql-secret'),
    edit(e) {
      e.keepObjectWhen(not(EXISTING));
      e.replaceScalar(['stringData', 'username'], (o) =>
        ifElse(INLINE, json(`${DATABASE}.username`), o),
      );
      const password = generated({
        id: 'pipelines-mysql-password',
        length: 24,
        known: [upstreamValue(e, 'stringData', 'password')],
        lookups: [['kubeflow', 'mysql-secret', 'password']],
      });
      e.replaceScalar(['stringData', 'password'], (o) =>
        ifElse(
          INLINE,
          json(`${DATABASE}.password`),
          ifElse(GENERATE_IN_CLUSTER, json(password), o),
        ),
      );
    },
  }),
  templateRule({
    id: 'database-pipelines-existing-secret',
    description:
      "Pipelines' workloads read their consumer's own user (consumers.<name>) or global.database.existingSecret instead of mysql-secret",
    component: 'pipelines',
    select: (o) =>
      o.kind === 'Deployment' && o.namespace === 'kubeflow' && o.name in PIPELINES_CONSUMERS,
    edit(e) {
      const consumer = PIPELINES_CONSUMERS[e.object.name] as string;
      redirectCredentials(
        e,
        consumer,
        'mysql-secret',
        { username: 'username', password: 'password' },
        pipelinesOwnSecret(consumer),
      );
    },
  }),
  templateRule({
    id: 'database-pipelines-mysql-root-password',
    description:
      "Pipelines' in-cluster MySQL: with global.generateSecrets, the root password from mysql-secret instead of an empty one",
    component: 'pipelines',
    select: selectObject('Deployment', 'kubeflow', 'mysql'),
    edit(e) {
      const env = [...container('mysql'), 'env'];
      const allowEmpty = [...env, { name: 'MYSQL_ALLOW_EMPTY_PASSWORD' }];
      if (!e.has(allowEmpty)) throw new EditError('has no env MYSQL_ALLOW_EMPTY_PASSWORD');
      e.keepItemWhen(allowEmpty, not(GENERATE_IN_CLUSTER));
      e.append(
        env,
        GENERATE_IN_CLUSTER,
        secretKeyRefEnv('MYSQL_ROOT_PASSWORD', 'mysql-secret', 'password'),
      );
    },
  }),
  removeWhen({
    id: 'database-pipelines-in-cluster-mysql',
    description: "Pipelines' in-cluster MySQL, left out when global.database.external",
    component: 'pipelines',
    condition: EXTERNAL,
    targets: [
      ['Deployment', 'kubeflow', 'mysql'],
      ['Service', 'kubeflow', 'mysql'],
      ['PersistentVolumeClaim', 'kubeflow', 'mysql-pv-claim'],
      ['ServiceAccount', 'kubeflow', 'mysql'],
      ['AuthorizationPolicy', 'kubeflow', 'mysql'],
      ['DestinationRule', 'kubeflow', 'ml-pipeline-mysql'],
    ],
  }),
  templateRule({
    id: 'database-katib-mysql-secrets',
    description:
      "katib-mysql-secrets: the external password and user (Katib's own, consumers.katib, or the shared); left out with an existingSecret",
    component: 'katib',
    select: selectObject('Secret', 'kubeflow', 'katib-mysql-secrets'),
    edit(e) {
      e.keepObjectWhen(or(ownInline('katib'), and(not(EXISTING), not(ownExisting('katib')))));
      const password = generated({
        id: 'katib-mysql-password',
        length: 24,
        known: [upstreamValue(e, 'data', 'MYSQL_ROOT_PASSWORD')],
        lookups: [['kubeflow', 'katib-mysql-secrets', 'MYSQL_ROOT_PASSWORD']],
      });
      e.replaceScalar(['data', 'MYSQL_ROOT_PASSWORD'], (o) =>
        ifElse(
          ownInline('katib'),
          base64(`${KATIB}.password`),
          ifElse(
            INLINE,
            base64(`${DATABASE}.password`),
            ifElse(GENERATE_IN_CLUSTER, base64(password), o),
          ),
        ),
      );
      e.append(['data'], or(ownInline('katib'), INLINE), [
        `DB_USER: ${ifElse(ownInline('katib'), base64(`${KATIB}.username`), base64(`${DATABASE}.username`))}`,
      ]);
    },
  }),
  templateRule({
    id: 'database-katib-db-manager',
    description:
      'katib-db-manager: host, port, database and user of global.database and consumers.katib (Katib reads them from env)',
    component: 'katib',
    select: selectObject('Deployment', 'kubeflow', 'katib-db-manager'),
    edit(e) {
      const env = [...container('katib-db-manager'), 'env'];
      redirectCredentials(
        e,
        'katib',
        'katib-mysql-secrets',
        { MYSQL_ROOT_PASSWORD: 'password' },
        KATIB_OWN,
      );
      e.append(env, EXTERNAL, [
        '- name: KATIB_MYSQL_DB_HOST',
        `  value: ${json(`${DATABASE}.host`)}`,
        '- name: KATIB_MYSQL_DB_PORT',
        `  value: ${port(`${DATABASE}.port`)}`,
        '- name: KATIB_MYSQL_DB_DATABASE',
        `  value: ${json(`${KATIB}.database`)}`,
        ...secretKeyRefEnv(
          'DB_USER',
          credentialRef('katib', 'username', KATIB_OWN, 'name', 'katib-mysql-secrets'),
          credentialRef('katib', 'username', KATIB_OWN, 'key', 'DB_USER'),
        ),
      ]);
    },
  }),
  removeWhen({
    id: 'database-katib-in-cluster-mysql',
    description: "Katib's in-cluster MySQL, left out when global.database.external",
    component: 'katib',
    condition: EXTERNAL,
    targets: [
      ['Deployment', 'kubeflow', 'katib-mysql'],
      ['Service', 'kubeflow', 'katib-mysql'],
      ['PersistentVolumeClaim', 'kubeflow', 'katib-mysql'],
    ],
  }),
];
