import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'fflate';
import { type Header, Parser } from 'tar';
import { describe, expect, it } from 'vitest';
import {
  archiveChart,
  deterministicTgz,
  PACKAGE_MTIME,
  packageCharts,
} from '../../src/publish/package.ts';
import { listPackages, NOT_PUBLISHED, ociRemote } from '../../src/publish/push.ts';
import { Helm } from '../../src/tools/helm.ts';
import { sha256 } from '../../src/upstream/hash.ts';
import { thrown } from './helpers.ts';

function temp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `kfcharts-package-${prefix}-`));
}

/** A template name longer than ustar's 100-character name field: needs a PAX header. */
const LONG = `configmap_tiny_${'x'.repeat(110)}.yaml`;

/** A tiny umbrella chart with one subchart, the shape kfcharts emits. */
const TINY: Record<string, string> = {
  'Chart.yaml':
    'apiVersion: v2\nname: tiny\nversion: 1.2.3\ndependencies:\n  - name: sub\n    version: 1.2.3\n    condition: sub.enabled\n',
  'values.yaml': 'sub:\n  enabled: true\n',
  'templates/configmap.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: top\ndata:\n  text: "{{"{{"}} kept {{"}}"}}"\n',
  'charts/sub/Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 1.2.3\n',
  'charts/sub/values.yaml': '{}\n',
  [`charts/sub/templates/${LONG}`]:
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sub\n  namespace: elsewhere\n',
  'charts/sub/crds/widgets.yaml':
    'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.org\nspec:\n  group: example.org\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]\n',
};

/** Writes `files` into `dir` in the given order, then sets every mode and mtime given. */
function writeChart(
  dir: string,
  files: Record<string, string>,
  order: readonly string[],
  stamp: { mode: number; mtime: Date },
): string {
  for (const path of order) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), files[path] as string);
    chmodSync(join(dir, path), stamp.mode);
    utimesSync(join(dir, path), stamp.mtime, stamp.mtime);
  }
  return dir;
}

interface Entry {
  readonly path: string;
  readonly header: Header;
  readonly data: string;
}

/** The entries of a .tgz as node-tar parses them (PAX headers applied). */
function entries(tgz: Uint8Array): Entry[] {
  const out: Entry[] = [];
  const parser = new Parser({
    onReadEntry: (entry) => {
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () =>
        out.push({
          path: entry.path,
          header: entry.header,
          data: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    },
  });
  parser.end(Buffer.from(gunzipSync(tgz)));
  return out;
}

describe('deterministicTgz', () => {
  const files = [
    { path: 'c/b.yaml', data: Buffer.from('b\n') },
    { path: 'c/Chart.yaml', data: Buffer.from('name: c\n') },
    { path: 'c/a/z.yaml', data: Buffer.from('z'.repeat(700)) },
  ];

  it('depends on the files only, not on the order they are given in', () => {
    expect(sha256(deterministicTgz(files))).toBe(sha256(deterministicTgz([...files].reverse())));
    expect(sha256(deterministicTgz(files))).not.toBe(
      sha256(deterministicTgz([...files, { path: 'c/new', data: Buffer.from('') }])),
    );
  });

  it('writes entries in path order with fixed mode, owner, names and mtime', () => {
    const list = entries(deterministicTgz(files));
    expect(list.map((e) => e.path)).toEqual(['c/Chart.yaml', 'c/a/z.yaml', 'c/b.yaml']);
    for (const { header } of list) {
      expect({
        type: header.type,
        mode: header.mode,
        uid: header.uid,
        gid: header.gid,
        uname: header.uname,
        gname: header.gname,
        mtime: header.mtime?.getTime(),
      }).toEqual({ type: 'File', mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', mtime: 0 });
    }
    expect(list[1]?.data).toBe('z'.repeat(700));
  });

  it('keeps paths longer than ustar allows (PAX)', () => {
    const path = `c/templates/${'y'.repeat(150)}.yaml`;
    const list = entries(deterministicTgz([{ path, data: Buffer.from('long\n') }]));
    expect(list.map((e) => [e.path, e.data])).toEqual([[path, 'long\n']]);
  });

  it('writes a gzip header without a timestamp or file name', () => {
    const head = [...deterministicTgz(files).subarray(0, 10)];
    // magic, deflate, no flags (so no name/comment), mtime 0, xfl 2 (level 9), OS 3.
    expect(head).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
  });

  it('refuses two entries with the same path', () => {
    expect(thrown(() => deterministicTgz([files[0], files[0]] as typeof files)).code).toBe(
      'chart-invalid',
    );
  });
});

describe('archiveChart', () => {
  const order = Object.keys(TINY);

  it('gives the same bytes for the same files whatever their order, modes and mtimes', () => {
    const a = writeChart(join(temp('a'), 'tiny'), TINY, order, {
      mode: 0o644,
      mtime: new Date('2001-02-03T04:05:06Z'),
    });
    const b = writeChart(join(temp('b'), 'tiny'), TINY, [...order].reverse(), {
      mode: 0o600,
      mtime: new Date('2030-01-01T00:00:00Z'),
    });
    const first = archiveChart(a);
    expect(first.fileName).toBe('tiny-1.2.3.tgz');
    expect(sha256(archiveChart(b).bytes)).toBe(sha256(first.bytes));
    expect(sha256(archiveChart(a).bytes)).toBe(sha256(first.bytes));
    // ...and different bytes for different content.
    writeFileSync(join(b, 'values.yaml'), 'sub:\n  enabled: false\n');
    expect(sha256(archiveChart(b).bytes)).not.toBe(sha256(first.bytes));
  });

  it('lays the chart out under <name>/ with every file, byte for byte', () => {
    const dir = writeChart(join(temp('layout'), 'folder-name'), TINY, order, {
      mode: 0o644,
      mtime: new Date(),
    });
    const list = entries(archiveChart(dir).bytes);
    expect(list.map((e) => e.path)).toEqual(order.map((p) => `tiny/${p}`).sort());
    for (const e of list) expect(e.data).toBe(TINY[e.path.slice('tiny/'.length)]);
  });

  it('refuses hidden files, a missing Chart.yaml and unusable names or versions', () => {
    const hidden = writeChart(join(temp('hidden'), 'tiny'), TINY, order, {
      mode: 0o644,
      mtime: new Date(),
    });
    writeFileSync(join(hidden, '.helmignore'), '*.md\n');
    expect(thrown(() => archiveChart(hidden)).message).toContain(join(hidden, '.helmignore'));
    expect(thrown(() => archiveChart(temp('empty'))).code).toBe('chart-invalid');
    for (const chart of [
      'name: Bad_Name\nversion: 1.0.0\n',
      'name: ok\n',
      'name: ok\nversion: 1\n/x\n',
    ]) {
      const dir = temp('meta');
      writeFileSync(join(dir, 'Chart.yaml'), chart);
      expect(thrown(() => archiveChart(dir)).code).toBe('chart-invalid');
    }
  });
});

describe('packageCharts', () => {
  const order = Object.keys(TINY);
  const stamp = { mode: 0o644, mtime: new Date() };

  function chartsDir(): string {
    const charts = join(temp('charts'), 'charts');
    writeChart(join(charts, 'tiny'), TINY, order, stamp);
    const other = {
      ...TINY,
      'Chart.yaml': TINY['Chart.yaml']?.replace('name: tiny', 'name: other'),
    };
    writeChart(join(charts, 'other'), other as Record<string, string>, order, stamp);
    writeFileSync(join(charts, 'install.sh'), '#!/bin/sh\n');
    return charts;
  }

  it('writes one <name>-<version>.tgz per chart folder, replacing stale packages', () => {
    const charts = chartsDir();
    const out = join(dirname(charts), 'packages');
    mkdirSync(out);
    writeFileSync(join(out, 'stale-0.0.1.tgz'), 'old');
    const packages = packageCharts(charts, out);
    expect(packages.map((p) => [p.name, p.version, p.file])).toEqual([
      ['other', '1.2.3', join(out, 'other-1.2.3.tgz')],
      ['tiny', '1.2.3', join(out, 'tiny-1.2.3.tgz')],
    ]);
    expect(readdirSync(out).sort()).toEqual(['other-1.2.3.tgz', 'tiny-1.2.3.tgz']);
    for (const p of packages) {
      expect(sha256(readFileSync(p.file))).toBe(p.sha256);
      // helm push turns the file's mtime into the OCI manifest's creation date.
      expect(statSync(p.file).mtime.getTime()).toBe(PACKAGE_MTIME.getTime());
    }
    expect(packageCharts(charts, out).map((p) => p.sha256)).toEqual(packages.map((p) => p.sha256));
    expect(listPackages(out)).toEqual(packages.map((p) => p.file));
  });

  it('leaves the packages folder as it was when a chart cannot be packaged', () => {
    const charts = chartsDir();
    const out = join(dirname(charts), 'packages');
    packageCharts(charts, out);
    const before = readdirSync(out).map((f) => sha256(readFileSync(join(out, f))));
    writeFileSync(join(charts, 'tiny', 'templates', '.hidden.yaml'), 'x: 1\n');
    expect(thrown(() => packageCharts(charts, out)).code).toBe('chart-invalid');
    expect(readdirSync(out).map((f) => sha256(readFileSync(join(out, f))))).toEqual(before);
    expect(existsSync(`${out}.tmp-${process.pid}`)).toBe(false);
  });

  it('names what is missing: no charts folder, no charts, a folder that is no chart, duplicates', () => {
    const root = temp('missing');
    const out = join(root, 'packages');
    const none = thrown(() => packageCharts(join(root, 'nope'), out));
    expect([none.code, none.message]).toEqual([
      'charts-missing',
      `${join(root, 'nope')} does not exist: run \`npm run build\` first`,
    ]);
    mkdirSync(join(root, 'empty'));
    expect(thrown(() => packageCharts(join(root, 'empty'), out)).code).toBe('charts-missing');
    const charts = chartsDir();
    mkdirSync(join(charts, 'not-a-chart'));
    expect(thrown(() => packageCharts(charts, out)).code).toBe('chart-invalid');
    const dupes = chartsDir();
    writeChart(join(dupes, 'tiny-copy'), TINY, order, stamp);
    expect(thrown(() => packageCharts(dupes, out)).code).toBe('chart-invalid');
    expect(existsSync(out)).toBe(false);
    expect(thrown(() => listPackages(out)).message).toBe(
      `no chart packages (*.tgz) in ${out}: run \`npm run package\` first`,
    );
  });
});

describe('Helm reads the packages', () => {
  const dir = writeChart(join(temp('helm'), 'tiny'), TINY, Object.keys(TINY), {
    mode: 0o644,
    mtime: new Date(),
  });
  const tgz = join(dirname(dir), 'tiny-1.2.3.tgz');
  writeFileSync(tgz, archiveChart(dir).bytes);
  const options = { releaseName: 'r', namespace: 'ns', includeCrds: true };

  for (const [label, helm] of [
    ['Helm 4', new Helm()],
    ['Helm 3', Helm.v3()],
  ] as const) {
    it(`${label}: helm template of the .tgz renders what the folder renders; lint passes`, async () => {
      const fromFolder = await helm.template(dir, options);
      expect(fromFolder).toContain('name: widgets.example.org');
      expect(fromFolder).toContain('namespace: elsewhere');
      expect(fromFolder).toContain('text: "{{ kept }}"');
      expect(await helm.template(tgz, options)).toBe(fromFolder);
      expect(await helm.lint(tgz)).toContain('1 chart(s) linted, 0 chart(s) failed');
    });
  }
});

describe('ociRemote', () => {
  it('accepts oci://host[:port][/path] and names the expected form otherwise', () => {
    expect(ociRemote('oci://ghcr.io/kubeflow/charts/')).toBe('oci://ghcr.io/kubeflow/charts');
    expect(ociRemote('oci://127.0.0.1:5000')).toBe('oci://127.0.0.1:5000');
    for (const bad of [
      'ghcr.io/x',
      'https://ghcr.io/x',
      'oci://',
      'oci://h/Upper',
      'oci://h/x:1',
    ]) {
      expect(thrown(() => ociRemote(bad)).code).toBe('usage');
    }
  });
});

describe('NOT_PUBLISHED', () => {
  it("reads helm pull's not-found answers, and not a port or digest that holds 404", () => {
    expect(
      NOT_PUBLISHED.test('Error: failed to resolve: 127.0.0.1:5000/x/kubeflow:26.3.0: not found'),
    ).toBe(true);
    expect(NOT_PUBLISHED.test('response status code 404: manifest unknown')).toBe(true);
    expect(
      NOT_PUBLISHED.test(
        'Head "http://127.0.0.1:40461/v2/x/kubeflow/manifests/sha256:404abc": dial tcp 127.0.0.1:40461: connect: connection refused',
      ),
    ).toBe(false);
  });
});
