import { escapeTemplateText } from '../../chart/escape.ts';
import { normalizeImage } from '../../images.ts';
import { EditError, type ObjectEditor, type Path, selectObject, templateRule } from '../edit.ts';
import type { ObjectRule } from '../rule.ts';
import {
  credentialRef,
  EXTERNAL,
  or,
  pipelinesOwnSecret,
  type Role,
} from './database-consumers.ts';
import { and, container, DATABASE, json } from './template.ts';

/**
 * global.database.tls: the consumers that can talk TLS to the server do.
 *
 * - KFP API server (2.16): DBConfig.MySQLConfig.ExtraParams become go-sql-driver/mysql DSN
 *   parameters (backend/src/apiserver/client/sql.go CreateMySQLConfig); viper reads the
 *   key from env DBCONFIG_MYSQLCONFIG_EXTRAPARAMS as a JSON object (main.go initConfig,
 *   common.GetMapConfig).
 * - KFP cache server: `--db_extra_params`, a JSON object of the same DSN parameters
 *   (backend/src/cache/main.go, client_manager.go).
 *   Both: `tls=true` verifies against the system roots (go-sql-driver), and KFP registers
 *   no custom TLS config, so the CA joins the system roots through SSL_CERT_DIR (Go's
 *   crypto/x509 root_unix.go reads every file of each listed directory, besides the
 *   default bundle file).
 * - ML Metadata (1.14): TLS only through `ssl_options` of the MySQL connection in a
 *   MetadataStoreServerConfig text file (ml_metadata/proto/metadata_store.proto); its
 *   `--mysql_config_*` flags have none. The file holds the password, which may live in a
 *   Secret kfcharts never sees, so an init container writes it from the same env vars at
 *   start into a memory emptyDir, every string as octal escapes (no value can break the
 *   text format). `--metadata_source_config_type=config_file` makes a bad file fatal
 *   instead of a silent fallback to the plain `--mysql_config_*` connection.
 * - Katib: refused (charts/templates/katib/kubeflow/database-tls.yaml).
 */
const TLS = and(EXTERNAL, `${DATABASE}.tls.enabled`);
const CA_SECRET = `${DATABASE}.tls.caSecret`;
const CA_CONFIG_MAP = `${DATABASE}.tls.caConfigMap`;
const TLS_CA = and(TLS, `(or ${CA_SECRET} ${CA_CONFIG_MAP})`);
const VERIFY = `${DATABASE}.tls.verifyServerCert`;

const POD: Path = ['spec', 'template', 'spec'];
const CA_VOLUME = 'kfcharts-database-ca';
const CA_DIR = '/kfcharts/database-ca';
/** Go's default certificate directories on Linux (crypto/x509 root_linux.go), plus the CA's. */
const SSL_CERT_DIR = `/etc/ssl/certs:/etc/pki/tls/certs:${CA_DIR}`;

/** go-sql-driver/mysql's `tls` DSN parameter as a JSON object in a YAML string. */
function extraParams(): string {
  const of = (tls: string) => JSON.stringify(JSON.stringify({ tls }));
  return `{{ if ${VERIFY} }}${of('true')}{{ else }}${of('skip-verify')}{{ end }}`;
}

/** The CA volume: the key of the Secret or ConfigMap as ca.crt. */
const caVolume: readonly string[] = [
  `- name: ${CA_VOLUME}`,
  `  {{ if ${CA_SECRET} }}secret{{ else }}configMap{{ end }}:`,
  `    {{ if ${CA_SECRET} }}secretName: ${json(CA_SECRET)}{{ else }}name: ${json(CA_CONFIG_MAP)}{{ end }}`,
  '    items:',
  `    - key: ${json(`${DATABASE}.tls.caKey`)}`,
  '      path: ca.crt',
];

const caMount: readonly string[] = [
  `- name: ${CA_VOLUME}`,
  `  mountPath: ${CA_DIR}`,
  '  readOnly: true',
];

/** Items appended to a list only when `condition` holds. */
type Group = readonly [condition: string, items: readonly string[]];

/**
 * Appends each group's items to the list `key` of the map at `path`. When upstream has no
 * such list, the key is added once, for any group, and each group's lines are wrapped in
 * `{{- if }}...{{- end }}`, whose trimming leaves exactly the lines of the groups that hold.
 */
function appendItems(e: ObjectEditor, path: Path, key: string, groups: readonly Group[]): void {
  if (e.has([...path, key])) {
    for (const [condition, items] of groups) e.append([...path, key], condition, items);
    return;
  }
  const any = groups.length === 1 ? (groups[0] as Group)[0] : or(...groups.map(([c]) => c));
  e.append(path, any, [
    `${key}:`,
    ...groups.flatMap(([condition, items]) => [`{{- if ${condition} }}`, ...items, '{{- end }}']),
  ]);
}

/** SSL_CERT_DIR and the CA's volume for a Go container. */
function goCa(e: ObjectEditor, name: string): void {
  appendItems(e, container(name), 'env', [
    [TLS_CA, ['- name: SSL_CERT_DIR', `  value: ${JSON.stringify(SSL_CERT_DIR)}`]],
  ]);
  appendItems(e, container(name), 'volumeMounts', [[TLS_CA, caMount]]);
  appendItems(e, POD, 'volumes', [[TLS_CA, caVolume]]);
}

/** The init container's script: fixed text, every value from env. */
const MLMD_SCRIPT = String.raw`set -eu
# Every byte as a text-format octal escape: no value can end the string.
esc() { printf '%s' "$1" | od -An -v -to1 | tr -s ' \n' '\n\n' | sed -n 's/^\([0-7][0-7]*\)$/\\\1/p' | tr -d '\n'; }
case "$MYSQL_PORT" in ''|*[!0-9]*) echo "bad database port: $MYSQL_PORT" >&2; exit 1;; esac
{
  printf 'connection_config {\n  mysql {\n'
  printf '    host: "%s"\n    port: %s\n' "$(esc "$MYSQL_HOST")" "$MYSQL_PORT"
  printf '    database: "%s"\n' "$(esc "$MYSQL_DATABASE")"
  printf '    user: "%s"\n    password: "%s"\n' "$(esc "$DBCONFIG_USER")" "$(esc "$DBCONFIG_PASSWORD")"
  printf '    ssl_options {\n'
  if [ -n "$KFCHARTS_DB_CA" ]; then printf '      ca: "%s"\n' "$(esc "$KFCHARTS_DB_CA")"; fi
  printf '      verify_server_cert: %s\n    }\n  }\n}\n' "$KFCHARTS_DB_VERIFY"
  if [ "$KFCHARTS_DB_UPGRADE" = true ]; then printf 'migration_options {\n  enable_upgrade_migration: true\n}\n'; fi
} > /kfcharts/mlmd/config.pbtxt
`;
const MLMD_CONFIG_VOLUME = 'kfcharts-mlmd-config';
const MLMD_CONFIG = '/kfcharts/mlmd/config.pbtxt';
/** The `--mysql_config_*` flags whose `$(ENV)` the config file takes over, by script env name. */
const MLMD_FLAGS: Readonly<Record<string, string>> = {
  host: 'MYSQL_HOST',
  port: 'MYSQL_PORT',
  database: 'MYSQL_DATABASE',
  user: 'DBCONFIG_USER',
  password: 'DBCONFIG_PASSWORD',
};
const MLMD_ROLES: Readonly<Record<string, Role>> = { username: 'username', password: 'password' };

interface EnvEntry {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: Record<string, unknown>;
    secretKeyRef?: { name: string; key: string };
  };
}

/** ML Metadata's server config from the same sources its flags read. */
function metadataTls(e: ObjectEditor): void {
  const main = container('container');
  const args = e.value([...main, 'args']) as string[] | undefined;
  const env = e.value([...main, 'env']) as EnvEntry[] | undefined;
  const image = e.value([...main, 'image']);
  if (!args || !env || typeof image !== 'string')
    throw new EditError('container has no args, env or image');
  // The init container gets, under the script's names, the env entries the flags read.
  const entries: string[] = [];
  for (const [flag, scriptName] of Object.entries(MLMD_FLAGS)) {
    const ref = args
      .map((a) => new RegExp(`^--mysql_config_${flag}=\\$\\(([A-Z0-9_]+)\\)$`).exec(a)?.[1])
      .find((v) => v !== undefined);
    const entry = env.find((v) => v.name === ref);
    if (ref === undefined || entry === undefined) {
      throw new EditError(`--mysql_config_${flag} does not read an env var of the container`);
    }
    entries.push(`  - name: ${scriptName}`);
    const secret = entry.valueFrom?.secretKeyRef;
    if (secret && secret.name === 'mysql-secret' && Object.hasOwn(MLMD_ROLES, secret.key)) {
      const role = MLMD_ROLES[secret.key] as Role;
      const own = pipelinesOwnSecret('metadata');
      entries.push(
        '    valueFrom:',
        '      secretKeyRef:',
        `        name: ${credentialRef('metadata', role, own, 'name', 'mysql-secret')}`,
        `        key: ${credentialRef('metadata', role, own, 'key', escapeTemplateText(secret.key))}`,
      );
    } else if (entry.valueFrom?.configMapKeyRef && !entry.valueFrom.secretKeyRef) {
      const ref = JSON.stringify(entry.valueFrom.configMapKeyRef);
      entries.push(`    valueFrom: {"configMapKeyRef": ${escapeTemplateText(ref)}}`);
    } else if (typeof entry.value === 'string' && entry.valueFrom === undefined) {
      entries.push(`    value: ${escapeTemplateText(JSON.stringify(entry.value))}`);
    } else {
      throw new EditError(`env ${entry.name} is neither a value, a ConfigMap key nor mysql-secret`);
    }
  }
  const upgrade = args.includes('--enable_database_upgrade=true');
  const registry = 'include "kfcharts.imageRegistry" $';
  const imageText = `{{ with ${registry} }}{{ . }}/${escapeTemplateText(normalizeImage(image))}{{ else }}${escapeTemplateText(image)}{{ end }}`;
  const securityContext = e.value([...main, 'securityContext']);
  const init = [
    `- name: kfcharts-mlmd-config`,
    `  image: ${imageText}`,
    '  command:',
    '  - /bin/sh',
    '  - -c',
    '  - |',
    ...MLMD_SCRIPT.trimEnd()
      .split('\n')
      .map((l) => `    ${escapeTemplateText(l)}`),
    '  env:',
    ...entries,
    '  - name: KFCHARTS_DB_CA',
    `    value: {{ if ${TLS_CA} }}${JSON.stringify(`${CA_DIR}/ca.crt`)}{{ else }}""{{ end }}`,
    '  - name: KFCHARTS_DB_VERIFY',
    `    value: {{ if ${VERIFY} }}"true"{{ else }}"false"{{ end }}`,
    '  - name: KFCHARTS_DB_UPGRADE',
    `    value: ${JSON.stringify(String(upgrade))}`,
    ...(securityContext === undefined
      ? []
      : [`  securityContext: ${escapeTemplateText(JSON.stringify(securityContext))}`]),
    '  volumeMounts:',
    `  - name: ${MLMD_CONFIG_VOLUME}`,
    '    mountPath: /kfcharts/mlmd',
  ];
  appendItems(e, POD, 'initContainers', [[TLS, init]]);
  e.append([...main, 'args'], TLS, [
    '- --metadata_source_config_type=config_file',
    `- --metadata_store_server_config_file=${MLMD_CONFIG}`,
  ]);
  appendItems(e, main, 'volumeMounts', [
    [TLS, [`- name: ${MLMD_CONFIG_VOLUME}`, '  mountPath: /kfcharts/mlmd', '  readOnly: true']],
    [TLS_CA, caMount],
  ]);
  appendItems(e, POD, 'volumes', [
    [TLS, [`- name: ${MLMD_CONFIG_VOLUME}`, '  emptyDir:', '    medium: Memory']],
    [TLS_CA, caVolume],
  ]);
}

export const databaseTlsRules: readonly ObjectRule[] = [
  templateRule({
    id: 'database-tls-api-server',
    description:
      'ml-pipeline: with global.database.tls, the DSN parameter tls (DBCONFIG_MYSQLCONFIG_EXTRAPARAMS) and the CA',
    component: 'pipelines',
    select: selectObject('Deployment', 'kubeflow', 'ml-pipeline'),
    edit(e) {
      appendItems(e, container('ml-pipeline-api-server'), 'env', [
        [TLS, ['- name: DBCONFIG_MYSQLCONFIG_EXTRAPARAMS', `  value: ${extraParams()}`]],
      ]);
      goCa(e, 'ml-pipeline-api-server');
    },
  }),
  templateRule({
    id: 'database-tls-cache-server',
    description: 'cache-server: with global.database.tls, --db_extra_params with tls and the CA',
    component: 'pipelines',
    select: selectObject('Deployment', 'kubeflow', 'cache-server'),
    edit(e) {
      const args = [...container('server'), 'args'];
      const list = e.value(args) as string[] | undefined;
      if (!list?.some((a) => a.startsWith('--db_host='))) {
        throw new EditError('container server has no --db_host arg');
      }
      if (list.some((a) => a.startsWith('--db_extra_params'))) {
        throw new EditError('container server already has --db_extra_params');
      }
      const param = (tls: string) => JSON.stringify(`--db_extra_params=${JSON.stringify({ tls })}`);
      e.append(args, TLS, [
        `- {{ if ${VERIFY} }}${param('true')}{{ else }}${param('skip-verify')}{{ end }}`,
      ]);
      goCa(e, 'server');
    },
  }),
  templateRule({
    id: 'database-tls-metadata',
    description:
      'metadata-grpc-deployment: with global.database.tls, a server config file with ssl_options, written at start by an init container',
    component: 'pipelines',
    select: selectObject('Deployment', 'kubeflow', 'metadata-grpc-deployment'),
    edit: metadataTls,
  }),
];
