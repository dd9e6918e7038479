import { resolve } from 'node:path';
import type { ComponentObjects } from '../components.ts';
import { readConfigFile } from '../config-file.ts';
import { KfchartsError } from '../errors.ts';
import { apiGroup, isCrd, type ManifestObject, objectKey } from '../manifest/object.ts';
import { projectRoot } from '../paths.ts';

/** releases.yaml: the Helm releases, in install order, and the placement rules. */
export interface ReleaseLayout {
  readonly releases: readonly ReleaseSpec[];
  readonly placements: readonly Placement[];
  /** Kinds the keep-<kind> rules annotate (generic: no counts). */
  readonly keep: readonly string[];
}

export interface ReleaseSpec {
  readonly name: string;
  readonly description: string;
  /** Components whose CRDs this release installs. */
  readonly crdsOf?: readonly string[];
  /** Components whose other objects this release installs. */
  readonly components?: readonly string[];
}

/** A named rule: objects it selects move to a later release; it must select `expect`. */
export interface Placement {
  readonly id: string;
  readonly description: string;
  readonly select: {
    readonly component: string;
    readonly group?: string;
    readonly kind?: string;
    readonly name?: string;
  };
  readonly release: string;
  readonly expect: number;
}

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
  readonly placements: readonly {
    readonly id: string;
    readonly release: string;
    readonly matched: readonly string[];
  }[];
}

export const defaultReleasesPath = resolve(projectRoot, 'releases.yaml');

export function readReleaseLayout(file = defaultReleasesPath): ReleaseLayout {
  return readConfigFile<ReleaseLayout>(file, 'releases.schema.json', 'layout-invalid');
}

/**
 * Assigns every object to a release: CRDs to their component's `crdsOf` release, the
 * rest to its `components` release, then the placement rules. A rule that selects other
 * than `expect` objects fails the build by name: that is how an upstream release that
 * changes what a rule was written for cannot slip through.
 */
export function planReleases(
  layout: ReleaseLayout,
  built: readonly ComponentObjects[],
  file = 'releases.yaml',
): ReleasePlan {
  const names = layout.releases.map((r) => r.name);
  const known = new Set(built.map((c) => c.component.name));
  const home = ownerIndex(layout, 'components', known, file);
  const crdHome = ownerIndex(layout, 'crdsOf', known, file);

  const placed = new Map<ManifestObject, number>();
  for (const { component, objects } of built) {
    for (const object of objects) {
      const index = isCrd(object) ? crdHome.get(component.name) : home.get(component.name);
      if (index === undefined) {
        throw new KfchartsError(
          'layout-invalid',
          `${file}: no release takes ${isCrd(object) ? 'the CRDs' : 'the objects'} of component '${component.name}' (first: ${objectKey(object)}); add it to a release's ${isCrd(object) ? 'crdsOf' : 'components'}`,
        );
      }
      placed.set(object, index);
    }
  }

  const movedBy = new Map<ManifestObject, string>();
  const placements = layout.placements.map((rule) => {
    const target = names.indexOf(rule.release);
    if (target < 0)
      throw new KfchartsError(
        'layout-invalid',
        `${file}: placement '${rule.id}' names unknown release '${rule.release}'`,
      );
    if (!known.has(rule.select.component)) {
      throw new KfchartsError(
        'layout-invalid',
        `${file}: placement '${rule.id}' names unknown component '${rule.select.component}'`,
      );
    }
    const objects = built.find((c) => c.component.name === rule.select.component)?.objects ?? [];
    const matched = objects.filter((o) => selects(rule, o));
    if (matched.length !== rule.expect) {
      throw new KfchartsError(
        'rule-mismatch',
        `placement rule '${rule.id}' expects ${rule.expect} object(s) of component '${rule.select.component}' and matched ${matched.length}`,
        {
          details: `selector ${JSON.stringify(rule.select)}\nmatched: ${matched.map(objectKey).join(', ') || 'none'}`,
        },
      );
    }
    for (const o of matched) {
      const earlier = movedBy.get(o);
      if (earlier !== undefined) {
        throw new KfchartsError(
          'layout-invalid',
          `${file}: placement rules '${earlier}' and '${rule.id}' both select ${objectKey(o)}`,
        );
      }
      movedBy.set(o, rule.id);
      placed.set(o, target);
    }
    return { id: rule.id, release: rule.release, matched: matched.map(objectKey) };
  });

  const releases = layout.releases.map((spec, index) => ({
    name: spec.name,
    description: spec.description,
    index,
    components: built
      .map((c) => ({
        component: c.component,
        objects: c.objects.filter((o) => placed.get(o) === index),
      }))
      .filter((c) => c.objects.length > 0),
  }));
  return { releases, placements };
}

function selects(rule: Placement, o: ManifestObject): boolean {
  const { group, kind, name } = rule.select;
  return (
    !isCrd(o) &&
    (group === undefined || apiGroup(o) === group) &&
    (kind === undefined || o.kind === kind) &&
    (name === undefined || o.name === name)
  );
}

/** component → index of the one release whose `field` lists it. */
function ownerIndex(
  layout: ReleaseLayout,
  field: 'components' | 'crdsOf',
  known: ReadonlySet<string>,
  file: string,
): Map<string, number> {
  const owner = new Map<string, number>();
  layout.releases.forEach((release, index) => {
    for (const name of release[field] ?? []) {
      if (!known.has(name)) continue; // not in this upstream release
      const prior = owner.get(name);
      if (prior !== undefined) {
        throw new KfchartsError(
          'layout-invalid',
          `${file}: component '${name}' is in ${field} of both '${layout.releases[prior]?.name}' and '${release.name}'`,
        );
      }
      owner.set(name, index);
    }
  });
  return owner;
}
