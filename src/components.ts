import { join, posix, resolve } from 'node:path';
import { readConfigFile } from './config-file.ts';
import { KfchartsError } from './errors.ts';
import { findKustomizationFile, readKustomizationEntries } from './kustomize/kustomization.ts';
import type { ManifestObject } from './manifest/object.ts';
import { projectRoot } from './paths.ts';

/** One entry of upstream's example/: one kustomize build, one subchart. */
export interface Component {
  /** Subchart name and values key (`<name>.enabled`). */
  readonly name: string;
  /** Kustomization folder relative to the upstream tree's root. */
  readonly path: string;
  readonly description: string;
  /** Not in example/; the subchart ships disabled. */
  readonly optional: boolean;
}

/** A component with the objects its kustomize build printed (after rules). */
export interface ComponentObjects {
  readonly component: Component;
  readonly objects: readonly ManifestObject[];
}

interface ComponentListFile {
  components: { name: string; path: string; description: string; optional?: boolean }[];
}

export const defaultComponentsPath = resolve(projectRoot, 'components.yaml');
/** Upstream's reference install; the component list must cover it exactly. */
export const EXAMPLE_PATH = 'example';

export function readComponentList(file = defaultComponentsPath): Component[] {
  const raw = readConfigFile<ComponentListFile>(
    file,
    'components.schema.json',
    'component-list-invalid',
  );
  const components = raw.components.map((c) => ({
    ...c,
    path: normalizePath(c.path),
    optional: c.optional ?? false,
  }));
  for (const key of ['name', 'path'] as const) {
    const seen = new Set<string>();
    for (const c of components) {
      if (seen.has(c[key])) {
        throw new KfchartsError(
          'component-list-invalid',
          `${file}: component ${key} '${c[key]}' appears twice`,
        );
      }
      seen.add(c[key]);
    }
  }
  return components;
}

/**
 * Checks the list against the upstream tree: every path is a kustomization, and the
 * non-optional components are exactly example/'s resources. This is what makes a new
 * upstream release that adds, moves or drops a component fail loudly.
 */
export function checkComponentsAgainstTree(
  components: readonly Component[],
  treeDir: string,
  listFile: string,
): void {
  for (const c of components) {
    if (!findKustomizationFile(join(treeDir, c.path))) {
      throw new KfchartsError(
        'component-list-invalid',
        `component '${c.name}': upstream has no kustomization at ${c.path} (${listFile})`,
      );
    }
  }
  const exampleFile = findKustomizationFile(join(treeDir, EXAMPLE_PATH));
  if (!exampleFile) {
    throw new KfchartsError(
      'component-list-invalid',
      `upstream tree has no ${EXAMPLE_PATH}/kustomization.yaml`,
    );
  }
  const { entries } = readKustomizationEntries(exampleFile);
  const unsupported = entries.filter((e) => e.field !== 'resources');
  if (unsupported.length > 0) {
    throw new KfchartsError(
      'component-list-invalid',
      `${EXAMPLE_PATH}/kustomization.yaml applies ${unsupported.map((e) => `${e.field}: ${e.value}`).join(', ')} to the whole install; kfcharts builds components one by one and cannot split that`,
    );
  }
  const examplePaths = new Set(
    entries.map((e) => normalizePath(posix.join(EXAMPLE_PATH, e.value))),
  );
  for (const c of components) {
    if (!c.optional && !examplePaths.has(c.path)) {
      throw new KfchartsError(
        'component-list-invalid',
        `component '${c.name}' (${c.path}) is not in upstream's ${EXAMPLE_PATH}/kustomization.yaml; mark it optional or remove it from ${listFile}`,
      );
    }
  }
  const covered = new Set(components.filter((c) => !c.optional).map((c) => c.path));
  for (const path of examplePaths) {
    if (!covered.has(path)) {
      throw new KfchartsError(
        'component-list-invalid',
        `${EXAMPLE_PATH}/kustomization.yaml lists ${path}, which no component in ${listFile} covers`,
      );
    }
  }
}

/** `apps/a/`, `./apps/a` and `apps/x/../a` all name `apps/a`. */
function normalizePath(path: string): string {
  return posix.normalize(path).replace(/\/+$/, '');
}
