/**
 * `npm run bench [-- --tag <tag>] [--rounds <n>] [--no-write]`: how kfcharts' build and
 * Helm's render compare with a plain `kubectl kustomize example` of the same extracted
 * tree, measured alternately in one run so that load from elsewhere hits both sides alike.
 * Prints a table of ratios and writes the figures, with the machine, into
 * docs/performance.md (between the bench markers). Not part of `npm test`: it needs a
 * quiet machine and takes minutes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findCharts } from '../src/chart/write.ts';
import { projectRoot } from '../src/paths.ts';
import { Helm } from '../src/tools/helm.ts';
import { Kubectl } from '../src/tools/kubectl.ts';
import { pinnedTags } from '../src/upstream/lock.ts';

const { values } = parseArgs({
  options: {
    tag: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    'no-write': { type: 'boolean', default: false },
  },
});
const tag = values.tag ?? (pinnedTags().at(-1) as string);
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`bench: --rounds must be a whole number ≥ 1, not ${values.rounds}`);
  process.exit(2);
}
const TARGETS = { cold: 1.2, warm: 0.2, template: 0.1 } as const;
const kubectl = new Kubectl();
const helm = new Helm();
const cli = join(projectRoot, 'src/cli/main.ts');
const hasTime = existsSync('/usr/bin/time');

interface Run {
  readonly seconds: number;
  /** Peak resident set of the largest process of the run (GNU time's %M), in KiB. */
  readonly maxRssKiB: number | undefined;
}

/** Runs a command to completion, timed; output discarded unless it fails. */
function run(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<Run> {
  const rssFile = join(tmpdir(), `kfcharts-bench-rss-${process.pid}-${Math.random()}`);
  const [cmd, argv] = hasTime
    ? ['/usr/bin/time', ['-f', '%M', '-o', rssFile, command, ...args]]
    : [command, [...args]];
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(cmd, argv, {
      cwd: projectRoot,
      env: { ...process.env, CI: 'true', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) {
        fail(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`));
        return;
      }
      let maxRssKiB: number | undefined;
      if (hasTime && existsSync(rssFile)) {
        maxRssKiB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1));
        rmSync(rssFile, { force: true });
      }
      done({ seconds, maxRssKiB });
    });
  });
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const samples = {
  cold: [] as number[],
  kustomize: [] as number[],
  warm: [] as number[],
  templateSeq: [] as number[],
  templatePar: [] as number[],
};
const rss: number[] = [];
let chartCount = 0;
const root = mkdtempSync(join(tmpdir(), 'kfcharts-bench-'));
const load0 = loadavg();
try {
  for (let round = 1; round <= rounds; round++) {
    const cache = join(root, `cache-${round}`);
    const dist = join(root, `dist-${round}`);
    const env = { KFCHARTS_CACHE_DIR: cache, KFCHARTS_DIST_DIR: dist };
    const cold = await run(process.execPath, [cli, 'build', '--tag', tag], env);
    samples.cold.push(cold.seconds);
    if (cold.maxRssKiB) rss.push(cold.maxRssKiB);
    // The tree the cold build extracted (and localized): the baseline builds it as one.
    const [key] = readdirSync(join(cache, 'work'));
    const example = join(cache, 'work', key as string, 'tree', 'example');
    samples.kustomize.push((await run(kubectl.path, ['kustomize', example])).seconds);
    const warm = await run(process.execPath, [cli, 'build', '--tag', tag], env);
    samples.warm.push(warm.seconds);
    if (warm.maxRssKiB) rss.push(warm.maxRssKiB);
    const charts = findCharts(join(dist, 'charts'));
    chartCount = charts.length;
    const template = (dir: string) => run(helm.path, ['template', 'kfcharts', dir]);
    let t0 = performance.now();
    for (const dir of charts) await template(dir);
    samples.templateSeq.push((performance.now() - t0) / 1000);
    t0 = performance.now();
    await Promise.all(charts.map(template));
    samples.templatePar.push((performance.now() - t0) / 1000);
    console.error(
      `bench round ${round}/${rounds}: ${Object.entries(samples)
        .map(([k, v]) => `${k} ${(v.at(-1) ?? 0).toFixed(2)}s`)
        .join(', ')}`,
    );
    rmSync(cache, { recursive: true, force: true });
    rmSync(dist, { recursive: true, force: true });
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

const m = {
  cold: median(samples.cold),
  kustomize: median(samples.kustomize),
  warm: median(samples.warm),
  templateSeq: median(samples.templateSeq),
  templatePar: median(samples.templatePar),
};
// Each round's ratio against that round's own kustomize run, then the median: the point of
// alternating is that a burst of load elsewhere hits a round's pair alike.
const ratio = (xs: readonly number[]) => median(xs.map((x, i) => x / (samples.kustomize[i] ?? x)));
const rows: [string, number, number, number | undefined][] = [
  ['cold build (empty cache)', m.cold, ratio(samples.cold), TARGETS.cold],
  ['warm rebuild', m.warm, ratio(samples.warm), TARGETS.warm],
  [
    `helm template, ${chartCount} charts in sequence`,
    m.templateSeq,
    ratio(samples.templateSeq),
    TARGETS.template,
  ],
  [
    `helm template, ${chartCount} charts in parallel`,
    m.templatePar,
    ratio(samples.templatePar),
    TARGETS.template,
  ],
  ['`kubectl kustomize example` (baseline)', m.kustomize, 1, undefined],
];
const machine = `${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, Node ${process.version}, ${await kubectl.version()}, ${await helm.version()}`;
const peak =
  rss.length > 0
    ? `${(Math.max(...rss) / 1024).toFixed(0)} MiB`
    : 'not measured (no /usr/bin/time)';
const load1 = loadavg();
const table = [
  '| what | median seconds | × kustomize (median of rounds) | target | met |',
  '| --- | ---: | ---: | ---: | --- |',
  ...rows.map(
    ([what, s, ratio, target]) =>
      `| ${what} | ${s.toFixed(2)} | ${ratio.toFixed(2)} | ${target === undefined ? '' : `≤ ${target}`} | ${target === undefined ? '' : ratio <= target ? 'yes' : '**no**'} |`,
  ),
].join('\n');
const text = [
  `Upstream ${tag}, ${rounds} rounds, alternating; medians. Machine: ${machine}.`,
  `Peak RSS of a build (largest process: the Node build itself): ${peak}.`,
  `Load average at start ${load0.map((l) => l.toFixed(1)).join(' ')}, at end ${load1.map((l) => l.toFixed(1)).join(' ')}` +
    ` (above ${availableParallelism()} means other work shared the CPUs).`,
  '',
  table,
  '',
  `Each round, seconds (cold, kustomize, warm, template in sequence, in parallel): ${samples.cold
    .map((_, i) =>
      [samples.cold, samples.kustomize, samples.warm, samples.templateSeq, samples.templatePar]
        .map((xs) => (xs[i] ?? 0).toFixed(2))
        .join(' / '),
    )
    .join('; ')}.`,
].join('\n');
console.log(text);

if (!values['no-write']) {
  const doc = join(projectRoot, 'docs/performance.md');
  const marker = `<!-- bench:${tag}:start`;
  const start = `${marker} (written by \`npm run bench\`) -->`;
  const end = `<!-- bench:${tag}:end -->`;
  const current = existsSync(doc) ? readFileSync(doc, 'utf8') : '# Performance\n';
  const block = `${start}\n${text}\n${end}`;
  const at = current.indexOf(marker);
  const to = current.indexOf(end, at);
  if (at >= 0 && to < 0) {
    console.error(`bench: ${doc} has ${marker} without ${end}; figures not written`);
    process.exit(1);
  }
  // A tag measured before keeps its place; a new one goes at the end.
  const next =
    at >= 0
      ? current.slice(0, at) + block + current.slice(to + end.length)
      : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(doc, next);
  console.error(`bench: figures written to ${doc}`);
}
