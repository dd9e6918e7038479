import { join } from 'node:path';
import type { Component, ComponentObjects, MissingChoice } from './components.ts';
import { KfchartsError } from './errors.ts';
import { findKustomizationFile } from './kustomize/kustomization.ts';
import { type ManifestObject, objectKey } from './manifest/object.ts';
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
      out.push({ component: v.component, index: i + 1, when: p.when, path: p.path });
    }
  }
  return out;
}

/** The pseudo-component a variant path is built as (`.` is in no component name). */
export function variantComponent(component: Component, build: VariantBuild): Component {
  return { ...component, name: `${component.name}.variant${build.index}`, paths: [build.path] };
}

/** The template condition: the component's values select exactly this combination. */
export function comboCondition(
  values: readonly VariantValue[],
  when: Readonly<Record<string, string>>,
): string {
  return `(and ${values
    .map((v) => `(eq (toString $.Values.${v.name}) ${JSON.stringify(when[v.name] ?? v.default)})`)
    .join(' ')})`;
}

/**
 * Each component with variants: its objects of every choice, merged. `variantObjects` are
 * the variant builds' objects after the same rules, in the order of `builds`.
 */
export function mergeVariants(
  components: readonly ComponentObjects[],
  builds: readonly VariantBuild[],
  variantObjects: readonly (readonly ManifestObject[])[],
  valuesOf: (component: string) => readonly VariantValue[],
): ComponentObjects[] {
  const owner = new Map<string, string>();
  for (const c of components) {
    for (const o of c.objects) owner.set(objectKey(o), c.component.name);
  }
  return components.map((c) => {
    const mine = builds.map((b, i) => ({ b, objects: variantObjects[i] ?? [] }));
    const combos = mine.filter((m) => m.b.component === c.component.name);
    if (combos.length === 0) return c;
    const values = valuesOf(c.component.name);
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
        const condition = `(or ${combosIn.map((i) => comboCondition(values, all[i]?.when ?? {})).join(' ')} false)`;
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
