/**
 * What .github/workflows/upstream.yml opens for a new upstream tag, decided from what its
 * steps left behind (scripts/upstream-pr.ts reads the files):
 *
 *   build exit 0, diff exit 0, change report   ready: the change report is the body
 *   build exit 1 with its report                drift: a draft, the drift report is the body
 *   anything else                               failed: a draft, with the failing command's
 *                                               report (if any) and the tail of its stderr
 *
 * GitHub refuses a PR body over 65,536 characters, so a long report is cut, with a note
 * saying where the whole one is.
 */

export type Outcome = 'ready' | 'drift' | 'failed';

/** A command the workflow ran: its exit code (undefined: it did not run) and its files. */
export interface StepResult {
  readonly exitCode: number | undefined;
  /** The Markdown report it wrote, if it wrote one. */
  readonly report?: string | undefined;
  readonly stderr?: string | undefined;
}

export interface PullRequestInput {
  readonly repository: string;
  readonly tag: string;
  readonly previousTag: string;
  /** `kfcharts build --tag <tag> --report <file>` */
  readonly build: StepResult;
  /** `kfcharts diff <previous> <tag> --out <file>`; exitCode undefined when it was not run. */
  readonly diff: StepResult;
  /** Where the change report is committed, e.g. docs/upgrades/26.03-to-26.07.md. */
  readonly upgradeDoc: string;
  readonly runUrl?: string | undefined;
  /** Body limit; default MAX_BODY_CHARS. */
  readonly maxChars?: number;
}

export interface PullRequestPlan {
  readonly outcome: Outcome;
  readonly draft: boolean;
  readonly title: string;
  readonly body: string;
}

/**
 * GitHub's limit is 65,536; JavaScript counts UTF-16 units (an emoji is 2, GitHub counts
 * it once), so this stays safely below while keeping nearly all of a long report.
 */
export const MAX_BODY_CHARS = 65_000;
/** Lines of a failing command's stderr kept in the body: its error is at the end. */
export const STDERR_TAIL_LINES = 80;

export function planPullRequest(input: PullRequestInput): PullRequestPlan {
  const { build, diff, tag, previousTag } = input;
  const outcome: Outcome =
    build.exitCode === 0 && diff.exitCode === 0 && diff.report !== undefined
      ? 'ready'
      : build.exitCode === 1 && build.report !== undefined
        ? 'drift'
        : 'failed';
  const base = `Upstream: ${input.repository} ${previousTag} → ${tag}`;
  const footer = [
    '',
    '---',
    '',
    ...(input.runUrl ? [`Workflow run: ${input.runUrl}`, ''] : []),
    '_Opened by .github/workflows/upstream.yml (scripts/upstream-pr.ts)._',
    '',
  ].join('\n');
  const fullReportAt =
    outcome === 'ready'
      ? `\`${input.upgradeDoc}\` on this branch`
      : "the workflow run's `upstream-reports` artifact";

  let header: string;
  let main: string;
  if (outcome === 'ready') {
    header = '';
    main = diff.report as string;
  } else if (outcome === 'drift') {
    header = [
      `**Draft: the build of \`${tag}\` found drift.** The release data is pinned, but the`,
      'charts do not match it yet: fix the rules or expectations on this branch, then mark',
      'the PR ready.',
      '',
      '',
    ].join('\n');
    main = build.report as string;
  } else {
    const buildFailed = build.exitCode !== 0;
    const [what, step] = buildFailed
      ? [`kfcharts build --tag ${tag}`, build]
      : [`kfcharts diff ${previousTag} ${tag}`, diff];
    header = [
      `**Draft: \`${what}\` ${failure(step)}.** The release data is pinned, but ${
        buildFailed
          ? 'nothing says yet whether the charts build from it'
          : 'the charts build; only the change report is missing'
      }. See the error below and the run log.`,
      '',
      '',
    ].join('\n');
    const parts: string[] = [];
    if (step.report !== undefined) parts.push(step.report.trimEnd(), '');
    parts.push(`Last lines of its stderr:`, '', fenced(stderrTail(step.stderr)), '');
    main = parts.join('\n');
  }
  const body = fitBody(header, main, footer, input.maxChars ?? MAX_BODY_CHARS, fullReportAt);
  const title =
    outcome === 'ready' ? base : `${base} (${outcome === 'drift' ? 'drift' : 'build failed'})`;
  return { outcome, draft: outcome !== 'ready', title, body };
}

function failure(step: StepResult): string {
  if (step.exitCode === undefined) return 'did not run';
  if (step.exitCode !== 0) return `failed (exit ${step.exitCode})`;
  return 'exited 0 but wrote no report';
}

/** The last STDERR_TAIL_LINES lines, each cut at 500 characters. */
export function stderrTail(stderr: string | undefined): string {
  if (stderr === undefined || stderr.trim() === '') return '(no stderr was captured)';
  const lines = stderr.trimEnd().split('\n');
  const tail = lines
    .slice(-STDERR_TAIL_LINES)
    .map((l) => (l.length > 500 ? `${l.slice(0, 500)}…` : l));
  if (lines.length > STDERR_TAIL_LINES)
    tail.unshift(`… (${lines.length - STDERR_TAIL_LINES} earlier lines in the run log)`);
  return tail.join('\n');
}

/** A code block whose fence is longer than any backtick run inside, so it cannot be closed early. */
function fenced(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text}\n${fence}`;
}

/**
 * header + main + footer, cutting main (at a line end, closing a code block it leaves
 * open) when the whole would exceed `max`.
 */
function fitBody(
  header: string,
  main: string,
  footer: string,
  max: number,
  fullReportAt: string,
): string {
  const whole = `${header}${main.trimEnd()}\n${footer}`;
  if (whole.length <= max) return whole;
  const note = `\n\n> **Cut here:** the report has ${main.length.toLocaleString('en')} characters, more than a pull request body may hold. The whole report is in ${fullReportAt}.\n`;
  let budget = max - header.length - footer.length - note.length;
  for (;;) {
    let kept = main.slice(0, Math.max(0, budget));
    const lineEnd = kept.lastIndexOf('\n');
    if (lineEnd > 0) kept = kept.slice(0, lineEnd);
    const fence = openFence(kept);
    if (fence !== undefined) kept += `\n${fence}`;
    const body = `${header}${kept}${note}${footer}`;
    // The closing fence may push it over: cut that much more and try again.
    if (body.length <= max || budget <= 0) return body;
    budget -= body.length - max;
  }
}

/** The fence of a code block left open at the end of `markdown`, if one is. */
function openFence(markdown: string): string | undefined {
  let open: string | undefined;
  for (const line of markdown.split('\n')) {
    const match = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (!match?.[1]) continue;
    const marker = match[1];
    if (open === undefined) open = marker;
    else if (marker[0] === open[0] && marker.length >= open.length && line.trim() === marker)
      open = undefined;
  }
  return open;
}
