import type { ComponentObjects } from '../components.ts';
import { KfchartsError } from '../errors.ts';
import { isCrd, type ManifestObject, objectKey } from '../manifest/object.ts';
import { analyzeAdmission } from './admission.ts';

/** A component's objects, or one object that waits for its own component's webhook. */
interface Unit {
  readonly id: number;
  readonly component: string;
  /** The moved object; undefined for the component's other objects. */
  readonly moved: ManifestObject | undefined;
}

/** `to` goes `weight` (1: strictly, 0: or same) layers after `from`, because of `why`. */
interface Edge {
  readonly from: number;
  readonly to: number;
  readonly weight: 0 | 1;
  readonly why: string;
}

export interface LayeredComponent {
  readonly component: string;
  readonly layer: number;
  /** Why it is not in an earlier layer ("waits for ...", "override: ..."); undefined in layer 0. */
  readonly why: string | undefined;
}

export interface MovedObject {
  readonly component: string;
  readonly object: ManifestObject;
  readonly layer: number;
  readonly why: string;
}

export interface Layering {
  readonly layerCount: number;
  readonly layerOf: ReadonlyMap<ManifestObject, number>;
  readonly components: readonly LayeredComponent[];
  readonly moved: readonly MovedObject[];
}

/**
 * Puts every object but CRDs (which all go to earlier releases) into layers:
 *  - an object intercepted by a webhook (failurePolicy Fail) goes to a layer after the one
 *    serving it (its Service and the workloads behind it);
 *  - an object's namespace is created in an earlier or the same layer.
 * A component's objects stay together, at the smallest layer these allow, except objects
 * intercepted by a webhook their own component serves: each moves alone to the first layer
 * after it. Layers are longest paths in that graph; a cycle fails, naming its steps.
 */
export function computeLayers(
  built: readonly ComponentObjects[],
  /** component → the earliest layer it may go to (deliberate overrides), and why. */
  floors: ReadonlyMap<string, { readonly layer: number; readonly why: string }> = new Map(),
): Layering {
  const items = built.flatMap(({ component, objects }) =>
    objects.map((object) => ({ object, component: component.name })),
  );
  const admission = analyzeAdmission(items);
  const others = items.filter((i) => !isCrd(i.object));
  const needs = new Map(others.map((i) => [i, admission.needs(i)]));

  // Units: one per component, one per object its own component's webhook intercepts.
  const units: Unit[] = [];
  const componentUnit = new Map<string, Unit>();
  const objectUnit = new Map<ManifestObject, Unit>();
  for (const item of others) {
    const own = needs
      .get(item)
      ?.webhooks.some((w) => !w.pods && w.servedBy?.some((s) => s.component === item.component));
    if (own) {
      const unit = { id: units.length, component: item.component, moved: item.object };
      units.push(unit);
      objectUnit.set(item.object, unit);
    } else {
      let unit = componentUnit.get(item.component);
      if (unit === undefined) {
        unit = { id: units.length, component: item.component, moved: undefined };
        units.push(unit);
        componentUnit.set(item.component, unit);
      }
      objectUnit.set(item.object, unit);
    }
  }
  const unitOf = (o: ManifestObject) => objectUnit.get(o) as Unit;

  const edges: Edge[] = [];
  for (const item of others) {
    const to = unitOf(item.object).id;
    const n = needs.get(item);
    if (n === undefined) continue;
    if (n.namespaceObject !== undefined && !isCrd(n.namespaceObject.object)) {
      const from = unitOf(n.namespaceObject.object).id;
      if (from !== to) {
        edges.push({
          from,
          to,
          weight: 0,
          why: `waits for namespace ${n.namespace} of ${objectKey(item.object)} (from ${n.namespaceObject.component})`,
        });
      }
    }
    // A custom resource goes with or after its operator (the non-CRD objects of the
    // component with its CRD): uninstalling in reverse order then removes it while the
    // operator still runs to clear its finalizers.
    if (n.crd !== undefined && n.crd.component !== item.component) {
      const operator = componentUnit.get(n.crd.component);
      if (operator !== undefined && operator.id !== to) {
        edges.push({
          from: operator.id,
          to,
          weight: 0,
          why: `goes with or after the operator of ${n.customKind} (${n.crd.component}), for ${objectKey(item.object)}`,
        });
      }
    }
    for (const { webhook, servedBy, pods } of n.webhooks) {
      // Nothing serves it: no layer helps; the install-order check reports it.
      for (const s of servedBy ?? []) {
        edges.push({
          from: unitOf(s.object).id,
          to,
          // Pods are created by a controller, which retries until the webhook serves.
          weight: pods ? 0 : 1,
          why: `waits for webhook ${webhook.name} (${webhook.config}) of ${s.component}, which intercepts ${pods ? 'the pods of ' : ''}${objectKey(item.object)}`,
        });
      }
    }
  }

  const layer = longestPaths(units, edges);
  const layerOf = new Map<ManifestObject, number>();
  for (const item of others)
    layerOf.set(item.object, layer.value[unitOf(item.object).id] as number);
  const reason = (u: Unit) => {
    // An edge that demands this layer explains it better than a floor that also does.
    const e =
      layer.raisedBy[u.id] ??
      edges.find(
        (x) => x.to === u.id && (layer.value[x.from] as number) + x.weight === layer.value[u.id],
      );
    if (e !== undefined && (layer.value[u.id] as number) > 0) return e.why;
    const floor = floors.get(u.component);
    return floor !== undefined && floor.layer > 0 ? floor.why : undefined;
  };
  return {
    layerCount: units.length === 0 ? 0 : Math.max(...layer.value) + 1,
    layerOf,
    components: [...componentUnit.values()].map((u) => ({
      component: u.component,
      layer: layer.value[u.id] as number,
      why: reason(u),
    })),
    moved: units
      .filter((u) => u.moved !== undefined)
      .map((u) => ({
        component: u.component,
        object: u.moved as ManifestObject,
        layer: layer.value[u.id] as number,
        why: reason(u) as string,
      })),
  };

  function longestPaths(all: readonly Unit[], graph: readonly Edge[]) {
    const value = all.map((u) => floors.get(u.component)?.layer ?? 0);
    const raisedBy: (Edge | undefined)[] = all.map(() => undefined);
    // Without a cycle through a strict edge, no path is longer than the number of units.
    for (let round = 0; round <= all.length; round++) {
      let changed: Edge | undefined;
      for (const e of graph) {
        const want = (value[e.from] as number) + e.weight;
        if (want > (value[e.to] as number)) {
          value[e.to] = want;
          raisedBy[e.to] = e;
          changed = e;
        }
      }
      if (changed === undefined) return { value, raisedBy };
      if (round === all.length) throw cycleError(all, raisedBy, changed.to);
    }
    return { value, raisedBy };
  }
}

/** Follows the edges that raised each unit back from `start` until one repeats. */
function cycleError(
  units: readonly Unit[],
  raisedBy: readonly (Edge | undefined)[],
  start: number,
): KfchartsError {
  const name = (id: number) => {
    const u = units[id] as Unit;
    return u.moved ? `${objectKey(u.moved)} of ${u.component}` : `component '${u.component}'`;
  };
  let at = start;
  for (let i = 0; i < units.length; i++) at = raisedBy[at]?.from ?? at;
  const steps: string[] = [];
  let id = at;
  do {
    const e = raisedBy[id] as Edge;
    steps.push(`${name(id)} ${e.why}`);
    id = e.from;
  } while (id !== at && steps.length <= units.length);
  return new KfchartsError(
    'install-order',
    `objects wait for each other in a cycle; no release order installs them`,
    { details: steps.reverse().join('\n') },
  );
}
