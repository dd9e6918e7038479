import { parse } from 'yaml';
import type { BuildResult } from '../build.ts';
import { derivedImages } from '../derived-images.ts';
import { findImageReferences, normalizeImage } from '../images.ts';
import { isCrd, KUBERNETES_YAML, type ManifestObject, objectKey } from '../manifest/object.ts';
import { renderTemplate } from '../rules/edit.ts';
import { crdOf } from './crds.ts';

/** One build, as plain data (JSON-serialisable): what two releases are compared by. */
export interface ReleaseSnapshot {
  /** The upstream tag (or the archive's name for an unpinned tree). */
  readonly tag: string;
  readonly components: readonly SnapshotComponent[];
  readonly objects: readonly SnapshotObject[];
  /** Every image an object deploys, fully qualified, with who deploys it. */
  readonly images: readonly SnapshotImage[];
  readonly crds: readonly SnapshotCrd[];
  /** Rule findings of the build, when the build reports them. */
  readonly findings?: readonly RuleFinding[];
}

export interface SnapshotComponent {
  readonly name: string;
  /** Kustomization folder(s) in the upstream tree. */
  readonly paths: readonly string[];
}

export interface SnapshotObject {
  readonly component: string;
  /** The Helm release that installs it. */
  readonly release: string;
  /** objectKey: `apps/v1 Deployment kubeflow/ml-pipeline`. */
  readonly key: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** The object as Kubernetes reads it (YAML 1.1). */
  readonly value: unknown;
  /** Values keys its template reads, as a user sets them: `global.domain`, `dex.existingSecret`. */
  readonly valuesKeys: readonly string[];
}

export interface SnapshotImage {
  /** `docker.io/library/mysql:8.4`. */
  readonly image: string;
  readonly component: string;
  readonly object: string;
}

export interface SnapshotCrd {
  /** The CRD's name: `<plural>.<group>`. */
  readonly name: string;
  readonly component: string;
  readonly group: string;
  readonly kind: string;
  readonly versions: readonly SnapshotCrdVersion[];
}

export interface SnapshotCrdVersion {
  readonly name: string;
  readonly served: boolean;
  readonly storage: boolean;
  /** Every field its openAPIV3Schema describes: `spec.replicas`, `spec.containers[].image`. */
  readonly fields: readonly string[];
}

/** What a rule of the build matched (from BuildResult.report). */
export interface RuleFinding {
  readonly id: string;
  readonly kind: 'targeted' | 'generic';
  readonly component?: string;
  readonly expected?: number;
  readonly matched: number;
  readonly drift?: readonly string[];
}

/** Also of a build not yet emitted (the upgrade hooks are planned from one). */
export function snapshotOf(
  result: Pick<BuildResult, 'plan' | 'components' | 'report' | 'tree'>,
): ReleaseSnapshot {
  const releaseOf = new Map<ManifestObject, string>();
  for (const release of result.plan.releases) {
    for (const { objects } of release.components) {
      for (const object of objects) releaseOf.set(object, release.name);
    }
  }
  const objects: SnapshotObject[] = [];
  const images: SnapshotImage[] = [];
  const crds: SnapshotCrd[] = [];
  for (const { component, objects: built } of result.components) {
    for (const object of built) {
      const key = objectKey(object);
      const value = parse(object.text, KUBERNETES_YAML) as Record<string, unknown>;
      objects.push({
        component: component.name,
        release: releaseOf.get(object) ?? '',
        key,
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.name,
        ...(object.namespace !== undefined && { namespace: object.namespace }),
        value,
        valuesKeys: valuesKeysOf(renderTemplate(object), component.name),
      });
      if (isCrd(object)) {
        crds.push({ ...crdOf(value), name: object.name, component: component.name });
        continue;
      }
      const seen = new Set<string>();
      for (const found of findImageReferences(object)) {
        if (found.kind !== 'image') continue;
        const image = normalizeImage(found.image);
        if (seen.has(image)) continue;
        seen.add(image);
        images.push({ image, component: component.name, object: key });
      }
    }
    // Composed from configuration (Istio's sidecar): a tag moves there too.
    for (const derived of derivedImages(built)) {
      const image = normalizeImage(derived.image);
      const known = images.some(
        (i) => i.image === image && i.component === component.name && i.object === derived.object,
      );
      if (!known) images.push({ image, component: component.name, object: derived.object });
    }
  }
  const { report } = result;
  const findings: RuleFinding[] = report.findings.map((f) => ({
    id: f.id,
    kind: f.generic ? 'generic' : 'targeted',
    ...(f.component !== undefined && { component: f.component }),
    ...(f.expected !== undefined && { expected: f.expected }),
    matched: f.matched.length,
    drift: report.drift
      .filter((d) => d.rule === f.id)
      .map((d) => `${d.object ? `${d.object}: ` : ''}expected ${d.expected}; found ${d.found}`),
  }));
  return {
    tag: result.tree.tag,
    components: result.components.map(({ component }) => ({
      name: component.name,
      paths: [...component.paths],
    })),
    objects,
    images,
    crds,
    findings,
  };
}

/** A Go template action: `{{ … }}` (the escaped opener `{{"{{"}}` is one, and prints text). */
const ACTION = /\{\{(.*?)\}\}/gs;
const VALUES_REF = /\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)*)((?:\s+"[^"]*")*)/g;
/** `dig "a" "b" "<default>" ($.Values.global …)`: a global variant value (src/variants.ts). */
const DIG_REF = /\bdig((?:\s+"[^"]*")+)\s+\(\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)*)/g;

/**
 * The values keys a template reads: `.Values.a.b` and `index .Values "a" "b"` inside
 * actions; upstream text (escaped, so outside actions) never counts. A subchart's own
 * keys are given as the user sets them, under the component's key; `global` is shared.
 */
export function valuesKeysOf(template: string, component: string): string[] {
  const keys = new Set<string>();
  for (const action of template.matchAll(ACTION)) {
    const body = action[1] as string;
    if (body === '"{{"') continue;
    for (const ref of body.matchAll(VALUES_REF)) {
      const indexed = /\bindex\s+$/.test(body.slice(0, ref.index));
      const path = [
        ...(ref[1] as string).split('.').filter((s) => s !== ''),
        ...(indexed
          ? [...(ref[2] as string).matchAll(/"([^"]*)"/g)].map((m) => m[1] as string)
          : []),
      ];
      // `global` alone is the map a helper or dig reads from, not a key users set.
      if (path.length === 0 || (path.length === 1 && path[0] === 'global')) continue;
      keys.add(path[0] === 'global' ? path.join('.') : [component, ...path].join('.'));
    }
    for (const ref of body.matchAll(DIG_REF)) {
      // The last quoted argument is dig's default, not a key.
      const names = [...(ref[1] as string).matchAll(/"([^"]*)"/g)].map((m) => m[1] as string);
      const path = [
        ...(ref[2] as string).split('.').filter((x) => x !== ''),
        ...names.slice(0, -1),
      ];
      if (path.length === 0) continue;
      keys.add(path[0] === 'global' ? path.join('.') : [component, ...path].join('.'));
    }
  }
  return [...keys].sort();
}
