import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { renderBuildReport } from './build-report.ts';
import { touchCacheEntry } from './cache.ts';
import { type ControllerOwnedFinding, lintControllerOwned } from './chart/controller-owned.ts';
import { type ChartFiles, emitCharts, extraTemplateDirs } from './chart/emit.ts';
import { requirementEvidenceDrift } from './chart/requirements.ts';
import { planUpgrade, type UpgradePlan } from './chart/upgrade-hooks.ts';
import { writeChartsAtomically } from './chart/write.ts';
import {
  type Component,
  type ComponentObjects,
  type ComponentResolution,
  defaultComponentsPath,
  type MissingChoice,
  readExample,
  readKnownComponents,
  resolveComponents,
} from './components.ts';
import { type ReleaseSnapshot, snapshotOf } from './diff/snapshot.ts';
import { KfchartsError } from './errors.ts';
import {
  type BuildTarget,
  type KustomizeOptions,
  type KustomizeOutput,
  kustomizeAll,
} from './kustomize/build.ts';
import { kustomizeComponents } from './kustomize/example-overlay.ts';
import { type ManifestObject, objectKey, splitManifests } from './manifest/object.ts';
import { namespacedWithoutNamespace } from './manifest/scope.ts';
import { projectRoot } from './paths.ts';
import { checkInstallOrder } from './release/order.ts';
import {
  defaultReleasesPath,
  planReleases,
  type ReleasePlan,
  readReleaseLayout,
} from './release/plan.ts';
import { dashboardLinksRule } from './rules/dashboard-links.ts';
import { defaultNamespaceRule } from './rules/default-namespace.ts';
import { gatewayApiRoutesRule } from './rules/gateway-api.ts';
import { keepRule } from './rules/keep.ts';
import { namespaceValueRule } from './rules/namespace-value.ts';
import { applyRules, type Drift, type RuleFinding } from './rules/rule.ts';
import {
  aggregatedRulesRule,
  injectedCaBundleRule,
  LIVE_VALUE_RULE,
  liveValueRule,
} from './rules/server-side-apply.ts';
import { valuesRules } from './rules/values/index.ts';
import { Kubectl } from './tools/kubectl.ts';
import { listFiles, sha256 } from './upstream/hash.ts';
import {
  nearestReleasePath,
  type RuntimeImage,
  readLock,
  type UpstreamLock,
} from './upstream/lock.ts';
import { resolveUpstream, type UpstreamOptions, type UpstreamTree } from './upstream/resolve.ts';
import {
  type ChoiceValues,
  choiceValues,
  mergeVariants,
  type VariantBuild,
  variantBuilds,
  variantComponent,
  variantNamespaces,
} from './variants.ts';

export interface BuildOptions extends UpstreamOptions {
  /** Known component names by upstream path (default components.yaml). */
  readonly componentsFile?: string;
  /** Release layers (default releases.yaml). */
  readonly releasesFile?: string;
  /**
   * true: a build with drift goes on (objects a rule could not change stay as upstream
   * has them) instead of failing; for `kfcharts diff`, which reports the drift.
   */
  readonly allowDrift?: boolean;
  /** false: ignore and don't fill the kustomize output cache. */
  readonly useCache?: boolean;
  readonly kubectl?: Kubectl;
  /**
   * The release the charts upgrade from, for their pre-upgrade hooks and upgrade notes
   * (src/chart/upgrade-hooks.ts): a pinned tag or an upstream tree/archive, built and
   * compared now; 'none' for no hooks. Default: the plan recorded in the release data.
   */
  readonly upgradeFrom?: string;
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
  /** Upgrading from the previous release, when there is one (src/chart/upgrade-hooks.ts). */
  readonly upgrade: UpgradePlan | undefined;
  /** What the build decided and found, for the build report (src/report.ts). */
  readonly report: BuildReport;
  /** Images only the built components' code names (release data `runtimeImages`). */
  readonly runtimeImages: readonly RuntimeImage[];
}

export interface BuildReport {
  readonly tag: string;
  /** The release data the rules were checked against, and where it came from. */
  readonly releaseData:
    | { readonly tag: string; readonly file: string; readonly inheritedFrom?: string }
    | undefined;
  readonly resolution: ComponentResolution;
  /** example/'s own transforms and the components each reached. */
  readonly exampleTransforms: readonly { transform: string; components: string[] }[];
  readonly findings: readonly RuleFinding[];
  readonly drift: readonly Drift[];
  /**
   * Controller-owned fields the charts render from the live object once it exists
   * (src/chart/controller-owned.ts, handling `live`); any other fails the build instead.
   */
  readonly controllerOwned: readonly ControllerOwnedFinding[];
}

/**
 * The pipeline up to chart files in memory:
 * resolve upstream → localize → kustomize (parallel, cached) → split → rules →
 * plan releases → check install order → emit. Nothing under dist/ is touched.
 */
export async function buildCharts(options: BuildOptions): Promise<BuildResult> {
  const prepared = await prepareBuild(options);
  return finishBuild(prepared, options, await previousSnapshot(options));
}

/**
 * The snapshot of the release the charts upgrade from, when `--upgrade-from` names one: a
 * pinned tag (or a tree) built like any other, with drift allowed (its rules are not what
 * is checked here). Without it the build takes the plan recorded in the release data
 * (`upgrade`, written by `kfcharts diff --record`): building the previous release on every
 * build would triple a cold build.
 */
async function previousSnapshot(options: BuildOptions): Promise<ReleaseSnapshot | undefined> {
  const from = options.upgradeFrom;
  if (from === undefined || from === 'none') return undefined;
  const { tag: _tag, manifests: _manifests, lockPath: _lock, ...shared } = options;
  const side = existsSync(from) ? { manifests: resolve(from) } : { tag: from };
  options.log?.(`upgrade hooks: building ${from}, the release these charts upgrade from`);
  const previous = await buildCharts({
    ...shared,
    ...side,
    upgradeFrom: 'none',
    allowDrift: true,
  });
  try {
    return snapshotOf(previous);
  } finally {
    previous.tree.dispose();
  }
}

/** What `kfcharts build` writes and prints: the chart files and a summary. */
export interface ChartBuild {
  readonly tag: string;
  readonly files: ChartFiles;
  readonly releases: readonly { name: string; subcharts: number; objects: number }[];
  readonly derived: readonly { path: string; name: string }[];
  readonly components: number;
  readonly objects: number;
  /** Taken whole from .cache/charts: the second half of the pipeline did not run. */
  readonly cached: boolean;
}

/**
 * `kfcharts build`: the pipeline, with its pure second half (split, rules, layout, emit:
 * most of a warm rebuild's time) cached whole under .cache/charts/<key>.json. The key
 * covers every input of that half (kustomize's outputs, the component list, release data,
 * layout, tree facts) and the code (every file of src/ and the package lock), so a hit
 * is what the pipeline would produce; `verify` rebuilds uncached and compares anyway.
 */
export async function buildChartFiles(options: BuildOptions): Promise<ChartBuild> {
  const prepared = await prepareBuild(options);
  try {
    return chartBuildOf(prepared, options, await previousSnapshot(options));
  } finally {
    // The files are in memory: a fresh (--no-cache) tree is not needed any more.
    prepared.tree.dispose();
  }
}

function chartBuildOf(
  prepared: PreparedBuild,
  options: BuildOptions,
  previous: ReleaseSnapshot | undefined,
): ChartBuild {
  const useCache = options.useCache !== false && !options.allowDrift;
  const file = join(
    options.paths.cacheDir,
    'charts',
    // The effective previous release: 'none' and "the recorded plan" differ in output.
    `${chartsKey(prepared, options.upgradeFrom === 'none' ? 'none' : previous && sha256(JSON.stringify(previous)))}.json`,
  );
  if (useCache) {
    const hit = readCachedCharts(file);
    if (hit) {
      touchCacheEntry(file);
      options.log?.(`charts: cached (${file})`);
      return hit;
    }
  }
  const result = finishBuild(prepared, options, previous);
  const build: ChartBuild = {
    tag: result.tree.tag,
    files: result.files,
    releases: result.plan.releases.map((r) => ({
      name: r.name,
      subcharts: r.components.length,
      objects: r.components.reduce((n, c) => n + c.objects.length, 0),
    })),
    derived: result.report.resolution.derived.map((d) => ({ path: d.path, name: d.name })),
    components: result.components.length,
    objects: result.components.reduce((n, c) => n + c.objects.length, 0),
    cached: false,
  };
  if (useCache) {
    mkdirSync(dirname(file), { recursive: true });
    const { files, cached: _cached, ...summary } = build;
    writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify({ ...summary, files: [...files] }));
    renameSync(`${file}.${process.pid}.tmp`, file);
  }
  return build;
}

function readCachedCharts(file: string): ChartBuild | undefined {
  try {
    const { files, ...summary } = JSON.parse(readFileSync(file, 'utf8')) as Omit<
      ChartBuild,
      'files' | 'cached'
    > & { files: [string, string][] };
    return { ...summary, files: new Map(files), cached: true };
  } catch {
    return undefined; // absent, or cut short by a crash: build it
  }
}

/** Every input of the pipeline's second half, and the code that runs it. */
function chartsKey(p: PreparedBuild, previous: string | undefined): string {
  return sha256(
    JSON.stringify({
      previous: previous ?? null,
      code: pipelineCode(),
      releasesFile: p.releasesFile,
      known: p.known,
      layout: p.layout,
      data: p.data,
      resolution: p.resolution,
      reach: p.reach,
      tree: {
        tag: p.tree.tag,
        pinned: p.tree.pinned,
        treeSha256: p.tree.treeSha256,
        refs: p.tree.refs,
        lockedRefs: p.tree.lockedRefs,
        chartRevision: p.tree.chartRevision,
      },
      outputs: [...p.outputs, ...p.variantOutputs].map((o) => [
        o.name,
        o.path,
        sha256(o.yaml),
        o.dirs,
        o.error ?? null,
      ]),
    }),
  );
}

let codeHash: string | undefined;
/**
 * sha256 of every file the pipeline's code reads besides its inputs: the sources, the
 * hand-written chart parts (charts/), the schemas, and the package lock (the libraries).
 * A new folder the pipeline reads must be added here.
 */
function pipelineCode(): string {
  codeHash ??= sha256(
    [
      ...['src', 'charts', 'schemas'].flatMap((dir) =>
        listFiles(join(projectRoot, dir)).map((f) => `${dir}/${f}`),
      ),
      'package-lock.json',
    ]
      .map((f) => `${f}\0${readFileSync(join(projectRoot, f), 'utf8')}`)
      .join('\0'),
  );
  return codeHash;
}

/** The first half of the pipeline: everything up to kustomize's outputs (cached stages). */
interface PreparedBuild {
  readonly releasesFile: string;
  readonly known: ReturnType<typeof readKnownComponents>;
  readonly layout: ReturnType<typeof readReleaseLayout>;
  readonly tree: UpstreamTree;
  readonly data: { file: string; lock: UpstreamLock } | undefined;
  readonly resolution: ComponentResolution;
  readonly outputs: readonly KustomizeOutput[];
  readonly reach: BuildReport['exampleTransforms'];
  readonly variants: readonly VariantBuild[];
  /** kustomize's output of each variant path, in the order of `variants`. */
  readonly variantOutputs: readonly KustomizeOutput[];
}

async function prepareBuild(options: BuildOptions): Promise<PreparedBuild> {
  const componentsFile = options.componentsFile ?? defaultComponentsPath;
  const releasesFile = options.releasesFile ?? defaultReleasesPath;
  const known = readKnownComponents(componentsFile);
  const layout = readReleaseLayout(releasesFile);
  const tree = await resolveUpstream(options);
  const data = releaseDataOf(tree, options.lockPath);
  const example = readExample(tree.dir);
  const ownData = data?.lock.upstream.tag === tree.tag;
  const resolved = resolveComponents(tree.dir, known, example, data?.lock.choices?.optional);
  // Variants (docs/choices.md): each non-default path of a component, built beside it.
  const variantData = data?.lock.choices?.variants ?? [];
  const missingVariants: MissingChoice[] = [];
  const variants = variantBuilds(
    variantData,
    resolved.components,
    tree.dir,
    ownData,
    missingVariants,
  );
  const resolution: ComponentResolution = {
    ...resolved,
    missingChoices: [...resolved.missingChoices, ...missingVariants],
    components: resolved.components.map((c) => {
      const v = variantData.find((x) => x.component === c.name);
      const paths = v?.paths.filter((p) =>
        variants.some((b) => b.component === c.name && b.path === p.path),
      );
      return v && paths && paths.length > 0
        ? { ...c, variants: { values: v.values, paths, ...(v.global && { global: true }) } }
        : c;
    }),
  };
  const list = resolution.components;
  const kustomize = {
    kubectl: options.kubectl ?? new Kubectl(),
    cacheDir: options.useCache === false ? undefined : join(options.paths.cacheDir, 'kustomize'),
  };
  const build = (targets: readonly BuildTarget[], extra?: Partial<KustomizeOptions>) =>
    kustomizeAll(targets, tree, { ...kustomize, ...extra });
  // Optional components (release data `choices`) are built as upstream documents them,
  // `kustomize build <path>` on their own, without example/'s transforms (docs/choices.md).
  const [main, optional, variantBuilt] = await Promise.all([
    kustomizeComponents(
      list.filter((c) => !c.optional),
      tree.dir,
      example.transforms,
      build,
    ),
    kustomizeComponents(
      list.filter((c) => c.optional),
      tree.dir,
      [],
      build,
    ),
    // A variant replaces example/'s entry: built through example/'s transforms like it.
    kustomizeComponents(
      variants.map((b) =>
        variantComponent(list.find((c) => c.name === b.component) as Component, b),
      ),
      tree.dir,
      example.transforms,
      build,
    ),
  ]);
  const byName = new Map([...main.outputs, ...optional.outputs].map((o) => [o.name, o]));
  // In component-list order, as every later stage expects.
  const outputs = list.map((c) => byName.get(c.name) as KustomizeOutput);
  const reach = main.reach;
  if (tree.lockedRefs) checkRefsPinned(outputs, tree, tree.lockedRefs);
  return {
    releasesFile,
    known,
    layout,
    tree,
    data,
    resolution,
    outputs,
    reach,
    variants,
    variantOutputs: variantBuilt.outputs,
  };
}

/** The second half: pure, from kustomize's outputs to chart files in memory. */
function finishBuild(
  prepared: PreparedBuild,
  options: BuildOptions,
  previous: ReleaseSnapshot | undefined,
): BuildResult {
  const { releasesFile, layout, tree, data, resolution, outputs, reach, variants, variantOutputs } =
    prepared;
  const list = resolution.components;
  const built: ComponentObjects[] = list.map((component, i) => ({
    component,
    objects: splitManifests(
      outputs[i]?.yaml ?? '',
      `kustomize build of component '${component.name}'`,
    ),
  }));
  options.log?.(
    `${built.reduce((n, c) => n + c.objects.length, 0)} objects from kustomize; rules, release layout and chart files next`,
  );
  const namespaced = namespacedWithoutNamespace(
    built.map((c) => ({ name: c.component.name, objects: c.objects })),
  );
  const choiceOf = (name: string): ChoiceValues => {
    const component = list.find((c) => c.name === name);
    return component ? choiceValues(component) : { component: name, values: [] };
  };
  // Namespaces a variant labels but another component renders become that component's
  // labels under the variant's condition (src/variants.ts), before the rules run.
  const variantNs = variantNamespaces(
    built,
    variants,
    variants.map((b, i) =>
      splitManifests(
        variantOutputs[i]?.yaml ?? '',
        `kustomize build of variant ${b.path} of '${b.component}'`,
      ),
    ),
    choiceOf,
  );
  // Text changes first (namespace policy, keep, fields controllers own); values rules
  // record template edits on the final text.
  // Optional components installed into a namespace of the user's choice take it from a
  // value instead of `default` (docs/choices.md).
  const valueNamespaced = new Set(list.filter((c) => c.namespaceValue).map((c) => c.name));
  // By key, decided on kustomize's text: the keep rule changes a PVC's text before this runs.
  const withoutNamespace = new Set(
    built
      .filter((c) => valueNamespaced.has(c.component.name))
      .flatMap((c) =>
        c.objects.filter(namespaced).map((o) => `${c.component.name} ${objectKey(o)}`),
      ),
  );
  const rulesFor = (namespaced: (o: ManifestObject) => boolean) => {
    const defaultNamespace = defaultNamespaceRule(namespaced);
    return [
      {
        ...defaultNamespace,
        matches: (o: ManifestObject, c: string) =>
          !valueNamespaced.has(c) && defaultNamespace.matches(o, c),
      },
      ...layout.keep.map((kind) => keepRule(kind)),
      aggregatedRulesRule(),
      injectedCaBundleRule(),
      liveValueRule(),
      // Edits, not text changes: after the text changes above, before the values rules.
      namespaceValueRule(valueNamespaced, (o, c) => withoutNamespace.has(`${c} ${objectKey(o)}`)),
      ...valuesRules(variantNs.namespaces),
      gatewayApiRoutesRule(),
      ...[dashboardLinksRule(list)].filter((r) => r !== undefined),
    ];
  };
  const rules = rulesFor(namespaced);
  const ruled = applyRules(rules, built, data?.lock.expect ?? {});
  const findings: RuleFinding[] = [...ruled.findings];
  if (variantNs.namespaces.size > 0) {
    findings.push({
      id: 'variant-namespace-labels',
      source: 'src/variants.ts',
      generic: true,
      component: undefined,
      expected: undefined,
      matched: [...variantNs.owners].map(([n, owner]) => `${owner}: v1 Namespace ${n}`),
      notes: [...variantNs.namespaces].flatMap(([n, choices]) =>
        choices.map(
          (c) =>
            `${n}: ${Object.entries(c.labels)
              .map(([k, v]) => `${k}=${v}`)
              .join(
                ', ',
              )}${c.remove.length > 0 ? `, without ${c.remove.join(', ')}` : ''} with ${c.choices.join(' or ')}`,
        ),
      ),
    });
  }
  // Choices of the release data this tree lacks: left out, and a decision for the reviewer.
  const drift: Drift[] = [
    ...resolution.missingChoices.map((m) => ({
      rule: 'choices',
      source: data ? relativeToProject(data.file) : 'release data',
      component: undefined,
      expected: `${m.choice} at ${m.path}`,
      found: 'not a kustomization in this tree; update or remove the choice in the release data',
    })),
    ...ruled.drift,
    ...requirementEvidenceDrift(
      data?.lock.choices?.requires ?? [],
      data ? relativeToProject(data.file) : 'release data',
      (name) => {
        const i = list.findIndex((c) => c.name === name);
        return i < 0 ? undefined : (outputs[i]?.yaml ?? '');
      },
    ),
  ];
  const variantObjects = variants.map((b, i) => {
    const component = list.find((c) => c.name === b.component) as Component;
    const objects = variantNs.variantObjects[i] ?? [];
    const scoped = namespacedWithoutNamespace([
      { name: component.name, objects },
      ...built.map((c) => ({ name: c.component.name, objects: c.objects })),
    ]);
    // Each variant's objects through the same rules, every component of the build present
    // (a rule anchored on another component, like the gateway's, changes them too); its
    // expectations are the default build's, so only a rule that cannot change an object it
    // selects is drift here.
    const result = applyRules(
      rulesFor(scoped),
      [{ component, objects }],
      {},
      list.map((c) => c.name),
    );
    drift.push(
      ...result.drift
        .filter((d) => d.object !== undefined)
        .map((d) => ({ ...d, component: `${b.component} (variant ${b.path})` })),
    );
    return result.components[0]?.objects ?? [];
  });
  const components = mergeVariants(ruled.components, variants, variantObjects, choiceOf);
  // Server-side apply: no field a controller owns may reach a chart (docs/server-side-apply.md).
  const controllerOwned = lintControllerOwned(
    components.map((c) => ({ name: c.component.name, objects: c.objects })),
    LIVE_VALUE_RULE,
  );
  const ruleReport: BuildReport = {
    tag: tree.tag,
    releaseData: data && {
      tag: data.lock.upstream.tag,
      // Relative to the project: the report is part of the charts, the same on every clone.
      file: relativeToProject(data.file),
      ...(data.lock.inheritedFrom !== undefined && { inheritedFrom: data.lock.inheritedFrom }),
    },
    resolution,
    exampleTransforms: reach,
    findings,
    drift,
    controllerOwned,
  };
  if (drift.length > 0 && !options.allowDrift) throw new DriftError(ruleReport);
  const plan = planReleases(layout, components, { file: releasesFile });
  const templateDirs = extraTemplateDirs(plan);
  if (templateDirs.misplaced.length > 0) {
    throw new KfchartsError(
      'layout-invalid',
      `hand-written templates for a component the layout places in another release: ${templateDirs.misplaced.join(', ')}; move them to charts/templates/<component>/<its release>/`,
    );
  }
  const report: BuildReport = {
    ...ruleReport,
    findings: [
      ...findings,
      {
        id: 'hand-written-templates',
        source: 'charts/templates',
        generic: true,
        component: undefined,
        expected: undefined,
        matched: templateDirs.used,
        notes: templateDirs.absent.map(
          (d) => `${d}: no such component in this build; its templates are left out`,
        ),
      },
    ],
  };
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
  // 'none' turns hooks off; an explicit previous release is planned here; else the plan
  // recorded in the release data (reviewed with the change report), if any.
  const upgrade =
    options.upgradeFrom === 'none'
      ? undefined
      : previous
        ? planUpgrade(previous, snapshotOf({ plan, components, report, tree }))
        : // Only a release's own plan: an unpinned tree checked against a nearby
          // release's data must not carry that release's hooks.
          data?.lock.upstream.tag === tree.tag
          ? data.lock.upgrade
          : undefined;
  const files = emitCharts({
    tag: tree.tag,
    chartRevision: tree.chartRevision,
    treeSha256: tree.treeSha256,
    components: list,
    plan,
    ...(upgrade && { upgrade }),
    requires: data?.lock.choices?.requires ?? [],
  });
  files.set(BUILD_REPORT, renderBuildReport(report, plan));
  return {
    tree,
    components,
    outputs,
    keepKinds: layout.keep,
    plan,
    files,
    upgrade,
    report,
    runtimeImages: (data?.lock.runtimeImages ?? []).filter((r) =>
      list.some((c) => c.name === r.component),
    ),
  };
}

/** The build report, beside the charts (and in `kfcharts build --report`). */
export const BUILD_REPORT = 'BUILD-REPORT.md';

/** A build that found drift: the report names every drift at once. */
export class DriftError extends KfchartsError {
  readonly report: BuildReport;
  constructor(report: BuildReport) {
    super(
      'rule-mismatch',
      `upstream ${report.tag}: ${report.drift.length} drift(s) from what the rules were written for${report.releaseData ? ` (${report.releaseData.file})` : ''}`,
      {
        details: report.drift
          .map(
            (d) =>
              `${d.rule} (${d.source})${d.component ? ` [${d.component}]` : ''}${d.object ? ` ${d.object}` : ''}: expected ${d.expected}; found ${d.found}`,
          )
          .join('\n'),
      },
    );
    this.report = report;
  }
}

/**
 * The release data the rules are checked against: the lock of a pinned build; for an
 * unpinned tree, the pinned release of the same tag, else the nearest older one.
 */
function releaseDataOf(
  tree: UpstreamTree,
  lockPath: string | undefined,
): { file: string; lock: UpstreamLock } | undefined {
  if (tree.lock) return { file: tree.lockFile ?? '', lock: tree.lock };
  // An unpinned tree with --lock: that file's expectations and deviations apply.
  const file = lockPath ?? nearestReleasePath(tree.tag);
  return file === undefined ? undefined : { file, lock: readLock(file) };
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

/** Relative to the project when inside it: the report is part of the charts, the same on every clone. */
function relativeToProject(file: string): string {
  const path = relative(projectRoot, file);
  return path.startsWith('..') ? file : path;
}
