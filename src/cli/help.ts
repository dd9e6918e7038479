/**
 * Per-command help for `kfcharts <command> --help`: usage, a one-line description and
 * the options the command's parser accepts, so the help cannot promise an option the
 * parser refuses (test/unit/hostile-cli-help.test.ts checks each command).
 */
export interface CommandHelp {
  readonly usage: string;
  readonly description: string;
  readonly options: readonly (readonly [flag: string, meaning: string])[];
}

const SOURCE: CommandHelp['options'] = [
  ['--tag <tag>', 'a pinned upstream release, upstream/<tag>.yaml (default: the newest pinned)'],
  [
    '--manifests <dir|tar.gz>',
    'build another upstream tree (checked against the nearest pinned release)',
  ],
  ['--remote-cache <dir|tar.gz>', "remote kustomize references (default: the mirror's cache)"],
  [
    '--lock <file>',
    'release data file instead of upstream/<tag>.yaml (with --manifests: whose expectations apply)',
  ],
  ['--components <file>', 'component names by upstream path (default components.yaml)'],
  ['--releases <file>', 'release names, descriptions and overrides (default releases.yaml)'],
  ['--no-cache', 'use no cache: a fresh tree, uncached kustomize builds and pipeline'],
  [
    '--upgrade-from <tag|dir|tar.gz|none>',
    'plan the pre-upgrade hooks against this release now (default: the plan recorded in the release data)',
  ],
];
const HELP_OPTION = ['-h, --help', 'print this help'] as const;

export const COMMAND_HELP: Readonly<Record<string, CommandHelp>> = {
  build: {
    usage: 'kfcharts build [source options] [--report <file.md>]',
    description:
      'build dist/charts and its BUILD-REPORT.md from a pinned upstream release (or --manifests)',
    options: [
      ...SOURCE,
      ['--report <file.md>', 'also write the build report here, even when the build finds drift'],
    ],
  },
  verify: {
    usage: 'kfcharts verify [source options] [--deviations <file>]',
    description: 'render dist/charts with helm and compare with kustomize build, object by object',
    options: [
      ...SOURCE,
      ['--deviations <file>', "release data whose deviations apply (default: the build's)"],
    ],
  },
  lock: {
    usage:
      'kfcharts lock --tag <tag> [--repository <owner/name>] [--components <file>] [--out <file>]',
    description:
      "pin a tag of the mirror in upstream/<tag>.yaml; a new tag starts from the nearest older release's expectations",
    options: [
      ['--tag <tag>', 'upstream tag in the mirror, e.g. 26.03 (required)'],
      [
        '--repository <owner/name>',
        'the forge repository (default kubeflow/community-distribution)',
      ],
      ['--components <file>', 'component names by upstream path (default components.yaml)'],
      ['--out <file>', 'where to write the release data (default upstream/<tag>.yaml)'],
    ],
  },
  diff: {
    usage: 'kfcharts diff <from> <to> [--out <file.md>] [source options but --tag/--manifests]',
    description:
      'change report between two upstream releases (pinned tags, trees or archives): components, objects, images, CRDs, values keys, rules, upgrade-breaking changes',
    options: [
      ['--out <file.md>', 'write the Markdown here (default: standard output)'],
      ['--record', "write the upgrade plan (hooks, manual steps) into <to>'s release data"],
    ],
  },
  package: {
    usage: 'kfcharts package',
    description:
      'package every chart in dist/charts into dist/packages/<name>-<version>.tgz, byte for byte reproducible',
    options: [],
  },
  push: {
    usage: 'kfcharts push oci://<host>[/path] [--plain-http]',
    description: 'push every package in dist/packages to an OCI registry',
    options: [['--plain-http', 'talk to the registry over HTTP (a local registry without TLS)']],
  },
  images: {
    usage: 'kfcharts images [source options] [--registry <host[:port][/path]>]',
    description: 'print every container image of the charts, one per line (for mirroring)',
    options: [
      ...SOURCE,
      ['--registry <prefix>', "print 'source mirror' pairs for global.imageRegistry <prefix>"],
    ],
  },
  cache: {
    usage: 'kfcharts cache prune [--max-size <MiB>]',
    description:
      'remove least-recently-used entries of the working-tree and kustomize caches until they fit; entries used in the last 10 minutes stay',
    options: [
      [
        '--max-size <MiB>',
        'the size to prune to (default: KFCHARTS_CACHE_MAX_MIB, else 2048; 0 removes all but entries in use)',
      ],
    ],
  },
};

export function formatCommandHelp(help: CommandHelp): string {
  const options = [...help.options, HELP_OPTION];
  const width = Math.max(...options.map(([flag]) => flag.length));
  return [
    `usage: ${help.usage}`,
    '',
    help.description,
    '',
    'options:',
    ...options.map(([flag, meaning]) => `  ${flag.padEnd(width)}  ${meaning}`),
  ].join('\n');
}

/** Whether the arguments ask for help: `--help` or `-h` before a `--` terminator. */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  const options = end < 0 ? args : args.slice(0, end);
  return options.includes('--help') || options.includes('-h');
}
