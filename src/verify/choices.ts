import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
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
  /**
   * Namespaces the variant's build declares but another component renders (upstream's
   * ambient overlays): each must render as that component's default Namespace with the
   * variant's labels over its own. Left out of `expected`.
   */
  readonly sharedNamespaces: readonly SharedNamespace[];
  /**
   * For a global value, which every subchart sees: objects of other components that
   * render differently from the defaults (other than `sharedNamespaces`); must be none.
   */
  readonly otherChanges: readonly string[];
  /** Every object of each chart rendered with `set` (for the swapped example/). */
  readonly charts: ReadonlyMap<string, RenderedObject[]>;
}

export interface SharedNamespace {
  /** Its key, e.g. `v1 Namespace kubeflow`. */
  readonly name: string;
  /** Fields of the variant's copy besides name and labels, which no check models: each fails. */
  readonly unmodelled: readonly string[];
  /** The variant build's own copy: its name and labels; the labels it drops (release data). */
  readonly variant: {
    readonly name: string;
    readonly labels: Readonly<Record<string, unknown>>;
    readonly remove: readonly string[];
  };
  /** The component that renders it. */
  readonly owner: string;
  /** Its default render with the variant's labels over its own. */
  readonly expected: Record<string, unknown>;
  /** undefined: not rendered with `set`. */
  readonly rendered: Record<string, unknown> | undefined;
  /** `rendered` is `expected`. */
  readonly equal: boolean;
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
  /** A chart's render at default values (verify's own first render, shared). */
  defaultRender: (chart: string) => Promise<string>,
): Promise<VariantRender[]> {
  const entries = variants.flatMap((v) =>
    v.paths
      .filter((p) => findKustomizationFile(join(tree.dir, p.path)) !== undefined)
      .map((p, i) => ({
        component: v.component,
        global: v.global === true,
        path: p.path,
        when: p.when,
        removeLabels: p.removeLabels ?? {},
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
  // Each chart's default render, parsed once: the owners' Namespaces and, for a global
  // value, the objects of every other component to compare with.
  const defaults = new Map<string, Promise<RenderedObject[]>>();
  const defaultOf = (chart: string) => {
    const cached =
      defaults.get(chart) ?? defaultRender(chart).then((t) => parseHelmOutput(t, chart));
    defaults.set(chart, cached);
    return cached;
  };
  for (const [i, e] of entries.entries()) {
    const set = e.set;
    const expected = toParsedObjects(outputs[i]?.yaml ?? '', `kustomize build ${e.path}`);
    // A global value reaches every subchart of every chart: all are rendered with it.
    const holding = charts.filter(
      (chart) => e.global || existsSync(join(chartsDir, chart, 'charts', e.component)),
    );
    const renderedByChart = await Promise.all(
      holding.map(async (chart) => ({
        chart,
        all: parseHelmOutput(await renderChart(helm, join(chartsDir, chart), set), chart),
      })),
    );
    const rendered = renderedByChart.flatMap(({ all }) =>
      all.filter((o) => o.component === e.component),
    );
    const sharedNamespaces: SharedNamespace[] = [];
    for (const { chart, all } of renderedByChart) {
      for (const ns of expected.filter((o) => o.value.kind === 'Namespace')) {
        const other = all.find((o) => o.key === ns.key && o.component !== e.component);
        if (!other) continue;
        const owned = (await defaultOf(chart)).find((o) => o.key === ns.key)?.value ?? {};
        const metadata = (owned.metadata ?? {}) as Record<string, unknown>;
        const name = (ns.value.metadata as { name?: string } | undefined)?.name ?? '';
        // The owner's labels, less those the release data removes, under the variant's.
        const kept = Object.entries((metadata.labels ?? {}) as Record<string, unknown>).filter(
          ([k]) => !(e.removeLabels[name] ?? []).includes(k),
        );
        const own = (ns.value.metadata as { labels?: Record<string, unknown> } | undefined)?.labels;
        const labels = { ...Object.fromEntries(kept), ...(own ?? {}) };
        // Only labels are modelled: anything else on the variant's copy is a difference.
        const { apiVersion: _a, kind: _k, metadata: meta = {}, ...rest } = ns.value;
        const { name: _n, labels: _l, ...otherMeta } = meta as Record<string, unknown>;
        const unmodelled = [
          ...Object.keys(rest),
          ...Object.keys(otherMeta).map((k) => `metadata.${k}`),
        ];
        const expectedNs = { ...owned, metadata: { ...metadata, labels } };
        sharedNamespaces.push({
          name: ns.key,
          unmodelled,
          variant: { name, labels: own ?? {}, remove: e.removeLabels[name] ?? [] },
          owner: other.component,
          expected: expectedNs,
          rendered: other.value,
          equal: isDeepStrictEqual(expectedNs, other.value),
        });
      }
    }
    const shared = new Set(sharedNamespaces.map((n) => n.name));
    // Every other component's objects as at defaults, but the Namespaces checked above.
    const otherChanges: string[] = [];
    if (e.global) {
      for (const { chart, all } of renderedByChart) {
        const others = (objects: readonly RenderedObject[]) =>
          new Map(
            objects
              .filter((o) => o.component !== e.component && !shared.has(o.key))
              .map((o) => [o.key, o.value] as const),
          );
        const before = others(await defaultOf(chart));
        const after = others(all);
        for (const key of new Set([...before.keys(), ...after.keys()])) {
          if (!isDeepStrictEqual(before.get(key), after.get(key))) {
            otherChanges.push(`${chart}: ${key}`);
          }
        }
      }
    }
    renders.push({
      component: e.component,
      path: e.path,
      set,
      expected: expected.filter((o) => !shared.has(o.key)),
      rendered,
      sharedNamespaces,
      otherChanges: otherChanges.sort(),
      charts: new Map(renderedByChart.map(({ chart, all }) => [chart, all])),
    });
  }
  return renders;
}
