import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import type { Component } from '../components.ts';
import { KfchartsError } from '../errors.ts';
import { apiGroup, isCrd, type ManifestObject, objectKey } from '../manifest/object.ts';
import { projectRoot } from '../paths.ts';
import type { PlannedRelease, ReleasePlan } from '../release/plan.ts';
import { renderTemplate } from '../rules/edit.ts';
import { wellKnownIn } from '../rules/values/credentials.ts';
import { GATEWAY_PRINCIPAL_EXPRESSION } from '../rules/values/ingress.ts';
import type { Requirement } from '../upstream/lock.ts';
import { checkTag } from '../upstream/tag.ts';
import { DNS_NAME, JWT_AUDIENCE, JWT_ISSUER, REGISTRY, schemaLeaves } from '../values/schema.ts';
import { choiceValues, valueKey, valueRef } from '../variants.ts';
import { escapeTemplateText } from './escape.ts';
import { objectStorageNotes } from './object-storage-notes.ts';
import { requirementChecks, requirementsByChart, withRequirements } from './requirements.ts';
import { type UpgradePlan, upgradeHooksTemplate, upgradeNotes } from './upgrade-hooks.ts';
import {
  chartValuesSchema,
  chartValuesYaml,
  subchartValuesSchema,
  subchartValuesYaml,
} from './values.ts';
import { chartVersion } from './version.ts';

/** Chart files in memory: POSIX path below dist/charts → content. Sorted on write. */
export type ChartFiles = Map<string, string>;

export interface ChartsInput {
  readonly tag: string;
  /** kfcharts' own revision of the charts for this tag (upstream/<tag>.yaml chartRevision). */
  readonly chartRevision: number;
  readonly treeSha256: string;
  /** Every component, so each chart's schema accepts one values file shared by all releases. */
  readonly components: readonly Component[];
  readonly plan: ReleasePlan;
  /** Upgrading from the previous release: hook deletions and manual steps (upgrade-hooks.ts). */
  readonly upgrade?: UpgradePlan;
  /** Components that cannot work without another (release data `choices.requires`). */
  readonly requires?: readonly Requirement[];
}

const HOME = 'https://www.kubeflow.org';
const SOURCE = 'https://github.com/kubeflow/manifests';

/**
 * Stage 6: one chart per release of the plan, each with one subchart per component it
 * holds, in memory. Every object is one template file: kustomize's text with `{{`
 * escaped. CRDs are templates too (not crds/), so `helm upgrade` upgrades them.
 */
export function emitCharts(input: ChartsInput): ChartFiles {
  // The tag was checked where it entered; checked again here, where it reaches the files.
  checkTag(input.tag, 'charts');
  const helpers = helpersTemplate(input.components);
  const files: ChartFiles = new Map();
  const version = chartVersion(input.tag, input.chartRevision);
  const requirements = requirementsByChart(input.plan, input.requires ?? []);
  for (const release of input.plan.releases) {
    if (release.components.length === 0) {
      throw new KfchartsError('layout-invalid', `release '${release.name}' would hold no objects`);
    }
    emitChart(files, release, input, version, helpers, requirements.get(release.name) ?? []);
  }
  files.set('install.sh', installScript(input.plan, version));
  return files;
}

/**
 * charts/templates/<component>/<release>/ dirs by whether the build places that component
 * in that release (`used`), in another release (`misplaced`: the layout moved it, its
 * objects would be lost), or not at all (`absent`: upstream dropped or renamed it, or the
 * build has another component list; for the reviewer).
 */
export function extraTemplateDirs(plan: ReleasePlan): {
  used: string[];
  misplaced: string[];
  absent: string[];
} {
  const root = resolve(projectRoot, 'charts/templates');
  const placed = new Set(
    plan.releases.flatMap((r) => r.components.map((c) => `${c.component.name}/${r.name}`)),
  );
  const present = new Set(plan.releases.flatMap((r) => r.components.map((c) => c.component.name)));
  const dirs = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(resolve(root, d.name), { withFileTypes: true })
        .filter((r) => r.isDirectory())
        .map((r) => ({
          component: d.name,
          dir: `charts/templates/${d.name}/${r.name}/`,
          key: `${d.name}/${r.name}`,
        })),
    )
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  return {
    used: dirs.filter((d) => placed.has(d.key)).map((d) => d.dir),
    misplaced: dirs.filter((d) => !placed.has(d.key) && present.has(d.component)).map((d) => d.dir),
    absent: dirs.filter((d) => !present.has(d.component)).map((d) => d.dir),
  };
}

function emitChart(
  files: ChartFiles,
  release: PlannedRelease,
  input: ChartsInput,
  version: string,
  /** _kfcharts.tpl, the same in every chart and subchart. */
  helpers: string,
  /** The requirements whose two components this chart holds. */
  requires: readonly Requirement[],
): void {
  const root = release.name;
  const previous = input.plan.releases[release.index - 1]?.name;
  const next = input.plan.releases[release.index + 1]?.name;
  files.set(
    `${root}/Chart.yaml`,
    yaml({
      apiVersion: 'v2',
      name: release.name,
      description: `${release.description}. Kubeflow from kubeflow/manifests ${input.tag}, release ${release.index + 1} of ${input.plan.releases.length}.`,
      type: 'application',
      version,
      appVersion: input.tag,
      home: HOME,
      sources: [SOURCE],
      keywords: ['kubeflow', 'machine-learning', 'kustomize'],
      annotations: {
        'kfcharts.dev/upstream-tag': input.tag,
        'kfcharts.dev/upstream-tree-sha256': input.treeSha256,
        'kfcharts.dev/install-order': String(release.index + 1),
        ...(previous && { 'kfcharts.dev/installs-after': previous }),
      },
      dependencies: release.components.map(({ component }) => ({
        name: component.name,
        version,
        condition: `${component.name}.enabled`,
      })),
    }),
  );
  const present = release.components.map((c) => c.component);
  files.set(
    `${root}/values.yaml`,
    chartValuesYaml(release.name, input.tag, present, input.components),
  );
  files.set(
    `${root}/values.schema.json`,
    json(
      withRequirements(
        chartValuesSchema(release.name, input.tag, input.components, namespacesOf(input.plan)),
        requires,
      ),
    ),
  );
  if (requires.length > 0) {
    files.set(`${root}/templates/kfcharts-requires.yaml`, requirementChecks(requires));
  }
  // Global variant values reach every release, whichever subcharts it holds or enables:
  // checked in each parent chart, which always renders.
  const globalChoices = input.components.filter((c) => c.variants?.global);
  if (globalChoices.length > 0) {
    files.set(
      `${root}/templates/kfcharts-choices.yaml`,
      globalChoices.map((c) => variantChecks(c)).join(''),
    );
  }
  files.set(`${root}/README.md`, chartReadme(release, input));
  // The values checks run once per release, in the parent chart (renders nothing).
  files.set(`${root}/templates/_kfcharts.tpl`, helpers);
  files.set(
    `${root}/templates/kfcharts-validate.yaml`,
    '{{- /* Checks values the templates rely on; see _kfcharts.tpl. */ -}}\n{{- include "kfcharts.validate" . -}}\n',
  );
  // NOTES.txt is a template: only `{{ .Release.Name }}` may be an action, the rest is data.
  files.set(
    `${root}/templates/NOTES.txt`,
    `${escapeTemplateText(`${release.name} (kubeflow/manifests ${input.tag})`)} is installed as release {{ .Release.Name }}, ${release.index + 1} of ${input.plan.releases.length}.\n` +
      escapeTemplateText(
        next
          ? `Install ${next} next, with --wait.\n`
          : 'This is the last release: Kubeflow is installed.\n',
      ) +
      wellKnownNotes(release) +
      objectStorageNotes(release) +
      (input.upgrade ? upgradeNotes(release.name, input.upgrade) : ''),
  );
  const deletions = input.upgrade?.deletions.filter((d) => d.release === release.name) ?? [];
  // Absent when there is nothing to delete: a chart renders no hook it does not need.
  if (deletions.length > 0) {
    files.set(
      `${root}/templates/kfcharts-upgrade-hooks.yaml`,
      upgradeHooksTemplate(release.name, deletions),
    );
  }

  for (const { component, objects } of release.components) {
    const dir = `${root}/charts/${component.name}`;
    files.set(
      `${dir}/Chart.yaml`,
      yaml({
        apiVersion: 'v2',
        name: component.name,
        description: `${component.description}: kubeflow/manifests ${input.tag} ${component.paths.join(', ')}`,
        type: 'application',
        version,
        appVersion: input.tag,
        home: HOME,
        sources: component.paths.map((p) => `${SOURCE}/tree/${input.tag}/${p}`),
        annotations: { 'kfcharts.dev/upstream-path': component.paths.join(',') },
      }),
    );
    files.set(`${dir}/values.yaml`, subchartValuesYaml(component, input.components));
    files.set(`${dir}/values.schema.json`, json(subchartValuesSchema(component, input.components)));
    files.set(`${dir}/templates/_kfcharts.tpl`, helpers);
    if (component.variants && !component.variants.global) {
      files.set(`${dir}/templates/kfcharts-choices.yaml`, variantChecks(component));
    }
    for (const [name, text] of extraTemplates(component.name, release.name)) {
      files.set(`${dir}/templates/${name}`, text);
    }
    const owners = new Map<string, string>();
    for (const object of objects) {
      const path = `${dir}/templates/${objectFileName(object)}`;
      const previousOwner = owners.get(path);
      if (previousOwner !== undefined) {
        throw new KfchartsError(
          'chart-invalid',
          `component '${component.name}': ${previousOwner} and ${objectKey(object)} map to the same file ${path}`,
        );
      }
      owners.set(path, objectKey(object));
      files.set(path, renderTemplate(object));
    }
  }
}

/**
 * NOTES.txt's warning about upstream's well-known credentials this release still renders.
 * Which credentials and their values come from this release's upstream objects (build
 * time); whether each is still in use after the user's values is decided when Helm renders
 * NOTES. Every line is a Go string literal: upstream's values are data, never template.
 */
function wellKnownNotes(release: PlannedRelease): string {
  const found = release.components.flatMap(({ component, objects }) =>
    wellKnownIn(component.name, objects).map((f) => ({ ...f, component: component.name })),
  );
  if (found.length === 0) return '';
  const lines = found.map(({ credential, object, value, component }) => {
    const own = `(index $.Values ${JSON.stringify(component)})`;
    const enabled = `(ne (toString (index ${own} "enabled")) "false")`;
    const shown = value === '' ? 'empty' : JSON.stringify(value);
    const line = `${credential.title}: ${shown}, in ${object} (${credential.field}.${credential.key}); replace with ${credential.replacedBy}`;
    return `{{- if and ${enabled} ${credential.stillInUse(own)} }}{{ $wellKnown = append $wellKnown ${JSON.stringify(line)} }}{{ end }}\n`;
  });
  return [
    '{{- $wellKnown := list }}\n',
    ...lines,
    '{{- if $wellKnown }}\n\n',
    "WARNING: this release still installs upstream's well-known credentials, published in\n",
    'kubeflow/manifests. Replace them before anyone else can reach Kubeflow (see kfcharts\n',
    'docs/credentials.md; global.generateSecrets: true replaces them all):\n',
    '{{- range $wellKnown }}\n  - {{ . }}\n{{- end }}\n',
    '{{- end }}\n',
  ].join('');
}

/** The Namespaces the charts create: the only keys global.namespaceLabels accepts. */
function namespacesOf(plan: ReleasePlan): string[] {
  const names = plan.releases.flatMap((r) =>
    r.components.flatMap((c) =>
      c.objects.filter((o) => o.kind === 'Namespace' && o.apiVersion === 'v1').map((o) => o.name),
    ),
  );
  return [...new Set(names)].sort();
}

/**
 * charts/templates/_kfcharts.tpl with the schema's patterns and key lists filled in, so
 * the template's own checks and values.schema.json can't disagree. A JSON string is a Go
 * string literal.
 */
function helpersTemplate(components: readonly Component[]): string {
  const leaves = schemaLeaves();
  const booleans = [
    ...components.map((c) => `${c.name}.enabled`),
    ...leaves.filter((l) => l.schema.type === 'boolean').map((l) => l.path),
  ];
  const integers = leaves
    .filter((l) => l.schema.type === 'integer')
    .map(({ path, schema }) => {
      const { minimum, maximum } = schema as { minimum?: number; maximum?: number };
      if (minimum === undefined || maximum === undefined)
        throw new KfchartsError(
          'chart-invalid',
          `values schema: ${path} needs minimum and maximum`,
        );
      // Floats: Helm reads numbers as float64, and Go templates compare like kinds only.
      return `(list ${JSON.stringify(path)} ${minimum.toFixed(1)} ${maximum.toFixed(1)})`;
    });
  const fills: Record<string, string> = {
    '@REGISTRY_PATTERN@': JSON.stringify(REGISTRY),
    '@DOMAIN_PATTERN@': JSON.stringify(DNS_NAME),
    '@JWT_ISSUER_PATTERN@': JSON.stringify(JWT_ISSUER),
    '@JWT_AUDIENCE_PATTERN@': JSON.stringify(JWT_AUDIENCE),
    '@BOOLEAN_KEYS@': `(list ${booleans.map((k) => JSON.stringify(k)).join(' ')})`,
    '@INTEGER_KEYS@': `(list ${integers.join(' ')})`,
    '@ESCAPE_CONTROLS@': controlEscapes(),
    '@GATEWAY_PRINCIPAL@': GATEWAY_PRINCIPAL_EXPRESSION,
  };
  return handWritten('templates/_kfcharts.tpl').replace(/@[A-Z_]+@/g, (name) => {
    const fill = fills[name];
    if (fill === undefined)
      throw new KfchartsError('chart-invalid', `_kfcharts.tpl: unknown ${name}`);
    return fill;
  });
}

/** One `replace` per character U+007F-U+009F: its raw form by its `\u` escape. */
function controlEscapes(): string {
  const lines: string[] = [];
  for (let code = 0x7f; code <= 0x9f; code++) {
    const seq = `\\u${code.toString(16).padStart(4, '0')}`;
    lines.push(`{{- $s = replace "${seq}" "\\${seq}" $s -}}`);
  }
  return lines.join('\n');
}

/** Hand-written chart parts under charts/ (Helm templates, kept as they are). */
function handWritten(path: string): string {
  return readFileSync(resolve(projectRoot, 'charts', path), 'utf8');
}

/**
 * New objects a component gains from values (e.g. a RequestAuthentication per extra JWT
 * issuer): charts/templates/<component>/<release>/*.yaml, named `kfcharts-*.yaml`.
 */
function extraTemplates(component: string, release: string): [string, string][] {
  const dir = resolve(projectRoot, 'charts/templates', component, release);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => [`kfcharts-${f}`, readFileSync(resolve(dir, f), 'utf8')]);
}

/** `<kind>.<group>_<namespace|cluster>_<name>.yaml`, lowercase and file-safe. */
export function objectFileName(object: ManifestObject): string {
  const group = apiGroup(object);
  const kind = group ? `${object.kind}.${group}` : object.kind;
  const variant = object.variant ? `.${safe(object.variant)}` : '';
  return `${safe(kind)}_${safe(object.namespace ?? 'cluster')}_${safe(object.name)}${variant}.yaml`;
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

function chartReadme(release: PlannedRelease, input: ChartsInput): string {
  const rows = release.components.map(({ component, objects }) => {
    const crds = objects.filter(isCrd).length;
    return `| \`${component.name}\` | ${component.paths.map((p) => `\`${p}\``).join(', ')} | ${objects.length} | ${crds} | ${component.description} |`;
  });
  const total = release.components.reduce((n, c) => n + c.objects.length, 0);
  const order = input.plan.releases
    .map((r) => (r.name === release.name ? `**${r.name}**` : r.name))
    .join(' → ');
  return [
    `# ${release.name} (kubeflow/manifests ${input.tag})`,
    '',
    `${release.description}. Generated by kfcharts from kubeflow/manifests \`${input.tag}\``,
    `(tree sha256 \`${input.treeSha256}\`). Each subchart renders its component's`,
    '`kustomize build <path>` objects that belong to this release; switch one off with',
    '`--set <name>.enabled=false`.',
    '',
    `Install order, each with \`helm upgrade --install --wait\`: ${order}.`,
    '',
    '| subchart | upstream path | objects | CRDs | what |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    `| | **total** | ${total} | ${release.components.reduce((n, c) => n + c.objects.filter(isCrd).length, 0)} | |`,
    '',
  ].join('\n');
}

/**
 * dist/charts/install.sh from the hand-written charts/install.sh: every release in order,
 * each with --wait, from this folder or an OCI registry.
 */
function installScript(plan: ReleasePlan, version: string): string {
  const template = readFileSync(resolve(projectRoot, 'charts/install.sh'), 'utf8');
  return template
    .replace('@VERSION@', version)
    .replace('@RELEASES@', plan.releases.map((r) => r.name).join(' '));
}

/**
 * A variant value's choices checked again in the templates (docs/choices.md): with the
 * schema skipped, a choice upstream does not offer would render no version of the objects
 * that differ. Names and choices are release data of a constrained pattern; the user's
 * value reaches only the error message, as JSON.
 */
function variantChecks(component: Component): string {
  const choice = choiceValues(component);
  const lines = choice.values.map((v) => {
    const choices = `(list ${v.choices.map((c) => JSON.stringify(c)).join(' ')})`;
    const message = JSON.stringify(
      `${valueKey(choice, v)}: must be one of ${v.choices.join(', ')}, not %s`,
    );
    const ref = valueRef(choice, v);
    return `{{- if not (has ${ref} ${choices}) }}{{ fail (printf ${message} (toJson ${ref})) }}{{ end }}`;
  });
  return `{{- /* The choices of this component's variant values (kfcharts, docs/choices.md). */ -}}\n${lines.join('\n')}\n`;
}
