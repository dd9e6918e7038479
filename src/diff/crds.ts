import type { SnapshotCrd, SnapshotCrdVersion } from './snapshot.ts';

type Json = Record<string, unknown>;

function record(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}

/**
 * Group, kind and versions of a parsed CRD. Each version lists the fields its schema
 * describes; apiextensions/v1beta1's single `spec.validation` schema applies to all.
 */
export function crdOf(value: unknown): Pick<SnapshotCrd, 'group' | 'kind' | 'versions'> {
  const spec = record(record(value).spec);
  const shared = record(spec.validation).openAPIV3Schema;
  const listed = Array.isArray(spec.versions)
    ? (spec.versions as unknown[]).map(record)
    : typeof spec.version === 'string'
      ? [{ name: spec.version, served: true, storage: true }]
      : [];
  const versions: SnapshotCrdVersion[] = listed.map((v) => ({
    name: String(v.name),
    served: v.served !== false,
    storage: v.storage === true,
    fields: schemaFields(record(v.schema).openAPIV3Schema ?? shared),
  }));
  return {
    group: String(spec.group ?? ''),
    kind: String(record(spec.names).kind ?? ''),
    versions: versions.sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/**
 * Every field path an OpenAPI schema describes: properties by name, list items as `[]`,
 * map values (additionalProperties) as `*`: `spec.containers[].image`, `spec.labels.*`.
 */
export function schemaFields(schema: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown, path: string): void => {
    const s = record(node);
    for (const [name, child] of Object.entries(record(s.properties))) {
      const at = path === '' ? name : `${path}.${name}`;
      out.push(at);
      walk(child, at);
    }
    if (s.items !== undefined) walk(s.items, `${path}[]`);
    if (typeof s.additionalProperties === 'object' && s.additionalProperties !== null) {
      walk(s.additionalProperties, path === '' ? '*' : `${path}.*`);
    }
  };
  walk(schema, '');
  return out.sort();
}
