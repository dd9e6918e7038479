/**
 * `node scripts/upstream-summary.ts --old <lock> --new <lock> [--verify dist/verify.json]
 *   [--build-outcome <outcome>] [--verify-outcome <outcome>] [--run-url <url>] [--out <file>]`
 * writes the Markdown body of the upstream-update pull request (see src/upstream/summary.ts)
 * to --out, or to stdout. A missing --verify file is reported in the body, not an error.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KfchartsError } from '../src/errors.ts';
import { readLock } from '../src/upstream/lock.ts';
import { upstreamSummary } from '../src/upstream/summary.ts';
import type { VerifyReport } from '../src/verify/verify.ts';
import { parseScriptArgs, runScript } from './script-main.ts';

const USAGE =
  'usage: node scripts/upstream-summary.ts --old <lock> --new <lock> [--verify <verify.json>] [--build-outcome X] [--verify-outcome X] [--run-url URL] [--out <file>]';

runScript('upstream-summary', () => {
  const { values } = parseScriptArgs(
    {
      old: { type: 'string' },
      new: { type: 'string' },
      verify: { type: 'string' },
      'build-outcome': { type: 'string' },
      'verify-outcome': { type: 'string' },
      'run-url': { type: 'string' },
      out: { type: 'string' },
    },
    USAGE,
  );
  if (!values.old || !values.new)
    throw new KfchartsError('usage', `--old and --new are needed\n\n${USAGE}`);
  let verify: VerifyReport | undefined;
  if (values.verify && existsSync(values.verify)) {
    try {
      verify = JSON.parse(readFileSync(values.verify, 'utf8')) as VerifyReport;
    } catch (cause) {
      throw new KfchartsError('verify-failed', `${values.verify} is not JSON: ${String(cause)}`, {
        cause,
      });
    }
  }
  const body = upstreamSummary({
    oldLock: readLock(resolve(values.old)),
    newLock: readLock(resolve(values.new)),
    verify,
    ...(values['build-outcome'] !== undefined && { buildOutcome: values['build-outcome'] }),
    ...(values['verify-outcome'] !== undefined && { verifyOutcome: values['verify-outcome'] }),
    ...(values['run-url'] !== undefined && { runUrl: values['run-url'] }),
  });
  if (values.out) writeFileSync(values.out, body);
  else process.stdout.write(body);
});
