import type { NamespaceChoice } from '../../variants.ts';
import { EditError, ObjectEditor } from '../edit.ts';
import type { ObjectRule } from '../rule.ts';
import { ifElse, json } from './template.ts';

/**
 * global.namespaceLabels: `{<namespace>: {<label>: <value>}}` adds labels to the
 * Namespace objects the charts create (the values schema accepts exactly those, from the
 * build). A label upstream already sets on that Namespace (e.g. istio-injection on
 * kubeflow, pod-security.kubernetes.io/enforce everywhere) takes the user's value in
 * place, so no key is ever printed twice; the others are appended in key order. Keys and
 * values are printed through toJson. A generic transform: every Namespace, however many.
 */
const ID = 'namespace-labels';

/**
 * The labels of namespace `ns` beyond upstream's: the user's (a map, empty when unset),
 * merged over those of the variants chosen that label it (src/variants.ts), so a user's
 * label wins over a variant's and a variant's over upstream's.
 */
function labelsOf(ns: string, choices: readonly NamespaceChoice[]): string {
  const user = `(index (default dict $.Values.global.namespaceLabels) ${JSON.stringify(ns)} | default dict)`;
  if (choices.length === 0) return user;
  const chosen = choices.map(
    (c) =>
      `(ternary (dict ${Object.entries(c.labels)
        .map(([k, v]) => `${JSON.stringify(k)} ${JSON.stringify(v)}`)
        .join(' ')}) (dict) ${c.condition})`,
  );
  return `(merge (dict) ${user} ${chosen.join(' ')})`;
}

/**
 * One rule over the Namespaces of every component (they live in several); `choices`: the
 * labels variants put on Namespaces by name.
 */
export function namespaceRules(
  choices: ReadonlyMap<string, readonly NamespaceChoice[]> = new Map(),
): ObjectRule[] {
  return [namespaceLabelsRule(choices)];
}

function namespaceLabelsRule(choices: ReadonlyMap<string, readonly NamespaceChoice[]>): ObjectRule {
  return {
    id: ID,
    description: 'global.namespaceLabels: extra labels on every Namespace the charts create',
    generic: true,
    matches: (object) => object.kind === 'Namespace' && object.apiVersion === 'v1',
    apply(object) {
      const e = new ObjectEditor(object, ID);
      const labels = labelsOf(object.name, choices.get(object.name) ?? []);
      const path = ['metadata', 'labels'];
      const upstream = e.value(path);
      if (upstream === undefined) {
        // No labels upstream: `labels:` and the user's, only when there are any. The
        // range's `{{-` trims the line break and indentation append puts before it.
        e.append(['metadata'], `(gt (len ${labels}) 0)`, [
          'labels:',
          `{{- range $k, $v := ${labels} }}\n    {{ $k | toString | toJson | include "kfcharts.escapeControls" }}: {{ $v | toString | toJson | include "kfcharts.escapeControls" }}{{ end }}`,
        ]);
        return { ...object, edits: [...(object.edits ?? []), ...e.edits] };
      }
      if (upstream === null || typeof upstream !== 'object' || Object.keys(upstream).length === 0) {
        throw new EditError('has metadata.labels that is not a map of labels to extend');
      }
      const keys = Object.keys(upstream);
      const chosen = choices.get(object.name) ?? [];
      for (const key of keys) {
        const k = JSON.stringify(key);
        e.replaceScalar([...path, key], (o) =>
          ifElse(`(hasKey ${labels} ${k})`, json(`(index ${labels} ${k})`), o),
        );
        // A variant that drops this label (release data removeLabels): gone under its
        // choice, unless the user sets it.
        const dropping = chosen.filter((c) => c.remove.includes(key)).map((c) => c.condition);
        if (dropping.length > 0) {
          e.keepEntryWhen(
            path,
            key,
            `(or (hasKey ${labels} ${k}) (not (or ${dropping.join(' ')} false)))`,
          );
        }
      }
      const unknown = chosen.flatMap((c) => c.remove).filter((key) => !keys.includes(key));
      if (unknown.length > 0) {
        throw new EditError(`has no label ${unknown.join(', ')} to remove under a variant`);
      }
      // The labels map's own indentation, written inside the range (append indents only
      // its first line): each label is `<indent>"key": "value"\n`, the line end append
      // adds after the last one is trimmed.
      const indent = labelIndent(object.text, keys[0] as string);
      const upstreamKeys = `(list ${keys.map((k) => JSON.stringify(k)).join(' ')})`;
      e.append(path, labels, [
        `{{- range $k, $v := ${labels} }}{{ if not (has $k ${upstreamKeys}) }}${indent}{{ $k | toString | toJson | include "kfcharts.escapeControls" }}: {{ $v | toString | toJson | include "kfcharts.escapeControls" }}\n{{ end }}{{ end }}{{ "" -}}`,
      ]);
      return { ...object, edits: [...(object.edits ?? []), ...e.edits] };
    },
  };
}

/** The indentation of the label `key` under metadata.labels (kustomize: four spaces). */
function labelIndent(text: string, key: string): string {
  const escaped = key.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const match = new RegExp(`^  labels:\\n( +)${escaped}:`, 'm').exec(text);
  if (!match) throw new EditError(`cannot find the indentation of label ${key}`);
  return match[1] as string;
}
