#!/usr/bin/env node
/**
 * The kfcharts CLI: thin commands over the library, and the one place that turns
 * errors into messages and exit codes.
 */
import { fromFsError, isKfchartsError, KfchartsError } from '../errors.ts';
import { buildCommand } from './build.ts';
import { cacheCommand } from './cache.ts';
import { diffCommand } from './diff.ts';
import { COMMAND_HELP, formatCommandHelp, wantsHelp } from './help.ts';
import { imagesCommand } from './images.ts';
import { lockCommand } from './lock.ts';
import { packageCommand } from './package.ts';
import { pushCommand } from './push.ts';
import { verifyCommand } from './verify.ts';

const USAGE = `usage: kfcharts <command> [options]

commands:
  build    build dist/charts (and BUILD-REPORT.md) from a pinned upstream release (--tag)
  verify   render dist/charts with helm and compare with kustomize build, object by object
  lock     pin a tag of the mirror in upstream/<tag>.yaml (--tag)
  diff     change report between two upstream releases: kfcharts diff <from> <to> [--out FILE]
  package  package every chart in dist/charts into dist/packages/<name>-<version>.tgz,
           byte for byte reproducible
  push     push every package in dist/packages to an OCI registry:
           kfcharts push oci://<host>[/path] [--plain-http]
  images   print every container image of the charts, one per line (for mirroring);
           --registry R prints 'source mirror' pairs for global.imageRegistry R
  cache    cache prune [--max-size <MiB>]: remove least-recently-used cache entries

source options (build, verify, images):
  --tag <tag>                  a pinned release, upstream/<tag>.yaml (default: the newest)
  --manifests <dir|tar.gz>     build another upstream tree (checked against the nearest pin)
  --remote-cache <dir|tar.gz>  remote kustomize references (default: the mirror's cache)
  --lock <file>                release data instead of upstream/<tag>.yaml (also for --manifests)
  --components <file>          component names by upstream path (default components.yaml)
  --releases <file>            release names, descriptions, overrides (default releases.yaml)
  --no-cache                   use no cache: a fresh tree, uncached kustomize builds and pipeline
  --upgrade-from <tag|tree>    plan the pre-upgrade hooks against this release (default: recorded)

'kfcharts <command> --help' prints the options of one command.

environment: KFCHARTS_UPSTREAM_MIRROR (default ../shared/upstream), KFCHARTS_CACHE_DIR,
  KFCHARTS_CACHE_MAX_MIB (default 2048), KFCHARTS_DIST_DIR, KFCHARTS_HELM, KFCHARTS_HELM3,
  KFCHARTS_KUBECTL`;

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  build: buildCommand,
  verify: verifyCommand,
  lock: lockCommand,
  package: packageCommand,
  push: pushCommand,
  images: imagesCommand,
  diff: diffCommand,
  cache: cacheCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (!run) throw new KfchartsError('usage', `unknown command '${command}'\n\n${USAGE}`);
  const help = COMMAND_HELP[command];
  if (help && wantsHelp(rest)) {
    console.log(formatCommandHelp(help));
    return 0;
  }
  await run(rest);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (thrown: unknown) => {
    const error = fromFsError(thrown) ?? thrown;
    if (isKfchartsError(error)) {
      console.error(`kfcharts: error [${error.code}]: ${error.message}`);
      if (error.details) console.error(error.details.replace(/^/gm, '  '));
      process.exitCode = error.code === 'usage' ? 2 : 1;
    } else {
      console.error('kfcharts: internal error:', error);
      process.exitCode = 70;
    }
  },
);
