import { brief } from './fields.ts';
import type { ChangeReport, ObjectChange, ObjectRef } from './report.ts';

/** Field changes shown per changed object; the rest are counted. */
export const FIELDS_PER_OBJECT = 8;
/** Removed schema fields shown per CRD version. */
const FIELDS_PER_CRD_VERSION = 12;

/** Inline code that survives backticks and pipes in the text (tables). */
function code(text: string): string {
  const safe = text.replaceAll('|', '\\|');
  return safe.includes('`') ? `\`\` ${safe} \`\`` : `\`${safe}\``;
}

function arrow(from: unknown, to: unknown): string {
  return `${code(brief(from))} → ${code(brief(to))}`;
}

function more(total: number, shown: number, what: string): string[] {
  return total > shown ? [`  - … and ${total - shown} more ${what}`] : [];
}

/** The report as Markdown: deterministic (sorted, no timestamps), one section per topic. */
export function renderChangeReport(report: ChangeReport): string {
  const out: string[] = [
    `# Change report: kubeflow/manifests ${report.from} → ${report.to}`,
    '',
    ...summary(report),
    ...section('1. Components', components(report)),
    ...section('2. Objects', objects(report)),
    ...section('3. Images', images(report)),
    ...section('4. CRDs', crds(report)),
    ...section('5. Values keys affected', valuesKeys(report)),
    ...section('6. Rules that stopped matching', rules(report)),
    ...section('7. Upgrade-breaking changes', breaking(report)),
  ];
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

function section(title: string, body: string[]): string[] {
  return [`## ${title}`, '', ...(body.length > 0 ? body : ['No changes.']), ''];
}

function summary(r: ChangeReport): string[] {
  const c = r.components;
  const o = r.objects;
  return [
    '| | |',
    '| --- | --- |',
    `| components | ${c.added.length} added, ${c.removed.length} removed, ${c.moved.length} moved, ${c.renamed.length} renamed |`,
    `| objects | ${o.added.length} added, ${o.removed.length} removed, ${o.changed.length} changed |`,
    `| images | ${r.images.changed.length} changed, ${r.images.added.length} added, ${r.images.removed.length} removed |`,
    `| CRDs | ${r.crds.length} with changes |`,
    `| values keys affected | ${r.valuesKeys.length} |`,
    `| rules that stopped matching | ${r.rules === undefined ? 'not reported by this build' : r.rules.length} |`,
    `| **upgrade-breaking changes** | **${r.breaking.length}** |`,
    '',
  ];
}

function components(r: ChangeReport): string[] {
  const c = r.components;
  return [
    ...c.added.map((x) => `- added ${code(x.name)} (${x.paths.map(code).join(', ')})`),
    ...c.removed.map((x) => `- removed ${code(x.name)} (${x.paths.map(code).join(', ')})`),
    ...c.moved.map(
      (x) =>
        `- moved ${code(x.name)}: ${x.from.map(code).join(', ')} → ${x.to.map(code).join(', ')}`,
    ),
    ...c.renamed.map(
      (x) => `- renamed ${code(x.from)} → ${code(x.to)} (${x.paths.map(code).join(', ')})`,
    ),
  ];
}

function where(o: ObjectRef): string {
  return `${code(o.key)} (${o.component}, release ${o.release})`;
}

function changedObject(o: ObjectChange): string[] {
  const notes = [
    ...(o.fromKey !== o.key ? [`was ${code(o.fromKey)}`] : []),
    ...(o.fromComponent !== o.component ? [`component ${o.fromComponent} → ${o.component}`] : []),
    ...(o.fromRelease !== o.release ? [`release ${o.fromRelease} → ${o.release}`] : []),
    `${o.fields.length} field(s)`,
  ];
  return [
    `- ${code(o.key)} (${o.component}): ${notes.join('; ')}`,
    ...o.fields
      .slice(0, FIELDS_PER_OBJECT)
      .map((f) => `  - ${code(f.path)}: ${arrow(f.from, f.to)}`),
    ...more(o.fields.length, FIELDS_PER_OBJECT, 'field(s)'),
  ];
}

function objects(r: ChangeReport): string[] {
  const o = r.objects;
  if (o.perComponent.length === 0) return [];
  return [
    '| component | added | removed | changed |',
    '| --- | --- | --- | --- |',
    ...o.perComponent.map((c) => `| ${c.component} | ${c.added} | ${c.removed} | ${c.changed} |`),
    '',
    ...(o.added.length > 0 ? ['### Added', '', ...o.added.map((x) => `- ${where(x)}`), ''] : []),
    ...(o.removed.length > 0
      ? ['### Removed', '', ...o.removed.map((x) => `- ${where(x)}`), '']
      : []),
    ...(o.changed.length > 0 ? ['### Changed', '', ...o.changed.flatMap(changedObject), ''] : []),
  ];
}

function images(r: ChangeReport): string[] {
  const i = r.images;
  const users = (c: readonly string[]) => ` (${c.join(', ')})`;
  return [
    ...i.changed.map(
      (x) =>
        `- ${code(x.repository)}: ${x.from.map(code).join(', ')} → ${x.to.map(code).join(', ')}${users(x.components)}`,
    ),
    ...i.added.map(
      (x) => `- added ${code(x.repository)}: ${x.to.map(code).join(', ')}${users(x.components)}`,
    ),
    ...i.removed.map(
      (x) =>
        `- removed ${code(x.repository)}: ${x.from.map(code).join(', ')}${users(x.components)}`,
    ),
  ];
}

function crds(r: ChangeReport): string[] {
  return r.crds.flatMap((c) => {
    if (c.change !== 'changed') {
      return [
        `- ${c.change} ${code(c.name)} (${c.component}; versions ${[...c.versionsAdded, ...c.versionsRemoved].join(', ')})`,
      ];
    }
    const notes = [
      ...(c.versionsAdded.length > 0 ? [`versions added: ${c.versionsAdded.join(', ')}`] : []),
      ...(c.versionsRemoved.length > 0
        ? [`versions removed: ${c.versionsRemoved.join(', ')}`]
        : []),
      ...(c.storage
        ? [`storage version ${c.storage.from || '(none)'} → ${c.storage.to || '(none)'}`]
        : []),
    ];
    return [
      `- ${code(c.name)} (${c.component})${notes.length > 0 ? `: ${notes.join('; ')}` : ''}`,
      ...c.fieldsRemoved.flatMap((v) => [
        `  - ${v.version}: ${v.fields.length} schema field(s) removed: ${v.fields.slice(0, FIELDS_PER_CRD_VERSION).map(code).join(', ')}${v.fields.length > FIELDS_PER_CRD_VERSION ? `, … and ${v.fields.length - FIELDS_PER_CRD_VERSION} more` : ''}`,
      ]),
    ];
  });
}

function valuesKeys(r: ChangeReport): string[] {
  return r.valuesKeys.map(
    (v) =>
      `- ${code(v.key)}${v.stillRead ? '' : ' (**no template reads it any more**)'}: ${v.objects.map(code).join(', ')}`,
  );
}

function rules(r: ChangeReport): string[] {
  if (r.rules === undefined) return ['This build does not report rule findings.'];
  return r.rules.flatMap((x) => [
    `- ${code(x.id)}${x.component ? ` (${x.component})` : ''}: matched ${x.matched}${x.expected !== undefined ? `, expected ${x.expected}` : ''}${x.matchedBefore !== undefined ? ` (matched ${x.matchedBefore} in ${r.from})` : ''}`,
    ...x.drift.map((d) => `  - ${d}`),
  ]);
}

function breaking(r: ChangeReport): string[] {
  return r.breaking.flatMap((b) => [
    `- ${code(b.object)}: ${code(b.field)}: ${code(b.from)} → ${code(b.to)}`,
    `  - do: ${b.action}`,
  ]);
}
