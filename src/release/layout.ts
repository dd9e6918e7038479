import { resolve } from 'node:path';
import { readConfigFile } from '../config-file.ts';
import { KfchartsError } from '../errors.ts';
import { projectRoot } from '../paths.ts';

/**
 * releases.yaml: names and descriptions of the Helm releases, in install order, and the
 * deliberate overrides. Which objects go where is computed (plan.ts), not listed here.
 */
export interface ReleaseLayout {
  /** CRD releases, installed first, in this order. */
  readonly crds: readonly NamedRelease[];
  /** Releases of all other objects, installed after the CRD releases, in this order. */
  readonly layers: readonly NamedRelease[];
  readonly overrides?: {
    /** Pins a component's CRDs to a named CRD release instead of packing them. */
    readonly crds?: readonly CrdPin[];
    /** Puts components no earlier than a named layer, by their upstream path. */
    readonly layers?: readonly LayerFloor[];
  };
  /** Kinds the keep-<kind> rules annotate with helm.sh/resource-policy: keep. */
  readonly keep: readonly string[];
}

export interface NamedRelease {
  readonly name: string;
  /** Optional for CRD releases: without it, the plan says whose CRDs it holds. */
  readonly description?: string;
}

export interface CrdPin {
  readonly component: string;
  readonly release: string;
  readonly reason: string;
}

export interface LayerFloor {
  /** Components whose upstream path starts with one of these. */
  readonly paths: readonly string[];
  /** The earliest layer they may go to. */
  readonly release: string;
  readonly reason: string;
}

export const defaultReleasesPath = resolve(projectRoot, 'releases.yaml');

export function readReleaseLayout(file = defaultReleasesPath): ReleaseLayout {
  const layout = readConfigFile<ReleaseLayout>(file, 'releases.schema.json', 'layout-invalid');
  checkLayout(layout, file);
  return layout;
}

/** Release names are unique (a second one would overwrite the first's chart folder). */
export function checkLayout(layout: ReleaseLayout, file: string): void {
  const seen = new Set<string>();
  for (const { name } of [...layout.crds, ...layout.layers]) {
    if (seen.has(name))
      throw new KfchartsError('layout-invalid', `${file}: two releases are named '${name}'`);
    seen.add(name);
  }
  const crdNames = new Set(layout.crds.map((r) => r.name));
  const pinned = new Set<string>();
  for (const pin of layout.overrides?.crds ?? []) {
    if (!crdNames.has(pin.release)) {
      throw new KfchartsError(
        'layout-invalid',
        `${file}: overrides pin the CRDs of '${pin.component}' to '${pin.release}', which is not one of crds`,
      );
    }
    if (pinned.has(pin.component)) {
      throw new KfchartsError(
        'layout-invalid',
        `${file}: overrides pin the CRDs of '${pin.component}' twice`,
      );
    }
    pinned.add(pin.component);
  }
  const layerNames = new Set(layout.layers.map((r) => r.name));
  for (const floor of layout.overrides?.layers ?? []) {
    if (!layerNames.has(floor.release)) {
      throw new KfchartsError(
        'layout-invalid',
        `${file}: overrides put paths ${floor.paths.join(', ')} in '${floor.release}', which is not one of layers`,
      );
    }
  }
}
