import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Helm } from '../../src/tools/helm.ts';
import { fixtures } from './helpers.ts';
import { uncheckedError, valuesCharts } from './values-charts.ts';

/**
 * Each file in test/fixtures/invalid-values is one mistake a user could make; its first
 * line says which key the error must name (`# rejects: <key>`). Helm 4 names keys as
 * `/a/b/c`, Helm 3 as `a.b.c`; both must reject the file and name the key.
 */
const dir = join(fixtures, 'invalid-values');
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((file) => {
    const key = /^# rejects: (\S+)$/m.exec(readFileSync(join(dir, file), 'utf8'))?.[1];
    if (!key) throw new Error(`${file}: first line must be '# rejects: <key>'`);
    return { file, key };
  });

async function errorOf(helm: Helm, file: string): Promise<string> {
  const charts = await valuesCharts();
  try {
    await helm.template(join(charts, 'kubeflow'), {
      releaseName: 'r',
      namespace: 'ns',
      valuesFiles: [join(dir, file)],
    });
  } catch (error) {
    const e = error as Error & { details?: string };
    return `${e.message}\n${e.details ?? ''}`;
  }
  return '';
}

/**
 * Whether a Helm schema error names `key`: as a path (`'/a/b'` in Helm 4, `- a.b:` in
 * Helm 3), or, for an unknown key, its parent's path plus the key in quotes.
 */
function namesKey(message: string, key: string): boolean {
  const at = (path: string) =>
    message.includes(`'/${path.replaceAll('.', '/')}'`) || message.includes(`- ${path}:`);
  if (at(key)) return true;
  const dot = key.lastIndexOf('.');
  const parent = dot < 0 ? '' : key.slice(0, dot);
  const last = key.slice(dot + 1);
  const unknown =
    message.includes(`'${last}' not allowed`) ||
    message.includes(`Additional property ${last} is not allowed`);
  return unknown && (parent === '' || at(parent) || message.includes(`- ${parent}: Additional`));
}

describe('values.schema.json rejects invalid values, naming the key', () => {
  it('has at least 25 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  const helms = [
    ['Helm 4', new Helm()],
    ['Helm 3', Helm.v3()],
  ] as const;
  for (const [label, helm] of helms) {
    it.each(cases)(`${label}: $file → $key`, async ({ file, key }) => {
      const message = await errorOf(helm, file);
      expect(message).toContain("values don't meet the specifications of the schema");
      expect(namesKey(message, key), `${label} error for ${file} names ${key}:\n${message}`).toBe(
        true,
      );
    });
  }
});

describe('with --skip-schema-validation, the templates still check what they rely on', () => {
  it.each([
    [
      { global: { database: { external: 'false' } } },
      'kubeflow',
      'global.database.external: must be true or false, not "false"',
    ],
    [
      { global: { objectStorage: { secure: 'yes' } } },
      'kubeflow',
      'global.objectStorage.secure: must be true or false',
    ],
    [
      {
        global: {
          auth: { extraJwtIssuers: [{ issuer: 'https://a,https://b=c', audiences: ['x'] }] },
        },
      },
      'kubeflow-platform',
      'global.auth.extraJwtIssuers[0].issuer: "https://a,https://b=c" is not an http(s) URL',
    ],
    [
      { global: { auth: { extraJwtIssuers: [{ issuer: 'https://a', audiences: ['x,y=z'] }] } } },
      'kubeflow-platform',
      'global.auth.extraJwtIssuers[0].audiences: "x,y=z"',
    ],
    [
      { global: { imageRegistry: 'a b' } },
      'kubeflow',
      'global.imageRegistry: "a b" is not a registry',
    ],
  ])('%j fails in %s', async (values, chart, message) => {
    for (const error of await uncheckedError(values, chart)) expect(error).toContain(message);
  });

  it('the default values pass the same checks', async () => {
    expect(await uncheckedError({}, 'kubeflow')).toEqual(['', '']);
  });
});
