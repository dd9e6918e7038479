import { existsSync, statSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { readConfigFile } from './config-file.ts';
import { KfchartsError } from './errors.ts';
import { findKustomizationFile, readKustomizationEntries } from './kustomize/kustomization.ts';
import type { ManifestObject } from './manifest/object.ts';
import { projectRoot } from './paths.ts';
import type { DashboardLink, OptionalComponent, Variant } from './upstream/lock.ts';

/** One component: one subchart, built from one or more entries of upstream's example/. */
export interface Component {
  /** Subchart name and values key (`<name>.enabled`). */
  readonly name: string;
  /**
   * Kustomizations (or files) relative to the upstream tree's root, in example/ order.
   * Usually one; a component upstream split keeps its name (cert-manager in v1.11.0).
   */
  readonly paths: readonly string[];
  readonly description: string;
  /** Not in example/; the subchart ships disabled. */
  readonly optional: boolean;
  /** Its path is in no entry of components.yaml: name and description were derived. */
  readonly derived: boolean;
  /** An optional component upstream marks experimental (release data `choices`). */
  readonly experimental?: boolean;
  /** Its manifests carry no namespace: `<name>.namespace` sets it (docs/choices.md). */
  readonly namespaceValue?: boolean;
  /** The Central Dashboard menu link upstream asks users to add by hand. */
  readonly dashboardLink?: DashboardLink;
  /** Values whose non-default choices replace its path (release data `choices.variants`). */
  readonly variants?: Pick<Variant, 'values' | 'paths' | 'global'>;
}

/** A component with the objects its kustomize build printed (after rules). */
export interface ComponentObjects {
  readonly component: Component;
  readonly objects: readonly ManifestObject[];
}

/** An entry of components.yaml: a stable name for every path upstream used for it. */
export interface KnownComponent {
  readonly name: string;
  readonly description: string;
  readonly paths: readonly string[];
  /** Built even when example/ does not list it, as a subchart that ships disabled. */
  readonly optional?: boolean;
}

export const defaultComponentsPath = resolve(projectRoot, 'components.yaml');
/** Upstream's reference install: its `resources` are the components. */
export const EXAMPLE_PATH = 'example';

/** Fields of example/ that only order the output: they change no object. */
const ORDER_ONLY_FIELDS = new Set(['apiVersion', 'kind', 'sortOptions', 'resources']);

/**
 * Fields of example/ that create objects of their own (not a component's); kfcharts
 * would have to invent a component for them, so they are refused until one is needed.
 */
const GENERATOR_FIELDS = new Set([
  'configMapGenerator',
  'secretGenerator',
  'generators',
  'helmCharts',
]);

export function readKnownComponents(file = defaultComponentsPath): KnownComponent[] {
  const raw = readConfigFile<{ components: KnownComponent[] }>(
    file,
    'components.schema.json',
    'component-list-invalid',
  );
  const components = raw.components.map((c) => ({ ...c, paths: c.paths.map(normalizePath) }));
  const names = new Set<string>();
  const paths = new Map<string, string>();
  for (const c of components) {
    if (names.has(c.name)) {
      throw new KfchartsError(
        'component-list-invalid',
        `${file}: component name '${c.name}' appears twice`,
      );
    }
    names.add(c.name);
    for (const path of c.paths) {
      const other = paths.get(path);
      if (other !== undefined) {
        throw new KfchartsError(
          'component-list-invalid',
          `${file}: path ${path} is listed for both '${other}' and '${c.name}'`,
        );
      }
      paths.set(path, c.name);
    }
  }
  return components;
}

/** What example/kustomization.yaml says beyond its resources. */
export interface ExampleLayout {
  /** `resources` entries, relative to the tree's root, in order. */
  readonly entries: readonly string[];
  /**
   * Fields that transform every object of the install (`components`, `patches`,
   * `namespace`, `labels`, ...): each is applied to every component build it reaches.
   */
  readonly transforms: readonly string[];
}

export function readExample(treeDir: string): ExampleLayout {
  const file = findKustomizationFile(join(treeDir, EXAMPLE_PATH));
  if (!file) {
    throw new KfchartsError(
      'component-list-invalid',
      `upstream tree has no ${EXAMPLE_PATH}/kustomization.yaml`,
    );
  }
  const { text, entries } = readKustomizationEntries(file);
  const fields = Object.keys((parseDocument(text).toJS() as Record<string, unknown> | null) ?? {});
  const generators = fields.filter((f) => GENERATOR_FIELDS.has(f));
  if (generators.length > 0) {
    throw new KfchartsError(
      'component-list-invalid',
      `${EXAMPLE_PATH}/kustomization.yaml generates objects of its own (${generators.join(', ')}), which belong to no component; kfcharts does not split that yet`,
    );
  }
  const resources = entries
    .filter((e) => e.field === 'resources' || e.field === 'bases')
    .map((e) => normalizePath(posix.join(EXAMPLE_PATH, e.value)));
  for (const path of resources) {
    // Paths reach chart metadata, comments and the report: plain path characters only.
    if (!/^[A-Za-z0-9._/+-]+$/.test(path)) {
      throw new KfchartsError(
        'component-list-invalid',
        `${EXAMPLE_PATH}/kustomization.yaml lists ${JSON.stringify(path)}: kfcharts takes only letters, digits and ._/+- in a component path`,
      );
    }
    if (
      path === '..' ||
      path.startsWith('../') ||
      posix.isAbsolute(path) ||
      /^[a-z]+:/.test(path)
    ) {
      throw new KfchartsError(
        'component-list-invalid',
        `${EXAMPLE_PATH}/kustomization.yaml lists ${path}, outside the upstream tree`,
      );
    }
  }
  return { entries: resources, transforms: fields.filter((f) => !ORDER_ONLY_FIELDS.has(f)) };
}

/** How the component list of one tree was made, for the build report. */
export interface ComponentResolution {
  readonly components: Component[];
  /** Components whose path components.yaml does not know (named by derivation). */
  readonly derived: readonly { name: string; path: string }[];
  /** Known components example/ no longer lists (none of their paths is in it). */
  readonly vanished: readonly { name: string; paths: readonly string[] }[];
  /**
   * Choices of the release data (optional components, variant paths) whose path is not a
   * kustomization in this tree: left out of the charts, and drift (the data needs a decision).
   */
  readonly missingChoices: readonly MissingChoice[];
}

/** A choice of the release data that this tree does not have. */
export interface MissingChoice {
  /** `optional component 'x'`, `variant of 'x' (value=choice)`. */
  readonly choice: string;
  readonly path: string;
}

/**
 * The component list of one upstream tree: every `resources` entry of example/, in
 * example/'s order, named by components.yaml. A path the table does not know gets a
 * derived name and is reported, not refused; entries that share a name form one component.
 */
export function resolveComponents(
  treeDir: string,
  known: readonly KnownComponent[],
  example: ExampleLayout = readExample(treeDir),
  /** The release data's optional components (docs/choices.md), after example/'s. */
  optional: readonly OptionalComponent[] = [],
): ComponentResolution {
  const missingChoices: MissingChoice[] = [];
  const byPath = new Map(known.flatMap((k) => k.paths.map((p) => [p, k] as const)));
  // `global` is Helm's values key shared by every subchart: no component may take it.
  const taken = new Set(['global', ...known.map((k) => k.name)]);
  const order: string[] = [];
  const groups = new Map<string, { paths: string[]; description: string; derived: boolean }>();
  const derived: { name: string; path: string }[] = [];
  for (const path of example.entries) {
    const absolute = join(treeDir, path);
    if (
      !existsSync(absolute) ||
      (statSync(absolute).isDirectory() && !findKustomizationFile(absolute))
    ) {
      throw new KfchartsError(
        'component-list-invalid',
        `${EXAMPLE_PATH}/kustomization.yaml lists ${path}, which is not a kustomization or file in the upstream tree`,
      );
    }
    const entry = byPath.get(path);
    let name = entry?.name;
    if (name === undefined) {
      name = deriveName(path, taken);
      taken.add(name);
      derived.push({ name, path });
    }
    const group = groups.get(name);
    if (group) group.paths.push(path);
    else {
      order.push(name);
      groups.set(name, {
        paths: [path],
        description:
          entry?.description ?? `Upstream ${path} (new in this release; named by kfcharts)`,
        derived: entry === undefined,
      });
    }
  }
  const components: Component[] = order.map((name) => {
    const g = groups.get(name) as { paths: string[]; description: string; derived: boolean };
    return {
      name,
      paths: g.paths,
      description: g.description,
      optional: false,
      derived: g.derived,
    };
  });
  for (const k of known) {
    if (!k.optional || groups.has(k.name)) continue;
    const path = k.paths.find((p) => findKustomizationFile(join(treeDir, p)));
    if (path) {
      components.push({
        name: k.name,
        paths: [path],
        description: k.description,
        optional: true,
        derived: false,
      });
    }
  }
  for (const o of optional) {
    if (groups.has(o.name) || components.some((c) => c.name === o.name) || o.name === 'global') {
      throw new KfchartsError(
        'component-list-invalid',
        `optional component '${o.name}' of the release data takes the name of another component`,
      );
    }
    const paths = o.paths.map(normalizePath);
    const missing = paths.filter((p) => !findKustomizationFile(join(treeDir, p)));
    if (missing.length > 0) {
      // Upstream dropped or moved it: reported as drift by the build, not a crash here.
      for (const path of missing) {
        missingChoices.push({ choice: `optional component '${o.name}'`, path });
      }
      continue;
    }
    components.push({
      name: o.name,
      paths,
      description: o.experimental ? `${o.description} (experimental upstream)` : o.description,
      optional: true,
      derived: false,
      ...(o.experimental && { experimental: true }),
      ...(o.namespace === 'value' && { namespaceValue: true }),
      ...(o.dashboardLink && { dashboardLink: o.dashboardLink }),
    });
  }
  const vanished = known
    .filter((k) => !k.optional && !groups.has(k.name))
    .map((k) => ({ name: k.name, paths: k.paths }));
  return { components, derived, vanished, missingChoices };
}

/** Path segments that say how a kustomization is laid out, not what it is. */
const LAYOUT_SEGMENTS = new Set([
  'base',
  'bases',
  'overlays',
  'overlay',
  'upstream',
  'kubeflow',
  'default',
  'installs',
  'install',
  'env',
  'config',
  'manifests',
  'common',
  'applications',
  'apps',
  'experimental',
  'contrib',
]);

/**
 * A chart name for a path components.yaml does not know: its last segment that names
 * something (`common/networkpolicies/base` → `networkpolicies`), made a valid Helm chart
 * name and values key, unique among the names already taken.
 */
export function deriveName(path: string, taken: ReadonlySet<string>): string {
  const segments = path
    .replace(/\.ya?ml$/, '')
    .split('/')
    .filter((s) => s !== '' && s !== '.' && s !== '..' && s !== EXAMPLE_PATH);
  const meaningful = segments.filter((s) => !LAYOUT_SEGMENTS.has(s.toLowerCase()));
  const raw = meaningful.at(-1) ?? segments.at(-1) ?? 'component';
  const base =
    raw
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'component';
  const stem = /^[a-z]/.test(base) ? base : `c-${base}`;
  let name = stem;
  for (let i = 2; taken.has(name); i++) name = `${stem}-${i}`;
  return name;
}

/** `apps/a/`, `./apps/a` and `apps/x/../a` all name `apps/a`. */
function normalizePath(path: string): string {
  return posix.normalize(path).replace(/\/+$/, '');
}
