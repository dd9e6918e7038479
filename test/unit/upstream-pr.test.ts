import { describe, expect, it } from 'vitest';
import {
  MAX_BODY_CHARS,
  type PullRequestInput,
  planPullRequest,
  STDERR_TAIL_LINES,
  stderrTail,
} from '../../src/upstream/pull-request.ts';

const CHANGE_REPORT = '# 26.03 → 26.07\n\n## Images\n\n- katib-ui v0.18.0 → v0.19.0\n';
const DRIFT_REPORT =
  '# Build of 26.07: drift\n\n- rule `katib-db-secret`: expected 1 match, found 0\n';

function input(overrides: Partial<PullRequestInput> = {}): PullRequestInput {
  return {
    repository: 'kubeflow/community-distribution',
    tag: '26.07',
    previousTag: '26.03',
    build: { exitCode: 0, report: '# Build of 26.07: no drift\n' },
    diff: { exitCode: 0, report: CHANGE_REPORT },
    upgradeDoc: 'docs/upgrades/26.03-to-26.07.md',
    runUrl: 'https://github.com/o/r/actions/runs/7',
    ...overrides,
  };
}

describe('planPullRequest', () => {
  it('opens a ready PR whose body is the change report when build and diff pass', () => {
    const plan = planPullRequest(input());
    expect(plan.outcome).toBe('ready');
    expect(plan.draft).toBe(false);
    expect(plan.title).toBe('Upstream: kubeflow/community-distribution 26.03 → 26.07');
    expect(plan.body.startsWith(CHANGE_REPORT)).toBe(true);
    expect(plan.body).not.toContain('no drift');
    expect(plan.body).toContain('Workflow run: https://github.com/o/r/actions/runs/7');
  });

  it('opens a draft whose body is the drift report when the build exits 1', () => {
    const plan = planPullRequest(
      input({ build: { exitCode: 1, report: DRIFT_REPORT }, diff: { exitCode: undefined } }),
    );
    expect(plan.outcome).toBe('drift');
    expect(plan.draft).toBe(true);
    expect(plan.title).toBe('Upstream: kubeflow/community-distribution 26.03 → 26.07 (drift)');
    expect(plan.body).toMatch(/^\*\*Draft: the build of `26.07` found drift\.\*\*/);
    expect(plan.body).toContain(DRIFT_REPORT.trimEnd());
    expect(plan.body).not.toContain('## Images');
  });

  it('carries the stderr tail when the build fails otherwise or writes no report', () => {
    for (const build of [
      { exitCode: 70, stderr: 'building…\nkfcharts: internal error: boom\n' },
      { exitCode: 1, stderr: 'building…\nkfcharts: error [rule-mismatch]: no report\n' },
    ]) {
      const plan = planPullRequest(input({ build, diff: { exitCode: undefined } }));
      expect(plan.outcome).toBe('failed');
      expect(plan.draft).toBe(true);
      expect(plan.title).toContain('(build failed)');
      expect(plan.body).toContain(
        `**Draft: \`kfcharts build --tag 26.07\` failed (exit ${build.exitCode}).**`,
      );
      expect(plan.body).toContain(`\`\`\`text\n${build.stderr.trimEnd()}\n\`\`\``);
    }
  });

  it('is a draft naming the diff when the build passes but the change report fails', () => {
    const failed = planPullRequest(input({ diff: { exitCode: 2, stderr: 'diff: usage' } }));
    expect(failed.outcome).toBe('failed');
    expect(failed.body).toContain('`kfcharts diff 26.03 26.07` failed (exit 2).');
    expect(failed.body).toContain('the charts build; only the change report is missing');
    expect(failed.body).toContain('diff: usage');

    const silent = planPullRequest(input({ diff: { exitCode: 0 } }));
    expect(silent.outcome).toBe('failed');
    expect(silent.body).toContain('exited 0 but wrote no report');
    expect(silent.body).toContain('(no stderr was captured)');
  });

  it('fences stderr so that backticks in it cannot end the block', () => {
    const plan = planPullRequest(
      input({ build: { exitCode: 3, stderr: 'a ```` b' }, diff: { exitCode: undefined } }),
    );
    expect(plan.body).toContain('`````text\na ```` b\n`````');
  });

  it('cuts a long body under the limit, at a line end, with a note where the whole is', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `- change ${i}: ${'x'.repeat(40)}`);
    const long = `# 26.03 → 26.07\n\n${lines.join('\n')}\n`;
    const ready = planPullRequest(input({ diff: { exitCode: 0, report: long } }));
    expect(long.length).toBeGreaterThan(MAX_BODY_CHARS);
    expect(ready.body.length).toBeLessThanOrEqual(MAX_BODY_CHARS);
    expect(ready.body.length).toBeGreaterThan(MAX_BODY_CHARS - 500);
    expect(ready.body).toMatch(/x{40}\n\n> \*\*Cut here:\*\* the report has [\d,]+ characters/);
    expect(ready.body).toContain('`docs/upgrades/26.03-to-26.07.md` on this branch');
    expect(ready.body).toContain('Workflow run: https://github.com/o/r/actions/runs/7');

    const drift = planPullRequest(
      input({ build: { exitCode: 1, report: long }, diff: { exitCode: undefined } }),
    );
    expect(drift.body.length).toBeLessThanOrEqual(MAX_BODY_CHARS);
    expect(drift.body).toContain("the workflow run's `upstream-reports` artifact");
    expect(drift.body).toMatch(/^\*\*Draft: the build/);
  });

  it('closes a code block the cut leaves open, and stays under a small limit too', () => {
    const report = `# drift\n\n\`\`\`diff\n${'- a: 1\n+ a: 2\n'.repeat(3000)}\`\`\`\n`;
    const plan = planPullRequest(
      input({ build: { exitCode: 1, report }, diff: { exitCode: undefined }, maxChars: 2000 }),
    );
    expect(plan.body.length).toBeLessThanOrEqual(2000);
    const fences = plan.body.split('\n').filter((line) => line.startsWith('```'));
    expect(fences).toEqual(['```diff', '```']);
    expect(plan.body).toMatch(/\n```\n\n> \*\*Cut here:\*\*/);
  });
});

describe('stderrTail', () => {
  it(`keeps the last ${STDERR_TAIL_LINES} lines and says how many came before`, () => {
    const stderr = Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\n');
    const tail = stderrTail(stderr).split('\n');
    expect(tail[0]).toBe('… (120 earlier lines in the run log)');
    expect(tail.at(-1)).toBe('line 199');
    expect(tail).toHaveLength(STDERR_TAIL_LINES + 1);
    expect(stderrTail(`${'y'.repeat(2000)}\n`)).toBe(`${'y'.repeat(500)}…`);
  });
});
