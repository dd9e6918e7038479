import { isDeepStrictEqual } from 'node:util';
import {
  aggregatedRules,
  CONTROLLER_OWNED,
  injectedCaBundles,
  type K8sObject,
  liveValueCall,
} from '../chart/controller-owned.ts';
import { escapeTemplateText } from '../chart/escape.ts';
import { KfchartsError } from '../errors.ts';
import { type ManifestObject, objectKey, parseYamlStream } from '../manifest/object.ts';
import type { ObjectRule } from './rule.ts';

/**
 * Server-side-apply-safe charts. Helm 4 applies with server-side apply, so a field that a
 * controller writes must not be in a chart, or the next `helm upgrade` fails with a
 * field-manager conflict (kubeflow/community-distribution#3609). Two generic transforms
 * drop such fields wherever they match, by removing kustomize's lines (no re-serialization);
 * the result is parsed back and must equal the object without exactly those fields. A third
 * renders the fields whose upstream value the first install needs from the live object
 * once it exists (liveValueRule).
 * Which controller owns what, and how we know: docs/server-side-apply.md. verify allows
 * exactly these removals (src/verify/verify.ts, stripControllerOwned).
 */

/**
 * `rules` of every ClusterRole with an aggregationRule: kube-controller-manager's
 * clusterrole-aggregation-controller owns them (it writes the union of the selected roles),
 * and upstream's `rules: []` claims them for Helm.
 */
export function aggregatedRulesRule(): ObjectRule {
  return dropRule({
    id: 'ssa-aggregated-clusterrole-rules',
    description:
      'ClusterRoles with an aggregationRule lose `rules`, which clusterrole-aggregation-controller owns',
    prefilter: (o) =>
      o.kind === 'ClusterRole' &&
      o.apiVersion.startsWith('rbac.authorization.k8s.io/') &&
      /^aggregationRule:/m.test(o.text) &&
      /^rules:/m.test(o.text),
    pointers: aggregatedRules,
  });
}

/**
 * `caBundle` (empty or a placeholder) wherever a CA injector fills it: cert-manager's
 * cainjector on webhook configurations, CRD conversion webhooks and APIServices annotated
 * `cert-manager.io/inject-ca-from*`; istiod on its revision's webhook configurations; Knative's
 * webhook on its self-named entries.
 */
export function injectedCaBundleRule(): ObjectRule {
  return dropRule({
    id: 'ssa-injected-ca-bundle',
    description: 'caBundle is left to the CA injector that fills it',
    prefilter: (o) =>
      o.text.includes('caBundle:') &&
      [
        'MutatingWebhookConfiguration',
        'ValidatingWebhookConfiguration',
        'CustomResourceDefinition',
        'APIService',
      ].includes(o.kind),
    pointers: (o) => injectedCaBundles(o).map((c) => c.pointer),
  });
}

export const LIVE_VALUE_RULE = 'ssa-live-value';

/**
 * The controller-owned fields handled `live` (istiod's validator failurePolicy, Knative's
 * webhook rules): upstream's lines stay the branch rendered while the object does not exist
 * (and by `helm template`); once it exists, the live value is rendered instead, so an
 * upgrade applies what the controller wrote. Values rules may edit the object afterwards.
 */
export function liveValueRule(): ObjectRule {
  const live = CONTROLLER_OWNED.filter((f) => f.handling === 'live');
  const analyse = lastAnalysis((value) => live.flatMap((f) => f.find(value, [])));
  return {
    id: LIVE_VALUE_RULE,
    description:
      "istiod's validator failurePolicy and Knative's webhook rules follow the live object after the first install",
    generic: true,
    source: 'src/rules/server-side-apply.ts',
    matches: (o) =>
      ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'].includes(o.kind) &&
      analyse(o).pointers.length > 0,
    apply: (o) => {
      const { value, pointers } = analyse(o);
      const lines = o.text.split('\n');
      const offsets: number[] = [];
      for (let i = 0, at = 0; i <= lines.length; i++) {
        offsets.push(at);
        at += (lines[i]?.length ?? 0) + 1;
      }
      const edits = pointers.map((pointer) => {
        const range = lineRange(lines, pointer);
        const key = pointer.split('/').at(-1) as string;
        const first = range && (lines[range[0]] as string);
        if (!range || !first?.trimStart().startsWith(`${key}:`)) {
          throw new KfchartsError(
            'chart-invalid',
            `${objectKey(o)}: field ${pointer} is not on lines of its own in kustomize's text`,
          );
        }
        const [start, end] = [offsets[range[0]] as number, offsets[range[1]] as number];
        const indent = first.slice(0, first.length - first.trimStart().length);
        return {
          start,
          end,
          rule: LIVE_VALUE_RULE,
          template: `{{ with ${liveValueCall(value, pointer)} }}${indent}${key}: {{ . }}\n{{ else }}${escapeTemplateText(o.text.slice(start, end))}{{ end }}`,
        };
      });
      return { ...o, edits: [...(o.edits ?? []), ...edits] };
    },
  };
}

/**
 * The parse of an object and the pointers of its fields to handle. matches() parses;
 * apply() needs the same parse right after: the last one is kept.
 */
function lastAnalysis(pointers: (value: K8sObject) => string[]) {
  let last: { text: string; value: K8sObject; pointers: string[] } | undefined;
  return (o: ManifestObject) => {
    if (last?.text !== o.text) {
      const [value] = parseYamlStream(o.text, objectKey(o)) as K8sObject[];
      last = { text: o.text, value: value as K8sObject, pointers: pointers(value as K8sObject) };
    }
    return last;
  };
}

function dropRule(spec: {
  id: string;
  description: string;
  prefilter: (o: ManifestObject) => boolean;
  pointers: (o: K8sObject) => string[];
}): ObjectRule {
  const analyse = lastAnalysis(spec.pointers);
  return {
    id: spec.id,
    description: spec.description,
    generic: true,
    source: 'src/rules/server-side-apply.ts',
    matches: (o) => spec.prefilter(o) && analyse(o).pointers.length > 0,
    apply: (o) => {
      const { value, pointers } = analyse(o);
      return { ...o, text: dropFields(o, value, pointers) };
    },
  };
}

/**
 * kustomize's text of `o` without the lines of the fields at `pointers`, checked: parsed
 * back, it is `value` without exactly those fields.
 */
export function dropFields(o: ManifestObject, value: unknown, pointers: readonly string[]): string {
  if (o.edits?.length) {
    throw new KfchartsError(
      'chart-invalid',
      `${objectKey(o)}: drop controller-owned fields before template edits`,
    );
  }
  let lines = o.text.split('\n');
  // From the last pointer back, so earlier line numbers stay valid.
  const ranges = pointers.map((p) => ({ p, range: lineRange(lines, p) }));
  for (const { p, range } of ranges) {
    if (!range) {
      throw new KfchartsError(
        'chart-invalid',
        `${objectKey(o)}: field ${p} is not on lines of its own in kustomize's text`,
      );
    }
  }
  for (const { range } of [...ranges].sort((a, b) => (b.range?.[0] ?? 0) - (a.range?.[0] ?? 0))) {
    const [start, end] = range as [number, number];
    lines = [...lines.slice(0, start), ...lines.slice(end)];
  }
  const text = lines.join('\n');
  const expected = structuredClone(value);
  for (const p of pointers) deleteAt(expected, p);
  const [after] = parseYamlStream(text, objectKey(o));
  if (!isDeepStrictEqual(after, expected)) {
    throw new KfchartsError(
      'chart-invalid',
      `${objectKey(o)}: removing the lines of ${pointers.join(', ')} changed more than those fields`,
    );
  }
  return text;
}

/**
 * The lines [start, end) of the entry at `pointer` in kustomize's block-style YAML (maps
 * indented by two, sequence items at their key's indentation): the key's line and every
 * following line indented deeper. undefined when the entry is not on lines of its own
 * (e.g. the first key of a sequence item, written after `- `).
 */
export function lineRange(lines: readonly string[], pointer: string): [number, number] | undefined {
  const path = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  // The block being searched: lines [from, to), whose keys sit at `indent`.
  let from = 0;
  let to = lines.length;
  let indent = 0;
  // The line of the sequence item being searched, whose first key follows its `- `.
  let item: number | undefined;
  for (const [depth, segment] of path.entries()) {
    const last = depth === path.length - 1;
    if (/^\d+$/.test(segment)) {
      if (last) return undefined;
      // Sequence items: `- ` at the key's indentation; item n's keys then sit at indent + 2.
      const items: number[] = [];
      for (let i = from; i < to; i++) {
        if ((lines[i] as string).startsWith(`${' '.repeat(indent)}- `)) items.push(i);
      }
      const start = items[Number(segment)];
      if (start === undefined) return undefined;
      from = start;
      to = items[Number(segment) + 1] ?? to;
      indent += 2;
      item = start;
      continue;
    }
    const pad = ' '.repeat(indent);
    let at = -1;
    for (let i = from; i < to; i++) {
      const line = lines[i] as string;
      // The first key of a sequence item is on the `- ` line: read it as if indented.
      const bare = i === item ? `${pad}${line.slice(indent)}` : line;
      if (bare.startsWith(`${pad}${segment}:`) && !/^\s/.test(bare.slice(indent))) {
        if (last && bare !== line) return undefined;
        at = i;
        break;
      }
    }
    if (at < 0) return undefined;
    item = undefined;
    let end = at + 1;
    // The entry's value: deeper-indented lines, and at column 0 a sequence under a top-level key.
    while (end < to) {
      const line = lines[end] as string;
      const deeper = line.startsWith(`${pad}  `) || line.startsWith(`${pad}- `);
      if (!deeper || line === '') break;
      end++;
    }
    if (last) return [at, end];
    from = at + 1;
    to = end;
    indent += 2;
    // A sequence under this key is written at the key's own indentation.
    if ((lines[from] ?? '').startsWith(`${pad}- `)) indent -= 2;
  }
  return undefined;
}

function deleteAt(root: unknown, pointer: string): void {
  const path = pointer.split('/').slice(1);
  let node = root as Record<string, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  delete node[path[path.length - 1] as string];
}
