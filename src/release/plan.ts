import type { ComponentObjects } from '../components.ts';
import { apiGroup, isCrd, type ManifestObject, objectKey } from '../manifest/object.ts';
import { RELEASE_TARGET_BYTES } from '../verify/payload.ts';
import { type CrdBin, derivedName, packCrds } from './crds.ts';
import { computeLayers } from './layers.ts';
import type { ReleaseLayout } from './layout.ts';
import { CHART_OVERHEAD_BYTES, estimateCrdBytes, PACKING_MARGIN } from './size.ts';

export {
  checkLayout,
  defaultReleasesPath,
  type ReleaseLayout,
  readReleaseLayout,
} from './layout.ts';

export interface PlannedRelease {
  readonly name: string;
  readonly description: string;
  /** Position in install order, from 0. */
  readonly index: number;
  /** Components with at least one object in this release, in component-list order. */
  readonly components: readonly ComponentObjects[];
}

export interface ReleasePlan {
  readonly releases: readonly PlannedRelease[];
  readonly decisions: PlanDecisions;
}

/** What the planner decided and why, for the build report. */
export interface PlanDecisions {
  readonly crdReleases: readonly {
    readonly release: string;
    /** Estimated stored size of the release (chart overhead included). */
    readonly estimatedBytes: number;
    readonly budgetBytes: number;
    readonly components: readonly {
      readonly component: string;
      readonly estimatedBytes: number;
      /** The override's reason, if releases.yaml pins it here. */
      readonly pinned?: string;
    }[];
  }[];
  readonly layers: readonly {
    readonly release: string;
    /** Each component whose (non-CRD) objects are here, and why not earlier. */
    readonly components: readonly { readonly component: string; readonly why?: string }[];
  }[];
  /** Objects moved away from their component because its own webhook intercepts them. */
  readonly moves: readonly {
    readonly id: string;
    readonly component: string;
    readonly release: string;
    readonly objects: readonly string[];
    readonly why: string;
  }[];
  /** Releases the plan needed beyond those releases.yaml names. */
  readonly derivedNames: readonly string[];
  /** Names releases.yaml gives that the plan does not need. */
  readonly unusedNames: readonly string[];
}

/** Decisions of a plan not made by planReleases (verify's plan of rendered charts, tests). */
export const NO_DECISIONS: PlanDecisions = {
  crdReleases: [],
  layers: [],
  moves: [],
  derivedNames: [],
  unusedNames: [],
};

export interface PlanOptions {
  /** Budget of one release's stored size (default RELEASE_TARGET_BYTES). */
  readonly budgetBytes?: number;
  /** File named in errors. */
  readonly file?: string;
}

/**
 * Computes the releases: CRDs packed into as few CRD releases as the size budget allows
 * (crds.ts), then every other object in layers by what it waits for (layers.ts). Names and
 * descriptions come from releases.yaml in order; missing ones are derived. Pure.
 */
export function planReleases(
  layout: ReleaseLayout,
  built: readonly ComponentObjects[],
  options: PlanOptions = {},
): ReleasePlan {
  const file = options.file ?? 'releases.yaml';
  const budgetBytes = options.budgetBytes ?? RELEASE_TARGET_BYTES;
  const layerNames = layout.layers.map((l) => l.name);
  const bins = packCrds({
    named: layout.crds,
    // A pin for a component this release does not have (an optional one upstream dropped,
    // or one it renamed) has nothing to place.
    pins: (layout.overrides?.crds ?? []).filter((p) =>
      built.some((c) => c.component.name === p.component),
    ),
    components: built
      .map((c) => ({ name: c.component.name, crds: c.objects.filter(isCrd) }))
      .filter((c) => c.crds.length > 0),
    budgetBytes: Math.floor(budgetBytes * (1 - PACKING_MARGIN)),
    overheadBytes: CHART_OVERHEAD_BYTES,
    estimate: estimateCrdBytes,
    reserved: new Set(layerNames),
    file,
  });
  const usedBins = bins.filter((b) => b.members.length > 0);
  const layering = computeLayers(built, layerFloors(layout, built));

  const taken = new Set([...bins.map((b) => b.name), ...layerNames]);
  // Every layer index gets its name; a layer left empty (below a floor) is dropped.
  const occupied = new Set(layering.layerOf.values());
  const allLayers = Array.from({ length: layering.layerCount }, (_, i) => {
    const named = layout.layers[i];
    if (named) return { name: named.name, description: named.description, derived: false, i };
    const base = layerNames.at(-1) ?? 'layer';
    const name = derivedName(base, i - layerNames.length + 2, taken);
    taken.add(name);
    return { name, description: undefined as string | undefined, derived: true, i };
  });
  const layers = allLayers.filter((l) => occupied.has(l.i));

  const crdRelease = new Map<string, number>();
  usedBins.forEach((b, index) => {
    for (const m of b.members) crdRelease.set(m.component, index);
  });
  const releaseOf = (component: string, o: ManifestObject) =>
    isCrd(o)
      ? (crdRelease.get(component) as number)
      : usedBins.length + layers.findIndex((l) => l.i === layering.layerOf.get(o));

  const specs = [
    ...usedBins.map((b) => ({ name: b.name, description: b.description ?? crdDescription(b) })),
    ...layers.map((l) => ({
      name: l.name,
      description:
        l.description ?? `Layer ${l.i + 1}: objects that wait for webhooks of layer ${l.i}`,
    })),
  ];
  const releases = specs.map((spec, index) => ({
    ...spec,
    index,
    components: built
      .map((c) => ({
        component: c.component,
        objects: c.objects.filter((o) => releaseOf(c.component.name, o) === index),
      }))
      .filter((c) => c.objects.length > 0),
  }));

  const layerRelease = (layer: number) => (allLayers[layer] as { name: string }).name;
  const decisions: PlanDecisions = {
    crdReleases: usedBins.map((b) => ({
      release: b.name,
      estimatedBytes: b.bytes,
      budgetBytes,
      components: b.members.map((m) => ({
        component: m.component,
        estimatedBytes: m.bytes,
        ...(m.pinned !== undefined && { pinned: m.pinned }),
      })),
    })),
    layers: layers.map((l) => ({
      release: l.name,
      components: layering.components
        .filter((c) => c.layer === l.i)
        .map((c) => ({
          component: c.component,
          ...(c.why !== undefined && { why: c.why }),
        })),
    })),
    moves: groupMoves(layering.moved, layerRelease),
    derivedNames: [...usedBins.filter((b) => b.derived), ...layers.filter((l) => l.derived)].map(
      (r) => r.name,
    ),
    unusedNames: [
      ...bins.filter((b) => b.members.length === 0).map((b) => b.name),
      ...layerNames.filter((name) => !layers.some((l) => l.name === name)),
    ],
  };
  return { releases, decisions };
}

/** component → earliest layer, from overrides.layers (by upstream path prefix). */
function layerFloors(
  layout: ReleaseLayout,
  built: readonly ComponentObjects[],
): Map<string, { layer: number; why: string }> {
  const floors = new Map<string, { layer: number; why: string }>();
  for (const floor of layout.overrides?.layers ?? []) {
    const layer = layout.layers.findIndex((l) => l.name === floor.release);
    for (const { component } of built) {
      if (!floor.paths.some((p) => component.paths.some((own) => own.startsWith(p)))) continue;
      if ((floors.get(component.name)?.layer ?? -1) < layer)
        floors.set(component.name, { layer, why: `override: ${floor.reason}` });
    }
  }
  return floors;
}

function crdDescription(bin: CrdBin): string {
  return `CRDs of ${bin.members.map((m) => m.component).join(', ')}`;
}

/** One move per component, kind and target layer, e.g. `kserve-clusterservingruntime-after-webhook`. */
function groupMoves(
  moved: ReturnType<typeof computeLayers>['moved'],
  release: (layer: number) => string,
): PlanDecisions['moves'] {
  const groups = new Map<
    string,
    { component: string; release: string; objects: string[]; why: string; kind: string }
  >();
  for (const m of moved) {
    const kind = `${apiGroup(m.object)}/${m.object.kind}`;
    const key = `${m.component}\0${kind}\0${m.layer}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = {
        component: m.component,
        release: release(m.layer),
        objects: [],
        why: m.why,
        kind: m.object.kind,
      };
      groups.set(key, g);
    }
    g.objects.push(objectKey(m.object));
  }
  const ids = new Set<string>();
  return [...groups.values()].map((g) => {
    const id = derivedId(`${g.component}-${g.kind.toLowerCase()}-after-webhook`, ids);
    return { id, component: g.component, release: g.release, objects: g.objects, why: g.why };
  });
}

function derivedId(base: string, ids: Set<string>): string {
  let id = base;
  for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
  ids.add(id);
  return id;
}
