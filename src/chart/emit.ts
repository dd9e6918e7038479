import { stringify } from 'yaml';
import type { Component } from '../components.ts';
import { KfchartsError } from '../errors.ts';
import { type ManifestObject, objectKey } from '../manifest/object.ts';
import { escapeTemplateText } from './escape.ts';
import { subchartValuesSchema, umbrellaValuesSchema, umbrellaValuesYaml } from './values.ts';
import { chartVersionFromTag } from './version.ts';

/** Chart files in memory: POSIX path below dist/charts → content. Sorted on write. */
export type ChartFiles = Map<string, string>;

export interface ComponentObjects {
  readonly component: Component;
  readonly objects: readonly ManifestObject[];
}

export interface UmbrellaInput {
  readonly tag: string;
  readonly treeSha256: string;
  readonly components: readonly ComponentObjects[];
}

export const UMBRELLA_CHART = 'kubeflow';
const HOME = 'https://www.kubeflow.org';
const SOURCE = 'https://github.com/kubeflow/manifests';

/**
 * Stage 6: the umbrella chart and one subchart per component, in memory. CRDs go to
 * each subchart's crds/ (Helm installs those first and never templates them); every
 * other object is one template file holding kustomize's text with `{{` escaped.
 */
export function emitUmbrellaChart(input: UmbrellaInput): ChartFiles {
  const files: ChartFiles = new Map();
  const version = chartVersionFromTag(input.tag);
  const root = UMBRELLA_CHART;
  const components = input.components.map((c) => c.component);

  files.set(
    `${root}/Chart.yaml`,
    yaml({
      apiVersion: 'v2',
      name: UMBRELLA_CHART,
      description: `Kubeflow from kubeflow/manifests ${input.tag}, one subchart per component of its example/ install.`,
      type: 'application',
      version,
      appVersion: input.tag,
      home: HOME,
      sources: [SOURCE],
      keywords: ['kubeflow', 'machine-learning', 'kustomize'],
      annotations: {
        'kfcharts.dev/upstream-tag': input.tag,
        'kfcharts.dev/upstream-tree-sha256': input.treeSha256,
      },
      dependencies: components.map((c) => ({
        name: c.name,
        version,
        condition: `${c.name}.enabled`,
      })),
    }),
  );
  files.set(`${root}/values.yaml`, umbrellaValuesYaml(input.tag, components));
  files.set(`${root}/values.schema.json`, json(umbrellaValuesSchema(input.tag, components)));
  files.set(`${root}/README.md`, umbrellaReadme(input));
  files.set(
    `${root}/templates/NOTES.txt`,
    `Kubeflow (kubeflow/manifests ${input.tag}) is installed as release {{ .Release.Name }}.\n` +
      "Its objects keep upstream's namespaces (kubeflow, istio-system, auth, ...), whatever the release namespace.\n",
  );

  for (const { component, objects } of input.components) {
    const dir = `${root}/charts/${component.name}`;
    files.set(
      `${dir}/Chart.yaml`,
      yaml({
        apiVersion: 'v2',
        name: component.name,
        description: `${component.description}: kubeflow/manifests ${input.tag} ${component.path}`,
        type: 'application',
        version,
        appVersion: input.tag,
        home: HOME,
        sources: [`${SOURCE}/tree/${input.tag}/${component.path}`],
        annotations: { 'kfcharts.dev/upstream-path': component.path },
      }),
    );
    files.set(
      `${dir}/values.yaml`,
      `# ${component.name} has no values of its own yet; the umbrella's \`${component.name}.enabled\` switches it.\n{}\n`,
    );
    files.set(`${dir}/values.schema.json`, json(subchartValuesSchema(component)));
    const owners = new Map<string, string>();
    for (const object of objects) {
      const path = `${dir}/${objectFileName(object)}`;
      const previous = owners.get(path);
      if (previous !== undefined) {
        throw new KfchartsError(
          'chart-invalid',
          `component '${component.name}': ${previous} and ${objectKey(object)} map to the same file ${path}`,
        );
      }
      owners.set(path, objectKey(object));
      files.set(path, isCrd(object) ? object.text : escapeTemplateText(object.text));
    }
  }
  return files;
}

export function isCrd(object: Pick<ManifestObject, 'apiVersion' | 'kind'>): boolean {
  return (
    object.kind === 'CustomResourceDefinition' &&
    object.apiVersion.startsWith('apiextensions.k8s.io/')
  );
}

/**
 * `crds/<name>.yaml` for CRDs (their names are already unique), otherwise
 * `templates/<kind>.<group>_<namespace|cluster>_<name>.yaml`, lowercase and file-safe.
 */
export function objectFileName(object: ManifestObject): string {
  if (isCrd(object)) return `crds/${safe(object.name)}.yaml`;
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
  const kind = group ? `${object.kind}.${group}` : object.kind;
  return `templates/${safe(kind)}_${safe(object.namespace ?? 'cluster')}_${safe(object.name)}.yaml`;
}

function safe(part: string): string {
  return part.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
}

function yaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function umbrellaReadme(input: UmbrellaInput): string {
  const rows = input.components.map(({ component, objects }) => {
    const crds = objects.filter(isCrd).length;
    return `| \`${component.name}\` | \`${component.path}\` | ${objects.length} | ${crds} | ${component.description} |`;
  });
  const total = input.components.reduce((n, c) => n + c.objects.length, 0);
  return [
    `# kubeflow (kubeflow/manifests ${input.tag})`,
    '',
    `Generated by kfcharts from kubeflow/manifests \`${input.tag}\` (tree sha256 \`${input.treeSha256}\`).`,
    'Each subchart renders exactly what `kustomize build <path>` renders for its component;',
    'switch one off with `--set <name>.enabled=false`.',
    '',
    '| subchart | upstream path | objects | CRDs | what |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    `| | **total** | ${total} | ${input.components.reduce((n, c) => n + c.objects.filter(isCrd).length, 0)} | |`,
    '',
  ].join('\n');
}
