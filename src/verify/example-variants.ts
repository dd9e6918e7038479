import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { basename, join, posix } from 'node:path';
import { isScalar, isSeq, parseDocument, stringify } from 'yaml';
import { EXAMPLE_PATH } from '../components.ts';
import { isKfchartsError, KfchartsError } from '../errors.ts';
import { findKustomizationFile } from '../kustomize/kustomization.ts';
import { splitDocuments } from '../manifest/object.ts';
import { createProgress, mapConcurrent } from '../progress.ts';
import { RESOURCE_POLICY } from '../rules/keep.ts';
import type { Kubectl } from '../tools/kubectl.ts';
import type { KnownDeviation, Variant } from '../upstream/lock.ts';
import { checkDeviations, type DeviationCheck } from './deviations.ts';
import {
  compareObjectSets,
  indexByKey,
  type ParsedObject,
  type SetComparison,
  toParsedObjects,
} from './objects.ts';
import { variantSet } from './variant-values.ts';

/**
 * The literal proof of a variant (docs/choices.md): upstream's example/ with the
 * variant's path in place of its component's line, built by kustomize as one, against
 * every chart rendered with the values that select the variant. Independent of the build's
 * handling of example/ (src/kustomize/example-overlay.ts) and of its caches: the swapped
 * kustomization is written here, from upstream's text, and built with its own kubectl call.
 */

/** One variant path put into example/ in place of its component's line(s). */
export interface ExampleSwap {
  readonly component: string;
  /** The `--set` pairs that select the variant. */
  readonly set: readonly string[];
  /** example/'s entries taken out (tree paths): the component's own. */
  readonly replaced: readonly string[];
  /** The variant path, put in place of the first of them. */
  readonly path: string;
  /**
   * Namespaces the variant path re-declares that another line of example/ renders
   * (upstream's ambient overlays): kustomize refuses the duplicate, so the variant's copy is
   * deleted and its labels patched onto the other line's Namespace, less the labels the
   * release data removes (`removeLabels`): what the charts claim to render.
   */
  readonly namespaces?: readonly SharedNamespaceLabels[];
}

export interface SharedNamespaceLabels {
  readonly name: string;
  /** The labels of the variant's own copy. */
  readonly labels: Readonly<Record<string, unknown>>;
  /** Labels of the other line's Namespace to delete (release data removeLabels). */
  readonly remove: readonly string[];
}

/** The directory, inside the swapped copy of example/, that wraps the variant path. */
const WRAPPER = 'kfcharts-verify-variant';

/** A swapped example/ as kustomize built it, or kustomize's refusal. */
export interface SwappedExampleBuild extends ExampleSwap {
  /** The YAML stream kustomize printed ('' when it refused). */
  readonly yaml: string;
  /** kustomize's error: the swapped example/ does not build. */
  readonly error?: string;
}

export interface SwappedExampleReport extends SetComparison, Omit<DeviationCheck, 'stale'> {
  readonly component: string;
  readonly path: string;
  readonly replaced: readonly string[];
  readonly set: readonly string[];
  /**
   * Listed deviations that do not occur with this variant in place. Not failures: the
   * list describes the default example/, where verify fails on a stale entry.
   */
  readonly absent: string[];
  /** Rendered CRDs, Namespaces, PVCs without `helm.sh/resource-policy: keep`: each fails. */
  readonly withoutKeep: string[];
  /** Namespaces the variant re-declares, applied as label patches (ExampleSwap.namespaces). */
  readonly namespaces: string[];
  readonly error?: string;
}

/**
 * Each variant path of the release data present in the tree, with the example/ entries of
 * its component (`componentPaths`: example/'s components and their tree paths). A variant
 * of a component example/ does not list is skipped (the build refuses that for a release's
 * own data). The per-variant place to widen a swap: a variant whose objects another line
 * renders too (ambient's Namespaces) would take that line out here as well.
 */
export function exampleSwaps(
  variants: readonly Variant[],
  componentPaths: ReadonlyMap<string, readonly string[]>,
  treeDir: string,
): ExampleSwap[] {
  return variants.flatMap((v) => {
    const replaced = componentPaths.get(v.component);
    if (!replaced || replaced.length === 0) return [];
    return v.paths
      .filter((p) => findKustomizationFile(join(treeDir, p.path)) !== undefined)
      .map((p) => ({
        component: v.component,
        set: variantSet(v, p.when),
        replaced,
        path: p.path,
      }));
  });
}

/**
 * example/'s kustomization text with the swap applied: the entry of the first replaced
 * path becomes the variant's path, the entries of the others are removed (line and all);
 * every other byte stays upstream's. `file` names the kustomization in errors.
 */
export function swapExampleText(text: string, swap: ExampleSwap, file: string): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new KfchartsError('verify-failed', `${file} is not valid YAML`, {
      details: doc.errors.map((e) => e.message).join('\n'),
    });
  }
  const entries: { path: string; start: number; end: number }[] = [];
  for (const field of ['resources', 'bases']) {
    const seq = doc.get(field, true);
    if (!isSeq(seq)) continue;
    for (const item of seq.items) {
      if (!isScalar(item) || typeof item.value !== 'string' || !item.range) continue;
      entries.push({
        path: posix.normalize(posix.join(EXAMPLE_PATH, item.value)),
        start: item.range[0],
        end: item.range[1],
      });
    }
  }
  const edits: { start: number; end: number; text: string }[] = [];
  for (const [i, path] of swap.replaced.entries()) {
    const found = entries.filter((e) => e.path === path);
    if (found.length !== 1) {
      throw new KfchartsError(
        'verify-failed',
        `variant (${swap.set.join(',')}, ${swap.path}): ${file} has ${found.length} entries of ${path}, the line it replaces; expected exactly 1`,
      );
    }
    const e = found[0] as (typeof found)[number];
    if (i === 0) {
      // With re-declared Namespaces, the wrapper around the path (namespaceWrapper).
      const entry = swap.namespaces?.length ? WRAPPER : posix.relative(EXAMPLE_PATH, swap.path);
      edits.push({ start: e.start, end: e.end, text: entry });
    } else {
      const lineStart = text.lastIndexOf('\n', e.start - 1) + 1;
      const lineEnd = text.indexOf('\n', e.end);
      edits.push({ start: lineStart, end: lineEnd === -1 ? text.length : lineEnd + 1, text: '' });
    }
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) {
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  }
  if (!swap.namespaces?.length) return out;
  // The labels patches of the Namespaces the wrapper drops go into example/'s `patches`:
  // re-serialized by eemeli/yaml, so formatting (not meaning) may differ from upstream's.
  const swapped = parseDocument(out);
  const patches = swap.namespaces.map((ns) => ({
    patch: stringify({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns.name,
        // A strategic merge patch deletes a map key set to null.
        labels: { ...ns.labels, ...Object.fromEntries(ns.remove.map((k) => [k, null])) },
      },
    }),
  }));
  const existing = swapped.get('patches', true);
  if (isSeq(existing)) for (const p of patches) existing.add(swapped.createNode(p));
  else swapped.set('patches', patches);
  return String(swapped);
}

/**
 * The wrapper kustomization of a variant path whose Namespaces another line renders: the
 * path as its one resource, each of those Namespaces deleted (`$patch: delete`).
 */
export function namespaceWrapper(swap: ExampleSwap, wrapperDir: string, treeDir: string): string {
  return stringify({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [posix.relative(wrapperDir, posix.join(treeDir, swap.path))],
    patches: (swap.namespaces ?? []).map((ns) => ({
      patch: stringify({
        $patch: 'delete',
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns.name },
      }),
    })),
  });
}

/**
 * Builds each swap: a copy of example/ beside it in the tree (so its relative paths hold),
 * its kustomization swapped, `kubectl kustomize`d uncached, in parallel; the copy is
 * removed afterwards. kustomize refusing the swapped example/ is reported, not thrown.
 */
export async function buildSwappedExamples(
  swaps: readonly ExampleSwap[],
  treeDir: string,
  kubectl: Kubectl,
  // A whole example/ build peaks near 800 MB with GOGC=400 (src/tools/kubectl.ts): at most
  // one per GB of memory, however many CPUs.
  concurrency = Math.max(1, Math.min(availableParallelism(), Math.floor(totalmem() / 1024 ** 3))),
): Promise<SwappedExampleBuild[]> {
  const exampleDir = join(treeDir, EXAMPLE_PATH);
  const file = findKustomizationFile(exampleDir);
  if (!file) {
    if (swaps.length === 0) return [];
    throw new KfchartsError(
      'verify-failed',
      `upstream tree has no ${EXAMPLE_PATH}/kustomization.yaml`,
    );
  }
  const text = readFileSync(file, 'utf8');
  const progress = createProgress(
    'verify: kustomize example/ with each variant (uncached)',
    swaps.length,
  );
  const builds = await mapConcurrent(swaps, concurrency, async (swap) => {
    const swapped = swapExampleText(text, swap, `${EXAMPLE_PATH}/${basename(file)}`);
    const dir = mkdtempSync(join(treeDir, 'kfcharts-verify-example-'));
    const t0 = performance.now();
    try {
      cpSync(exampleDir, dir, { recursive: true });
      writeFileSync(join(dir, basename(file)), swapped);
      if (swap.namespaces?.length) {
        mkdirSync(join(dir, WRAPPER));
        writeFileSync(
          join(dir, WRAPPER, 'kustomization.yaml'),
          namespaceWrapper(swap, join(dir, WRAPPER), treeDir),
        );
      }
      const yaml = await kubectl.kustomize(
        dir,
        `${EXAMPLE_PATH}/ with ${swap.path} in place of ${swap.replaced.join(', ')}`,
      );
      progress.step(swap.set.join(','), `${((performance.now() - t0) / 1000).toFixed(1)}s`);
      return { ...swap, yaml };
    } catch (error) {
      // Only kustomize's verdict on the swapped example/ is a result; the rest is a fault.
      if (!isKfchartsError(error) || error.code !== 'kustomize-failed') throw error;
      progress.step(swap.set.join(','), '(refused)');
      return { ...swap, yaml: '', error: error.details || error.message };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  progress.finish(`${builds.length} builds`);
  return builds;
}

export interface SwappedExampleChecks {
  /** The release data's deviations, as for the default example/. */
  readonly known: readonly KnownDeviation[];
  /** Keys of rendered objects of the keep rules' kinds that lack the annotation. */
  readonly withoutKeep?: readonly string[];
  /**
   * Documents already parsed (the default example/'s, by their text): a document's parse
   * depends on its text alone, and most of a swapped example/ is byte for byte example/.
   */
  readonly parsed?: ReadonlyMap<string, readonly ParsedObject[]>;
}

/**
 * A swapped example/ against the charts rendered with its values (`rendered`: every
 * chart's objects, the allowed changes already taken back as for the default example/),
 * object by object, with the release data's deviations as for the default.
 */
export function compareSwappedExample(
  build: SwappedExampleBuild,
  rendered: readonly ParsedObject[],
  { known, withoutKeep = [], parsed }: SwappedExampleChecks,
): SwappedExampleReport {
  const base = {
    component: build.component,
    path: build.path,
    replaced: build.replaced,
    set: build.set,
    withoutKeep: [...withoutKeep],
    namespaces: (build.namespaces ?? []).map((n) => n.name),
  };
  if (build.error !== undefined) {
    return {
      ...base,
      expected: 0,
      actual: rendered.length,
      missing: [],
      extra: [],
      different: [],
      explained: [],
      unexplained: [],
      absent: [],
      error: build.error,
    };
  }
  const what = `${EXAMPLE_PATH}/ with ${build.path}`;
  const source = `kustomize build ${what}`;
  const expected = splitDocuments(build.yaml).flatMap(
    (doc) => parsed?.get(doc)?.map((o) => ({ ...o, source })) ?? toParsedObjects(doc, source),
  );
  const comparison = compareObjectSets(
    indexByKey(expected, source),
    indexByKey(rendered, `all rendered charts with ${build.set.join(',')}`),
  );
  const { explained, unexplained, stale } = checkDeviations(comparison, known);
  return { ...base, ...comparison, explained, unexplained, absent: stale };
}

/** verify's failures of one swapped example/: kustomize's refusal, or each unexplained difference. */
export function swappedExampleFailures(r: SwappedExampleReport): string[] {
  const what = `${EXAMPLE_PATH}/ with ${r.path} in place of ${r.replaced.join(', ')} (${r.set.join(',')})`;
  if (r.error !== undefined) {
    return [`${what}: kustomize refuses it: ${r.error}`];
  }
  return [
    ...r.unexplained.map((d) => `${what}: ${d}`),
    ...r.withoutKeep.map((k) => `${what}: ${k} renders without ${RESOURCE_POLICY}: keep`),
  ];
}
