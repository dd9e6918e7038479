import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.ts';
import {
  jsonWithEscapedControls,
  renderUnchecked,
  renderWith,
  uncheckedError,
} from './values-charts.ts';

/**
 * Values that users who skip schema validation (`--skip-schema-validation`) can pass: the
 * templates re-check every boolean switch and bounded integer of the schema (the list is
 * derived from src/values/schema.ts), and print DEL and C1 controls escaped.
 */
describe('with --skip-schema-validation, every switch and port is checked again', () => {
  it.each([
    [
      'dex.staticPasswords.enabled: "false" (would keep the default user)',
      { dex: { staticPasswords: { enabled: 'false' } } },
      'kubeflow-platform',
      'dex.staticPasswords.enabled: must be true or false, not "false"',
    ],
    [
      'katib.enabled: "false" (Helm ignores a non-boolean condition)',
      { katib: { enabled: 'false' } },
      'kubeflow',
      'katib.enabled: must be true or false, not "false"',
    ],
    [
      'global.database.port: 70000',
      { global: { database: { port: 70000 } } },
      'kubeflow',
      'global.database.port: must be a whole number from 1 to 65535, not 70000',
    ],
    [
      'global.database.port: 0',
      { global: { database: { port: 0 } } },
      'kubeflow-crds',
      'global.database.port: must be a whole number from 1 to 65535, not 0',
    ],
    [
      'global.database.port: "3306; DROP" (a string)',
      { global: { database: { port: '3306; DROP' } } },
      'kubeflow',
      'global.database.port: must be a whole number from 1 to 65535, not "3306; DROP"',
    ],
  ])('hostile: %s', async (_name, values, chart, message) => {
    const errors = await uncheckedError(values, chart);
    for (const error of errors) {
      expect(error).toContain(`execution error at (${chart}/templates/kfcharts-validate.yaml`);
      expect(error).toContain(`: ${message}\n`);
    }
  });
});

describe('DEL and C1 controls in free-form strings', () => {
  const controls = 'a\u007fb\u0080c\u0085d\u009fe';
  const escaped = 'a\\u007fb\\u0080c\\u0085d\\u009fe';

  it('hostile: a Dex connector name with DEL and C1 renders escaped (schema on)', async () => {
    const connector = { type: 'oidc', id: 'x', name: controls, config: { issuer: 'https://i' } };
    const file = join(tempDir('values'), 'values.json');
    writeFileSync(file, jsonWithEscapedControls({ dex: { connectors: [connector] } }));
    const r = await renderWith(file, ['kubeflow-platform']);
    const config = (r.get('ConfigMap', 'auth', 'dex').data as Record<string, string>)[
      'config.yaml'
    ];
    expect(config).toContain(escaped);
    expect(r.text).not.toMatch(/[\u007f-\u009f]/);
  });

  it('hostile: a namespace label with DEL and C1 renders escaped (schema off)', async () => {
    const values = { global: { namespaceLabels: { kubeflow: { team: controls } } } };
    for (const result of await renderUnchecked(values, 'kubeflow-platform')) {
      expect(result.ok).toBe(true);
      expect(result.text).toContain(`"team": "${escaped}"`);
      expect(result.text).not.toMatch(/[\u007f-\u009f]/);
    }
  });
});

describe('an optional component whose namespace is a value (docs/choices.md), schema off', () => {
  it('hostile: model-registry.namespace with a line break and template text stays one string', async () => {
    const namespace = 'x\n  evil: {{ .Release.Name }}';
    const values = { 'model-registry': { enabled: true, namespace } };
    for (const result of await renderUnchecked(values, 'kubeflow')) {
      expect(result.ok).toBe(true);
      expect(result.text).toContain(`namespace: ${JSON.stringify(namespace)}`);
      expect(result.text).not.toMatch(/^ {2}evil:/m);
    }
  });

  it('hostile: model-registry.enabled without a namespace fails by name', async () => {
    for (const error of await uncheckedError({ 'model-registry': { enabled: true } }, 'kubeflow')) {
      expect(error).toContain('set the namespace to install this component into');
    }
  });
});

describe('variant values (docs/choices.md), schema off', () => {
  it('hostile: oauth2-proxy.eksIssuer with a line break and template text stays one string', async () => {
    const issuer = 'https://x\n  evil: {{ .Release.Name }}';
    const values = { 'oauth2-proxy': { m2m: 'eks', eksIssuer: issuer } };
    for (const result of await renderUnchecked(values, 'kubeflow-platform')) {
      expect(result.ok).toBe(true);
      expect(result.text).toContain(`issuer: ${JSON.stringify(issuer)}`);
      expect(result.text).not.toMatch(/^ {2}evil:/m);
    }
  });

  it('hostile: an m2m choice upstream does not offer fails by name, its text only quoted', async () => {
    const values = { 'oauth2-proxy': { m2m: 'kind" }}{{ .Release.Name' } };
    for (const error of await uncheckedError(values, 'kubeflow-platform')) {
      expect(error).toContain(
        'oauth2-proxy.m2m: must be one of dex-only, kind, eks, not "kind\\" }}{{ .Release.Name"',
      );
    }
  });
});

describe('global.certManager.issuerRef, schema off', () => {
  it('hostile: an issuer name with a line break and template text stays one string', async () => {
    const name = 'corp\n  evil: {{ .Release.Name }}';
    const values = { global: { certManager: { issuerRef: { name } } } };
    for (const result of await renderUnchecked(values, 'kubeflow')) {
      expect(result.ok).toBe(true);
      expect(result.text).toContain(`name: ${JSON.stringify(name)}`);
      expect(result.text).not.toMatch(/^ {2}evil:/m);
    }
  });
});
