import type { BuildReport } from './build.ts';
import type { ReleasePlan } from './release/plan.ts';
import { describeDecisions } from './release/report.ts';

/**
 * The build report: what a maintainer reviews when a new upstream release comes in. One
 * Markdown page: where the rules' expectations came from, the component list as example/
 * gave it (new paths, vanished ones), what example/'s own transforms reached, what each
 * generic transform changed, each targeted rule against its expectation, and every drift.
 * Upstream text (paths, object names, messages) goes in code spans or is escaped.
 */
export function renderBuildReport(report: BuildReport, plan?: ReleasePlan): string {
  const out: string[] = [];
  const ok = report.drift.length === 0;
  out.push(`# kfcharts build report: upstream ${code(report.tag)}`, '');
  out.push(
    ok
      ? `**No drift.** Every targeted rule changed what the release data expects.`
      : `**${report.drift.length} drift(s).** The charts were not written; each drift is listed below.`,
    '',
  );
  const data = report.releaseData;
  out.push(
    data === undefined
      ? '- Release data: none pinned; targeted rules had no expectations.'
      : `- Release data: ${code(data.file)} (${code(data.tag)})${data.inheritedFrom ? `, expectations inherited from ${code(data.inheritedFrom)} by \`kfcharts lock\`: review them, then delete \`inheritedFrom\`` : ''}${data.tag !== report.tag ? `; this tree is ${code(report.tag)}, so the nearest pinned release stands in` : ''}`,
  );
  out.push(
    `- Components: ${report.resolution.components.length} from example/kustomization.yaml`,
    '',
  );

  if (!ok) {
    out.push(
      '## Drift',
      '',
      '| rule | defined in | component | object | expected | found |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const d of report.drift) {
      out.push(
        `| ${code(d.rule)} | ${code(d.source)} | ${d.component ? code(d.component) : ''} | ${d.object ? code(d.object) : ''} | ${cell(d.expected)} | ${cell(d.found)} |`,
      );
    }
    const replaced = report.resolution.derived;
    // Components a drifting rule was written for that this release does not have: the
    // entries new in example/ are the candidates that replaced them.
    const missing = report.resolution.vanished.filter((v) =>
      report.drift.some((d) => d.component === v.name),
    );
    if (missing.length > 0) {
      out.push(
        '',
        'Components example/ no longer lists, and the entries new in it (a candidate replacement):',
        '',
      );
      for (const v of missing) {
        out.push(
          `- ${code(v.name)} (${v.paths.map(code).join(', ')}) vanished; new entries: ${replaced.map((r) => `${code(r.path)} (named ${code(r.name)})`).join(', ') || 'none'}`,
        );
      }
    }
    out.push('');
  }

  out.push('## Components', '');
  if (report.resolution.derived.length > 0) {
    out.push(
      'New in example/, named by kfcharts (add them to components.yaml to name them for good):',
      '',
    );
    for (const d of report.resolution.derived) out.push(`- ${code(d.path)} → ${code(d.name)}`);
    out.push('');
  }
  if (report.resolution.vanished.length > 0) {
    out.push('Known components (components.yaml) this release does not have:', '');
    for (const v of report.resolution.vanished)
      out.push(`- ${code(v.name)}: ${v.paths.map(code).join(', ')}`);
    out.push('');
  }
  out.push('| component | upstream path(s) | objects |', '| --- | --- | --- |');
  const objects = new Map<string, number>();
  for (const r of plan?.releases ?? []) {
    for (const c of r.components)
      objects.set(c.component.name, (objects.get(c.component.name) ?? 0) + c.objects.length);
  }
  for (const c of report.resolution.components) {
    out.push(
      `| ${code(c.name)}${c.derived ? ' (new)' : ''} | ${c.paths.map(code).join(', ')} | ${objects.get(c.name) ?? ''} |`,
    );
  }
  out.push('');

  if (report.exampleTransforms.length > 0) {
    out.push(
      "## example/'s own transforms",
      '',
      'Applied to each component build they reach; `verify` proves the whole equal to example/ built as one.',
      '',
    );
    for (const t of report.exampleTransforms) {
      out.push(`- ${code(t.transform)}: ${t.components.map(code).join(', ') || 'no component'}`);
    }
    out.push('');
  }

  out.push('## Generic transforms', '', '| rule | objects changed |', '| --- | --- |');
  const generic = report.findings.filter((f) => f.generic);
  for (const f of generic) out.push(`| ${code(f.id)} | ${f.matched.length} |`);
  const notes = generic.flatMap((f) => f.notes.map((n) => `${code(f.id)}: ${escapeText(n)}`));
  if (notes.length > 0) out.push('', 'To review:', '', ...notes.map((n) => `- ${n}`));
  out.push('');

  // The fields a controller owns that the charts render from the live object (the lint fails on any other).
  const live = report.controllerOwned.filter((f) => f.handling === 'live');
  out.push(
    '## Server-side apply',
    '',
    'No chart sets a field that a controller owns (docs/server-side-apply.md). These fields carry',
    "upstream's value on the first install and the live object's value on every upgrade",
    '(Helm `lookup`), so an upgrade applies what the controller wrote:',
    '',
  );
  if (live.length === 0) out.push('- none');
  for (const f of live) {
    out.push(
      `- ${code(f.object)} ${code(f.pointer)}: ${escapeText(f.owner)}; ${escapeText(f.why)}`,
    );
  }
  out.push('');

  out.push(
    '## Targeted rules',
    '',
    '| rule | component | expected | matched |',
    '| --- | --- | --- | --- |',
  );
  for (const f of report.findings.filter((x) => !x.generic)) {
    const mark = f.expected === f.matched.length ? '' : ' ⚠';
    out.push(
      `| ${code(f.id)} | ${f.component ? code(f.component) : ''} | ${f.expected ?? '—'} | ${f.matched.length}${mark} |`,
    );
  }
  out.push('');

  if (plan) {
    out.push(
      '## Releases',
      '',
      '| # | release | components | objects |',
      '| --- | --- | --- | --- |',
    );
    for (const r of plan.releases) {
      const n = r.components.reduce((s, c) => s + c.objects.length, 0);
      out.push(`| ${r.index + 1} | ${code(r.name)} | ${r.components.length} | ${n} |`);
    }
    out.push('', 'Why each component and object is where it is (docs/release-layout.md):', '');
    for (const line of describeDecisions(plan.decisions)) out.push(`- ${escapeText(line)}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** Inline code that no backtick, pipe or newline in upstream text can break out of. */
function code(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|');
  // A fence longer than any run of backticks inside, padded when the text touches one.
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

function cell(text: string): string {
  return escapeText(text).replace(/\n/g, '<br>');
}

/** Markdown and HTML significant characters escaped, so upstream text stays text. */
function escapeText(text: string): string {
  // One line: a line break followed by `- ` or `===` would be Markdown structure.
  return text.replace(/[\\`*_[\]<>|#!]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
}
