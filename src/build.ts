import { join, posix } from 'node:path';
import { type ChartFiles, emitCharts } from './chart/emit.ts';
import { writeChartsAtomically } from './chart/write.ts';
import {
  type ComponentObjects,
  checkComponentsAgainstTree,
  defaultComponentsPath,
  readComponentList,
} from './components.ts';
import { KfchartsError } from './errors.ts';
import { type KustomizeOutput, kustomizeAll } from './kustomize/build.ts';
import { splitManifests } from './manifest/object.ts';
import { checkNamespaces } from './manifest/scope.ts';
import { checkInstallOrder } from './release/order.ts';
import {
  defaultReleasesPath,
  planReleases,
  type ReleasePlan,
  readReleaseLayout,
} from './release/plan.ts';
import { keepRule } from './rules/keep.ts';
import { applyRules } from './rules/rule.ts';
import { valuesRules } from './rules/values/index.ts';
import { Kubectl } from './tools/kubectl.ts';
import { resolveUpstream, type UpstreamOptions, type UpstreamTree } from './upstream/resolve.ts';

export interface BuildOptions extends UpstreamOptions {
  /** Component list (default components.yaml). */
  readonly componentsFile?: string;
  /** Release layers (default releases.yaml). */
  readonly releasesFile?: string;
  /** false: ignore and don't fill the kustomize output cache. */
  readonly useCache?: boolean;
  readonly kubectl?: Kubectl;
}

export interface BuildResult {
  readonly tree: UpstreamTree;
  /** Each component's objects after the rules, in component-list order. */
  readonly components: readonly ComponentObjects[];
  /** kustomize's output per component, as printed (verify compares against it). */
  readonly outputs: readonly KustomizeOutput[];
  /** Kinds the keep rules annotate: the one change verify allows. */
  readonly keepKinds: readonly string[];
  readonly plan: ReleasePlan;
  readonly files: ChartFiles;
}

/**
 * The pipeline up to chart files in memory:
 * resolve upstream → localize → kustomize (parallel, cached) → split → rules →
 * plan releases → check install order → emit. Nothing under dist/ is touched.
 */
export async function buildCharts(options: BuildOptions): Promise<BuildResult> {
  const componentsFile = options.componentsFile ?? defaultComponentsPath;
  const releasesFile = options.releasesFile ?? defaultReleasesPath;
  const list = readComponentList(componentsFile);
  const layout = readReleaseLayout(releasesFile);
  const tree = await resolveUpstream(options);
  checkComponentsAgainstTree(list, tree.dir, componentsFile);
  const outputs = await kustomizeAll(list, tree, {
    kubectl: options.kubectl ?? new Kubectl(),
    cacheDir: options.useCache === false ? undefined : join(options.paths.cacheDir, 'kustomize'),
  });
  if (tree.lockedRefs) checkRefsPinned(outputs, tree, tree.lockedRefs);
  const built: ComponentObjects[] = list.map((component, i) => ({
    component,
    objects: splitManifests(
      outputs[i]?.yaml ?? '',
      `kustomize build of component '${component.name}'`,
    ),
  }));
  checkNamespaces(built.map((c) => ({ name: c.component.name, objects: c.objects })));
  // Keep rules change text; values rules record template edits on the final text.
  const rules = [...layout.keep.map((kind) => keepRule(kind)), ...valuesRules()];
  const { components } = applyRules(rules, built);
  const plan = planReleases(layout, components, { file: releasesFile });
  const violations = checkInstallOrder(plan);
  if (violations.length > 0) {
    throw new KfchartsError(
      'install-order',
      `${violations.length} object(s) would fail a first install in release order (${releasesFile})`,
      {
        details: violations.map((v) => `${v.release}: ${v.object}: ${v.reason}`).join('\n'),
      },
    );
  }
  const files = emitCharts({
    tag: tree.tag,
    chartRevision: tree.chartRevision,
    treeSha256: tree.treeSha256,
    components: list,
    plan,
  });
  return {
    tree,
    components,
    outputs,
    keepKinds: layout.keep,
    plan,
    files,
  };
}

/**
 * In a pinned build every remote reference a component reaches must be pinned (and so
 * hash-checked) by the lock; the cache may hold others, which are not checked.
 */
function checkRefsPinned(
  outputs: readonly KustomizeOutput[],
  tree: UpstreamTree,
  locked: readonly string[],
): void {
  for (const output of outputs) {
    const reached = new Set(output.dirs);
    const unpinned = tree.refs.find(
      (r) => r.localized && reached.has(posix.dirname(r.file)) && !locked.includes(r.url),
    );
    if (unpinned) {
      throw new KfchartsError(
        'remote-ref-missing',
        `component '${output.name}': remote reference ${unpinned.url} (in ${unpinned.file}) is not pinned by the lock; run \`kfcharts lock --tag ${tree.tag}\``,
      );
    }
  }
}

/** dist/charts, replaced as a whole. */
export function chartsDir(distDir: string): string {
  return join(distDir, 'charts');
}

export function writeCharts(result: BuildResult, distDir: string): void {
  writeChartsAtomically(chartsDir(distDir), result.files);
}
