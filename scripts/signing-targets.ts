/**
 * `node scripts/signing-targets.ts --log <push output> [--packages dist/packages]` prints
 * one `host/path/<chart>@sha256:...` per pushed chart, for `cosign sign`. Reads
 * <packages>/pushed.json when `kfcharts push` wrote one, else the push output (--log).
 * Fails unless there is exactly one digest per .tgz in --packages.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KfchartsError } from '../src/errors.ts';
import {
  type SigningTarget,
  signingRefs,
  targetsFromJson,
  targetsFromLog,
} from '../src/publish/signing.ts';
import { parseScriptArgs, runScript } from './script-main.ts';

const USAGE =
  'usage: node scripts/signing-targets.ts --log <push output> [--packages dist/packages]';

runScript('signing-targets', () => {
  const { values } = parseScriptArgs(
    { log: { type: 'string' }, packages: { type: 'string', default: 'dist/packages' } },
    USAGE,
  );
  const packagesDir = values.packages;
  const count = existsSync(packagesDir)
    ? readdirSync(packagesDir).filter((name) => name.endsWith('.tgz')).length
    : 0;
  const pushedJson = join(packagesDir, 'pushed.json');
  let targets: SigningTarget[];
  if (existsSync(pushedJson)) {
    targets = targetsFromJson(readFileSync(pushedJson, 'utf8'));
  } else if (values.log) {
    targets = targetsFromLog(readFileSync(values.log, 'utf8'));
  } else {
    throw new KfchartsError(
      'usage',
      `${pushedJson} does not exist and no --log was given\n\n${USAGE}`,
    );
  }
  for (const ref of signingRefs(targets, count)) console.log(ref);
});
