import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { kustomizeAll } from '../kustomize/build.ts';
import { findKustomizationFile } from '../kustomize/kustomization.ts';
import type { Helm } from '../tools/helm.ts';
import type { Kubectl } from '../tools/kubectl.ts';
import type { OptionalComponent, Variant } from '../upstream/lock.ts';
import type { UpstreamTree } from '../upstream/resolve.ts';
import { type ParsedObject, toParsedObjects } from './objects.ts';
import { parseHelmOutput, type RenderedObject, renderChart } from './render.ts';
import { variantSet } from './variant-values.ts';

/**
 * The proof of upstream's choices (docs/choices.md), independent of the build's handling
 * of them: the optional components are read from the release data here, each listed path
 * is built anew with `kustomize build <path>` (uncached), and every chart holding one of
 * them is rendered again with them enabled. The caller compares the two like defaults.
 */

/** Where a component whose namespace is a value is rendered for the comparison. */
export const CHOICE_NAMESPACE = 'kubeflow';

export interface ChoiceRenders {
  /** Each optional component of the release data present in the tree, with its kustomize objects. */
  readonly expected: ReadonlyMap<string, ParsedObject[]>;
  /** Components whose namespace is a value: their objects without one render in CHOICE_NAMESPACE. */
  readonly namespaceValue: ReadonlySet<string>;
  /** Every chart rendered with all optional components on (charts without one: not rendered). */
  readonly rendered: ReadonlyMap<string, RenderedObject[]>;
  /** The `--set` pairs of that render. */
  readonly set: readonly string[];
}

export async function renderChoices(
  optional: readonly OptionalComponent[],
  tree: UpstreamTree,
  charts: readonly string[],
  chartsDir: string,
  helm: Helm,
  kubectl: Kubectl,
): Promise<ChoiceRenders> {
  // A path this tree lacks: the component is not offered (the build refuses that for a
  // release's own data, so here it can only be a nearby release's data).
  const present = optional.filter((o) =>
    o.paths.every((p) => findKustomizationFile(join(tree.dir, p)) !== undefined),
  );
  const targets = present.flatMap((o) =>
    o.paths.map((path, i) => ({ name: `choice:${o.name}:${i}`, path, component: o.name })),
  );
  const outputs = await kustomizeAll(
    targets.map(({ name, path }) => ({ name, path })),
    tree,
    { kubectl, cacheDir: undefined, title: 'verify: kustomize optional components (uncached)' },
  );
  const expected = new Map<string, ParsedObject[]>();
  for (const [i, t] of targets.entries()) {
    const out = outputs[i];
    const objects = out ? toParsedObjects(out.yaml, `kustomize build ${t.path}`) : [];
    expected.set(t.component, [...(expected.get(t.component) ?? []), ...objects]);
  }
  const namespaceValue = new Set(present.filter((o) => o.namespace === 'value').map((o) => o.name));
  const set = [
    ...present.map((o) => `${o.name}.enabled=true`),
    ...[...namespaceValue].map((name) => `${name}.namespace=${CHOICE_NAMESPACE}`),
  ];
  const rendered = new Map<string, RenderedObject[]>();
  for (const chart of charts) {
    const dir = join(chartsDir, chart);
    if (!present.some((o) => existsSync(join(dir, 'charts', o.name)))) continue;
    rendered.set(chart, parseHelmOutput(await renderChart(helm, dir, set), chart));
  }
  return { expected, namespaceValue, rendered, set };
}

/** One non-default choice of a component, rendered with its values against its own build. */
export interface VariantRender {
  readonly component: string;
  readonly path: string;
  /** The `--set` pairs that select it. */
  readonly set: readonly string[];
  readonly expected: ParsedObject[];
  /** The component's objects in every chart that holds it, rendered with `set`. */
  readonly rendered: RenderedObject[];
  /** Every object of each chart that holds it, rendered with `set` (for the swapped example/). */
  readonly charts: ReadonlyMap<string, RenderedObject[]>;
}

/**
 * Each variant path of the release data (docs/choices.md): built anew with `kustomize
 * build <path>` (uncached), and every chart holding its component rendered with the values
 * that select it. A path the tree lacks is skipped (the build refuses that for a release's
 * own data).
 */
export async function renderVariants(
  variants: readonly Variant[],
  tree: UpstreamTree,
  charts: readonly string[],
  chartsDir: string,
  helm: Helm,
  kubectl: Kubectl,
): Promise<VariantRender[]> {
  const entries = variants.flatMap((v) =>
    v.paths
      .filter((p) => findKustomizationFile(join(tree.dir, p.path)) !== undefined)
      .map((p, i) => ({
        component: v.component,
        path: p.path,
        set: variantSet(v, p.when),
        name: `variant:${v.component}:${i}`,
      })),
  );
  const outputs = await kustomizeAll(
    entries.map(({ name, path }) => ({ name, path })),
    tree,
    { kubectl, cacheDir: undefined, title: 'verify: kustomize variants (uncached)' },
  );
  const renders: VariantRender[] = [];
  for (const [i, e] of entries.entries()) {
    const set = e.set;
    const rendered: RenderedObject[] = [];
    const whole = new Map<string, RenderedObject[]>();
    for (const chart of charts) {
      const dir = join(chartsDir, chart);
      if (!existsSync(join(dir, 'charts', e.component))) continue;
      const objects = parseHelmOutput(await renderChart(helm, dir, set), chart);
      whole.set(chart, objects);
      rendered.push(...objects.filter((o) => o.component === e.component));
    }
    renders.push({
      component: e.component,
      path: e.path,
      set,
      expected: toParsedObjects(outputs[i]?.yaml ?? '', `kustomize build ${e.path}`),
      rendered,
      charts: whole,
    });
  }
  return renders;
}
