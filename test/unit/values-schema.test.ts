import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartDefaults, chartValuesSchema, chartValuesYaml } from '../../src/chart/values.ts';
import { type Component, readKnownComponents } from '../../src/components.ts';
import { defaultsOf, globalSchema, type Schema } from '../../src/values/schema.ts';

const components: Component[] = readKnownComponents().map((k) => ({
  name: k.name,
  paths: k.paths.slice(0, 1),
  description: k.description,
  optional: k.optional ?? false,
  derived: false,
}));
const namespaces = ['auth', 'kubeflow'];

/** Every leaf of a schema node, as `a.b.c`. */
function leaves(schema: Schema, prefix: string): string[] {
  if (!schema.properties) return [prefix];
  return Object.entries(schema.properties).flatMap(([k, s]) => leaves(s, `${prefix}.${k}`));
}

describe('values.yaml and values.schema.json come from one source', () => {
  const schema = chartValuesSchema('kubeflow', '26.03', components, namespaces);
  const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

  it('values.yaml holds exactly the defaults of the schema', () => {
    const yaml = parse(chartValuesYaml('kubeflow', '26.03', components));
    expect(yaml).toEqual(chartDefaults(components));
    expect(yaml.global).toEqual(defaultsOf(globalSchema));
  });

  it('the defaults are valid against the schema', () => {
    expect(validate(chartDefaults(components)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('every lifted global key has a type, a default and a description', () => {
    const keys = leaves(globalSchema, 'global');
    expect(keys.length).toBeGreaterThan(25);
    for (const key of keys) {
      const node = key
        .split('.')
        .slice(1)
        .reduce<Schema>((s, k) => s.properties?.[k] as Schema, globalSchema);
      expect(node.type, key).toBeDefined();
      expect(node.default, key).toBeDefined();
      expect(node.description, key).toMatch(/\S/);
    }
  });

  it('requires what external: true needs', () => {
    const values = (global: object) => ({
      ...chartDefaults(components),
      global: { ...(defaultsOf(globalSchema) as object), ...global },
    });
    const db = { ...(defaultsOf(globalSchema) as { database: object }).database, external: true };
    expect(validate(values({ database: db }))).toBe(false);
    expect(validate(values({ database: { ...db, host: 'db', password: 'x' } }))).toBe(true);
    expect(
      validate(values({ database: { ...db, host: 'db', existingSecret: 'db-credentials' } })),
    ).toBe(true);
    expect(validate(values({ database: { ...db, host: 'db' } }))).toBe(false);
  });

  it('namespaceLabels accepts exactly the namespaces the charts create', () => {
    const labels = (namespaceLabels: object) => ({
      ...chartDefaults(components),
      global: { ...(defaultsOf(globalSchema) as object), namespaceLabels },
    });
    expect(validate(labels({ kubeflow: { 'istio-injection': 'enabled' } }))).toBe(true);
    expect(validate(labels({ istio: { a: 'b' } }))).toBe(false);
  });
});
