import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Component,
  deriveName,
  type KnownComponent,
  readExample,
  readKnownComponents,
  resolveComponents,
} from '../../src/components.ts';
import { targetsOf } from '../../src/kustomize/example-overlay.ts';
import { thrown } from './helpers.ts';

function writeTemp(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kfcharts-components-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const KUSTOMIZATION = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';

/** A tree whose example/ lists `entries`, each a kustomization. */
function tree(entries: string[], extra = ''): string {
  return writeTemp({
    'example/kustomization.yaml': `${KUSTOMIZATION}${extra}resources:\n${entries.map((e) => `- ../${e}\n`).join('')}`,
    ...Object.fromEntries(entries.map((e) => [`${e}/kustomization.yaml`, KUSTOMIZATION])),
  });
}

const known: KnownComponent[] = [
  {
    name: 'cert-manager',
    description: 'CM',
    paths: ['common/cm/overlays/kubeflow', 'common/cm/base', 'common/cm/issuer/base'],
  },
  {
    name: 'pipelines',
    description: 'KFP',
    paths: ['apps/pipeline/overlays', 'apps/pipeline/upstream/env/multi-user'],
  },
  { name: 'gone', description: 'Gone', paths: ['apps/gone/base'] },
];

describe('readKnownComponents', () => {
  it('reads the real components.yaml: unique names, every path under one name', () => {
    const components = readKnownComponents();
    expect(new Set(components.map((c) => c.name)).size).toBe(components.length);
    const paths = components.flatMap((c) => c.paths);
    expect(new Set(paths).size).toBe(paths.length);
    expect(components.find((c) => c.name === 'cert-manager')?.paths).toEqual([
      'common/cert-manager/overlays/kubeflow',
      'common/cert-manager/base',
      'common/cert-manager/kubeflow-issuer/base',
    ]);
  });

  it('refuses a path listed under two names, naming both', () => {
    const file = join(
      writeTemp({
        'components.yaml':
          'components:\n  - name: a\n    description: A\n    paths: [apps/x]\n  - name: b\n    description: B\n    paths: [apps/x/]\n',
      }),
      'components.yaml',
    );
    const error = thrown(() => readKnownComponents(file));
    expect(error.code).toBe('component-list-invalid');
    expect(error.message).toBe(`${file}: path apps/x is listed for both 'a' and 'b'`);
  });
});

describe('resolveComponents', () => {
  it("takes example/'s entries in order, named by the table; a moved component keeps its name", () => {
    const dir = tree(['common/cm/overlays/kubeflow', 'apps/pipeline/upstream/env/multi-user']);
    const { components, derived, vanished } = resolveComponents(dir, known);
    expect(components.map((c) => [c.name, c.paths])).toEqual([
      ['cert-manager', ['common/cm/overlays/kubeflow']],
      ['pipelines', ['apps/pipeline/upstream/env/multi-user']],
    ]);
    expect(derived).toEqual([]);
    expect(vanished).toEqual([{ name: 'gone', paths: ['apps/gone/base'] }]);
  });

  it('makes one component of entries that share a name (a component split in two)', () => {
    const dir = tree(['common/cm/base', 'common/cm/issuer/base', 'apps/pipeline/overlays']);
    const { components } = resolveComponents(dir, known);
    expect(components.map((c) => [c.name, c.paths])).toEqual([
      ['cert-manager', ['common/cm/base', 'common/cm/issuer/base']],
      ['pipelines', ['apps/pipeline/overlays']],
    ]);
  });

  it('names a path the table does not know and reports it, instead of refusing it', () => {
    const dir = tree([
      'apps/pipeline/overlays',
      'common/networkpolicies/base',
      'apps/new-thing/upstream/overlays/kubeflow',
    ]);
    const { components, derived } = resolveComponents(dir, known);
    expect(derived).toEqual([
      { name: 'networkpolicies', path: 'common/networkpolicies/base' },
      { name: 'new-thing', path: 'apps/new-thing/upstream/overlays/kubeflow' },
    ]);
    expect(components.map((c) => [c.name, c.derived])).toEqual([
      ['pipelines', false],
      ['networkpolicies', true],
      ['new-thing', true],
    ]);
  });

  it("leaves out an optional component whose path the tree lacks, and reports it (the build's drift)", () => {
    const dir = writeTemp({
      'example/kustomization.yaml': `${KUSTOMIZATION}resources:\n- ../apps/pipeline/overlays\n`,
      'apps/pipeline/overlays/kustomization.yaml': KUSTOMIZATION,
      'experimental/ray/overlays/kubeflow/kustomization.yaml': KUSTOMIZATION,
    });
    const optional = [
      { name: 'ray', description: 'Ray', paths: ['experimental/ray/overlays/kubeflow'] },
      { name: 'gone-too', description: 'Gone', paths: ['experimental/gone/base'] },
    ];
    const { components, missingChoices } = resolveComponents(dir, known, undefined, optional);
    expect(components.filter((c) => c.optional).map((c) => c.name)).toEqual(['ray']);
    expect(missingChoices).toEqual([
      { choice: "optional component 'gone-too'", path: 'experimental/gone/base' },
    ]);
  });

  it('refuses an entry that is not in the tree, naming it', () => {
    const dir = writeTemp({
      'example/kustomization.yaml': `${KUSTOMIZATION}resources:\n- ../apps/missing\n`,
    });
    expect(thrown(() => resolveComponents(dir, known)).message).toBe(
      'example/kustomization.yaml lists apps/missing, which is not a kustomization or file in the upstream tree',
    );
  });

  it('refuses entries outside the tree or with characters that could break generated files', () => {
    const up = writeTemp({
      'example/kustomization.yaml': `${KUSTOMIZATION}resources:\n- ../../etc\n`,
    });
    expect(thrown(() => readExample(up)).message).toBe(
      'example/kustomization.yaml lists ../etc, outside the upstream tree',
    );
    const odd = writeTemp({
      'example/kustomization.yaml': `${KUSTOMIZATION}resources:\n- "../apps/a {{ x }}"\n`,
    });
    expect(thrown(() => readExample(odd)).message).toContain(
      'kfcharts takes only letters, digits and ._/+- in a component path',
    );
  });

  it("lists example/'s own transforms and refuses its own generators", () => {
    const withComponents = tree(
      ['apps/pipeline/overlays'],
      'components:\n- ../common/pss\nsortOptions:\n  order: legacy\n',
    );
    expect(readExample(withComponents).transforms).toEqual(['components']);
    const generating = tree(['apps/pipeline/overlays'], 'configMapGenerator:\n- name: x\n');
    expect(thrown(() => readExample(generating)).message).toContain(
      'generates objects of its own (configMapGenerator)',
    );
  });
});

describe('deriveName', () => {
  it.each([
    ['common/networkpolicies/base', 'networkpolicies'],
    ['applications/model-registry/upstream/overlays/kubeflow', 'model-registry'],
    ['experimental/ray/kuberay-operator/overlays/kubeflow', 'kuberay-operator'],
    ['apps/Weird_Name/base', 'weird-name'],
    ['apps/2fast/base', 'c-2fast'],
  ])('%s → %s', (path, name) => {
    expect(deriveName(path, new Set())).toBe(name);
  });

  it("never takes Helm's shared values key `global`", () => {
    const dir = tree(['apps/pipeline/overlays', 'common/global/base']);
    expect(resolveComponents(dir, known).derived).toEqual([
      { name: 'global-2', path: 'common/global/base' },
    ]);
  });

  it('is unique among names taken', () => {
    expect(deriveName('common/dex/base', new Set(['dex', 'dex-2']))).toBe('dex-3');
  });
});

describe('targetsOf (src/kustomize/example-overlay.ts)', () => {
  it('gives every path its own build name, even next to a derived name like a-2', () => {
    const component = (name: string, paths: string[]): Component => ({
      name,
      paths,
      description: name,
      optional: false,
      derived: false,
    });
    const names = targetsOf([component('a', ['x', 'y']), component('a-2', ['z'])]).map(
      (t) => t.name,
    );
    expect(names).toEqual(['a.1', 'a.2', 'a-2']);
    expect(new Set(names).size).toBe(names.length);
  });
});
