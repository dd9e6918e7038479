import { EditError, type ObjectEditor } from '../edit.ts';
import { and, DATABASE, json, not } from './template.ts';

/**
 * global.database.consumers.<name>: each consumer's own database name and, optionally,
 * its own user on the shared server. Template expressions shared by the rules of
 * database.ts (credentials, names) and database-tls.ts (ML Metadata's config file).
 *
 * Which credentials a consumer reads, first match wins (all only when external):
 *  1. its own existingSecret (consumers.<name>.existingSecret and its keys);
 *  2. its own inline user: the Secret `ownSecret` says (kfcharts-database-<name> for the
 *     Pipelines consumers, rendered by charts/templates/pipelines/kubeflow/database-credentials.yaml;
 *     Katib's own katib-mysql-secrets, which only katib-db-manager reads);
 *  3. the shared existingSecret (global.database.existingSecret);
 *  4. upstream's reference (mysql-secret, katib-mysql-secrets), which holds the shared
 *     inline user when external.
 */
export const EXTERNAL = `${DATABASE}.external`;
/** The shared existingSecret is used. */
export const SHARED_EXISTING = and(EXTERNAL, `${DATABASE}.existingSecret`);

/** `$.Values.global.database.consumers.<name>` */
export function consumerPath(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new EditError(`bad consumer name ${name}`);
  return `${DATABASE}.consumers.${name}`;
}

/** The consumer reads its own existingSecret. */
export function ownExisting(name: string): string {
  return and(EXTERNAL, `${consumerPath(name)}.existingSecret`);
}

/** The consumer has its own inline user (and no own existingSecret). */
export function ownInline(name: string): string {
  const c = consumerPath(name);
  return and(EXTERNAL, not(`${c}.existingSecret`), `${c}.username`);
}

/** `(or a b ...)` */
export function or(...conditions: string[]): string {
  return `(or ${conditions.join(' ')})`;
}

/** The Secret, and its keys, that holds a consumer's own inline user. */
export interface OwnSecret {
  readonly name: string;
  readonly username: string;
  readonly password: string;
}

/** The Secret kfcharts renders for a Pipelines consumer's own inline user. */
export function pipelinesOwnSecret(name: string): OwnSecret {
  return { name: `kfcharts-database-${name}`, username: 'username', password: 'password' };
}

export type Role = 'username' | 'password';

const ROLE_KEY: Record<Role, string> = {
  username: 'existingSecretUsernameKey',
  password: 'existingSecretPasswordKey',
};

/**
 * Template text for the `name` or `key` of a secretKeyRef that reads a consumer's `role`;
 * `original` is upstream's escaped text (taken when nothing is set).
 */
export function credentialRef(
  name: string,
  role: Role,
  own: OwnSecret,
  part: 'name' | 'key',
  original: string,
): string {
  const c = consumerPath(name);
  const ownExistingText = json(part === 'name' ? `${c}.existingSecret` : `${c}.${ROLE_KEY[role]}`);
  const ownInlineText = part === 'name' ? own.name : own[role];
  const sharedText = json(
    part === 'name' ? `${DATABASE}.existingSecret` : `${DATABASE}.${ROLE_KEY[role]}`,
  );
  return (
    `{{ if ${ownExisting(name)} }}${ownExistingText}` +
    `{{ else if ${ownInline(name)} }}${ownInlineText}` +
    `{{ else if ${SHARED_EXISTING} }}${sharedText}` +
    `{{ else }}${original}{{ end }}`
  );
}

/**
 * Points every secretKeyRef to `secret` whose key `roles` names at the consumer's
 * credentials. Returns how many it changed; none means upstream moved the reference.
 */
export function redirectCredentials(
  editor: ObjectEditor,
  name: string,
  secret: string,
  roles: Readonly<Record<string, Role>>,
  own: OwnSecret,
): number {
  const refs = editor
    .findMaps((m) => m.name === secret && typeof m.key === 'string' && Object.hasOwn(roles, m.key))
    .filter((p) => p.at(-1) === 'secretKeyRef');
  if (refs.length === 0) throw new EditError(`no secretKeyRef to Secret ${secret}`);
  for (const path of refs) {
    const role = roles[editor.value([...path, 'key']) as string] as Role;
    editor.replaceScalar([...path, 'name'], (o) => credentialRef(name, role, own, 'name', o));
    editor.replaceScalar([...path, 'key'], (o) => credentialRef(name, role, own, 'key', o));
  }
  return refs.length;
}

/** The consumer's database name when external, else upstream's (`original`). */
export function databaseName(name: string, original: string): string {
  return `{{ if ${EXTERNAL} }}${json(`${consumerPath(name)}.database`)}{{ else }}${original}{{ end }}`;
}
