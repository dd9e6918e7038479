import {
  type DocumentOptions,
  type ParseOptions,
  parseAllDocuments,
  parseDocument,
  type SchemaOptions,
} from 'yaml';
import { KfchartsError } from '../errors.ts';

/** One Kubernetes object as kustomize printed it. */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** undefined for cluster-scoped objects (and namespaced ones upstream leaves unset). */
  readonly namespace: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  /** The document's text exactly as printed, ending in a newline, without `---`. */
  readonly text: string;
  /** Template edits by values rules, as offsets into `text` (see src/rules/edit.ts). */
  readonly edits?: readonly import('../rules/edit.ts').TextEdit[];
  /** Another version of the object in a variant of its component (src/variants.ts). */
  readonly variant?: string;
}

/**
 * How Kubernetes reads YAML (sigs.k8s.io/yaml, YAML 1.1): `on`/`yes` are booleans and
 * `0755` is octal, so a string that lost its quotes shows up as a difference. Timestamps
 * stay strings, as they do in the API server's JSON.
 */
export const KUBERNETES_YAML: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  customTags: (tags) =>
    tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp'),
};

export function isCrd(object: Pick<ManifestObject, 'apiVersion' | 'kind'>): boolean {
  return (
    object.kind === 'CustomResourceDefinition' &&
    object.apiVersion.startsWith('apiextensions.k8s.io/')
  );
}

/** The API group: `apps` for `apps/v1`, `` for the core `v1`. */
export function apiGroup(o: { apiVersion: string }): string {
  const slash = o.apiVersion.indexOf('/');
  return slash < 0 ? '' : o.apiVersion.slice(0, slash);
}

/** `apps/v1 Deployment kubeflow/ml-pipeline`; cluster-scoped objects have no `ns/`. */
export function objectKey(o: {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string | undefined;
}): string {
  return `${o.apiVersion} ${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

/**
 * Stage 4: split kustomize's output into objects. Kustomize separates documents with a
 * `---` line at column 0, which block scalars (always indented) cannot contain. Only the
 * identifying fields are parsed here; the text goes on untouched.
 */
export function splitManifests(yaml: string, source: string): ManifestObject[] {
  return splitDocuments(yaml).map((doc, index) => {
    const text = doc.endsWith('\n') ? doc : `${doc}\n`;
    return identify(text, `${source}, document ${index + 1}`);
  });
}

/** The documents of a YAML stream as kustomize and Helm print it (`---` at column 0). */
export function splitDocuments(text: string): string[] {
  return text.split(/^---\n/m).filter((doc) => doc.trim() !== '');
}

function identify(text: string, where: string): ManifestObject {
  const header = parseDocument(
    topLevelFields(text, ['apiVersion', 'kind', 'metadata']),
    KUBERNETES_YAML,
  );
  if (header.errors.length > 0) {
    throw new KfchartsError('manifest-invalid', `${where}: invalid YAML`, {
      details: header.errors.map((e) => e.message).join('\n'),
    });
  }
  const apiVersion = header.get('apiVersion');
  const kind = header.get('kind');
  const name = header.getIn(['metadata', 'name']);
  const namespace = header.getIn(['metadata', 'namespace']);
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof name !== 'string') {
    throw new KfchartsError(
      'manifest-invalid',
      `${where}: object lacks a string apiVersion, kind or metadata.name`,
      {
        details: text.slice(0, 400),
      },
    );
  }
  if (namespace !== undefined && typeof namespace !== 'string') {
    throw new KfchartsError('manifest-invalid', `${where}: metadata.namespace is not a string`);
  }
  const labels = header.getIn(['metadata', 'labels']);
  return {
    apiVersion,
    kind,
    name,
    namespace: namespace || undefined,
    labels: stringMap(labels),
    text,
  };
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object' && 'toJSON' in value) {
    for (const [k, v] of Object.entries((value as { toJSON(): Record<string, unknown> }).toJSON()))
      out[k] = String(v);
  }
  return out;
}

/**
 * The lines of the named top-level keys: each key's line and what follows until the
 * next line that starts at column 0. Parsing only these keeps the stage fast on 12 MB.
 */
export function topLevelFields(text: string, keys: readonly string[]): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let keep = false;
  for (const line of lines) {
    if (line !== '' && !/^[\s#]/.test(line)) {
      const key = /^([\w.-]+):/.exec(line)?.[1];
      keep = key !== undefined && keys.includes(key);
    }
    if (keep) out.push(line);
  }
  return out.join('\n');
}

/** Full parse of a YAML stream into plain values, the way Kubernetes would read it. */
export function parseYamlStream(text: string, source: string): unknown[] {
  const docs = parseAllDocuments(text, KUBERNETES_YAML);
  if (!Array.isArray(docs)) {
    throw new KfchartsError('manifest-invalid', `${source}: not a YAML stream`);
  }
  const values: unknown[] = [];
  for (const [index, doc] of docs.entries()) {
    if (doc.errors.length > 0) {
      throw new KfchartsError(
        'manifest-invalid',
        `${source}, document ${index + 1}: invalid YAML`,
        {
          details: doc.errors.map((e) => e.message).join('\n'),
        },
      );
    }
    const value: unknown = doc.toJS({ maxAliasCount: -1 });
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}
