import { parse } from 'yaml';
import { KfchartsError } from './errors.ts';
import { parseImageReference } from './images.ts';
import { KUBERNETES_YAML, type ManifestObject, objectKey } from './manifest/object.ts';

/**
 * Images that no manifest names whole: a consumer composes them at run time from parts
 * of the configuration the charts render. `kfcharts images` lists them beside the
 * references the scanner of src/images.ts finds, so a mirror filled from that list holds
 * what the pods will really pull.
 *
 * Istio's sidecar injector: istiod injects `<global.hub>/<global.proxy.image>:<global.tag>`
 * (istio/istio pkg/kube/inject/inject.go, ProxyImage and imageURL) from the `values`
 * JSON of the istio-sidecar-injector ConfigMap, whose tag upstream may pin apart from
 * the tag of istiod's and the gateway's own `image` fields.
 */
export interface DerivedImage {
  /** The reference the consumer will pull, as composed (not normalized). */
  readonly image: string;
  /** The object it is composed from. */
  readonly object: string;
  /** How: the parts and where they stand. */
  readonly how: string;
}

/** Istio's published image types (inject.go KnownImageTypes), stripped from a tag before another is appended. */
const KNOWN_IMAGE_TYPES = ['distroless', 'debug'];

/** inject.go updateImageTypeIfPresent: `<tag>-<imageType>`, `default` and '' keep the tag. */
function withImageType(tag: string, imageType: string): string {
  if (imageType === '') return tag;
  let bare = tag;
  for (const known of KNOWN_IMAGE_TYPES) {
    if (bare.endsWith(`-${known}`)) {
      bare = bare.slice(0, -(known.length + 1));
      break;
    }
  }
  return imageType === 'default' ? bare : `${bare}-${imageType}`;
}

type Data = Record<string, unknown>;

function dataOf(object: ManifestObject): Data {
  const value = parse(object.text, KUBERNETES_YAML) as { data?: Data } | null;
  return value?.data ?? {};
}

function record(value: unknown): Data | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Data)
    : undefined;
}

/** A scalar Istio prints with %v: strings as they are, numbers (`tag: 1.29`) as text. */
function scalar(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/**
 * The mesh config's `defaultConfig.image.imageType` for an injector: the `istio`
 * ConfigMap of its namespace (`istio-<revision>` for `istio-sidecar-injector-<revision>`).
 */
function meshImageType(injector: ManifestObject, objects: readonly ManifestObject[]): string {
  const revision = injector.name.slice('istio-sidecar-injector'.length);
  const mesh = objects.find(
    (o) =>
      o.kind === 'ConfigMap' &&
      o.namespace === injector.namespace &&
      o.name === `istio${revision}` &&
      typeof dataOf(o).mesh === 'string',
  );
  if (!mesh) return '';
  const config = record(parse(dataOf(mesh).mesh as string));
  const image = record(record(config?.defaultConfig)?.image);
  return scalar(image?.imageType) ?? '';
}

/** The sidecar (and init container) images of one Istio injector ConfigMap, if it is one. */
function istioSidecar(object: ManifestObject, objects: readonly ManifestObject[]): DerivedImage[] {
  if (object.kind !== 'ConfigMap') return [];
  const data = dataOf(object);
  // The injection templates Istio reads from `config`; they name the composed image.
  if (typeof data.config !== 'string' || !data.config.includes('.ProxyImage')) return [];
  if (typeof data.values !== 'string') return [];
  const where = objectKey(object);
  let values: Data | undefined;
  try {
    values = record(JSON.parse(data.values));
  } catch {
    throw new KfchartsError(
      'manifest-invalid',
      `${where}: data.values is not JSON, so the sidecar image cannot be derived`,
    );
  }
  const global = record(values?.global) ?? {};
  const hub = scalar(global.hub);
  const tag = scalar(global.tag);
  if (!hub || tag === undefined) {
    throw new KfchartsError(
      'manifest-invalid',
      `${where}: data.values has no global.hub and global.tag, so the sidecar image cannot be derived`,
    );
  }
  const name = scalar(record(global.proxy)?.image) || 'proxyv2';
  const variant = scalar(global.variant) ?? '';
  const meshType = meshImageType(object, objects);
  const imageType = meshType || variant;
  const composed = `${hub}/${name}:${withImageType(tag, imageType)}`;
  const how = `global.hub + global.proxy.image + global.tag${imageType ? ` + image type ${imageType}` : ''}`;
  const found: DerivedImage[] = [];
  // The templates use a proxy image with a `/` as it is, else the composed one.
  for (const [key, label] of [
    ['proxy', 'sidecar'],
    ['proxy_init', 'init container'],
  ] as const) {
    const own = scalar(record(global[key])?.image) ?? '';
    const image = own.includes('/') ? own : composed;
    const detail = own.includes('/') ? `global.${key}.image` : how;
    if (parseImageReference(image) === undefined) {
      throw new KfchartsError(
        'manifest-invalid',
        `${where}: the ${label} image '${image}' (${detail}) is not an image reference`,
      );
    }
    found.push({ image, object: where, how: `istio ${label}: ${detail}` });
  }
  return found;
}

/** Every image composed from configuration in `objects` (one component's), in order. */
export function derivedImages(objects: readonly ManifestObject[]): DerivedImage[] {
  return objects.flatMap((object) => istioSidecar(object, objects));
}
