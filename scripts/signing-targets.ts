/**
 * `node scripts/signing-targets.ts [--packages dist/packages]` prints one
 * `host/path/<chart>@sha256:...` per pushed chart, for `cosign sign`, from the pushed.json
 * that `kfcharts push` wrote. Fails unless there is exactly one digest per .tgz.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KfchartsError } from '../src/errors.ts';
import { PUSHED_FILE } from '../src/publish/push.ts';
import { signingRefs, targetsFromJson } from '../src/publish/signing.ts';
import { parseScriptArgs, runScript } from './script-main.ts';

const USAGE = 'usage: node scripts/signing-targets.ts [--packages dist/packages]';

runScript('signing-targets', () => {
  const { values } = parseScriptArgs(
    { packages: { type: 'string', default: 'dist/packages' } },
    USAGE,
  );
  const packagesDir = values.packages;
  const count = existsSync(packagesDir)
    ? readdirSync(packagesDir).filter((name) => name.endsWith('.tgz')).length
    : 0;
  const pushedJson = join(packagesDir, PUSHED_FILE);
  if (!existsSync(pushedJson)) {
    throw new KfchartsError(
      'usage',
      `${pushedJson} does not exist: run \`kfcharts push\` first\n\n${USAGE}`,
    );
  }
  for (const ref of signingRefs(targetsFromJson(readFileSync(pushedJson, 'utf8')), count))
    console.log(ref);
});
