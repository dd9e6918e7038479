import { EditError, selectObject, templateRule } from '../edit.ts';
import type { ObjectRule } from '../rule.ts';
import { databaseName, or, ownExisting, ownInline, SHARED_EXISTING } from './database-consumers.ts';
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
 * global.database for Model Registry (an optional component, docs/choices.md): upstream's
 * overlays/db runs its own MySQL (model-registry-db) and the server connects through the
 * DSN in its args, `--embedmd-database-dsn=$(MYSQL_USER_NAME):$(MYSQL_ROOT_PASSWORD)@tcp(model-registry-db:$(MYSQL_PORT))/$(MYSQL_DATABASE)`,
 * the variables coming by envFrom from model-registry-db-parameters (port, database
 * `metadb`) and model-registry-db-secrets (user, password). With `external` the DSN's
 * host, the port and the credentials are global.database's and the in-cluster MySQL is
 * left out. Its objects carry no namespace upstream: they are selected without one.
 *
 * global.database.consumers.modelRegistry (database-consumers.ts): its own database
 * (MYSQL_DATABASE) and user, with the other consumers' precedence: its own existingSecret,
 * its own inline user (in model-registry-db-secrets, which only this server reads), the
 * shared existingSecret, the shared user. Secrets are read in Model Registry's namespace.
 */
const COMPONENT = 'model-registry';
const CONSUMER = 'modelRegistry';
const OWN = `${DATABASE}.consumers.${CONSUMER}`;
const EXTERNAL = `${DATABASE}.external`;
const INLINE = and(EXTERNAL, not(`${DATABASE}.existingSecret`));
/** A Secret the user manages holds the credentials: the consumer's own, else the shared one. */
const EXISTING = or(ownExisting(CONSUMER), and(not(ownInline(CONSUMER)), SHARED_EXISTING));
/** Template text of that Secret's name, or of the key `role` names in it. */
function existing(
  field: 'existingSecret' | 'existingSecretUsernameKey' | 'existingSecretPasswordKey',
) {
  return ifElse(ownExisting(CONSUMER), json(`${OWN}.${field}`), json(`${DATABASE}.${field}`));
}
const DSN_HOST = 'tcp(model-registry-db:';

export const modelRegistryRules: readonly ObjectRule[] = [
  templateRule({
    id: 'model-registry-database-server',
    description:
      "model-registry-deployment: the DSN's host, the sidecar's excluded port and (existingSecret) the credentials from global.database or consumers.modelRegistry",
    component: COMPONENT,
    select: selectObject('Deployment', undefined, 'model-registry-deployment'),
    edit(e) {
      const rest = container('rest-container');
      const args = e.value([...rest, 'args']);
      if (!Array.isArray(args)) throw new EditError('rest-container has no args');
      const at = args.findIndex((a) => typeof a === 'string' && a.includes(DSN_HOST));
      if (at < 0 || args.filter((a) => String(a).includes(DSN_HOST)).length !== 1) {
        throw new EditError(`rest-container has not exactly one arg with ${DSN_HOST}`);
      }
      // The DSN stays upstream's text but for its host: a printf of upstream's own text
      // (a Go string literal, `%` doubled) with the host as its one argument.
      const format = JSON.stringify(
        String(args[at]).replace(/%/g, '%%').replace(DSN_HOST, 'tcp(%s:'),
      );
      e.replaceScalar([...rest, 'args', at], (o) =>
        ifElse(EXTERNAL, json(`(printf ${format} ${DATABASE}.host)`), o),
      );
      e.replaceScalar(
        [
          'spec',
          'template',
          'metadata',
          'annotations',
          'traffic.sidecar.istio.io/excludeOutboundPorts',
        ],
        (o) => ifElse(EXTERNAL, port(`${DATABASE}.port`), o),
      );
      // With an existingSecret (own or shared) model-registry-db-secrets is left out: envFrom
      // reads the user's Secret instead, and env (which wins over envFrom) takes its two keys.
      const envFrom = e.value([...rest, 'envFrom']);
      const ref = Array.isArray(envFrom)
        ? envFrom.findIndex(
            (f) =>
              (f as { secretRef?: { name?: string } })?.secretRef?.name ===
              'model-registry-db-secrets',
          )
        : -1;
      if (ref < 0)
        throw new EditError('rest-container has no envFrom secretRef model-registry-db-secrets');
      e.replaceScalar([...rest, 'envFrom', ref, 'secretRef', 'name'], (o) =>
        ifElse(EXISTING, existing('existingSecret'), o),
      );
      const envLines = [...e.object.text.matchAll(/^( *)env: \[\]$/gm)];
      if (envLines.length !== 1) throw new EditError('has not exactly one `env: []`');
      const indent = envLines[0]?.[1] ?? '';
      e.replaceFlow([...rest, 'env'], (o) => {
        const lines = [
          ...secretKeyRefEnv(
            'MYSQL_USER_NAME',
            existing('existingSecret'),
            existing('existingSecretUsernameKey'),
          ),
          ...secretKeyRefEnv(
            'MYSQL_ROOT_PASSWORD',
            existing('existingSecret'),
            existing('existingSecretPasswordKey'),
          ),
        ];
        return ifElse(EXISTING, `\n${lines.map((l) => `${indent}${l}`).join('\n')}`, o);
      });
    },
  }),
  templateRule({
    id: 'model-registry-database-parameters',
    description:
      'model-registry-db-parameters: MYSQL_PORT from global.database, MYSQL_DATABASE from consumers.modelRegistry',
    component: COMPONENT,
    select: selectObject('ConfigMap', undefined, 'model-registry-db-parameters'),
    edit(e) {
      e.replaceScalar(['data', 'MYSQL_PORT'], (o) => ifElse(EXTERNAL, port(`${DATABASE}.port`), o));
      e.replaceScalar(['data', 'MYSQL_DATABASE'], (o) => databaseName(CONSUMER, o));
    },
  }),
  templateRule({
    id: 'model-registry-database-secret',
    description:
      "model-registry-db-secrets: the external user and password (consumers.modelRegistry's own, else the shared); left out with an existingSecret",
    component: COMPONENT,
    select: selectObject('Secret', undefined, 'model-registry-db-secrets'),
    edit(e) {
      e.keepObjectWhen(not(EXISTING));
      for (const [key, field] of [
        ['MYSQL_USER_NAME', 'username'],
        ['MYSQL_ROOT_PASSWORD', 'password'],
      ] as const) {
        e.replaceScalar(['data', key], (o) =>
          ifElse(
            ownInline(CONSUMER),
            base64(`${OWN}.${field}`),
            ifElse(INLINE, base64(`${DATABASE}.${field}`), o),
          ),
        );
      }
    },
  }),
  removeWhen({
    id: 'model-registry-database-in-cluster-mysql',
    description: "Model Registry's in-cluster MySQL, left out when global.database.external",
    component: COMPONENT,
    condition: EXTERNAL,
    targets: [
      ['Deployment', undefined, 'model-registry-db'],
      ['Service', undefined, 'model-registry-db'],
      ['PersistentVolumeClaim', undefined, 'metadata-mysql'],
    ],
  }),
];
