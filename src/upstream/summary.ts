import type { VerifyReport } from '../verify/verify.ts';
import type { LockedRemoteRef, UpstreamLock } from './lock.ts';

/**
 * The body of the pull request that .github/workflows/upstream.yml opens for a new
 * kubeflow/manifests tag: what changed in the lock, and what `verify` made of the new
 * tree. Markdown; GitHub limits a PR body to 65,536 characters, so long lists are cut.
 */
export interface UpstreamSummaryInput {
  readonly oldLock: UpstreamLock;
  readonly newLock: UpstreamLock;
  /** dist/verify.json of the new build; undefined when the build or verify never wrote it. */
  readonly verify: VerifyReport | undefined;
  /** Step outcomes as GitHub reports them: success, failure, cancelled, skipped. */
  readonly buildOutcome?: string;
  readonly verifyOutcome?: string;
  /** Link to the workflow run, for the logs. */
  readonly runUrl?: string;
}

export interface RemoteRefChanges {
  readonly added: readonly LockedRemoteRef[];
  readonly removed: readonly LockedRemoteRef[];
  /** Same URL, other content (a moving ref such as a branch). */
  readonly changed: readonly { readonly old: LockedRemoteRef; readonly new: LockedRemoteRef }[];
  readonly unchanged: readonly LockedRemoteRef[];
}

export const MAX_BODY_CHARS = 60_000;
const MAX_FAILURES = 50;

export function diffRemoteRefs(oldLock: UpstreamLock, newLock: UpstreamLock): RemoteRefChanges {
  const before = new Map(oldLock.remoteCache.refs.map((r) => [r.url, r]));
  const after = new Map(newLock.remoteCache.refs.map((r) => [r.url, r]));
  const byUrl = (a: LockedRemoteRef, b: LockedRemoteRef) => a.url.localeCompare(b.url);
  const changed: { old: LockedRemoteRef; new: LockedRemoteRef }[] = [];
  const unchanged: LockedRemoteRef[] = [];
  for (const ref of after.values()) {
    const old = before.get(ref.url);
    if (old === undefined) continue;
    if (old.sha256 === ref.sha256 && old.cachePath === ref.cachePath) unchanged.push(ref);
    else changed.push({ old, new: ref });
  }
  return {
    added: [...after.values()].filter((r) => !before.has(r.url)).sort(byUrl),
    removed: [...before.values()].filter((r) => !after.has(r.url)).sort(byUrl),
    changed: changed.sort((a, b) => byUrl(a.new, b.new)),
    unchanged: unchanged.sort(byUrl),
  };
}

/** Whether the new tag built and verified: what decides a ready or a draft PR. */
export function upstreamChecksPassed(input: UpstreamSummaryInput): boolean {
  return (
    input.buildOutcome !== 'failure' &&
    input.verifyOutcome !== 'failure' &&
    input.verify?.ok === true
  );
}

export function upstreamSummary(input: UpstreamSummaryInput): string {
  const { oldLock, newLock, verify } = input;
  const o = oldLock.upstream;
  const n = newLock.upstream;
  const lines: string[] = [
    `## ${n.repository} ${o.tag} → ${n.tag}`,
    '',
    upstreamChecksPassed(input)
      ? `The charts build from \`${n.tag}\` and \`npm run verify\` passes.`
      : `**Not ready:** ${notReadyReason(input)} This PR stays a draft until that is fixed on its branch.`,
    '',
    '| | before | after |',
    '| --- | --- | --- |',
    `| tag | \`${o.tag}\` | \`${n.tag}\` |`,
    `| tree sha256 | \`${o.treeSha256.slice(0, 16)}\` | \`${n.treeSha256.slice(0, 16)}\` |`,
    `| archive sha256 | \`${o.mirrorSha256.slice(0, 16)}\` | \`${n.mirrorSha256.slice(0, 16)}\` |`,
    `| remote references | ${oldLock.remoteCache.refs.length} | ${newLock.remoteCache.refs.length} |`,
    '',
    `Upstream changes: https://github.com/${n.repository}/compare/${o.tag}...${n.tag}`,
    '',
    '### Remote references',
    '',
  ];
  const refs = diffRemoteRefs(oldLock, newLock);
  if (refs.added.length + refs.removed.length + refs.changed.length === 0) {
    lines.push(`Unchanged (${refs.unchanged.length}).`);
  } else {
    for (const [title, list] of [
      ['Added', refs.added],
      ['Removed', refs.removed],
    ] as const) {
      if (list.length === 0) continue;
      lines.push(`${title} (${list.length}):`, '');
      for (const ref of list) lines.push(`- \`${ref.url}\``);
      lines.push('');
    }
    if (refs.changed.length > 0) {
      lines.push(`Same URL, other content (${refs.changed.length}):`, '');
      for (const c of refs.changed) {
        lines.push(
          `- \`${c.new.url}\`: \`${c.old.sha256.slice(0, 12)}\` → \`${c.new.sha256.slice(0, 12)}\``,
        );
      }
      lines.push('');
    }
    if (refs.unchanged.length > 0) lines.push(`Unchanged: ${refs.unchanged.length}.`);
  }
  lines.push('', '### Verify', '');
  if (verify === undefined) {
    lines.push(
      input.buildOutcome === 'failure'
        ? '`npm run build` failed, so nothing was verified: see the run log for the error (a rule count, a component moved in `example/`, an install-order violation, ...).'
        : '`dist/verify.json` was not written: see the run log.',
    );
  } else {
    lines.push(...verifySection(verify));
  }
  lines.push(
    '',
    '### Before merging',
    '',
    `- [ ] tests and docs that name \`${o.tag}\` (README.md, test/unit/lock.test.ts, test/integration/upstream-*.test.ts) are updated to \`${n.tag}\``,
    '- [ ] `components.yaml`, `releases.yaml` and `known-deviations.yaml` fit the new tree',
  );
  if (input.runUrl) lines.push('', `Workflow run: ${input.runUrl}`);
  lines.push('', '_Opened by .github/workflows/upstream.yml (scripts/upstream-summary.ts)._', '');
  return truncate(lines.join('\n'));
}

function notReadyReason(input: UpstreamSummaryInput): string {
  if (input.buildOutcome === 'failure') return '`npm run build` failed.';
  if (input.verify === undefined) return '`npm run verify` wrote no report.';
  if (!input.verify.ok)
    return `\`npm run verify\` found ${input.verify.failures.length} failure(s).`;
  return '`npm run verify` failed.';
}

function verifySection(report: VerifyReport): string[] {
  const lines = [
    report.ok ? 'Result: **OK**.' : `Result: **FAILED**, ${report.failures.length} failure(s).`,
    '',
    '| component | kustomize objects | rendered | status |',
    '| --- | ---: | ---: | --- |',
  ];
  for (const c of report.components) {
    const problems = [
      [c.missing.length, 'missing'],
      [c.extra.length, 'extra'],
      [c.different.length, 'different'],
      [c.textDiffers.length, 'text differs'],
    ]
      .filter(([count]) => (count as number) > 0)
      .map(([count, what]) => `${count} ${what}`);
    lines.push(
      `| ${c.name} | ${c.expected} | ${c.actual} | ${problems.length === 0 ? 'equal' : problems.join(', ')} |`,
    );
  }
  const total = report.charts.reduce((sum, c) => sum + c.objects, 0);
  lines.push('', '| chart | objects |', '| --- | ---: |');
  for (const c of report.charts) lines.push(`| ${c.chart} | ${c.objects} |`);
  lines.push(`| **all** | ${total} |`);
  if (report.failures.length > 0) {
    lines.push('', 'Failures:', '');
    for (const f of report.failures.slice(0, MAX_FAILURES)) lines.push(`- ${oneLine(f)}`);
    if (report.failures.length > MAX_FAILURES) {
      lines.push(`- … and ${report.failures.length - MAX_FAILURES} more (dist/verify.json)`);
    }
  }
  return lines;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}

function truncate(body: string): string {
  if (body.length <= MAX_BODY_CHARS) return body;
  return `${body.slice(0, MAX_BODY_CHARS)}\n\n… (cut at ${MAX_BODY_CHARS} characters; the run's dist/verify.json has everything)\n`;
}
