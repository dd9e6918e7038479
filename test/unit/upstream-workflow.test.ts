import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { newestPinnedTag, readPinnedTags } from '../../scripts/pinned-tags.ts';
import { projectRoot } from '../../src/paths.ts';
import { renderLock } from '../../src/upstream/lock.ts';
import { tempDir } from '../integration/helpers.ts';
import { thrown } from './helpers.ts';

/**
 * .github/workflows/upstream.yml's decisions, offline: its scripts run as the workflow runs
 * them, against a fake repository (release data files, a lock), a fake `git ls-remote`
 * listing and fake report files; its Build and change-report steps run under bash with a
 * fake `node`. What only GitHub can run (ls-remote over the network, the fetch, the real
 * lock and build, create-pull-request) is not run here.
 */

const workflowFile = join(projectRoot, '.github/workflows/upstream.yml');

interface Step {
  name?: string;
  id?: string;
  if?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
const workflow = parse(readFileSync(workflowFile, 'utf8')) as {
  jobs: { update: { env: Record<string, string>; steps: Step[] } };
};
const steps = workflow.jobs.update.steps;
function step(id: string): Step {
  return steps.find((s) => s.id === id) ?? expect.fail(`upstream.yml has no step with id ${id}`);
}

function script(name: string, args: string[], input?: string) {
  const result = spawnSync(process.execPath, [join(projectRoot, 'scripts', name), ...args], {
    encoding: 'utf8',
    ...(input !== undefined && { input }),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `key=value` lines, as GitHub reads $GITHUB_OUTPUT. */
function outputs(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** `${{ inner }}`, a GitHub Actions expression. */
const expr = (inner: string): string => `\${{ ${inner} }}`;

const sha = (n: number) => String(n).repeat(40).slice(0, 40);
function lsRemote(tags: string[]): string {
  return tags.map((tag, i) => `${sha((i % 9) + 1)}\trefs/tags/${tag}\n`).join('');
}

/** A repository with release data for `tags`. */
function fakeRepo(tags: string[]): string {
  const root = tempDir('upstream-workflow');
  mkdirSync(join(root, 'upstream'));
  for (const tag of tags) pin(root, tag);
  return root;
}
/** What `kfcharts lock --tag <tag>` leaves: a release data file (src/upstream/lock.ts). */
function pin(root: string, tag: string): void {
  writeFileSync(
    join(root, 'upstream', `${tag}.yaml`),
    renderLock({
      upstream: {
        repository: 'kubeflow/community-distribution',
        tag,
        url: `https://github.com/kubeflow/community-distribution/archive/refs/tags/${tag}.tar.gz`,
        mirror: `kubeflow-manifests/${tag}.tar.gz`,
        mirrorSha256: 'a'.repeat(64),
        treeSha256: 'b'.repeat(64),
      },
      remoteCache: { mirror: 'remote-cache.tar.gz', refs: [] },
      expect: {},
    }),
  );
}

describe('pinned tags (scripts/pinned-tags.ts)', () => {
  it('reads upstream/*.yaml, oldest first; the newest, or the newest before a tag', () => {
    const root = fakeRepo(['v1.11.0', '26.03']);
    writeFileSync(join(root, 'upstream', 'README.md'), 'not release data');
    expect(readPinnedTags(root)).toEqual([
      { tag: 'v1.11.0', file: 'upstream/v1.11.0.yaml' },
      { tag: '26.03', file: 'upstream/26.03.yaml' },
    ]);
    const pins = readPinnedTags(root);
    expect(newestPinnedTag(pins)).toBe('26.03');
    expect(newestPinnedTag(pins, '26.03')).toBe('v1.11.0');
    expect(newestPinnedTag(pins, '26.07')).toBe('26.03');
    expect(newestPinnedTag(pins, 'v1.10.0')).toBe(undefined);
    expect(readPinnedTags(tempDir('upstream-empty'))).toEqual([]);
  });

  it('names the file whose tag is not its name, not a string, or of no scheme', () => {
    const root = fakeRepo(['26.03']);
    renameSync(join(root, 'upstream', '26.03.yaml'), join(root, 'upstream', '26.10.yaml'));
    expect(thrown(() => readPinnedTags(root)).message).toBe(
      "upstream/26.10.yaml pins upstream.tag '26.03': the file must be named 26.03.yaml",
    );
    const text = readFileSync(join(root, 'upstream', '26.10.yaml'), 'utf8');
    writeFileSync(join(root, 'upstream', '26.10.yaml'), text.replace('tag: "26.03"', 'tag: 26.10'));
    expect(thrown(() => readPinnedTags(root)).message).toContain(
      'upstream/26.10.yaml does not match schemas/upstream-lock.schema.json',
    );
    rmSync(join(root, 'upstream', '26.10.yaml'));
    pin(root, 'main');
    const error = thrown(() => readPinnedTags(root));
    expect(error.code).toBe('tag-invalid');
    expect(error.message).toContain("upstream/main.yaml: upstream.tag 'main'");
  });
});

describe('finding the tag (scripts/newest-upstream-tag.ts)', () => {
  const LISTING = lsRemote(['26.03', '26.03-rc.1', 'v1.11.0', 'v1.11.0-rc.0', '26.07-rc1']);

  it('does nothing while the newest release is pinned, release candidates ignored', () => {
    const root = fakeRepo(['v1.11.0', '26.03']);
    const result = script('newest-upstream-tag.ts', ['--root', root], LISTING);
    expect(result.stderr).toBe('');
    expect(outputs(result.stdout)).toEqual({ newest: '26.03', current: '26.03', newer: 'false' });
  });

  it('finds a new calendar release, and a new semver one while only v1.x is pinned', () => {
    const root = fakeRepo(['v1.11.0', '26.03']);
    const listing = LISTING + lsRemote(['26.07', '26.07^{}', '26.10-rc.0']);
    expect(outputs(script('newest-upstream-tag.ts', ['--root', root], listing).stdout)).toEqual({
      newest: '26.07',
      current: '26.03',
      newer: 'true',
    });
    const old = fakeRepo(['v1.10.0']);
    const semver = lsRemote(['v1.10.0', 'v1.11.0', 'v1.11.1-rc.0']);
    expect(outputs(script('newest-upstream-tag.ts', ['--root', old], semver).stdout)).toEqual({
      newest: 'v1.11.0',
      current: 'v1.10.0',
      newer: 'true',
    });
  });

  it('fails, naming why, on a listing without release tags or a repository without pins', () => {
    const none = script('newest-upstream-tag.ts', ['--root', fakeRepo(['26.03'])], 'oops\n');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no release tag among 0 tag(s) read');
    expect(none.stderr).not.toMatch(/\n\s+at /);

    const empty = script('newest-upstream-tag.ts', ['--root', tempDir('no-pins')], LISTING);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('no tag is pinned in');
  });
});

describe('the release it upgrades from (scripts/pinned-upstream-tag.ts)', () => {
  it('is the newest tag pinned before the new one, once the lock has pinned it', () => {
    const root = fakeRepo(['v1.11.0', '26.03']);
    pin(root, '26.07');
    const result = script('pinned-upstream-tag.ts', ['--root', root, '--before', '26.07']);
    expect(result).toEqual({ code: 0, stdout: '26.03\n', stderr: '' });
    expect(script('pinned-upstream-tag.ts', ['--root', root]).stdout).toBe('26.07\n');
  });

  it('fails, listing the pins, when nothing older is pinned', () => {
    const result = script('pinned-upstream-tag.ts', [
      '--root',
      fakeRepo(['26.07']),
      '--before',
      '26.07',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no tag older than 26.07 is pinned');
    expect(result.stderr).toContain('pinned: 26.07 (upstream/26.07.yaml)');
  });
});

describe('the pull request (scripts/upstream-pr.ts)', () => {
  const CHANGE = '# Changes 26.03 → 26.07\n\n- katib-ui v0.18.0 → v0.19.0\n';
  const DRIFT = '# Drift in 26.07\n\n- rule katib-db-secret: expected 1, found 0\n';

  /** Runs the script as the workflow's "Decide the pull request" step does. */
  function decide(
    root: string,
    files: Record<string, string>,
    exits: { build: string; diff: string },
  ) {
    const temp = tempDir('runner-temp');
    for (const [name, text] of Object.entries(files)) writeFileSync(join(temp, name), text);
    const result = script('upstream-pr.ts', [
      ...['--tag', '26.07', '--previous', '26.03', '--root', root],
      ...['--build-exit', exits.build, '--build-report', join(temp, 'build-report.md')],
      ...['--build-stderr', join(temp, 'build-stderr.txt')],
      ...['--diff-exit', exits.diff, '--change-report', join(temp, 'change-report.md')],
      ...['--diff-stderr', join(temp, 'diff-stderr.txt')],
      ...['--run-url', 'https://github.com/o/r/actions/runs/9', '--out', join(temp, 'pr-body.md')],
    ]);
    const body = existsSync(join(temp, 'pr-body.md'))
      ? readFileSync(join(temp, 'pr-body.md'), 'utf8')
      : undefined;
    return { ...result, out: outputs(result.stdout), body };
  }

  function pinnedRepo(): string {
    const root = fakeRepo(['26.03']);
    pin(root, '26.07');
    return root;
  }

  it('on success: a ready PR with the change report, also committed under docs/upgrades', () => {
    const root = pinnedRepo();
    const run = decide(
      root,
      { 'build-report.md': '# no drift\n', 'change-report.md': CHANGE },
      { build: '0', diff: '0' },
    );
    expect(run.stderr).toBe('');
    expect(run.out).toEqual({
      outcome: 'ready',
      draft: 'false',
      title: 'Upstream: kubeflow/community-distribution 26.03 → 26.07',
      'add-paths': 'upstream,docs/upgrades/26.03-to-26.07.md',
    });
    expect(run.body?.startsWith(CHANGE)).toBe(true);
    expect(readFileSync(join(root, 'docs/upgrades/26.03-to-26.07.md'), 'utf8')).toBe(CHANGE);
  });

  it('on drift: a draft with the drift report, no upgrade notes', () => {
    const root = pinnedRepo();
    const run = decide(root, { 'build-report.md': DRIFT }, { build: '1', diff: '' });
    expect(run.out).toMatchObject({
      outcome: 'drift',
      draft: 'true',
      'add-paths': 'upstream',
    });
    expect(run.body).toContain(DRIFT.trimEnd());
    expect(run.body).not.toContain('katib-ui');
    expect(existsSync(join(root, 'docs'))).toBe(false);
  });

  it('on another failure: a draft with the stderr tail; without the lock file, only upstream/', () => {
    const root = fakeRepo(['26.03', '26.07']);
    const run = decide(
      root,
      { 'build-stderr.txt': 'kfcharts: error [upstream-missing]: 26.07 is not in the mirror\n' },
      { build: '1', diff: '' },
    );
    expect(run.out).toMatchObject({ outcome: 'failed', draft: 'true', 'add-paths': 'upstream' });
    expect(run.body).toContain('`kfcharts build --tag 26.07` failed (exit 1)');
    expect(run.body).toContain('26.07 is not in the mirror');
  });

  it('cuts a body too long for GitHub, keeping the whole report in docs/upgrades', () => {
    const root = pinnedRepo();
    const long = `# Changes\n\n${'- an image moved to a new registry\n'.repeat(4000)}`;
    const run = decide(root, { 'change-report.md': long }, { build: '0', diff: '0' });
    expect(run.body?.length).toBeLessThanOrEqual(65_536);
    expect(run.body).toContain('> **Cut here:**');
    expect(readFileSync(join(root, 'docs/upgrades/26.03-to-26.07.md'), 'utf8')).toBe(long);
  });

  it('refuses when the lock wrote no release data, and a bad exit code', () => {
    const run = decide(tempDir('no-data'), { 'build-report.md': DRIFT }, { build: '1', diff: '' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the lock wrote no release data');
    const bad = decide(pinnedRepo(), {}, { build: 'x', diff: '' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--build-exit 'x' is not an exit code");
    const path = script('upstream-pr.ts', [
      ...['--tag', '../../etc', '--previous', '26.03', '--build-exit', '0', '--out', '/dev/null'],
    ]);
    expect(path.code).toBe(2);
    expect(path.stderr).toContain("--tag '../../etc' is not a release tag");
  });
});

describe('upstream.yml', () => {
  it('asks kubeflow/community-distribution, fetches from it and pins with the CLI', () => {
    expect(workflow.jobs.update.env.UPSTREAM).toBe('kubeflow/community-distribution');
    expect(step('tags').run).toContain('git ls-remote --tags "https://github.com/$UPSTREAM"');
    const fetch = steps.find((s) => s.run?.includes('scripts/fetch-upstream.ts'));
    // The new tag and the pinned release before it, which the change report builds too.
    expect(fetch?.run).toContain('previous=$(node scripts/pinned-upstream-tag.ts --before "$TAG")');
    expect(fetch?.run).toContain('for tag in "$previous" "$TAG"; do');
    expect(fetch?.run).toContain('--repository "$UPSTREAM" --tag "$tag"');
    expect(steps.some((s) => s.run?.trim() === 'node src/cli/main.ts lock --tag "$TAG"')).toBe(
      true,
    );
  });

  it('does the work only for a newer tag whose branch does not exist', () => {
    const guard = "steps.tags.outputs.newer == 'true' && steps.branch.outputs.open == 'false'";
    const after = steps.slice(steps.findIndex((s) => s.id === 'branch') + 1);
    for (const s of after) {
      expect(
        [guard, "steps.build.outputs.exit == '0'", "steps.pr.outcome == 'success'"].some((g) =>
          s.if?.includes(g),
        ) || s.if === "steps.pr.outputs.outcome == 'failed'",
        `${s.name ?? s.uses} is guarded`,
      ).toBe(true);
    }
    expect(step('branch').run).toContain(
      'git ls-remote --exit-code --heads origin "upstream/$TAG"',
    );
  });

  it('opens the PR as upstream-pr.ts decided', () => {
    const open = steps.find((s) => s.uses?.startsWith('peter-evans/create-pull-request@'));
    expect(open?.with).toMatchObject({
      branch: `upstream/${expr('steps.tags.outputs.newest')}`,
      'add-paths': expr('steps.pr.outputs.add-paths'),
      title: expr('steps.pr.outputs.title'),
      'body-path': `${expr('runner.temp')}/pr-body.md`,
      draft: expr("steps.pr.outputs.draft == 'true'"),
    });
    expect(step('pr').run).toContain('--out "$RUNNER_TEMP/pr-body.md" | tee -a "$GITHUB_OUTPUT"');
    expect(step('diff').run).toContain(
      'node src/cli/main.ts diff "$PREVIOUS_TAG" "$TAG" --record --out "$RUNNER_TEMP/change-report.md"',
    );
  });

  /**
   * Runs a step's script as GitHub does (`bash --noprofile --norc -eo pipefail`), its
   * `node` a fake that writes the --report/--out file when FAKE_REPORT is set, says
   * FAKE_STDERR on stderr and exits FAKE_EXIT.
   */
  function runStep(id: string, fake: { exit: number; report: boolean; stderr: string }) {
    const temp = tempDir('step');
    const bin = join(temp, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'node'),
      [
        '#!/usr/bin/env bash',
        'while [ $# -gt 0 ]; do',
        '  case "$1" in --report|--out) out=$2; shift ;; esac',
        '  shift',
        'done',
        'if [ -n "$FAKE_REPORT" ] && [ -n "$out" ]; then echo "# fake report" > "$out"; fi',
        'echo "$FAKE_STDERR" >&2',
        'exit "$FAKE_EXIT"',
        '',
      ].join('\n'),
    );
    chmodSync(join(bin, 'node'), 0o755);
    const output = join(temp, 'github-output');
    writeFileSync(output, '');
    const result = spawnSync(
      'bash',
      ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step(id).run ?? ''],
      {
        encoding: 'utf8',
        env: {
          PATH: `${bin}:${process.env.PATH}`,
          RUNNER_TEMP: temp,
          GITHUB_OUTPUT: output,
          TAG: '26.07',
          PREVIOUS_TAG: '26.03',
          FAKE_EXIT: String(fake.exit),
          FAKE_REPORT: fake.report ? '1' : '',
          FAKE_STDERR: fake.stderr,
        },
      },
    );
    return {
      code: result.status,
      stderr: result.stderr,
      output: readFileSync(output, 'utf8'),
      temp,
    };
  }

  it.each([
    ['build', 0, 'build-report.md', 'build-stderr.txt'],
    ['build', 1, 'build-report.md', 'build-stderr.txt'],
    ['build', 70, 'build-report.md', 'build-stderr.txt'],
    ['diff', 0, 'change-report.md', 'diff-stderr.txt'],
    ['diff', 2, 'change-report.md', 'diff-stderr.txt'],
  ])(
    'step %s passes on exit %i and records it, the stderr kept and shown',
    (id, exit, report, stderrFile) => {
      const run = runStep(id, { exit, report: exit < 2, stderr: `said ${exit}` });
      expect(run.code).toBe(0);
      expect(run.output).toBe(`exit=${exit}\n`);
      expect(existsSync(join(run.temp, report))).toBe(exit < 2);
      expect(readFileSync(join(run.temp, stderrFile), 'utf8')).toBe(`said ${exit}\n`);
      expect(run.stderr).toBe(`said ${exit}\n`);
    },
  );
});
