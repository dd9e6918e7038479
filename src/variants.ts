import { join } from 'node:path';
import { parse } from 'yaml';
import type { Component, ComponentObjects, MissingChoice } from './components.ts';
import { KfchartsError } from './errors.ts';
import { findKustomizationFile } from './kustomize/kustomization.ts';
import { KUBERNETES_YAML, type ManifestObject, objectKey } from './manifest/object.ts';
import { renderTemplate } from './rules/edit.ts';
import type { Variant, VariantValue } from './upstream/lock.ts';

/**
 * Variants (docs/choices.md): a component's value whose non-default choice replaces the
 * component's upstream path by another upstream path (release data `choices.variants`).
 * Every path is built with kustomize at build time; the subchart holds the union of the
 * builds, an object identical in every choice once and unconditioned (so the default
 * render is byte for byte the default build), any other version of an object under a
 * template condition on the value(s) that select it.
 */

/** One non-default choice of a component: which values select it, and its build. */
export interface VariantBuild {
  readonly component: string;
  /** 1-based among the component's paths (0 is the default: example/'s path). */
  readonly index: number;
  readonly when: Readonly<Record<string, string>>;
  readonly path: string;
  /** Release data: labels to drop from Namespaces it re-declares (variantNamespaces). */
  readonly removeLabels?: Readonly<Record<string, readonly string[]>>;
}

/** The variants of the release data that apply to this tree's components. */
export function variantBuilds(
  variants: readonly Variant[],
  components: readonly Component[],
  treeDir: string,
  ownData: boolean,
  /** Receives each variant path the tree lacks (drift, docs/choices.md); else it throws. */
  missing?: MissingChoice[],
): VariantBuild[] {
  const out: VariantBuild[] = [];
  for (const v of variants) {
    const component = components.find((c) => c.name === v.component && !c.optional);
    if (!component) {
      if (!ownData) continue;
      throw new KfchartsError(
        'component-list-invalid',
        `variants of '${v.component}' in the release data: no such component of example/ in this tree`,
      );
    }
    for (const [i, p] of v.paths.entries()) {
      if (!findKustomizationFile(join(treeDir, p.path))) {
        const when = Object.entries(p.when).map(([k, v]) => `${k}=${v}`);
        if (missing) {
          missing.push({
            choice: `variant of '${v.component}' (${when.join(', ')})`,
            path: p.path,
          });
          continue;
        }
        if (!ownData) continue;
        throw new KfchartsError(
          'component-list-invalid',
          `variant of '${v.component}': the release data lists ${p.path}, which is not a kustomization in the upstream tree`,
        );
      }
      for (const [name, choice] of Object.entries(p.when)) {
        const value = v.values.find((x) => x.name === name);
        if (!value?.choices.includes(choice) || choice === value?.default) {
          throw new KfchartsError(
            'component-list-invalid',
            `variant of '${v.component}' at ${p.path}: ${name}=${choice} is no non-default choice of its values`,
          );
        }
      }
      out.push({
        component: v.component,
        index: i + 1,
        when: p.when,
        path: p.path,
        ...(p.removeLabels && { removeLabels: p.removeLabels }),
      });
    }
  }
  return out;
}

/** The pseudo-component a variant path is built as (`.` is in no component name). */
export function variantComponent(component: Component, build: VariantBuild): Component {
  return { ...component, name: `${component.name}.variant${build.index}`, paths: [build.path] };
}

/** A component's variant values, as templates and users name them. */
export interface ChoiceValues {
  readonly component: string;
  /** `global.<component>.<name>` (release data `global`), else the subchart's `<name>`. */
  readonly global?: boolean;
  readonly values: readonly VariantValue[];
}

/** The variant values of a component of the build (none: an empty list). */
export function choiceValues(component: Component): ChoiceValues {
  return {
    component: component.name,
    values: component.variants?.values ?? [],
    ...(component.variants?.global && { global: true }),
  };
}

/** The values key users set, e.g. `oauth2-proxy.m2m` or `global.istio.mode`. */
export function valueKey(choice: ChoiceValues, value: VariantValue): string {
  return `${choice.global ? 'global.' : ''}${choice.component}.${value.name}`;
}

/**
 * The template expression of the value, as a string. A global one is read with `dig`, so a
 * subchart rendered without the parent's `global` (its own default) sees the default.
 */
export function valueRef(choice: ChoiceValues, value: VariantValue): string {
  return choice.global
    ? `(toString (dig ${JSON.stringify(choice.component)} ${JSON.stringify(value.name)} ${JSON.stringify(value.default)} ($.Values.global | default dict)))`
    : `(toString $.Values.${value.name})`;
}

/** The template condition: the component's values select exactly this combination. */
export function comboCondition(
  choice: ChoiceValues,
  when: Readonly<Record<string, string>>,
): string {
  return `(and ${choice.values
    .map((v) => `(eq ${valueRef(choice, v)} ${JSON.stringify(when[v.name] ?? v.default)})`)
    .join(' ')})`;
}

/** Labels a variant puts on a Namespace another component renders, and when. */
export interface NamespaceChoice {
  /** Template condition: the combinations whose build labels it so. */
  readonly condition: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Labels of the owner's Namespace dropped under the same condition (release data). */
  readonly remove: readonly string[];
  /** For the build report, e.g. `istio (mode=ambient)`. */
  readonly choices: readonly string[];
}

/**
 * A variant that declares a Namespace another component renders (upstream's ambient
 * overlays re-declare istio-system and kubeflow with their labels; upstream's CI applies
 * them after the namespaces' own kustomizations): Helm cannot render one object in two
 * subcharts, so the variant's labels are merged into the owner's Namespace under the
 * variant's condition (the namespace-labels rule writes them, a user's
 * global.namespaceLabels still winning), and the variant's copy is dropped. Only a
 * Namespace of nothing but a name and labels is merged; any other shared object still
 * fails in mergeVariants. The condition is read in the owner's subchart, so the variant's
 * values must be global (release data `global: true`); else the build fails by name.
 */
export function variantNamespaces(
  components: readonly ComponentObjects[],
  builds: readonly VariantBuild[],
  variantObjects: readonly (readonly ManifestObject[])[],
  choiceOf: (component: string) => ChoiceValues,
): {
  readonly variantObjects: ManifestObject[][];
  readonly namespaces: ReadonlyMap<string, NamespaceChoice[]>;
  /** The component that renders each Namespace in `namespaces`. */
  readonly owners: ReadonlyMap<string, string>;
} {
  // Every Namespace of the default build: its component and its labels.
  const owned = new Map<string, { component: string; labels: Readonly<Record<string, string>> }>();
  for (const c of components) {
    for (const o of c.objects) {
      if (isNamespace(o)) owned.set(o.name, { component: c.component.name, labels: o.labels });
    }
  }
  // namespace → labels and removed labels (as JSON) → the combinations that set them.
  const found = new Map<string, Map<string, { component: string; when: VariantBuild['when'][] }>>();
  const merged = new Set<string>();
  const kept = builds.map((b, i) =>
    (variantObjects[i] ?? []).filter((o) => {
      const ownerName = isNamespace(o) ? owned.get(o.name)?.component : undefined;
      if (ownerName === undefined || ownerName === b.component || !onlyNameAndLabels(o)) {
        return true;
      }
      const choice = choiceOf(b.component);
      if (!choice.global) {
        throw new KfchartsError(
          'component-list-invalid',
          `variant of '${b.component}' at ${b.path} labels Namespace ${o.name}, which component '${ownerName}' renders: its values must be global (release data \`global: true\`) so that '${ownerName}' can read them`,
        );
      }
      const remove = [...(b.removeLabels?.[o.name] ?? [])].sort();
      for (const label of remove) {
        if (owned.get(o.name)?.labels[label] === undefined) {
          throw new KfchartsError(
            'component-list-invalid',
            `variant of '${b.component}' at ${b.path}: removeLabels names ${label} of Namespace ${o.name}, which '${ownerName}' does not set; update the release data`,
          );
        }
      }
      merged.add(`${b.index} ${b.component} ${o.name}`);
      const labels = JSON.stringify([sortedLabels(o.labels), remove]);
      const byLabels = found.get(o.name) ?? new Map();
      const entry = byLabels.get(labels) ?? { component: b.component, when: [] };
      entry.when.push(b.when);
      byLabels.set(labels, entry);
      found.set(o.name, byLabels);
      return false;
    }),
  );
  const namespaces = new Map<string, NamespaceChoice[]>();
  for (const [name, byLabels] of [...found].sort(([a], [b]) => (a < b ? -1 : 1))) {
    namespaces.set(
      name,
      [...byLabels].map(([key, { component, when }]) => {
        const choice = choiceOf(component);
        const [labels, remove] = JSON.parse(key) as [Record<string, string>, string[]];
        return {
          condition: `(or ${when.map((w) => comboCondition(choice, w)).join(' ')} false)`,
          labels,
          remove,
          choices: when.map(
            (w) =>
              `${component} (${Object.entries(w)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')})`,
          ),
        };
      }),
    );
  }
  // A removeLabels entry for a Namespace the path does not re-declare would do nothing.
  for (const b of builds) {
    for (const ns of Object.keys(b.removeLabels ?? {})) {
      if (!merged.has(`${b.index} ${b.component} ${ns}`)) {
        throw new KfchartsError(
          'component-list-invalid',
          `variant of '${b.component}' at ${b.path}: removeLabels names Namespace ${ns}, which the path does not re-declare; update the release data`,
        );
      }
    }
  }
  const owners = new Map([...namespaces.keys()].map((n) => [n, owned.get(n)?.component ?? '']));
  return { variantObjects: kept, namespaces, owners };
}

function isNamespace(o: ManifestObject): boolean {
  return o.kind === 'Namespace' && o.apiVersion === 'v1';
}

function onlyNameAndLabels(o: ManifestObject): boolean {
  const doc = parse(o.text, KUBERNETES_YAML) as Record<string, unknown>;
  const metadata = doc.metadata as Record<string, unknown> | undefined;
  return (
    Object.keys(doc).every((k) => ['apiVersion', 'kind', 'metadata'].includes(k)) &&
    metadata !== undefined &&
    Object.keys(metadata).every((k) => ['name', 'labels'].includes(k))
  );
}

function sortedLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Each component with variants: its objects of every choice, merged. `variantObjects` are
 * the variant builds' objects after the same rules, in the order of `builds`.
 */
export function mergeVariants(
  components: readonly ComponentObjects[],
  builds: readonly VariantBuild[],
  variantObjects: readonly (readonly ManifestObject[])[],
  choiceOf: (component: string) => ChoiceValues,
): ComponentObjects[] {
  const owner = new Map<string, string>();
  for (const c of components) {
    for (const o of c.objects) owner.set(objectKey(o), c.component.name);
  }
  return components.map((c) => {
    const mine = builds.map((b, i) => ({ b, objects: variantObjects[i] ?? [] }));
    const combos = mine.filter((m) => m.b.component === c.component.name);
    if (combos.length === 0) return c;
    const choice = choiceOf(c.component.name);
    const all = [
      { when: {} as Readonly<Record<string, string>>, objects: c.objects },
      ...combos.map((m) => ({ when: m.b.when, objects: m.objects })),
    ];
    // key → template text → the object and the combinations that render it so.
    const versions = new Map<string, Map<string, { object: ManifestObject; in: number[] }>>();
    for (const [i, combo] of all.entries()) {
      for (const o of combo.objects) {
        const key = objectKey(o);
        if (i > 0 && !versions.has(key) && owner.has(key) && owner.get(key) !== c.component.name) {
          throw new KfchartsError(
            'component-list-invalid',
            `variant of '${c.component.name}' (${Object.entries(combo.when)
              .map(([k, v]) => `${k}=${v}`)
              .join(
                ', ',
              )}) renders ${key}, which component '${owner.get(key)}' renders too; remove the variant from the release data or give the object one owner`,
          );
        }
        const byText = versions.get(key) ?? new Map();
        const text = renderTemplate(o);
        const seen = byText.get(text);
        if (seen) seen.in.push(i);
        else byText.set(text, { object: o, in: [i] });
        versions.set(key, byText);
      }
    }
    const objects: ManifestObject[] = [];
    for (const byText of versions.values()) {
      for (const { object, in: combosIn } of byText.values()) {
        if (combosIn.length === all.length) {
          objects.push(object);
          continue;
        }
        const condition = `(or ${combosIn.map((i) => comboCondition(choice, all[i]?.when ?? {})).join(' ')} false)`;
        objects.push({
          ...object,
          ...(combosIn[0] !== 0 && { variant: `variant${combosIn[0]}` }),
          edits: [
            { start: 0, end: 0, template: `{{ if ${condition} }}`, rule: 'variants' },
            ...(object.edits ?? []),
            {
              start: object.text.length,
              end: object.text.length,
              template: '{{ end }}',
              rule: 'variants',
            },
          ],
        });
      }
    }
    return { component: c.component, objects };
  });
}
