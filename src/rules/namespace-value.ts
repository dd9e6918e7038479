import type { ManifestObject } from '../manifest/object.ts';
import { EditError } from './edit.ts';
import type { ObjectRule } from './rule.ts';

export const NAMESPACE_VALUE_RULE = 'namespace-value';

/**
 * Optional components whose manifests carry no namespace (release data `namespace: value`,
 * docs/choices.md): upstream applies them with `kubectl apply -k <path> -n <namespace>`.
 * Each namespaced object kustomize left without one renders `metadata.namespace` from the
 * component's `namespace` value, which the templates require (the values schema does too).
 * A generic transform over the components named; the default-namespace rule leaves these
 * objects to it.
 */
export function namespaceValueRule(
  components: ReadonlySet<string>,
  /** Namespaced and without a namespace in kustomize's output (by component). */
  isNamespaced: (o: ManifestObject, component: string) => boolean,
): ObjectRule {
  return {
    id: NAMESPACE_VALUE_RULE,
    description:
      'namespaced objects without metadata.namespace of an optional component installed into a namespace of the user’s choice: metadata.namespace from <component>.namespace',
    generic: true,
    source: 'src/rules/namespace-value.ts',
    matches: (object, component) =>
      components.has(component) &&
      object.namespace === undefined &&
      isNamespaced(object, component),
    apply(object) {
      const at = afterNameLine(object.text);
      const component = /* the subchart's own value */ '$.Values.namespace';
      const message = JSON.stringify(
        `${object.kind} ${object.name}: set the namespace to install this component into (its upstream manifests carry none)`,
      );
      return {
        ...object,
        edits: [
          ...(object.edits ?? []),
          {
            start: at,
            end: at,
            template: `  namespace: {{ required ${message} ${component} | toString | toJson | include "kfcharts.escapeControls" }}\n`,
            rule: NAMESPACE_VALUE_RULE,
          },
        ],
      };
    },
  };
}

/** The offset just after metadata's `  name:` line (kustomize sorts metadata's keys). */
function afterNameLine(text: string): number {
  const metadata = text.search(/^metadata:\n/m);
  if (metadata < 0) throw new EditError('has no block metadata');
  const rest = text.slice(metadata + 'metadata:\n'.length);
  let offset = metadata + 'metadata:\n'.length;
  for (const line of rest.split('\n')) {
    if (!/^\s/.test(line)) break;
    offset += line.length + 1;
    if (/^ {2}name: /.test(line)) return offset;
  }
  throw new EditError('has no metadata.name line to put the namespace after');
}
