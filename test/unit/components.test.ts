import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Component,
  checkComponentsAgainstTree,
  readComponentList,
} from '../../src/components.ts';
import { thrown } from './helpers.ts';

function writeTemp(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kfcharts-components-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function listFile(body: string): string {
  return join(writeTemp({ 'components.yaml': body }), 'components.yaml');
}

describe('readComponentList', () => {
  it('reads the real components.yaml: 27 components in example/ order, none optional', () => {
    const components = readComponentList();
    expect(components.map((c) => c.name)).toEqual([
      'cert-manager',
      'istio-crds',
      'istio-namespace',
      'istio',
      'oauth2-proxy',
      'dex',
      'knative-serving',
      'cluster-local-gateway',
      'kubeflow-namespace',
      'kubeflow-roles',
      'kubeflow-istio-resources',
      'pipelines',
      'katib',
      'central-dashboard',
      'admission-webhook',
      'jupyter-web-app',
      'notebook-controller',
      'profiles',
      'pvcviewer-controller',
      'volumes-web-app',
      'tensorboard-controller',
      'tensorboards-web-app',
      'trainer',
      'user-namespace',
      'kserve',
      'models-web-app',
      'spark-operator',
    ]);
    expect(components.every((c) => c.optional === false)).toBe(true);
    expect(components[0]).toEqual({
      name: 'cert-manager',
      path: 'common/cert-manager/overlays/kubeflow',
      description: "cert-manager and Kubeflow's self-signed ClusterIssuer",
      optional: false,
    });
  });

  it('normalizes paths and defaults optional to false', () => {
    const file = listFile(`components:
  - name: a
    path: apps/x/../a
    description: A
  - name: b
    path: apps/b
    description: B
    optional: true
`);
    expect(readComponentList(file)).toEqual([
      { name: 'a', path: 'apps/a', description: 'A', optional: false },
      { name: 'b', path: 'apps/b', description: 'B', optional: true },
    ]);
  });

  const a = '  - name: a\n    path: apps/a\n    description: A\n';
  it.each([
    [
      'a duplicate name',
      `components:\n${a}  - name: a\n    path: apps/b\n    description: B\n`,
      "component name 'a' appears twice",
    ],
    [
      'a duplicate path',
      `components:\n${a}  - name: b\n    path: apps/./a\n    description: B\n`,
      "component path 'apps/a' appears twice",
    ],
    [
      'an uppercase name',
      'components:\n  - name: Web\n    path: apps/web\n    description: W\n',
      '/components/0/name: must match pattern',
    ],
    [
      'an underscore in a name',
      `components:\n${a}  - name: web_app\n    path: apps/web\n    description: W\n`,
      '/components/1/name: must match pattern',
    ],
    [
      'an unknown key',
      'components:\n  - name: a\n    path: apps/a\n    description: A\n    enabled: true\n',
      "/components/0: must NOT have additional properties 'enabled'",
    ],
    [
      // A description lands in values.yaml comments: a newline could add YAML keys there.
      'a newline in a description',
      'components:\n  - name: a\n    path: apps/a\n    description: "A\\nglobal: {x: 1}"\n',
      '/components/0/description: must match pattern',
    ],
    [
      'a missing description',
      'components:\n  - name: a\n    path: apps/a\n',
      "/components/0: must have required property 'description'",
    ],
  ])('refuses %s', (_what, body, problem) => {
    const file = listFile(body);
    const error = thrown(() => readComponentList(file));
    expect(error.code).toBe('component-list-invalid');
    expect(`${error.message}\n${error.details ?? ''}`).toContain(problem);
    expect(error.message).toContain(file);
  });

  it('refuses a file that does not exist', () => {
    const error = thrown(() => readComponentList('/nonexistent/components.yaml'));
    expect(error.code).toBe('component-list-invalid');
    expect(error.message).toContain('/nonexistent/components.yaml');
  });
});

describe('checkComponentsAgainstTree', () => {
  const kustomization = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';
  const tree = writeTemp({
    'example/kustomization.yaml': `${kustomization}resources:\n- ../apps/a\n- ../apps/b\n`,
    'apps/a/kustomization.yaml': kustomization,
    'apps/b/kustomization.yaml': kustomization,
    'apps/c/kustomization.yaml': kustomization,
    'apps/empty/README.md': 'no kustomization here\n',
  });
  const component = (name: string, path: string, optional = false): Component => ({
    name,
    path,
    description: name,
    optional,
  });
  const a = component('a', 'apps/a');
  const b = component('b', 'apps/b');
  const check = (components: Component[]) => () =>
    checkComponentsAgainstTree(components, tree, 'list.yaml');

  it("accepts a list that covers example/'s resources exactly", () => {
    expect(check([a, b])).not.toThrow();
  });

  it('treats a trailing slash in example/ or in the list as the same path', () => {
    const slashed = writeTemp({
      'example/kustomization.yaml': `${kustomization}resources:\n- ../apps/a/\n`,
      'apps/a/kustomization.yaml': kustomization,
    });
    expect(() => checkComponentsAgainstTree([a], slashed, 'list.yaml')).not.toThrow();
    const listed = readComponentList(
      listFile('components:\n  - name: a\n    path: apps/a/\n    description: a\n'),
    );
    expect(listed.map((c) => c.path)).toEqual(['apps/a']);
  });

  it('accepts an optional component that example/ does not list', () => {
    expect(check([a, b, component('c', 'apps/c', true)])).not.toThrow();
  });

  it('refuses a non-optional component that example/ does not list, naming it', () => {
    const error = thrown(check([a, b, component('c', 'apps/c')]));
    expect(error.code).toBe('component-list-invalid');
    expect(error.message).toContain("component 'c' (apps/c) is not in upstream's example/");
  });

  it('refuses a component whose path has no kustomization', () => {
    const error = thrown(check([a, b, component('empty', 'apps/empty', true)]));
    expect(error.code).toBe('component-list-invalid');
    expect(error.message).toBe(
      "component 'empty': upstream has no kustomization at apps/empty (list.yaml)",
    );
  });

  it('refuses a list that misses an example/ entry, naming its path', () => {
    const error = thrown(check([a]));
    expect(error.code).toBe('component-list-invalid');
    expect(error.message).toBe(
      'example/kustomization.yaml lists apps/b, which no component in list.yaml covers',
    );
  });
});
