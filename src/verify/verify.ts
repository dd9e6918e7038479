import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  type BuildOptions,
  type BuildResult,
  buildCharts,
  chartsDir as chartsDirOf,
} from '../build.ts';
import { removeAnnotationLine } from '../chart/annotate.ts';
import {
  type ControllerOwnedFinding,
  describeFinding,
  findControllerOwned,
  type K8sObject,
} from '../chart/controller-owned.ts';
import { findCharts, readChartFiles } from '../chart/write.ts';
import { EXAMPLE_PATH } from '../components.ts';
import { KfchartsError } from '../errors.ts';
import { kustomizeAll } from '../kustomize/build.ts';
import { kindScope } from '../manifest/scope.ts';
import { projectRoot } from '../paths.ts';
import { createProgress } from '../progress.ts';
import { checkInstallOrder, type OrderViolation } from '../release/order.ts';
import { RESOURCE_POLICY } from '../rules/keep.ts';
import { Helm } from '../tools/helm.ts';
import { Kubectl } from '../tools/kubectl.ts';
import { sha256 } from '../upstream/hash.ts';
import { readLock } from '../upstream/lock.ts';
import {
  type BringYourOwnReport,
  bringYourOwnFailures,
  checkBringYourOwn,
  renderBringYourOwn,
} from './bring-your-own.ts';
import { CHOICE_NAMESPACE, type ChoiceRenders, renderChoices, renderVariants } from './choices.ts';
import { checkDeviations, type DeviationCheck } from './deviations.ts';
import {
  buildSwappedExamples,
  compareSwappedExample,
  exampleSwaps,
  type SwappedExampleReport,
  swappedExampleFailures,
} from './example-variants.ts';
import {
  compareObjectSets,
  indexByKey,
  isClean,
  type ParsedObject,
  type SetComparison,
  toParsedObjects,
} from './objects.ts';
import {
  measureReleasePayload,
  RELEASE_LIMIT_BYTES,
  RELEASE_TARGET_BYTES,
  type ReleasePayload,
} from './payload.ts';
import { parseHelmOutput, type RenderedObject, renderChart, VERIFY_RELEASE } from './render.ts';
import { chartOf, planOfRendered } from './rendered-plan.ts';

export interface VerifyOptions extends BuildOptions {
  readonly deviationsFile?: string;
  readonly helm?: Helm;
  /** Helm 3 for the compatibility lint; null skips it (reported as skipped). */
  readonly helm3?: Helm | null;
}

export interface ComponentReport extends SetComparison {
  readonly name: string;
  /** Rendered documents whose text is not kustomize's text byte for byte. */
  readonly textDiffers: string[];
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly upstream: { readonly tag: string; readonly treeSha256: string };
  readonly release: typeof VERIFY_RELEASE;
  readonly charts: {
    chart: string;
    objects: number;
    renderSha256: string;
    rendersIdentical: boolean;
  }[];
  readonly components: ComponentReport[];
  readonly example: SetComparison & DeviationCheck;
  readonly rebuild: { identical: boolean; differingFiles: string[] };
  readonly lint: { helm: string; chart: string; ok: boolean; output: string }[];
  /** Release payloads as Helm stores them, against the 1 MiB limit and our 768 KiB target. */
  readonly payloads: { limitBytes: number; targetBytes: number; charts: ReleasePayload[] };
  /** Static install-order check over the release plan. */
  readonly installOrder: { releases: string[]; violations: OrderViolation[] };
  /**
   * The charts rendered with cert-manager, Istio, Knative Serving, Dex and oauth2-proxy off
   * and the user's issuer, order-checked with those components' objects already installed.
   */
  readonly bringYourOwn: BringYourOwnReport;
  /** Objects rendered with `helm.sh/resource-policy: keep` added by the keep rules (the one allowed change). */
  readonly keepAnnotationsAdded: number;
  /** Namespaced objects upstream leaves without a namespace, rendered in `default`. */
  readonly defaultNamespacesAdded: string[];
  /**
   * Fields a controller owns, left out of the charts (`key pointer`): aggregated ClusterRoles'
   * rules and injected caBundles, exactly as kustomize printed them.
   */
  readonly controllerOwnedDropped: string[];
  /** Controller-owned fields whose template renders the live value on upgrade. */
  readonly controllerOwnedLive: string[];
  /**
   * pre-upgrade hook objects (src/chart/upgrade-hooks.ts), allowed by name: only in a
   * chart whose release has something to delete; none when nothing breaks.
   */
  readonly upgradeHookObjects: string[];
  /**
   * Upstream's choices (docs/choices.md): each optional component rendered enabled
   * (`set`) against its own uncached `kustomize build` of the paths the release data lists.
   */
  readonly choices: {
    set: readonly string[];
    components: ComponentReport[];
    /** Release payloads of the charts holding an optional component, with `set`. */
    payloads: ReleasePayload[];
    /** Each variant path: its component rendered with the values that select it, against its own build. */
    variants: (ComponentReport & {
      path: string;
      set: readonly string[];
      /** Namespaces the variant labels that another component renders (src/verify/choices.ts). */
      sharedNamespaces: { name: string; owner: string; equal: boolean }[];
      /** Global values: other components' objects that differ from the defaults (none). */
      otherChanges: readonly string[];
    })[];
    /**
     * Each variant path: example/ with it in place of its component's line, built by
     * kustomize as one, against every chart rendered with the variant's values.
     */
    examples: SwappedExampleReport[];
    /** Variant paths of the release data with no swapped example/ (not in this tree, or their component not in example/): reported, not failed. */
    examplesSkipped: string[];
  };
  readonly failures: string[];
}

/**
 * `kfcharts verify`: renders every chart under dist/charts with `helm template
 * --include-crds` (twice, non-default release name and namespace) and compares it, object
 * by object, with fresh `kustomize build`s of each component and of example/ on a freshly
 * extracted, hash-checked tree (no cache). Also compares that fresh build's chart files
 * with dist/charts byte for byte.
 */
export async function verifyCharts(options: VerifyOptions): Promise<VerifyReport> {
  const helm = options.helm ?? new Helm();
  const chartsDir = chartsDirOf(options.paths.distDir);
  const charts = findCharts(chartsDir).map((dir) => basename(dir));

  // A fresh build: upstream extracted and hash-checked anew, kustomize uncached. Its
  // kustomize outputs are the expected objects; its files must equal dist/charts.
  options.log?.('verify: fresh build (upstream extracted anew, kustomize uncached)');
  const rebuilt = await buildCharts({ ...options, useCache: false });
  try {
    return await verifyAgainst(rebuilt, charts, chartsDir, helm, options);
  } finally {
    rebuilt.tree.dispose();
  }
}

async function verifyAgainst(
  rebuilt: BuildResult,
  charts: readonly string[],
  chartsDir: string,
  helm: Helm,
  options: VerifyOptions,
): Promise<VerifyReport> {
  const onDisk = readChartFiles(chartsDir);
  const differingFiles = [...new Set([...onDisk.keys(), ...rebuilt.files.keys()])]
    .filter((path) => onDisk.get(path) !== rebuilt.files.get(path))
    .sort();

  options.log?.(
    `verify: kustomize build of ${EXAMPLE_PATH} as one (uncached; the longest single build)`,
  );
  const releaseData =
    rebuilt.report.releaseData && readLock(resolve(projectRoot, rebuilt.report.releaseData.file));
  // The choices' own builds and renders (docs/choices.md) run beside example/'s build, the
  // longest single one, which keeps one core busy.
  const kubectl = options.kubectl ?? new Kubectl();
  const swaps = exampleSwaps(
    releaseData?.choices?.variants ?? [],
    new Map(
      rebuilt.components
        .filter(({ component }) => !component.optional)
        .map(({ component }) => [component.name, component.paths] as const),
    ),
    rebuilt.tree.dir,
  );
  // Each chart's first render at defaults, started now: verify compares it with kustomize
  // below, and the variants' checks compare with it meanwhile.
  const firstRenders = new Map(
    charts.map((chart) => {
      const render = renderChart(helm, join(chartsDir, chart));
      // Awaited later: a failure is thrown there, not reported unhandled before.
      render.catch(() => undefined);
      return [chart, render] as const;
    }),
  );
  const defaultRender = (chart: string) =>
    firstRenders.get(chart) ?? renderChart(helm, join(chartsDir, chart));
  const variantRenders = renderVariants(
    releaseData?.choices?.variants ?? [],
    rebuilt.tree,
    charts,
    chartsDir,
    helm,
    kubectl,
    defaultRender,
  );
  const [example, choices, variants, swappedExamples] = await Promise.all([
    kustomizeAll([{ name: EXAMPLE_PATH, path: EXAMPLE_PATH }], rebuilt.tree, {
      kubectl,
      cacheDir: undefined,
      title: 'verify: kustomize example/ (uncached)',
    }),
    renderChoices(
      releaseData?.choices?.optional ?? [],
      rebuilt.tree,
      charts,
      chartsDir,
      helm,
      kubectl,
    ),
    variantRenders,
    // After the variants' own builds: which Namespaces a variant re-declares that another
    // component renders decides how its example/ is swapped (example-variants.ts).
    variantRenders.then((renders) =>
      buildSwappedExamples(
        swaps.map((swap) => {
          const shared = renders.find((r) => r.path === swap.path)?.sharedNamespaces ?? [];
          return shared.length > 0 ? { ...swap, namespaces: shared.map((n) => n.variant) } : swap;
        }),
        rebuilt.tree.dir,
        kubectl,
      ),
    ),
  ]);
  // Optional components are off at defaults: compared only in the render with them on.
  const optional = new Set([
    ...choices.expected.keys(),
    ...rebuilt.components.filter((c) => c.component.optional).map((c) => c.component.name),
  ]);
  const expectedByComponent = new Map(
    [...rebuilt.outputs, ...example].map(
      (out) => [out.name, toParsedObjects(out.yaml, `kustomize build ${out.path}`)] as const,
    ),
  );

  const chartReports: VerifyReport['charts'] = [];
  const rendered: RenderedObject[] = [];
  const upgradeHookObjects: string[] = [];
  const hookFailures: string[] = [];
  const renders = createProgress('verify: helm template (twice)', charts.length);
  for (const chart of charts) {
    const dir = join(chartsDir, chart);
    const [first, second] = await Promise.all([defaultRender(chart), renderChart(helm, dir)]);
    const all = parseHelmOutput(first, chart);
    const hooks = all.filter((o) => isUpgradeHook(o, chart));
    const objects = all.filter((o) => !hooks.includes(o));
    upgradeHookObjects.push(...hooks.map((o) => o.key));
    const expectsHook = rebuilt.upgrade?.deletions.some((d) => d.release === chart) ?? false;
    if (expectsHook !== hooks.some((o) => o.value.kind === 'Job')) {
      hookFailures.push(
        `${chart}: ${expectsHook ? 'renders no pre-upgrade hook Job, though it has objects to delete' : 'renders a pre-upgrade hook Job with nothing to delete'}`,
      );
    }
    rendered.push(...objects);
    chartReports.push({
      chart,
      objects: objects.length,
      renderSha256: sha256(first),
      rendersIdentical: first === second,
    });
    renders.step(chart, `${objects.length} objects`);
  }
  renders.finish(`${charts.length} charts rendered`);

  // The one change allowed: Helm's `helm.sh/resource-policy: keep`, added by the keep rules
  // to CRDs, Namespaces and PVCs that upstream leaves without it. It must be there on every
  // such object; it is stripped (value and text) before comparing with kustomize.
  const upstreamByKey = new Map(
    rebuilt.components.flatMap(({ component }) =>
      (expectedByComponent.get(component.name) ?? []).map((o) => [o.key, o] as const),
    ),
  );
  // The other: a namespaced object kustomize leaves without a namespace renders in
  // `default` (src/rules/default-namespace.ts). Only such objects, only that field.
  // Only the objects the build's report names: a cluster-scoped object that gained a
  // namespace would be a difference, not this change.
  const namespacedByBuild = new Set(
    (rebuilt.report.findings.find((f) => f.id === 'default-namespace')?.matched ?? []).map((m) =>
      m.slice(m.indexOf(': ') + 2),
    ),
  );
  const renamespaced = rendered.map((o) =>
    stripDefaultNamespace(o, upstreamByKey, namespacedByBuild),
  );
  const defaultNamespacesAdded = renamespaced.filter((o, i) => o !== rendered[i]).map((o) => o.key);
  const keepKinds = new Set(rebuilt.keepKinds);
  const withoutKeep = renamespaced
    .filter((o) => keepKinds.has(String(o.value.kind)) && !hasKeep(o))
    .map((o) => o.key);
  const normalized = renamespaced.map((o) =>
    stripAddedKeep(o, upstreamByKey.get(o.key), keepKinds),
  );
  const keepAnnotationsAdded = normalized.filter((o, i) => o !== renamespaced[i]).length;
  // The third: fields a controller owns, left out (src/rules/server-side-apply.ts). Which
  // objects qualify is read from kustomize's output here, not from the transform.
  const controllerOwnedDropped: string[] = [];
  const restored = normalized.map((o) => {
    const upstream = upstreamByKey.get(o.key);
    const pointers = upstream ? droppableFields(upstream.value) : [];
    if (!upstream || pointers.length === 0 || !lacksExactly(o, upstream, pointers)) return o;
    controllerOwnedDropped.push(...pointers.map((p) => `${o.key} ${p}`));
    return { ...o, value: upstream.value, text: upstream.text };
  });
  // And none may remain in what Helm renders (the build's lint, again on the render),
  // except the `live` ones whose template renders the live object's value once it exists.
  const owned = findControllerOwned(rendered.map((o) => o.value as K8sObject)).map((f) => ({
    f,
    live: f.handling === 'live' && templateRendersLive(chartsDir, rendered, f),
  }));
  const controllerOwned = owned.filter((x) => !x.live).map((x) => x.f);
  const controllerOwnedLive = owned.filter((x) => x.live).map((x) => x.f);

  const components: ComponentReport[] = rebuilt.components
    .filter(({ component }) => !optional.has(component.name))
    .map(({ component }) => {
      const expected = indexByKey(
        expectedByComponent.get(component.name) ?? [],
        `kustomize build of ${component.name}`,
      );
      const actual = indexByKey(
        restored.filter((o) => o.component === component.name),
        `rendered subchart ${component.name}`,
      );
      return {
        name: component.name,
        ...compareObjectSets(expected, actual),
        textDiffers: textDifferences(expected, actual),
      };
    });
  const optionalAtDefaults = rendered.filter((o) => optional.has(o.component)).map((o) => o.key);
  const choiceComponents = compareChoices(choices, namespacedByBuild, keepKinds);
  const variantComponents = variants.map((v) => ({
    ...v,
    report: compareRendered(
      v.component,
      v.expected,
      v.rendered,
      undefined,
      namespacedByBuild,
      keepKinds,
    ),
  }));

  const exampleExpected = indexByKey(
    expectedByComponent.get(EXAMPLE_PATH) ?? [],
    'kustomize build example',
  );
  const exampleComparison = compareObjectSets(
    exampleExpected,
    indexByKey(restored, 'all rendered charts'),
  );
  // The release data the build checked its rules against (upstream/<tag>.yaml), or
  // another file given with --deviations.
  const knownDeviations =
    (options.deviationsFile ? readLock(options.deviationsFile) : releaseData)?.deviations ?? [];
  const deviations = checkDeviations(exampleComparison, knownDeviations);
  // example/ with each variant in place of its component's line, against the charts
  // rendered with its values: the charts holding the component from the variant's renders,
  // the others from the default ones, the same changes allowed as for example/.
  const exampleDocuments = new Map<string, ParsedObject[]>();
  for (const o of expectedByComponent.get(EXAMPLE_PATH) ?? []) {
    exampleDocuments.set(o.text, [...(exampleDocuments.get(o.text) ?? []), o]);
  }
  const exampleVariants = swappedExamples.map((build) => {
    const v = variants.find((r) => r.component === build.component && r.path === build.path);
    if (!v) {
      throw new KfchartsError(
        'verify-failed',
        `variant (${build.set.join(',')}, ${build.path}): built as example/ but never rendered`,
      );
    }
    const upstream = new Map([
      ...rebuilt.components
        .filter(({ component }) => component.name !== build.component)
        .flatMap(({ component }) =>
          (expectedByComponent.get(component.name) ?? []).map((o) => [o.key, o] as const),
        ),
      ...v.expected.map((o) => [o.key, o] as const),
    ]);
    const objects = charts.flatMap((chart) => {
      const mine = v.charts.get(chart);
      return mine
        ? mine.filter((o) => !isUpgradeHook(o, chart))
        : rendered.filter((o) => o.source.split('/')[0] === chart);
    });
    return compareSwappedExample(
      build,
      objects.map((o) => withoutAllowedChanges(o, upstream, namespacedByBuild, keepKinds)),
      {
        known: knownDeviations,
        withoutKeep: objects
          .filter((o) => keepKinds.has(String(o.value.kind)) && !hasKeep(o))
          .map((o) => o.key),
        parsed: exampleDocuments,
      },
    );
  });

  const lint: VerifyReport['lint'] = [];
  const helm3 = options.helm3 === undefined ? Helm.v3() : options.helm3;
  const helms = [helm, ...(helm3 ? [helm3] : [])];
  const lints = createProgress('verify: helm lint --strict', helms.length * charts.length);
  for (const h of helms) {
    const version = await h.version();
    for (const chart of charts) {
      try {
        lint.push({ helm: version, chart, ok: true, output: await h.lint(join(chartsDir, chart)) });
      } catch (error) {
        const e = error as KfchartsError;
        lint.push({ helm: version, chart, ok: false, output: `${e.message}\n${e.details ?? ''}` });
      }
      lints.step(chart, `helm ${version} ${lint.at(-1)?.ok ? 'ok' : 'FAILED'}`);
    }
  }
  lints.finish(`${lint.filter((l) => l.ok).length}/${lint.length} passed`);

  const payloads: ReleasePayload[] = [];
  const sizes = createProgress('verify: release payloads', charts.length);
  for (const chart of charts) {
    payloads.push(await measureReleasePayload(helm, chart, join(chartsDir, chart)));
    sizes.step(chart, `${payloads.at(-1)?.storedBytes ?? 0} bytes`);
  }
  sizes.finish(`${charts.length} measured`);
  // With the optional components on, the charts that hold one weigh more: measured too.
  const choicePayloads: ReleasePayload[] = [];
  for (const chart of choices.rendered.keys()) {
    choicePayloads.push(
      await measureReleasePayload(helm, chart, join(chartsDir, chart), choices.set),
    );
  }
  // The order check again, now on the charts as written and rendered, not on the plan.
  const byName = new Map(rebuilt.components.map((c) => [c.component.name, c.component]));
  const order = rebuilt.plan.releases.map((r) => r.name);
  const violations = checkInstallOrder(
    planOfRendered(
      order.map((name) => ({ name, objects: rendered.filter((o) => chartOf(o) === name) })),
      byName,
    ),
  );
  // Bring your own infrastructure: the rest installs on what the user already runs.
  const bringYourOwn = checkBringYourOwn(
    await renderBringYourOwn(charts, chartsDir, helm, byName),
    rendered,
    order,
    byName,
  );

  const failures = [
    ...chartReports.filter((c) => !c.rendersIdentical).map((c) => `${c.chart}: two renders differ`),
    ...components.flatMap((c) => componentFailures(c)),
    ...deviations.unexplained.map((d) => `example/: ${d}`),
    ...deviations.stale.map((d) => `example/: ${d}`),
    ...differingFiles.map((f) => `rebuild differs from dist/charts: ${f}`),
    ...lint.filter((l) => !l.ok).map((l) => `helm ${l.helm} lint ${l.chart} failed`),
    ...withoutKeep.map((k) => `${k}: renders without ${RESOURCE_POLICY}: keep`),
    ...controllerOwned.map((f) => `server-side apply: ${describeFinding(f)}`),
    ...[...payloads, ...choicePayloads]
      .filter((p) => p.overLimit)
      .map(
        (p) =>
          `${p.chart}: release payload ${p.storedBytes} bytes exceeds Helm's ${RELEASE_LIMIT_BYTES}`,
      ),
    ...violations.map((v) => `install order: ${v.release}: ${v.object}: ${v.reason}`),
    ...bringYourOwnFailures(bringYourOwn),
    ...hookFailures,
    ...optionalAtDefaults.map((k) => `${k}: an optional component renders at default values`),
    ...choiceComponents.flatMap((c) =>
      componentFailures(c).map((f) => `optional (${choices.set.join(',')}): ${f}`),
    ),
    ...variantComponents.flatMap((v) =>
      componentFailures(v.report).map((f) => `variant (${v.set.join(',')}, ${v.path}): ${f}`),
    ),
    ...variants.flatMap((v) =>
      v.otherChanges.map(
        (k) =>
          `variant (${v.set.join(',')}, ${v.path}): ${k} of another component renders differently from the defaults`,
      ),
    ),
    ...variants.flatMap((v) =>
      v.sharedNamespaces
        .filter((n) => n.unmodelled.length > 0)
        .map(
          (n) =>
            `variant (${v.set.join(',')}, ${v.path}): ${n.name} re-declared with ${n.unmodelled.join(', ')}, which only labels are merged for`,
        ),
    ),
    ...variants.flatMap((v) =>
      v.sharedNamespaces
        .filter((n) => !n.equal)
        .map(
          (n) =>
            `variant (${v.set.join(',')}, ${v.path}): ${n.name} (rendered by ${n.owner}) is not its default with the variant's labels: expected ${JSON.stringify(n.expected)}, rendered ${JSON.stringify(n.rendered ?? null)}`,
        ),
    ),
    ...exampleVariants.flatMap((r) => swappedExampleFailures(r)),
  ];
  return {
    ok: failures.length === 0,
    upstream: { tag: rebuilt.tree.tag, treeSha256: rebuilt.tree.treeSha256 },
    release: VERIFY_RELEASE,
    charts: chartReports,
    components,
    example: { ...exampleComparison, ...deviations },
    rebuild: { identical: differingFiles.length === 0, differingFiles },
    lint,
    payloads: {
      limitBytes: RELEASE_LIMIT_BYTES,
      targetBytes: RELEASE_TARGET_BYTES,
      charts: payloads,
    },
    installOrder: { releases: rebuilt.plan.releases.map((r) => r.name), violations },
    bringYourOwn,
    keepAnnotationsAdded,
    defaultNamespacesAdded,
    controllerOwnedDropped,
    controllerOwnedLive: controllerOwnedLive.map((f) => `${f.object} ${f.pointer}`),
    upgradeHookObjects,
    choices: {
      set: choices.set,
      components: choiceComponents,
      payloads: choicePayloads,
      variants: variantComponents.map((v) => ({
        path: v.path,
        set: v.set,
        ...v.report,
        otherChanges: v.otherChanges,
        sharedNamespaces: v.sharedNamespaces.map((n) => ({
          name: n.name,
          owner: n.owner,
          equal: n.equal,
        })),
      })),
      examples: exampleVariants,
      examplesSkipped: (releaseData?.choices?.variants ?? []).flatMap((v) =>
        v.paths
          .filter((p) => !swaps.some((s) => s.path === p.path))
          .map((p) => `${v.component}: ${p.path}`),
      ),
    },
    failures,
  };
}

/**
 * Each optional component rendered enabled against its own kustomize build, with the
 * changes allowed at defaults (keep, `default` namespace, controller-owned fields) and,
 * for a component whose namespace is a value, that namespace on exactly the objects
 * kustomize left without one (what `kubectl apply -n` does).
 */
function compareChoices(
  choices: ChoiceRenders,
  namespacedByBuild: ReadonlySet<string>,
  keepKinds: ReadonlySet<string>,
): ComponentReport[] {
  const rendered = [...choices.rendered.values()].flat();
  return [...choices.expected].map(([name, objects]) =>
    compareRendered(
      name,
      objects,
      rendered.filter((o) => o.component === name),
      choices.namespaceValue.has(name) ? CHOICE_NAMESPACE : undefined,
      namespacedByBuild,
      keepKinds,
    ),
  );
}

/**
 * A component's rendered objects against its kustomize objects, with the changes allowed
 * at defaults and, with `valueNamespace`, that namespace on exactly the objects kustomize
 * left without one.
 */
function compareRendered(
  name: string,
  objects: readonly ParsedObject[],
  rendered: readonly RenderedObject[],
  valueNamespace: string | undefined,
  namespacedByBuild: ReadonlySet<string>,
  keepKinds: ReadonlySet<string>,
): ComponentReport {
  const upstream = new Map(objects.map((o) => [o.key, o] as const));
  const mine = rendered
    .map((o) =>
      valueNamespace !== undefined
        ? stripNamespace(o, upstream, valueNamespace)
        : stripDefaultNamespace(o, upstream, namespacedByBuild),
    )
    .map((o) => stripAddedKeep(o, upstream.get(o.key), keepKinds))
    .map((o) => {
      const u = upstream.get(o.key);
      const pointers = u ? droppableFields(u.value) : [];
      return u && pointers.length > 0 && lacksExactly(o, u, pointers)
        ? { ...o, value: u.value, text: u.text }
        : o;
    });
  const expected = indexByKey(objects, `kustomize build of optional ${name}`);
  const actual = indexByKey(mine, `rendered optional subchart ${name}`);
  // Rendered without a namespace, Helm would put a namespaced object into the release's
  // namespace: with the namespace a value, none of a namespaced kind may stay without.
  const unplaced =
    valueNamespace !== undefined
      ? rendered
          .filter((o) => (o.value.metadata as { namespace?: unknown }).namespace === undefined)
          .filter((o) => {
            const [group, version] = String(o.value.apiVersion).split('/');
            return (
              kindScope(
                version === undefined ? '' : (group ?? ''),
                String(o.value.kind),
                undefined,
              ) !== 'Cluster'
            );
          })
          .map((o) => o.key)
      : [];
  const comparison = compareObjectSets(expected, actual);
  return {
    name,
    ...comparison,
    // Reported as different: the object is there, without the namespace it needs.
    different: [
      ...comparison.different,
      ...unplaced.map((key) => ({
        key,
        diffs: [{ pointer: '/metadata/namespace', expected: valueNamespace, actual: undefined }],
      })),
    ],
    textDiffers: textDifferences(expected, actual),
  };
}

/**
 * A rendered object with the changes allowed at defaults taken back, in the order the
 * comparison with example/ takes them (`default` namespace, keep, controller-owned fields).
 */
function withoutAllowedChanges(
  o: RenderedObject,
  upstream: ReadonlyMap<string, ParsedObject>,
  namespacedByBuild: ReadonlySet<string>,
  keepKinds: ReadonlySet<string>,
): RenderedObject {
  const renamespaced = stripDefaultNamespace(o, upstream, namespacedByBuild);
  const stripped = stripAddedKeep(renamespaced, upstream.get(renamespaced.key), keepKinds);
  const u = upstream.get(stripped.key);
  const pointers = u ? droppableFields(u.value) : [];
  return u && pointers.length > 0 && lacksExactly(stripped, u, pointers)
    ? { ...stripped, value: u.value, text: u.text }
    : stripped;
}

/** The rendered object without `namespace: <ns>` when upstream has it without one. */
function stripNamespace<T extends ParsedObject>(
  o: T,
  upstream: ReadonlyMap<string, ParsedObject>,
  namespace: string,
): T {
  const metadata = o.value.metadata as { namespace?: unknown } | undefined;
  if (metadata?.namespace !== namespace || upstream.has(o.key)) return o;
  const bare = o.key.replace(new RegExp(` ${namespace}/([^ /]+)$`), ' $1');
  const original = upstream.get(bare);
  if (!original || (original.value.metadata as { namespace?: unknown }).namespace !== undefined)
    return o;
  const value = structuredClone(o.value) as { metadata: { namespace?: unknown } };
  delete value.metadata.namespace;
  return {
    ...o,
    key: bare,
    value: value as unknown as Record<string, unknown>,
    text: o.text.replace(new RegExp(`^ {2}namespace: "?${namespace}"?\n`, 'm'), ''),
  };
}

/** A pre-upgrade hook object of the chart's own templates, by its name. */
function isUpgradeHook(o: RenderedObject, chart: string): boolean {
  const metadata = o.value.metadata as { name?: unknown; annotations?: Record<string, unknown> };
  return (
    o.component === chart &&
    metadata?.name === `kfcharts-upgrade-${chart}` &&
    metadata.annotations?.['helm.sh/hook'] === 'pre-upgrade'
  );
}

function hasKeep(o: ParsedObject): boolean {
  const annotations = (o.value.metadata as { annotations?: Record<string, unknown> } | undefined)
    ?.annotations;
  return annotations?.[RESOURCE_POLICY] === 'keep';
}

/**
 * The rendered object without the `namespace: default` the build gave it, when it is one
 * of the objects the build says it gave one (`allowed`, bare keys) and upstream has it
 * without a namespace; others as they are.
 */
function stripDefaultNamespace<T extends ParsedObject>(
  o: T,
  upstream: ReadonlyMap<string, ParsedObject>,
  allowed: ReadonlySet<string>,
): T {
  const bare = o.key.replace(/ default\/([^ /]+)$/, ' $1');
  return allowed.has(bare) ? stripNamespace(o, upstream, 'default') : o;
}

/** The rendered object without an added keep annotation (value and text); others as they are. */
function stripAddedKeep<T extends ParsedObject>(
  o: T,
  upstream: ParsedObject | undefined,
  keepKinds: ReadonlySet<string>,
): T {
  if (!keepKinds.has(String(o.value.kind)) || !hasKeep(o) || (upstream && hasKeep(upstream)))
    return o;
  const value = structuredClone(o.value) as { metadata: { annotations: Record<string, unknown> } };
  delete value.metadata.annotations[RESOURCE_POLICY];
  if (Object.keys(value.metadata.annotations).length === 0)
    delete (value.metadata as { annotations?: unknown }).annotations;
  return {
    ...o,
    value: value as unknown as Record<string, unknown>,
    text: removeAnnotationLine(o.text, RESOURCE_POLICY, 'keep'),
  };
}

/**
 * True when the template of the object holding a `live` field renders it through its
 * kfcharts.liveWebhookField call with upstream's lines as the else branch (the rendered
 * text, equal to kustomize's, proves the latter). How that call behaves against a cluster:
 * test/integration/live-value.test.ts.
 */
function templateRendersLive(
  chartsDir: string,
  rendered: readonly RenderedObject[],
  f: ControllerOwnedFinding,
): boolean {
  const o = rendered.find((r) => r.key === f.object);
  if (!o || !f.liveCall) return false;
  const template = readFileSync(join(chartsDir, o.source), 'utf8');
  const key = f.pointer.split('/').at(-1);
  return template.includes(`{{ with ${f.liveCall} }}`) && template.includes(`${key}: {{ . }}`);
}

const CERT_MANAGER_INJECTION = /^cert-manager\.io\/inject-(?:ca-from|ca-from-secret|apiserver-ca)$/;

/**
 * The fields of a kustomize object that the charts may leave out, because a controller owns
 * them: `rules` of a ClusterRole with an aggregationRule (clusterrole-aggregation-controller);
 * `caBundle` where an injector fills it: cert-manager's cainjector (annotated webhook
 * configurations, CRD conversion webhooks, APIServices), istiod (webhook configurations
 * labelled istio.io/rev), Knative's webhook (its self-named entries). Read from kustomize's
 * output on its own terms, independent of src/rules/server-side-apply.ts.
 */
export function droppableFields(value: Record<string, unknown>): string[] {
  const o = value as {
    apiVersion?: string;
    kind?: string;
    metadata?: {
      name?: string;
      labels?: Record<string, unknown>;
      annotations?: Record<string, unknown>;
    };
    aggregationRule?: unknown;
    rules?: unknown;
    webhooks?: { name?: string; clientConfig?: Record<string, unknown> }[];
    spec?: {
      caBundle?: unknown;
      conversion?: { webhook?: { clientConfig?: Record<string, unknown> } };
    };
  };
  const group = String(o.apiVersion).split('/')[0];
  const certManager = Object.keys(o.metadata?.annotations ?? {}).some((a) =>
    CERT_MANAGER_INJECTION.test(a),
  );
  const out: string[] = [];
  if (group === 'rbac.authorization.k8s.io' && o.kind === 'ClusterRole') {
    if (o.aggregationRule != null && 'rules' in o) out.push('/rules');
  }
  if (group === 'admissionregistration.k8s.io' && Array.isArray(o.webhooks)) {
    const labels = o.metadata?.labels ?? {};
    const istiod = 'istio.io/rev' in labels;
    const knative = String(labels['app.kubernetes.io/name'] ?? '').startsWith('knative-');
    o.webhooks.forEach((w, i) => {
      const injected = certManager || istiod || (knative && w.name === o.metadata?.name);
      if (injected && w.clientConfig && 'caBundle' in w.clientConfig)
        out.push(`/webhooks/${i}/clientConfig/caBundle`);
    });
  }
  const conversion = o.spec?.conversion?.webhook?.clientConfig;
  if (certManager && group === 'apiextensions.k8s.io' && conversion && 'caBundle' in conversion)
    out.push('/spec/conversion/webhook/clientConfig/caBundle');
  if (certManager && group === 'apiregistration.k8s.io' && o.spec && 'caBundle' in o.spec)
    out.push('/spec/caBundle');
  return out;
}

/**
 * True when the rendered object is kustomize's minus exactly the fields at `pointers`: its
 * value is upstream's without them, and its text is upstream's with some lines taken out.
 */
export function lacksExactly(
  rendered: Pick<ParsedObject, 'value' | 'text'>,
  upstream: Pick<ParsedObject, 'value' | 'text'>,
  pointers: readonly string[],
): boolean {
  const expected = structuredClone(upstream.value);
  for (const pointer of pointers) {
    const path = pointer.split('/').slice(1);
    let node = expected as Record<string, unknown>;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
    delete node[path[path.length - 1] as string];
  }
  if (!isDeepStrictEqual(rendered.value, expected)) return false;
  // Line by line: every rendered line is the next matching line of upstream's text.
  const have = rendered.text.trimEnd().split('\n');
  const want = upstream.text.trimEnd().split('\n');
  let j = 0;
  for (const line of have) {
    while (j < want.length && want[j] !== line) j++;
    if (j === want.length) return false;
    j++;
  }
  return have.length < want.length;
}

function componentFailures(c: ComponentReport): string[] {
  if (isClean(c) && c.textDiffers.length === 0) return [];
  return [
    ...c.missing.map((k) => `${c.name}: ${k} missing from the chart`),
    ...c.extra.map((k) => `${c.name}: ${k} rendered but not in kustomize's build`),
    ...c.different.flatMap((d) => d.diffs.map((f) => `${c.name}: ${d.key} ${f.pointer} differs`)),
    ...c.textDiffers.map((k) => `${c.name}: ${k} renders other text than kustomize printed`),
  ];
}

/** Keys whose rendered text is not kustomize's (trailing whitespace aside, which Helm trims). */
function textDifferences(
  expected: ReadonlyMap<string, ParsedObject>,
  actual: ReadonlyMap<string, ParsedObject>,
): string[] {
  return [...expected]
    .filter(([key, e]) => {
      const a = actual.get(key);
      return a !== undefined && a.text.trimEnd() !== e.text.trimEnd();
    })
    .map(([key]) => key)
    .sort();
}
