import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { buildCharts, writeCharts } from '../../src/build.ts';
import { parseYamlStream } from '../../src/manifest/object.ts';
import { defaultPaths } from '../../src/paths.ts';
import { Helm } from '../../src/tools/helm.ts';
import { tempDir } from './helpers.ts';

/** The six charts, built once per test file and tag into a temp dist (warm cache: ~2 s). */
export const CHARTS = [
  'kubeflow-crds',
  'kubeflow-training-crds',
  'kubeflow-optional-crds',
  'kubeflow-platform',
  'kubeflow',
  'kubeflow-runtimes',
] as const;

const built = new Map<string, Promise<string>>();

/** The charts of a pinned upstream release (default: the newest pinned). */
export function valuesCharts(tag?: string): Promise<string> {
  const key = tag ?? '';
  let charts = built.get(key);
  if (charts === undefined) {
    charts = (async () => {
      const dist = tempDir('values-dist');
      const result = await buildCharts({
        paths: { ...defaultPaths(), distDir: dist },
        ...(tag !== undefined && { tag }),
      });
      writeCharts(result, dist);
      return join(dist, 'charts');
    })();
    built.set(key, charts);
  }
  return charts;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export interface Rendered {
  /** Helm's output of every chart, concatenated. */
  readonly text: string;
  readonly objects: readonly K8sObject[];
  /** The object, or a thrown error naming it. */
  get(kind: string, namespace: string | undefined, name: string): K8sObject;
  has(kind: string, namespace: string | undefined, name: string): boolean;
}

/**
 * `helm template` (Helm 4) of every chart with one values file made from `values` (or
 * that file), after the values files in `under`.
 */
export async function renderWith(
  values: object | string,
  charts: readonly string[] = CHARTS,
  under: readonly string[] = [],
  tag?: string,
): Promise<Rendered> {
  const dir = await valuesCharts(tag);
  const file = typeof values === 'string' ? values : join(tempDir('values'), 'values.yaml');
  if (typeof values !== 'string') writeFileSync(file, stringify(values));
  const helm = new Helm();
  const texts = await Promise.all(
    charts.map((chart) =>
      helm.template(join(dir, chart), {
        releaseName: 'r',
        namespace: 'ns',
        valuesFiles: [...under, file],
      }),
    ),
  );
  const text = texts.join('---\n');
  const objects = parseYamlStream(text, 'helm template') as K8sObject[];
  const find = (kind: string, namespace: string | undefined, name: string) =>
    objects.find(
      (o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace,
    );
  return {
    text,
    objects,
    has: (kind, namespace, name) => find(kind, namespace, name) !== undefined,
    get(kind, namespace, name) {
      const found = find(kind, namespace, name);
      if (!found) throw new Error(`rendered output has no ${kind} ${namespace ?? ''}/${name}`);
      return found;
    },
  };
}

/** Whether `helm template` of `chart` accepts `values`; the error text when not. */
export async function schemaError(values: object, chart = 'kubeflow'): Promise<string | undefined> {
  const dir = await valuesCharts();
  const file = join(tempDir('values'), 'values.yaml');
  writeFileSync(file, stringify(values));
  try {
    await new Helm().template(join(dir, chart), {
      releaseName: 'r',
      namespace: 'ns',
      valuesFiles: [file],
    });
    return undefined;
  } catch (error) {
    return String((error as Error).message) + String((error as { details?: string }).details ?? '');
  }
}

/** Env entry `name` of container `container` of a workload. */
export function envOf(
  workload: K8sObject,
  container: string,
  name: string,
): Record<string, unknown> | undefined {
  const spec = (
    workload as unknown as {
      spec: { template: { spec: { containers: { name: string; env?: { name: string }[] }[] } } };
    }
  ).spec.template.spec;
  return spec.containers.find((c) => c.name === container)?.env?.find((e) => e.name === name);
}

/** The output of one `helm template`: rendered text, or the error. */
export interface Unchecked {
  readonly ok: boolean;
  /** stdout when ok, else stderr. */
  readonly text: string;
}

/**
 * `helm template --skip-schema-validation` of `chart` with Helm 4, then Helm 3: what
 * users get who turn the schema off.
 */
export async function renderUnchecked(values: object, chart: string): Promise<Unchecked[]> {
  const dir = await valuesCharts();
  const file = join(tempDir('values'), 'values.json');
  writeFileSync(file, jsonWithEscapedControls(values));
  const run = (helm: string): Promise<Unchecked> =>
    promisify(execFile)(helm, [
      'template',
      'r',
      join(dir, chart),
      '--skip-schema-validation',
      '--values',
      file,
    ]).then(
      (out) => ({ ok: true, text: out.stdout }),
      (error: { stderr?: string }) => ({ ok: false, text: String(error.stderr) }),
    );
  return Promise.all([run(new Helm().path), run(Helm.v3().path)]);
}

/** The error text of each Helm with schema validation skipped ('' when it renders). */
export async function uncheckedError(values: object, chart: string): Promise<string[]> {
  return (await renderUnchecked(values, chart)).map((r) => (r.ok ? '' : r.text));
}

/**
 * JSON with DEL and C1 controls as `\u` escapes: JSON.stringify leaves them raw, and
 * Helm's YAML reader refuses raw control characters in a values file.
 */
export function jsonWithEscapedControls(values: object): string {
  return JSON.stringify(values).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
