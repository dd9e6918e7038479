import { isMap, isScalar, isSeq, type Node, parseDocument } from 'yaml';
import { HOOK_IMAGE } from './chart/upgrade-hooks.ts';
import type { ComponentObjects } from './components.ts';
import { derivedImages } from './derived-images.ts';
import { KfchartsError } from './errors.ts';
import { isCrd, KUBERNETES_YAML, type ManifestObject, objectKey } from './manifest/object.ts';
import type { Path } from './rules/edit.ts';
import { REGISTRY } from './values/schema.ts';

/**
 * Container image references: parsing and Docker Hub normalization (as containerd and
 * Docker read them), the scanner that finds every reference an object names (in `image`
 * fields, in ConfigMap payloads, env and args), and the list `kfcharts images` prints.
 */

/** `[registry/]repository[:tag][@digest]`, with Docker Hub made explicit. */
export interface ImageReference {
  /** The registry host[:port]; `docker.io` for Docker Hub. */
  readonly registry: string;
  /** The path in the registry; Docker Hub's official images under `library/`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

// distribution/reference's grammar (reference/regexp.go), lower-case repositories.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const REPOSITORY = new RegExp(`^${NAME}$`);
const HOST = new RegExp(`^${DOMAIN}$`);

const DOCKER_HUB = 'docker.io';

/** The parts of `text`, or undefined when it is not an image reference. */
export function parseImageReference(text: string): ImageReference | undefined {
  const match = REFERENCE.exec(text);
  if (!match || (match[1] as string).length > 255) return undefined;
  const { registry, repository } = splitName(match[1] as string);
  return {
    registry,
    repository,
    ...(match[2] !== undefined && { tag: match[2] }),
    ...(match[3] !== undefined && { digest: match[3] }),
  };
}

/**
 * Registry and repository of a name. Its first component is a registry host when it has
 * a `.` or a `:` port or is `localhost` (Docker's rule); else the name is on Docker Hub,
 * where a one-component name is an official image under `library/`.
 */
function splitName(name: string): { registry: string; repository: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (
    first !== '' &&
    (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase())
  ) {
    const registry = first === 'index.docker.io' ? DOCKER_HUB : first;
    const repository = name.slice(slash + 1);
    return {
      registry,
      repository:
        registry === DOCKER_HUB && !repository.includes('/') ? `library/${repository}` : repository,
    };
  }
  return { registry: DOCKER_HUB, repository: slash < 0 ? `library/${name}` : name };
}

export function formatImageReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

function parseOrThrow(image: string): ImageReference {
  const ref = parseImageReference(image);
  if (!ref) throw new KfchartsError('manifest-invalid', `'${image}' is not an image reference`);
  return ref;
}

/** `mysql:8.0` → `docker.io/library/mysql:8.0`; tag and digest unchanged. */
export function normalizeImage(image: string): string {
  return formatImageReference(parseOrThrow(image));
}

/** The reference through the mirror `registry`: `<registry>/<normalized reference>`. */
export function mirrorImage(image: string, registry: string): string {
  return `${registry}/${normalizeImage(image)}`;
}

/**
 * A registry/repository prefix that images are appended to (Istio's `hub`:
 * `<hub>/<image>:<tag>`), made explicit: `gcr.io/istio-release` stays, `istio` →
 * `docker.io/istio`. Undefined when `text` is not one.
 */
export function normalizeImagePrefix(text: string): string | undefined {
  if (!REPOSITORY.test(text) && !HOST.test(text)) return undefined;
  const slash = text.indexOf('/');
  const first = slash < 0 ? text : text.slice(0, slash);
  if (!/[.:]/.test(first) && first !== 'localhost') return `${DOCKER_HUB}/${text}`;
  return first === 'index.docker.io' ? DOCKER_HUB + text.slice(first.length) : text;
}

/** What global.imageRegistry accepts (the schema's pattern, also checked in _kfcharts.tpl). */
export const IMAGE_REGISTRY = new RegExp(REGISTRY);

/** One image reference an object names. */
export interface FoundImage {
  /** The reference as written. */
  readonly image: string;
  /**
   * `image`: a complete reference. `prefix`: a registry/repository that the consumer
   * completes with an image name and tag (Istio's `hub`).
   */
  readonly kind: 'image' | 'prefix';
  /** The scalar of the object's YAML that holds it (edits target this scalar). */
  readonly path: Path;
  /** That scalar's source range in the object's text. */
  readonly range: readonly [number, number];
  /** That scalar, readable: `data.katib-config.yaml`, `spec.template.spec.containers[app].image`. */
  readonly scalar: string;
  /** Where exactly: `scalar`, then ` › ` and the place inside an embedded YAML/JSON document. */
  readonly at: string;
}

/** Keys whose values document rather than configure (Knative's and KServe's `_example`). */
const DOCUMENTATION_KEYS = new Set(['_example', 'description']);
/** `image`, `queue-sidecar-image`, `cacheImage`, `TENSORBOARD_IMAGE`, `defaultJobImage`. */
const IMAGE_KEY = /(^|[-_.])image$|[a-z]Image$|IMAGE$/;
/** Jupyter's spawner form: `image: {value, options}`, `imageGroupOne: {value, options}`. */
const IMAGE_COLLECTION_KEY = /^image(Group\w*)?$/;
/** An args item naming an image: `--executor-image X` or `--acme-http01-solver-image=X`. */
const IMAGE_FLAG = /^(--?[\w.-]*image)(?:=(.*))?$/i;
/** Env vars naming an image: `V2_DRIVER_IMAGE`, `VOLUME_VIEWER_IMAGE`, `VIEWER_TENSORBOARD_TF_IMAGE_NAME`. */
const IMAGE_ENV = /IMAGE(_NAME)?$/;
/** Values that stand for an image filled in later: Go templates, `$VAR`, `${VAR}`. */
const PLACEHOLDER = /\{\{|\$/;
/** The cut points of free text when looking for references in it. */
const TOKEN_SEPARATORS = /[\s"'`=,;()[\]{}<>|\\]+/;
const MAX_EMBEDDED_DEPTH = 4;

/** The scalar of the object's own YAML that a reference is written in. */
interface Holder {
  readonly path: Path;
  readonly range: readonly [number, number];
  readonly scalar: string;
}

/** Where the walk is: in the object's YAML, or in a document embedded in `holder`. */
interface Context {
  readonly holder: Holder | undefined;
  /** The readable location of the embedded document, ending in ` › `; '' in the object. */
  readonly prefix: string;
  readonly depth: number;
  /** The document has a `hub`: an image name without `/` is completed by it (Istio). */
  readonly hubRelative: boolean;
}

type Role = 'image' | 'prefix' | undefined;

/**
 * Every image reference `object` names, in document order (CustomResourceDefinitions
 * name none: their schemas only describe). Found by where they stand: the value of an
 * image key (`image`, `cacheImage`, `queue-sidecar-image`, `TENSORBOARD_IMAGE`, Jupyter's
 * `image: {value, options}`), of an env var `*_IMAGE`, of an args flag `--*-image`, and
 * Istio's `hub` (a prefix); inside ConfigMap payloads too (YAML or JSON in block
 * scalars, parsed; Go-template text, line by line). Any other string that can only be an
 * image (`<registry or org>/<repository>` with a tag or digest) counts as well, so a
 * reference in an unforeseen place shows up instead of hiding. Documentation is skipped:
 * `_example` and `description` values, and comments.
 */
export function findImageReferences(object: ManifestObject): FoundImage[] {
  if (isCrd(object)) return [];
  const doc = parseDocument(object.text, KUBERNETES_YAML);
  if (doc.errors.length > 0) {
    throw new KfchartsError('manifest-invalid', `${objectKey(object)} is not valid YAML`);
  }
  const scanner = new Scanner(object);
  const root = doc.contents as Node | null;
  scanner.walk(root, [], '', undefined, {
    holder: undefined,
    prefix: '',
    depth: 0,
    hubRelative: hasHub(root),
  });
  return scanner.found;
}

class Scanner {
  readonly found: FoundImage[] = [];
  private readonly object: ManifestObject;

  constructor(object: ManifestObject) {
    this.object = object;
  }

  /** `parent`: the key of the collection `node` is the value (or an item) of. */
  walk(node: unknown, path: Path, label: string, parent: string | undefined, ctx: Context): void {
    if (isMap(node)) {
      const envName = parent === 'env' ? node.get('name') : undefined;
      const imageField = parent !== undefined && IMAGE_COLLECTION_KEY.test(parent);
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (DOCUMENTATION_KEYS.has(key)) continue;
        const at = label === '' ? key : `${label}.${key}`;
        const child = pair.value;
        if (isScalar(child)) {
          const role: Role =
            key === 'hub'
              ? 'prefix'
              : IMAGE_KEY.test(key) ||
                  (imageField && key === 'value') ||
                  (key === 'value' && typeof envName === 'string' && IMAGE_ENV.test(envName))
                ? 'image'
                : undefined;
          this.scalar(child, [...path, key], at, role, ctx);
        } else if (isSeq(child) && imageField && key === 'options') {
          for (const [i, item] of child.items.entries()) {
            if (isScalar(item)) this.scalar(item, [...path, key, i], `${at}[${i}]`, 'image', ctx);
          }
        } else {
          this.walk(child, [...path, key], at, key, ctx);
        }
      }
    } else if (isSeq(node)) {
      const args = parent === 'args' || parent === 'command';
      let flag: string | undefined;
      for (const [i, item] of node.items.entries()) {
        if (isScalar(item)) {
          const value = String(item.value);
          const match = args ? IMAGE_FLAG.exec(value) : null;
          if (flag !== undefined) {
            this.scalar(item, [...path, i], `${label}[${flag}]`, 'image', ctx);
            flag = undefined;
          } else if (match && match[2] === undefined) {
            flag = match[1];
          } else if (match) {
            this.add(match[2] as string, 'image', item, [...path, i], `${label}[${match[1]}]`, ctx);
          } else {
            this.scalar(item, [...path, i], `${label}[${i}]`, undefined, ctx);
          }
        } else {
          const name = isMap(item) ? item.get('name') : undefined;
          const at = `${label}[${typeof name === 'string' ? name : i}]`;
          this.walk(item, [...path, i], at, parent, ctx);
        }
      }
    }
  }

  private scalar(node: Node, path: Path, label: string, role: Role, ctx: Context): void {
    const value = (node as { value: unknown }).value;
    if (typeof value !== 'string') return;
    if (role !== undefined) {
      this.add(value.trim(), role, node, path, label, ctx);
      return;
    }
    const text = value.trim();
    if (ctx.depth < MAX_EMBEDDED_DEPTH && (text.includes('\n') || /^[{[]/.test(text))) {
      const holder = ctx.holder ?? this.holder(node, path, label);
      // Go templates (Istio's injection templates) are read line by line, unparsed
      const embedded = value.includes('{{') ? undefined : parseEmbedded(value);
      const inner = { holder, prefix: `${ctx.prefix}${label} › `, depth: ctx.depth + 1 };
      if (embedded !== undefined) {
        this.walk(embedded, [], '', undefined, { ...inner, hubRelative: hasHub(embedded) });
      } else {
        this.freeText(value, { ...inner, hubRelative: false });
      }
      return;
    }
    for (const token of text.split(TOKEN_SEPARATORS)) {
      if (looksLikeImage(token)) this.add(token, 'image', node, path, label, ctx);
    }
  }

  /**
   * Text that is not YAML (Go templates, scripts), line by line: `image: X` lines (pod
   * specs in Istio's injection templates) and image-like tokens; comment lines skipped.
   */
  private freeText(text: string, ctx: Context): void {
    for (const [n, line] of text.split('\n').entries()) {
      if (/^\s*#/.test(line)) continue;
      const label = `line ${n + 1}`;
      const keyed = /^\s*(?:-\s+)?(["']?)([\w.-]+)\1\s*:\s*(["']?)([^\s"'#]+)\3\s*,?\s*$/.exec(
        line,
      );
      if (keyed && keyed[2] === 'image') {
        this.add(keyed[4] as string, 'image', undefined, [], label, ctx);
        continue;
      }
      for (const token of line.split(TOKEN_SEPARATORS)) {
        if (looksLikeImage(token)) this.add(token, 'image', undefined, [], label, ctx);
      }
    }
  }

  private holder(node: Node, path: Path, label: string): Holder {
    const range = node.range;
    if (!range) throw new Error(`${objectKey(this.object)}: ${label} has no source range`);
    return { path, range: [range[0], range[1]], scalar: label };
  }

  private add(
    image: string,
    kind: 'image' | 'prefix',
    node: Node | undefined,
    path: Path,
    label: string,
    ctx: Context,
  ): void {
    if (image === '' || PLACEHOLDER.test(image)) return;
    if (kind === 'image' && ctx.hubRelative && !image.includes('/')) return;
    const at = `${ctx.prefix}${label}`;
    const valid =
      kind === 'image'
        ? parseImageReference(image) !== undefined
        : normalizeImagePrefix(image) !== undefined;
    if (!valid) {
      throw new KfchartsError(
        'manifest-invalid',
        `${objectKey(this.object)}: '${image}' at ${at} is neither an image ${kind === 'image' ? 'reference' : 'repository prefix'} nor a placeholder`,
      );
    }
    const holder = ctx.holder ?? this.holder(node as Node, path, label);
    this.found.push({ image, kind, ...holder, at });
  }
}

function parseEmbedded(text: string): Node | undefined {
  try {
    const doc = parseDocument(text, { uniqueKeys: false });
    if (doc.errors.length > 0) return undefined;
    const root = doc.contents;
    return isMap(root) || isSeq(root) ? root : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a document sets Istio's `hub` (its image fields are then names: `proxyv2`). */
function hasHub(node: unknown): boolean {
  if (isMap(node)) {
    return node.items.some(
      (pair) =>
        (isScalar(pair.key) &&
          pair.key.value === 'hub' &&
          isScalar(pair.value) &&
          typeof pair.value.value === 'string' &&
          pair.value.value !== '') ||
        hasHub(pair.value),
    );
  }
  return isSeq(node) && node.items.some(hasHub);
}

/**
 * A string that can only be an image reference: `<registry or org>/<repository>` with a
 * tag or digest (`kserve/agent:v0.16.0`, `gcr.io/x/y@sha256:…`). Bare `name:tag` is not
 * enough (`kubeflow:katib`, `default:info`); those are found by their keys only.
 */
function looksLikeImage(token: string): boolean {
  const ref = parseImageReference(token);
  return (
    ref !== undefined && token.includes('/') && (ref.tag !== undefined || ref.digest !== undefined)
  );
}

/**
 * Every image the charts deploy at default values, fully qualified
 * (`docker.io/library/mysql:8.4`), sorted and unique: what a mirror must hold. Besides
 * the references the objects name: the images consumers compose from them
 * (src/derived-images.ts: Istio's sidecar from the injector's hub and tag), and those
 * only a component's code names (`runtimeImages`). Registry prefixes (Istio's hub) are
 * not images.
 */
export function listImages(
  components: readonly ComponentObjects[],
  upgrade?: { readonly deletions: readonly unknown[] },
  runtimeImages: readonly { readonly image: string }[] = [],
): string[] {
  const images = new Set<string>();
  // The pre-upgrade hook's kubectl image, when a chart has the hook (src/chart/upgrade-hooks.ts).
  if (upgrade && upgrade.deletions.length > 0) images.add(normalizeImage(HOOK_IMAGE));
  for (const { objects } of components) {
    for (const object of objects) {
      for (const found of findImageReferences(object)) {
        if (found.kind === 'image') images.add(normalizeImage(found.image));
      }
    }
    // Composed at run time from the configuration (Istio's sidecar: hub, image, tag).
    for (const derived of derivedImages(objects)) images.add(normalizeImage(derived.image));
  }
  // Named only in a component's code (release data `runtimeImages`).
  for (const { image } of runtimeImages) images.add(normalizeImage(image));
  return [...images].sort();
}

/** `source mirror` pairs for `crane copy` / `skopeo copy`: the mirror is `<registry>/<source>`. */
export function mirrorPairs(images: readonly string[], registry: string): [string, string][] {
  if (!IMAGE_REGISTRY.test(registry)) {
    throw new KfchartsError(
      'usage',
      `'${registry}' is not a registry host[:port][/path] (what global.imageRegistry accepts)`,
    );
  }
  return images.map((image) => [image, mirrorImage(image, registry)]);
}
