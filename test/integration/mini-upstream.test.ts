import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCharts } from '../../src/build.ts';
import { KfchartsError } from '../../src/errors.ts';
import { Helm } from '../../src/tools/helm.ts';
import { fixtures, makeMirror, runCli, snapshot, tempDir } from './helpers.ts';

/**
 * The whole pipeline on a two-component fixture upstream (with remote references and Go
 * templates), and every kind of bad input the build must refuse without touching dist/.
 */
const components = join(fixtures, 'mini-components.yaml');
const releases = join(fixtures, 'mini-releases.yaml');
/** The fixture's component list and release layout, as every build here uses them. */
const fixtureArgs = ['--components', components, '--releases', releases];
let root: string;
let mirror: string;
let lock: string;
let goodDist: string;

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { KFCHARTS_UPSTREAM_MIRROR: mirror, KFCHARTS_CACHE_DIR: join(root, 'cache'), ...extra };
}

/** A dist folder holding a good build, to check that a failing build leaves it alone. */
function populatedDist(name: string): string {
  const dist = join(root, name);
  cpSync(goodDist, dist, { recursive: true });
  return dist;
}

beforeAll(async () => {
  root = tempDir('mini');
  mirror = await makeMirror(join(root, 'pristine'));
  lock = join(root, 'lock.yaml');
  const pinned = await runCli(
    ['lock', '--tag', '0.1.0', '--components', components, '--out', lock],
    env(),
  );
  expect(pinned.stderr).toBe(pinned.code === 0 ? pinned.stderr : '');
  expect(pinned.code).toBe(0);
  goodDist = join(root, 'dist');
  const built = await runCli(
    ['build', '--lock', lock, ...fixtureArgs],
    env({ KFCHARTS_DIST_DIR: goodDist }),
  );
  expect(built.stderr + built.stdout).toContain('built');
  expect(built.code).toBe(0);
});

describe('mini upstream: build and verify', () => {
  it('pins both remote references of the component list', () => {
    const text = readFileSync(lock, 'utf8');
    expect(text).toContain('https://github.com/example-org/example-repo/manifests/app?ref=v1.0.0');
    expect(text).toContain(
      'cachePath: github.com/example-org/example-repo/releases/download/v1.0.0/crds.yaml',
    );
    expect(text).toContain('tag: 0.1.0');
  });

  it("lists Kubeflow's hand-written templates for components this tree lacks in the report, leaving them out", () => {
    const report = readFileSync(join(goodDist, 'charts/BUILD-REPORT.md'), 'utf8');
    expect(report).toContain('| `hand-written-templates` | 0 |');
    expect(report).toContain(
      '- `hand-written-templates`: charts/templates/dex/kubeflow-platform/: no such component in this build; its templates are left out',
    );
  });

  it('writes one chart per release, one subchart per component, with conditions', () => {
    const files = snapshot(join(goodDist, 'charts'));
    const templates = [...files.keys()].filter(
      (f) => f.includes('/charts/') && f.includes('/templates/') && f.endsWith('.yaml'),
    );
    expect(templates.sort()).toEqual([
      'mini-crds/charts/beta/templates/customresourcedefinition.apiextensions.k8s.io_cluster_widgets.example.org.yaml',
      'mini/charts/alpha/templates/configmap_alpha_templates.yaml',
      'mini/charts/alpha/templates/namespace_cluster_alpha.yaml',
      'mini/charts/alpha/templates/widget.example.org_alpha_first-widget.yaml',
      'mini/charts/beta/templates/deployment.apps_beta_app.yaml',
      'mini/charts/beta/templates/namespace_cluster_beta.yaml',
    ]);
    expect(files.get('mini/Chart.yaml')).toContain('condition: beta.enabled');
    expect(files.get('mini/Chart.yaml')).toContain('version: 0.1.0');
    expect(files.get('install.sh')).toContain('for release in mini-crds mini; do');
    // CRDs are templates (so helm upgrade upgrades them): escaped, and kept on uninstall.
    const crd = files.get(
      'mini-crds/charts/beta/templates/customresourcedefinition.apiextensions.k8s.io_cluster_widgets.example.org.yaml',
    );
    expect(crd).toContain('description: Widgets keep {{"{{"}} braces }} in descriptions');
    expect(crd).toContain(
      'metadata:\n  annotations:\n    helm.sh/resource-policy: "keep"\n  name: widgets.example.org\n',
    );
  });

  it('renders the Go templates of upstream content literally', async () => {
    const helm = new Helm();
    const render = (chart: string) =>
      helm.template(join(goodDist, 'charts', chart), { releaseName: 'r', namespace: 'elsewhere' });
    const out = await render('mini');
    const original = readFileSync(
      join(fixtures, 'mini-upstream/manifests-0.1.0/apps/alpha/configmap.yaml'),
      'utf8',
    );
    for (const line of original.split('\n').filter((l) => l.includes('{{')))
      expect(out).toContain(line);
    expect(out).toContain('enabled: "on"');
    expect(out).toContain('namespace: alpha');
    expect(out).not.toContain('namespace: elsewhere');
    expect(await render('mini-crds')).toContain(
      'description: Widgets keep {{ braces }} in descriptions',
    );
  });

  it('verify passes and reports every object equal', async () => {
    const result = await runCli(
      ['verify', '--lock', lock, ...fixtureArgs],
      env({ KFCHARTS_DIST_DIR: goodDist }),
    );
    expect(result.stdout).toContain('result: OK');
    expect(result.code).toBe(0);
    const report = JSON.parse(readFileSync(join(goodDist, 'verify.json'), 'utf8'));
    expect(
      report.components.map((c: { name: string; expected: number }) => [c.name, c.expected]),
    ).toEqual([
      ['alpha', 3],
      ['beta', 3],
    ]);
    expect(report.example.expected).toBe(6);
    expect(report.keepAnnotationsAdded).toBe(3);
    expect(report.installOrder.releases).toEqual(['mini-crds', 'mini']);
  });

  it('verify fails when a chart file is changed by hand', async () => {
    const dist = populatedDist('dist-tampered');
    const file = join(dist, 'charts/mini/charts/alpha/templates/configmap_alpha_templates.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('enabled: "on"', 'enabled: on'));
    const result = await runCli(
      ['verify', '--lock', lock, ...fixtureArgs],
      env({ KFCHARTS_DIST_DIR: dist }),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('alpha: v1 ConfigMap alpha/templates /data/enabled differs');
    expect(result.stdout).toContain(
      'rebuild differs from dist/charts: mini/charts/alpha/templates/configmap_alpha_templates.yaml',
    );
  });

  it('a second build gives byte-identical charts', async () => {
    const dist = join(root, 'dist-again');
    const again = await runCli(
      ['build', '--lock', lock, ...fixtureArgs],
      env({ KFCHARTS_DIST_DIR: dist }),
    );
    expect(again.code).toBe(0);
    expect(snapshot(join(dist, 'charts'))).toEqual(snapshot(join(goodDist, 'charts')));
  });
});

describe('mini upstream: bad input fails clearly and leaves dist/ as it was', () => {
  async function expectFailure(
    args: string[],
    extraEnv: Record<string, string>,
    code: string,
    mentions: string[],
  ): Promise<void> {
    const dist = populatedDist(`dist-${code}-${Math.random().toString(36).slice(2)}`);
    const before = snapshot(dist);
    const result = await runCli(args, env({ KFCHARTS_DIST_DIR: dist, ...extraEnv }));
    expect(result.stderr).toContain(`error [${code}]`);
    for (const text of mentions) expect(result.stderr).toContain(text);
    expect(result.code).toBe(1);
    expect(snapshot(dist)).toEqual(before);
  }

  it('an upstream archive whose content does not match the lock', async () => {
    const bad = await makeMirror(join(root, 'tampered'), {
      editTree: (tree) => writeFileSync(join(tree, 'apps/gamma/cm.yaml'), 'changed: true\n'),
    });
    await expectFailure(
      ['build', '--lock', lock, ...fixtureArgs],
      { KFCHARTS_UPSTREAM_MIRROR: bad },
      'upstream-hash-mismatch',
      [join(bad, 'kubeflow-manifests/0.1.0.tar.gz'), 'expected treeSha256', 'actual   treeSha256'],
    );
  });

  it('a cached remote reference whose content does not match the lock', async () => {
    const bad = await makeMirror(join(root, 'remote-tampered'), {
      editRemote: (remote) =>
        writeFileSync(
          join(remote, 'github.com/example-org/example-repo@v1.0.0/manifests/app/deployment.yaml'),
          'x: 1\n',
        ),
    });
    await expectFailure(
      ['build', '--lock', lock, ...fixtureArgs],
      { KFCHARTS_UPSTREAM_MIRROR: bad },
      'remote-ref-hash-mismatch',
      ['https://github.com/example-org/example-repo/manifests/app?ref=v1.0.0'],
    );
  });

  it('a remote reference missing from the cache names component, reference and path', async () => {
    const bad = await makeMirror(join(root, 'remote-missing'), {
      editRemote: (remote) =>
        rmSync(join(remote, 'github.com/example-org/example-repo/releases'), { recursive: true }),
    });
    await expectFailure(
      ['build', '--lock', lock, ...fixtureArgs],
      { KFCHARTS_UPSTREAM_MIRROR: bad },
      'remote-ref-missing',
      [
        "component 'beta'",
        'https://github.com/example-org/example-repo/releases/download/v1.0.0/crds.yaml',
        'looked for .kfcharts-remote/github.com/example-org/example-repo/releases/download/v1.0.0/crds.yaml',
      ],
    );
  });

  it('a remote reference the lock does not pin fails in a pinned build', async () => {
    const unpinned = join(root, 'lock-unpinned.yaml');
    const text = readFileSync(lock, 'utf8');
    const entry =
      / {4}- url: https:\/\/github\.com\/example-org\/example-repo\/releases\/download\/v1\.0\.0\/crds\.yaml\n( {6}.*\n){2}/;
    expect(text).toMatch(entry);
    writeFileSync(unpinned, text.replace(entry, ''));
    await expectFailure(['build', '--lock', unpinned, ...fixtureArgs], {}, 'remote-ref-missing', [
      "component 'beta': remote reference https://github.com/example-org/example-repo/releases/download/v1.0.0/crds.yaml (in apps/beta/kustomization.yaml) is not pinned by the lock",
    ]);
  });

  it('a kustomize error names the component', async () => {
    const tree = join(root, 'broken/manifests-0.1.0');
    cpSync(join(fixtures, 'mini-upstream/manifests-0.1.0'), tree, { recursive: true });
    writeFileSync(join(tree, 'apps/alpha/kustomization.yaml'), 'resources:\n- missing.yaml\n');
    await expectFailure(
      [
        'build',
        '--manifests',
        tree,
        '--remote-cache',
        join(fixtures, 'mini-remote-cache'),
        ...fixtureArgs,
      ],
      {},
      'kustomize-failed',
      ["kustomize build of component 'alpha'", 'missing.yaml'],
    );
  });

  it('a known component example/ does not list is not built, and no error', async () => {
    const list = join(root, 'components-extra.yaml');
    writeFileSync(
      list,
      `${readFileSync(components, 'utf8')}  - name: gamma\n    paths: [apps/gamma]\n    description: Not in example/\n`,
    );
    const dist = join(root, 'dist-extra');
    const result = await runCli(
      ['build', '--lock', lock, '--components', list, '--releases', releases],
      env({ KFCHARTS_DIST_DIR: dist }),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('2 components');
    expect(readFileSync(join(dist, 'charts/BUILD-REPORT.md'), 'utf8')).toContain(
      'Known components (components.yaml) this release does not have:\n\n- `gamma`: `apps/gamma`',
    );
  });

  it('an example/ entry no component names is named from its path and reported, not refused', async () => {
    const list = join(root, 'components-typo.yaml');
    writeFileSync(
      list,
      readFileSync(components, 'utf8').replace('paths: [apps/beta]', 'paths: [apps/betta]'),
    );
    const dist = join(root, 'dist-typo');
    const result = await runCli(
      ['build', '--lock', lock, '--components', list, '--releases', releases],
      env({ KFCHARTS_DIST_DIR: dist }),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'components new in example/, named by kfcharts: apps/beta → beta-2',
    );
    expect(readFileSync(join(dist, 'charts/BUILD-REPORT.md'), 'utf8')).toContain(
      '- `apps/beta` → `beta-2`',
    );
  });

  it('an invalid component name is rejected by the list schema', async () => {
    const list = join(root, 'components-badname.yaml');
    writeFileSync(list, readFileSync(components, 'utf8').replace('name: beta', 'name: Beta_App'));
    await expectFailure(
      ['build', '--lock', lock, '--components', list, '--releases', releases],
      {},
      'component-list-invalid',
      ['/components/1/name: must match pattern'],
    );
  });

  it('two releases with the same name fail naming the file and the name', async () => {
    const layout = join(root, 'releases-duplicate.yaml');
    writeFileSync(
      layout,
      readFileSync(releases, 'utf8').replace('  - name: mini-apps\n', '  - name: mini\n'),
    );
    await expectFailure(
      ['build', '--lock', lock, '--components', components, '--releases', layout],
      {},
      'layout-invalid',
      [`${layout}: two releases are named 'mini'`],
    );
  });

  it('a releases.yaml with counts or component lists is refused by its schema', async () => {
    const layout = join(root, 'releases-old.yaml');
    writeFileSync(
      layout,
      readFileSync(releases, 'utf8').replace(
        'keep: [CustomResourceDefinition, Namespace]',
        'keep:\n  CustomResourceDefinition: 1\n',
      ),
    );
    await expectFailure(
      ['build', '--lock', lock, '--components', components, '--releases', layout],
      {},
      'layout-invalid',
      [`${layout} does not match schemas/releases.schema.json`, '/keep: must be array'],
    );
  });

  it('the build reports the names the plan leaves unused', async () => {
    const dist = join(root, 'dist-report');
    const result = await runCli(
      ['build', '--lock', lock, ...fixtureArgs],
      env({ KFCHARTS_DIST_DIR: dist }),
    );
    expect(result.code).toBe(0);
    const report = readFileSync(join(dist, 'charts/BUILD-REPORT.md'), 'utf8');
    expect(report).toContain('unused release names: mini-apps');
    expect(report).toMatch(/mini-crds: CRDs estimated at [\d.]+ of 768\.0 KiB: beta /);
  });

  it('unknown commands and options are usage errors (exit 2)', async () => {
    const command = await runCli(['bulid'], env());
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command 'bulid'");
    const option = await runCli(['build', '--manifest', 'x'], env());
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("Unknown option '--manifest'");
  });
});

describe('mini upstream: download fallback', () => {
  it('downloads the pinned URL when the mirror lacks the archive, and checks its tree hash', async () => {
    const archive = readFileSync(join(mirror, 'kubeflow-manifests/0.1.0.tar.gz'));
    const emptyMirror = join(root, 'no-archive');
    const remoteOnly = join(emptyMirror, 'remote-cache.tar.gz');
    cpSync(join(mirror, 'remote-cache.tar.gz'), remoteOnly);
    const requested: string[] = [];
    const fakeFetch = (async (url: string | URL | Request) => {
      requested.push(String(url));
      return new Response(archive);
    }) as typeof fetch;
    const paths = {
      cacheDir: join(root, 'cache-download'),
      toolsDir: join(fixtures, '../../.tools'),
      mirrorDir: emptyMirror,
      distDir: join(root, 'dist-download'),
    };
    const result = await buildCharts({
      paths,
      lockPath: lock,
      componentsFile: components,
      releasesFile: releases,
      fetch: fakeFetch,
    });
    expect(requested).toEqual([
      'https://github.com/kubeflow/community-distribution/archive/refs/tags/0.1.0.tar.gz',
    ]);
    expect(result.components.map((c) => c.objects.length)).toEqual([3, 3]);

    const tampered = await makeMirror(join(root, 'download-tampered'), {
      editTree: (tree) => writeFileSync(join(tree, 'apps/alpha/namespace.yaml'), 'x: 1\n'),
    });
    const badArchive = readFileSync(join(tampered, 'kubeflow-manifests/0.1.0.tar.gz'));
    const badFetch = (async () => new Response(badArchive)) as typeof fetch;
    const error = await buildCharts({
      paths: { ...paths, cacheDir: join(root, 'cache-download-bad') },
      lockPath: lock,
      componentsFile: components,
      releasesFile: releases,
      fetch: badFetch,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KfchartsError);
    expect((error as KfchartsError).code).toBe('upstream-hash-mismatch');
    // The bad download is not kept: the next run fetches again.
    expect(existsSync(join(root, 'cache-download-bad/downloads/0.1.0.tar.gz'))).toBe(false);
  });
});
