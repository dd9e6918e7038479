import { KfchartsError } from '../errors.ts';
import { objectKey, parseYamlStream, splitDocuments } from '../manifest/object.ts';
import { diffValues, type FieldDiff } from './diff.ts';

/** A fully parsed object and where it came from. */
export interface ParsedObject {
  readonly key: string;
  readonly value: Record<string, unknown>;
  /** Chart path (`kubeflow/charts/katib/templates/x.yaml`) or kustomize target. */
  readonly source: string;
  /** The document's text, for byte-level comparisons. */
  readonly text: string;
}

export function toParsedObjects(text: string, source: string): ParsedObject[] {
  return splitDocuments(text).flatMap((doc) =>
    parseYamlStream(doc, source).map((value) => ({
      key: keyOf(value, source),
      value: value as Record<string, unknown>,
      source,
      text: doc,
    })),
  );
}

function keyOf(value: unknown, source: string): string {
  const v = value as {
    apiVersion?: unknown;
    kind?: unknown;
    metadata?: { name?: unknown; namespace?: unknown };
  };
  if (
    typeof v.apiVersion !== 'string' ||
    typeof v.kind !== 'string' ||
    typeof v.metadata?.name !== 'string'
  ) {
    throw new KfchartsError('manifest-invalid', `${source}: a document is not a Kubernetes object`);
  }
  const namespace = typeof v.metadata.namespace === 'string' ? v.metadata.namespace : undefined;
  return objectKey({ apiVersion: v.apiVersion, kind: v.kind, name: v.metadata.name, namespace });
}

/** Objects by key; a key seen twice is an error (Helm and kubectl would both collide). */
export function indexByKey(
  objects: readonly ParsedObject[],
  what: string,
): Map<string, ParsedObject> {
  const index = new Map<string, ParsedObject>();
  for (const o of objects) {
    const prior = index.get(o.key);
    if (prior)
      throw new KfchartsError(
        'verify-failed',
        `${what}: ${o.key} appears twice (${prior.source}, ${o.source})`,
      );
    index.set(o.key, o);
  }
  return index;
}

export interface SetComparison {
  readonly expected: number;
  readonly actual: number;
  readonly missing: string[];
  readonly extra: string[];
  readonly different: { key: string; diffs: FieldDiff[] }[];
}

/** Compares two object sets keyed by apiVersion/kind/namespace/name, field by field. */
export function compareObjectSets(
  expected: ReadonlyMap<string, ParsedObject>,
  actual: ReadonlyMap<string, ParsedObject>,
): SetComparison {
  const missing = [...expected.keys()].filter((k) => !actual.has(k)).sort();
  const extra = [...actual.keys()].filter((k) => !expected.has(k)).sort();
  const different: { key: string; diffs: FieldDiff[] }[] = [];
  for (const [key, e] of [...expected].sort(([a], [b]) => a.localeCompare(b))) {
    const a = actual.get(key);
    if (!a) continue;
    const diffs = diffValues(e.value, a.value);
    if (diffs.length > 0) different.push({ key, diffs });
  }
  return { expected: expected.size, actual: actual.size, missing, extra, different };
}

export function isClean(c: SetComparison): boolean {
  return c.missing.length === 0 && c.extra.length === 0 && c.different.length === 0;
}
