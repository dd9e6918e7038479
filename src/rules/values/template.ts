import { EditError, type ObjectEditor, type Path, selectObject, templateRule } from '../edit.ts';
import type { ObjectRule } from '../rule.ts';

/**
 * Small builders of Helm template code for the values rules. Every user value is printed
 * through `toJson` (a JSON string is a YAML double-quoted scalar, so quotes, newlines,
 * `#` and `{{` stay one string) or `b64enc`; never raw.
 */
export const DATABASE = '$.Values.global.database';
export const OBJECT_STORAGE = '$.Values.global.objectStorage';
export const AUTH = '$.Values.global.auth';

/** `then` when `condition` holds, else the original text (what kustomize printed). */
export function ifElse(condition: string, then: string, original: string): string {
  return `{{ if ${condition} }}${then}{{ else }}${original}{{ end }}`;
}

/**
 * A value as a JSON (= YAML double-quoted) string. Go's JSON leaves DEL and the C1
 * controls (U+007F-U+009F) raw, which YAML refuses (NEL, U+0085, YAML 1.1 reads as a line
 * break), so kfcharts.escapeControls (charts/templates/_kfcharts.tpl) escapes them too.
 */
export function json(expression: string): string {
  return `{{ ${expression} | toString | toJson | include "kfcharts.escapeControls" }}`;
}

/** A value for a Secret's `data`: base64 has no character YAML could misread. */
export function base64(expression: string): string {
  return `{{ ${expression} | toString | b64enc }}`;
}

/** A port as the quoted decimal string ConfigMaps and env values need. */
export function port(expression: string): string {
  return `{{ ${expression} | int | toString | toJson }}`;
}

export function and(...conditions: string[]): string {
  return `(and ${conditions.join(' ')})`;
}

export function not(condition: string): string {
  return `(not ${condition})`;
}

/** An object of `component` named by kind, namespace and name. */
export type Target = readonly [kind: string, namespace: string | undefined, name: string];

/** Leaves the listed objects out of the chart when `condition` holds. */
export function removeWhen(rule: {
  id: string;
  description: string;
  component: string;
  targets: readonly Target[];
  condition: string;
}): ObjectRule {
  const selects = rule.targets.map(([kind, ns, name]) => selectObject(kind, ns, name));
  return templateRule({
    id: rule.id,
    description: rule.description,
    component: rule.component,
    select: (object) => selects.some((s) => s(object)),
    edit: (editor) => editor.keepObjectWhen(not(rule.condition)),
  });
}

/**
 * Points every `secretKeyRef` to `secret` at another Secret when `condition` holds:
 * name → `nameExpression`, each key → `keys[key]`. Returns how many it changed; none
 * means upstream moved the reference, and fails the rule.
 */
export function redirectSecretKeyRefs(
  editor: ObjectEditor,
  secret: string,
  condition: string,
  nameExpression: string,
  keys: Readonly<Record<string, string>>,
): number {
  const refs = editor.findMaps(
    (m) => m.name === secret && typeof m.key === 'string' && Object.hasOwn(keys, m.key),
  );
  const secretRefs = refs.filter((p) => p.at(-1) === 'secretKeyRef');
  if (secretRefs.length === 0) throw new EditError(`no secretKeyRef to Secret ${secret}`);
  for (const path of secretRefs) {
    const key = editor.value([...path, 'key']) as string;
    editor.replaceScalar([...path, 'name'], (o) => ifElse(condition, json(nameExpression), o));
    editor.replaceScalar([...path, 'key'], (o) => ifElse(condition, json(keys[key] as string), o));
  }
  return secretRefs.length;
}

/** The path of container `name` of a workload's pod template. */
export function container(name: string): Path {
  return ['spec', 'template', 'spec', 'containers', { name }];
}

/** Env entry `env` read from a Secret; `name` and `key` are template text (e.g. json(...)). */
export function secretKeyRefEnv(env: string, name: string, key: string): string[] {
  return [
    `- name: ${env}`,
    '  valueFrom:',
    '    secretKeyRef:',
    `      name: ${name}`,
    `      key: ${key}`,
  ];
}
