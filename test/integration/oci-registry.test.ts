import { type ChildProcess, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Helm } from '../../src/tools/helm.ts';
import { listFiles, sha256 } from '../../src/upstream/hash.ts';
import { runCli, tempDir } from './helpers.ts';

/**
 * Packaging and publishing end to end against a real OCI registry (Debian's
 * `docker-registry`, the CNCF distribution registry): the 26.03 charts are built, packaged
 * twice and after a rebuild (same bytes every time), pushed with `kfcharts push`, pulled
 * back with `helm pull`, and must come back byte for byte and render what the folders do.
 */
const REGISTRY_BIN = '/usr/bin/docker-registry';
const registryMissing = !existsSync(REGISTRY_BIN);
const missingReason = `${REGISTRY_BIN} is missing (Debian package docker-registry)`;

if (registryMissing && process.env.CI) {
  describe('OCI registry', () => {
    it('has a registry to test against', () => {
      throw new Error(`${missingReason}: .ci/run should have installed it`);
    });
  });
} else if (registryMissing) {
  console.warn(
    `skipping the OCI registry tests: ${missingReason}; \`apt-get install docker-registry\` to run them`,
  );
}

interface Registry {
  readonly port: number;
  readonly child: ChildProcess;
  readonly output: () => string;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? done(address.port) : fail(new Error('no port')),
      );
    });
  });
}

/**
 * Starts the registry on a free port of 127.0.0.1 with storage in a temp folder, and waits
 * until it answers `/v2/` without authentication (so it is this registry, not a packaged
 * service that happens to listen there: that one wants htpasswd credentials).
 */
async function startRegistry(root: string): Promise<Registry> {
  const failures: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const config = join(root, `config-${port}.yml`);
    writeFileSync(
      config,
      [
        'version: 0.1',
        'log:',
        '  level: info',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(root, `storage-${port}`)}`,
        'http:',
        `  addr: 127.0.0.1:${port}`,
        '  secret: kfcharts-test',
        '',
      ].join('\n'),
    );
    const child = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    // If this test process dies first, the registry must not outlive it.
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('exit', () => process.off('exit', kill));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && child.exitCode === null) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/v2/`);
        if (
          response.status === 200 &&
          response.headers.get('docker-distribution-api-version') === 'registry/2.0'
        ) {
          return { port, child, output: () => output };
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await stopRegistry(child);
    failures.push(`port ${port}: ${output.trim() || 'no answer on /v2/'}`);
  }
  throw new Error(`docker-registry did not start:\n${failures.join('\n')}`);
}

async function stopRegistry(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** `  <file>  sha256:<hex>  (<n> bytes)` lines of `kfcharts package`, as file name → sha256. */
function packaged(stdout: string): Map<string, string> {
  const lines = [
    ...stdout.matchAll(/^ {2}(\S+\.tgz) {2}sha256:([0-9a-f]{64}) {2}\(\d+ bytes\)$/gm),
  ];
  return new Map(lines.map((m) => [(m[1] as string).split('/').pop() as string, m[2] as string]));
}

/** sha256 of every .tgz in a folder, by file name. */
function hashes(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.tgz'))
      .sort()
      .map((f) => [f, sha256(readFileSync(join(dir, f)))]),
  );
}

describe.skipIf(registryMissing)('packaging and publishing to an OCI registry', () => {
  let root: string;
  let dist: string;
  let registry: Registry | undefined;
  let charts: { name: string; version: string; dir: string }[];
  let first: Map<string, string>;
  let firstPrinted: Map<string, string>;
  let second: Map<string, string>;
  let rebuilt: Map<string, string>;
  let remote: string;
  const env = () => ({ KFCHARTS_DIST_DIR: dist });

  beforeAll(async () => {
    root = tempDir('oci');
    // Helm's registry config and caches in the temp folder, not the user's.
    for (const name of ['HELM_CONFIG_HOME', 'HELM_CACHE_HOME', 'HELM_DATA_HOME']) {
      process.env[name] = join(root, name.toLowerCase());
    }
    dist = join(root, 'dist');
    const build = await runCli(['build'], env());
    expect(build.stderr + build.stdout).toMatch(/built \d+ charts/);
    expect(build.code).toBe(0);
    const chartsDir = join(dist, 'charts');
    charts = readdirSync(chartsDir)
      .filter((name) => existsSync(join(chartsDir, name, 'Chart.yaml')))
      .sort()
      .map((name) => {
        const text = readFileSync(join(chartsDir, name, 'Chart.yaml'), 'utf8');
        const version = /^version: (\S+)$/m.exec(text)?.[1] as string;
        return { name, version, dir: join(chartsDir, name) };
      });
    expect(charts.length).toBeGreaterThan(0);

    const pack1 = await runCli(['package'], env());
    expect(pack1.stderr).toBe('');
    expect(pack1.code).toBe(0);
    firstPrinted = packaged(pack1.stdout);
    first = hashes(join(dist, 'packages'));
    const pack2 = await runCli(['package'], env());
    expect(pack2.code).toBe(0);
    second = hashes(join(dist, 'packages'));

    // Rebuild the charts (same content; an unchanged build leaves the files alone), give
    // every file a new mtime, then package again.
    const chartYaml = join(charts[0]?.dir as string, 'Chart.yaml');
    const before = statSync(chartYaml).mtimeMs;
    const again = await runCli(['build'], env());
    expect(again.code).toBe(0);
    const later = new Date(before + 60_000);
    for (const chart of charts) {
      for (const file of listFiles(chart.dir)) utimesSync(join(chart.dir, file), later, later);
    }
    expect(statSync(chartYaml).mtimeMs).not.toBe(before);
    const pack3 = await runCli(['package'], env());
    expect(pack3.code).toBe(0);
    rebuilt = hashes(join(dist, 'packages'));

    registry = await startRegistry(root);
    remote = `oci://127.0.0.1:${registry.port}/kubeflow/charts`;
  });

  afterAll(async () => {
    if (registry) await stopRegistry(registry.child);
    expect(registry?.child.exitCode !== null || registry?.child.signalCode !== null).toBe(true);
  });

  it('packages every chart folder as <name>-<version>.tgz and prints its sha256', () => {
    expect([...first.keys()]).toEqual(charts.map((c) => `${c.name}-${c.version}.tgz`).sort());
    expect(firstPrinted).toEqual(first);
  });

  it('gives byte-identical packages on a second run and after rebuilding the charts', () => {
    expect(second).toEqual(first);
    expect(rebuilt).toEqual(first);
  });

  it('pushes every package, pulls each back byte for byte, and it renders as the folder', async () => {
    const push = await runCli(['push', remote, '--plain-http'], env());
    expect(push.stderr).toBe('');
    expect(push.code).toBe(0);
    const pushed = new Map(
      [...push.stdout.matchAll(/^ {2}(oci:\/\/\S+) {2}(sha256:[0-9a-f]{64})$/gm)].map((m) => [
        m[1] as string,
        m[2] as string,
      ]),
    );
    expect([...pushed.keys()]).toEqual(charts.map((c) => `${remote}/${c.name}:${c.version}`));
    expect(push.stdout).toContain(`pushed ${charts.length} charts`);

    // The registry itself lists exactly these repositories.
    const catalog = (await (
      await fetch(`http://127.0.0.1:${registry?.port}/v2/_catalog`)
    ).json()) as { repositories: string[] };
    expect(catalog.repositories.sort()).toEqual(charts.map((c) => `kubeflow/charts/${c.name}`));

    const helm = new Helm();
    const helm3 = Helm.v3();
    const pulledDir = join(root, 'pulled');
    const options = {
      releaseName: 'kfcharts-oci',
      namespace: 'kfcharts-oci-ns',
      includeCrds: true,
    };
    for (const chart of charts) {
      const reference = `${remote}/${chart.name}`;
      const pulled = await helm.pull(reference, {
        version: chart.version,
        destination: pulledDir,
        plainHttp: true,
      });
      expect(`oci://${pulled.reference}`).toBe(`${reference}:${chart.version}`);
      expect(pulled.digest).toBe(pushed.get(`${reference}:${chart.version}`));
      const file = `${chart.name}-${chart.version}.tgz`;
      const tgz = join(pulledDir, file);
      expect(sha256(readFileSync(tgz))).toBe(first.get(file));

      const fromFolder = await helm.template(chart.dir, options);
      expect(fromFolder.length).toBeGreaterThan(0);
      expect(await helm.template(tgz, options)).toBe(fromFolder);
      expect(await helm3.template(tgz, options)).toBe(await helm3.template(chart.dir, options));
      await helm.lint(tgz);
      await helm3.lint(tgz);
    }
  });

  it('pushes the same packages to another repository: the package file mtime is fixed, so are the digests', async () => {
    const once = await runCli(['push', remote, '--plain-http'], env());
    const pack = await runCli(['package'], env());
    expect(pack.code).toBe(0);
    const twice = await runCli(['push', `${remote}/again`, '--plain-http'], env());
    expect(once.code).toBe(0);
    expect(twice.code).toBe(0);
    const digests = (stdout: string) =>
      [...stdout.matchAll(/(sha256:[0-9a-f]{64})/g)].map((m) => m[1]);
    expect(digests(twice.stdout)).toHaveLength(charts.length);
    expect(digests(twice.stdout)).toEqual(digests(once.stdout));
    expect(twice.stdout).not.toContain('already published');
  });

  it('publishes a version once: the same package is not pushed again, another one is refused', async () => {
    const same = await runCli(['push', remote, '--plain-http'], env());
    expect(same.code).toBe(0);
    expect(same.stdout.match(/already published/g)).toHaveLength(charts.length);
    const pushedJson = JSON.parse(readFileSync(join(dist, 'packages/pushed.json'), 'utf8')) as {
      reference: string;
      digest: string;
    }[];
    expect(pushedJson.map((p) => p.reference)).toEqual(
      charts.map((c) => `${remote}/${c.name}:${c.version}`),
    );

    // Same chart version, other content (as a kfcharts change for the same upstream tag would give).
    const changed = join(root, 'dist-changed');
    cpSync(join(dist, 'charts'), join(changed, 'charts'), { recursive: true });
    const chart = charts[charts.length - 1] as { name: string };
    writeFileSync(join(changed, 'charts', chart.name, 'README.md'), 'changed\n');
    expect((await runCli(['package'], { KFCHARTS_DIST_DIR: changed })).code).toBe(0);
    const refused = await runCli(['push', remote, '--plain-http'], { KFCHARTS_DIST_DIR: changed });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `error [push-refused]: ${remote}/${chart.name}:${charts[charts.length - 1]?.version} is already published with other content`,
    );
  });

  it('names the remedy when a plain-HTTP registry is pushed to without --plain-http', async () => {
    const result = await runCli(['push', remote], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the registry speaks plain HTTP: add --plain-http');
  });

  it('fails with the reference when the registry cannot be reached', async () => {
    const port = await freePort();
    const result = await runCli(['push', `oci://127.0.0.1:${port}/x`, '--plain-http'], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('kfcharts: error [tool-failed]: helm pull');
    expect(result.stderr).toContain(`127.0.0.1:${port}`);
  });
});
