import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Kubectl } from '../../src/tools/kubectl.ts';
import type { KnownDeviation, Variant } from '../../src/upstream/lock.ts';
import {
  buildSwappedExamples,
  compareSwappedExample,
  type ExampleSwap,
  exampleSwaps,
  type SwappedExampleBuild,
  swapExampleText,
  swappedExampleFailures,
} from '../../src/verify/example-variants.ts';
import { toParsedObjects } from '../../src/verify/objects.ts';
import { variantSet } from '../../src/verify/variant-values.ts';
import { tempDir } from '../integration/helpers.ts';

const EXAMPLE = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
# Oauth2-proxy
- ../common/proxy/overlays/dex-only       # for all clusters
# - ../common/proxy/overlays/kind
- ../common/ns/base
- ../common/extra/base
`;

const kind: ExampleSwap = {
  component: 'proxy',
  set: ['proxy.m2m=kind'],
  replaced: ['common/proxy/overlays/dex-only'],
  path: 'common/proxy/overlays/kind',
};

const cm = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: auth\ndata:\n  k: ${value}\n`;
const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

function built(yaml: string, error?: string): SwappedExampleBuild {
  return { ...kind, yaml, ...(error !== undefined && { error }) };
}

/** A tree with example/ and three components; `kind` also renders ns/base's Namespace. */
function makeTree(): string {
  const tree = tempDir('example-variants');
  const write = (dir: string, objects: string[]) => {
    mkdirSync(join(tree, dir), { recursive: true });
    writeFileSync(join(tree, dir, 'objects.yaml'), objects.join('---\n'));
    writeFileSync(join(tree, dir, 'kustomization.yaml'), 'resources:\n- objects.yaml\n');
  };
  write('common/proxy/overlays/dex-only', [cm('proxy', 'dex')]);
  write('common/proxy/overlays/kind', [cm('proxy', 'kind')]);
  write('common/proxy/overlays/ambient', [cm('proxy', 'ambient'), ns('auth')]);
  write('common/ns/base', [ns('auth')]);
  write('common/extra/base', [cm('extra', 'x')]);
  mkdirSync(join(tree, 'example'));
  writeFileSync(join(tree, 'example/kustomization.yaml'), EXAMPLE);
  return tree;
}

describe('example/ with a variant in place of the default line (src/verify/example-variants.ts)', () => {
  it('swaps exactly the component line, every other byte upstream', () => {
    expect(swapExampleText(EXAMPLE, kind, 'example/kustomization.yaml')).toBe(
      EXAMPLE.replace(
        '- ../common/proxy/overlays/dex-only       #',
        '- ../common/proxy/overlays/kind       #',
      ),
    );
    // A component of several lines: the first becomes the variant, the others go.
    expect(
      swapExampleText(
        EXAMPLE,
        { ...kind, replaced: ['common/proxy/overlays/dex-only', 'common/extra/base'] },
        'example/kustomization.yaml',
      ),
    ).toBe(
      EXAMPLE.replace('overlays/dex-only ', 'overlays/kind ').replace(
        '- ../common/extra/base\n',
        '',
      ),
    );
    // The line it should replace is not there: an error naming the variant and the line.
    expect(() =>
      swapExampleText(
        EXAMPLE,
        { ...kind, replaced: ['common/proxy/overlays/gone'] },
        'example/kustomization.yaml',
      ),
    ).toThrow(
      'variant (proxy.m2m=kind, common/proxy/overlays/kind): example/kustomization.yaml has 0 entries of common/proxy/overlays/gone',
    );
  });

  it('lists each variant path of the data the tree has, with its component lines and --set pairs', () => {
    const tree = makeTree();
    const proxy: Variant = {
      component: 'proxy',
      values: [
        { name: 'm2m', default: 'dex-only', choices: ['dex-only', 'kind'], description: '' },
      ],
      paths: [
        { when: { m2m: 'kind' }, path: 'common/proxy/overlays/kind' },
        { when: { m2m: 'eks' }, path: 'common/proxy/overlays/not-in-this-tree' },
      ],
    };
    expect(variantSet(proxy, { m2m: 'kind' })).toEqual(['proxy.m2m=kind']);
    expect(
      exampleSwaps(
        [proxy, { ...proxy, component: 'not-in-example' }],
        new Map([['proxy', ['common/proxy/overlays/dex-only']]]),
        tree,
      ),
    ).toEqual([kind]);
  });

  it('builds the swapped example/ with kustomize, and reports (never passes) kustomize refusing it', async () => {
    const tree = makeTree();
    const ambient = { ...kind, set: ['proxy.mode=ambient'], path: 'common/proxy/overlays/ambient' };
    const [ok, refused] = await buildSwappedExamples([kind, ambient], tree, new Kubectl(), 1);
    expect(ok?.error).toBeUndefined();
    expect(toParsedObjects(ok?.yaml ?? '', 'x').map((o) => o.key)).toEqual([
      'v1 Namespace auth',
      'v1 ConfigMap auth/extra',
      'v1 ConfigMap auth/proxy',
    ]);
    expect(toParsedObjects(ok?.yaml ?? '', 'x')[2]?.value).toMatchObject({ data: { k: 'kind' } });
    expect(refused?.yaml).toBe('');
    expect(refused?.error).toContain('may not add resource with an already registered id');
    const report = compareSwappedExample(refused as SwappedExampleBuild, [], { known: [] });
    expect(swappedExampleFailures(report)).toEqual([
      expect.stringMatching(
        /^example\/ with common\/proxy\/overlays\/ambient in place of common\/proxy\/overlays\/dex-only \(proxy\.mode=ambient\): kustomize refuses it: .*already registered id: Namespace\.v1\.\[noGrp\]\/auth/s,
      ),
    ]);
    // The copies beside example/ are gone: the tree is as it was.
    expect(readdirSync(tree).sort()).toEqual(['common', 'example']);
  });

  it("builds a variant that re-declares another line's Namespace: its copy deleted, its labels patched onto the other", async () => {
    const tree = makeTree();
    const ambient: ExampleSwap = {
      ...kind,
      set: ['proxy.mode=ambient'],
      path: 'common/proxy/overlays/ambient',
      namespaces: [{ name: 'auth', labels: { 'mesh/mode': 'ambient' }, remove: ['gone'] }],
    };
    const [build] = await buildSwappedExamples([ambient], tree, new Kubectl(), 1);
    expect(build?.error).toBeUndefined();
    const objects = toParsedObjects(build?.yaml ?? '', 'x');
    expect(objects.map((o) => o.key)).toEqual([
      'v1 Namespace auth',
      'v1 ConfigMap auth/extra',
      'v1 ConfigMap auth/proxy',
    ]);
    expect(objects[0]?.value).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'auth', labels: { 'mesh/mode': 'ambient' } },
    });
    expect(objects[2]?.value).toMatchObject({ data: { k: 'ambient' } });
    expect(readdirSync(tree).sort()).toEqual(['common', 'example']);
  });

  it('fails on a rendered object that differs from the swapped example/, naming object and field', () => {
    const yaml = [cm('proxy', 'kind'), ns('auth')].join('---\n');
    const same = compareSwappedExample(built(yaml), toParsedObjects(yaml, 'charts'), { known: [] });
    expect(same).toMatchObject({ expected: 2, actual: 2, unexplained: [], explained: [] });
    expect(swappedExampleFailures(same)).toEqual([]);

    // The charts rendered the default's ConfigMap: what a wrong --set key would do.
    const rendered = toParsedObjects([cm('proxy', 'dex'), ns('auth')].join('---\n'), 'charts');
    const differs = compareSwappedExample(built(yaml), rendered, { known: [] });
    // The default example/'s parsed documents reused by text: the same verdict, the
    // documents example/ does not have (the variant's ConfigMap) parsed anew.
    const parsed = new Map([[ns('auth'), toParsedObjects(ns('auth'), 'example')]]);
    expect(compareSwappedExample(built(yaml), rendered, { known: [], parsed })).toEqual(differs);
    expect(swappedExampleFailures(differs)).toEqual([
      'example/ with common/proxy/overlays/kind in place of common/proxy/overlays/dex-only (proxy.m2m=kind): v1 ConfigMap auth/proxy /data/k: example/ has "kind", charts have "dex"',
    ]);
    // An object missing from the charts, and a Namespace without keep.
    const missing = compareSwappedExample(built(yaml), rendered.slice(0, 1), {
      known: [],
      withoutKeep: ['v1 Namespace auth'],
    });
    expect(swappedExampleFailures(missing)).toEqual([
      'example/ with common/proxy/overlays/kind in place of common/proxy/overlays/dex-only (proxy.m2m=kind): v1 Namespace auth: in example/ but not rendered',
      'example/ with common/proxy/overlays/kind in place of common/proxy/overlays/dex-only (proxy.m2m=kind): v1 ConfigMap auth/proxy /data/k: example/ has "kind", charts have "dex"',
      'example/ with common/proxy/overlays/kind in place of common/proxy/overlays/dex-only (proxy.m2m=kind): v1 Namespace auth renders without helm.sh/resource-policy: keep',
    ]);
  });

  it('allows a listed deviation, and does not fail on one that does not occur with the variant', () => {
    const yaml = [cm('proxy', 'kind'), ns('auth')].join('---\n');
    const deviation: KnownDeviation = {
      object: 'v1 ConfigMap auth/proxy',
      pointer: '/data/k',
      example: 'kind',
      charts: 'dex',
      reason: 'test',
    };
    const other: KnownDeviation = { ...deviation, object: 'v1 ConfigMap auth/elsewhere' };
    const rendered = toParsedObjects([cm('proxy', 'dex'), ns('auth')].join('---\n'), 'charts');
    const report = compareSwappedExample(built(yaml), rendered, { known: [deviation, other] });
    expect(report.explained).toEqual([
      { object: 'v1 ConfigMap auth/proxy', pointer: '/data/k', reason: 'test' },
    ]);
    expect(report.unexplained).toEqual([]);
    expect(report.absent).toHaveLength(1);
    expect(swappedExampleFailures(report)).toEqual([]);
    // The deviation matches its exact values only.
    const changed = compareSwappedExample(built(yaml), rendered, {
      known: [{ ...deviation, charts: 'x' }],
    });
    expect(changed.unexplained).toHaveLength(1);
  });
});
