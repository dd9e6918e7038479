/**
 * `node scripts/upstream-pr.ts --tag <tag> --previous <tag> --build-exit <n> [--build-report <file>]
 *   [--build-stderr <file>] [--diff-exit <n>] [--change-report <file>] [--diff-stderr <file>]
 *   [--run-url <url>] [--root <dir>] --out <file>`
 *
 * The last decision of .github/workflows/upstream.yml (see src/upstream/pull-request.ts):
 * writes the pull request body to --out and, when the change report is ready, commits it
 * to docs/upgrades/<previous>-to-<tag>.md under --root. Prints for $GITHUB_OUTPUT:
 *   outcome=ready|drift|failed   draft=true|false   title=...
 *   add-paths=<the release data paths that exist, comma-separated, for create-pull-request>
 * A missing report or stderr file is a fact to report, not an error; an empty --diff-exit
 * means the diff did not run.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { KfchartsError } from '../src/errors.ts';
import { UPSTREAM_REPOSITORY } from '../src/upstream/fetch.ts';
import { planPullRequest } from '../src/upstream/pull-request.ts';
import { parseTag } from '../src/upstream/tags.ts';
import { parseScriptArgs, runScript } from './script-main.ts';

const USAGE =
  'usage: node scripts/upstream-pr.ts --tag <tag> --previous <tag> --build-exit <n> [--build-report F] [--build-stderr F] [--diff-exit <n>] [--change-report F] [--diff-stderr F] [--run-url URL] [--root DIR] --out <file>';

/** What the pull request commits, when it exists: the lock writes the first two. */
const RELEASE_DATA = ['upstream'];

runScript('upstream-pr', () => {
  const { values } = parseScriptArgs(
    {
      tag: { type: 'string' },
      previous: { type: 'string' },
      'build-exit': { type: 'string' },
      'build-report': { type: 'string' },
      'build-stderr': { type: 'string' },
      'diff-exit': { type: 'string' },
      'change-report': { type: 'string' },
      'diff-stderr': { type: 'string' },
      'run-url': { type: 'string' },
      root: { type: 'string' },
      out: { type: 'string' },
    },
    USAGE,
  );
  const { tag, previous, out } = values;
  if (!tag || !previous || !out || values['build-exit'] === undefined)
    throw new KfchartsError(
      'usage',
      `--tag, --previous, --build-exit and --out are needed\n\n${USAGE}`,
    );
  // Both name a file under docs/upgrades/.
  for (const [option, value] of [
    ['--tag', tag],
    ['--previous', previous],
  ]) {
    if (parseTag(value as string) === undefined)
      throw new KfchartsError('usage', `${option} '${value}' is not a release tag\n\n${USAGE}`);
  }
  const root = resolve(values.root ?? '.');
  const paths = RELEASE_DATA.filter((path) => existsSync(join(root, path)));
  if (paths.length === 0) {
    // create-pull-request would add every changed file instead: refuse.
    throw new KfchartsError(
      'lock-invalid',
      `the lock wrote no release data: neither ${RELEASE_DATA.join(' nor ')} is in ${root}`,
    );
  }
  const upgradeDoc = `docs/upgrades/${previous}-to-${tag}.md`;
  const plan = planPullRequest({
    repository: UPSTREAM_REPOSITORY,
    tag,
    previousTag: previous,
    build: {
      exitCode: exitCode('--build-exit', values['build-exit']),
      report: readIfThere(values['build-report']),
      stderr: readIfThere(values['build-stderr']),
    },
    diff: {
      exitCode: exitCode('--diff-exit', values['diff-exit']),
      report: readIfThere(values['change-report']),
      stderr: readIfThere(values['diff-stderr']),
    },
    upgradeDoc,
    runUrl: values['run-url'],
  });
  writeFileSync(out, plan.body);
  if (plan.outcome === 'ready') {
    // The whole change report: the PR body may be a cut version of it.
    const doc = join(root, upgradeDoc);
    mkdirSync(dirname(doc), { recursive: true });
    writeFileSync(doc, readIfThere(values['change-report']) as string);
    paths.push(upgradeDoc);
  }
  console.log(`outcome=${plan.outcome}`);
  console.log(`draft=${plan.draft}`);
  console.log(`title=${plan.title}`);
  console.log(`add-paths=${paths.join(',')}`);
});

function exitCode(option: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value))
    throw new KfchartsError('usage', `${option} '${value}' is not an exit code\n\n${USAGE}`);
  return Number(value);
}

function readIfThere(file: string | undefined): string | undefined {
  return file !== undefined && existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}
