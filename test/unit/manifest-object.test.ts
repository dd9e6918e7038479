import { describe, expect, it } from 'vitest';
import { objectKey, parseYamlStream, splitManifests } from '../../src/manifest/object.ts';
import { thrown } from './helpers.ts';

const LONG = `${'x'.repeat(150)} ${'y'.repeat(150)} {{ not a template }}`;

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app: web
    version: 2
  name: web
  namespace: kubeflow
spec:
  template:
    spec:
      containers:
      - args:
        - --flag=${LONG}
        image: nginx
        name: web
`;

const configMap = `apiVersion: v1
data:
  keep: |
    line one
      indented line
    trailing spaces   

    after an empty line
  strip: |-
    no final newline
  folded: >
    folded text
    more folded
  long: ${LONG}
kind: ConfigMap
metadata:
  name: scripts
  namespace: kubeflow
`;

const namespace = `apiVersion: v1
kind: Namespace
metadata:
  name: kubeflow
`;

const clusterRole = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: kubeflow-admin
rules: []
`;

describe('splitManifests', () => {
  const stream = [deployment, configMap, namespace, clusterRole].join('---\n');

  it('identifies every document of kustomize output', () => {
    const objects = splitManifests(stream, 'build of x');
    expect(
      objects.map(({ apiVersion, kind, name, namespace }) => ({
        apiVersion,
        kind,
        name,
        namespace,
      })),
    ).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'kubeflow' },
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'scripts', namespace: 'kubeflow' },
      { apiVersion: 'v1', kind: 'Namespace', name: 'kubeflow', namespace: undefined },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        name: 'kubeflow-admin',
        namespace: undefined,
      },
    ]);
  });

  it('keeps each document text byte for byte: block scalars and long lines included', () => {
    const objects = splitManifests(stream, 'build of x');
    expect(objects.map((o) => o.text)).toEqual([deployment, configMap, namespace, clusterRole]);
    expect(objects.map((o) => o.text).join('---\n')).toBe(stream);
    const cm = objects[1]?.text ?? '';
    expect(cm).toContain('    trailing spaces   \n\n    after an empty line\n');
    expect(cm).toContain(`  long: ${LONG}\n`);
    expect(LONG.length).toBeGreaterThan(200);
  });

  it('reads labels as strings', () => {
    expect(splitManifests(deployment, 'd')[0]?.labels).toEqual({ app: 'web', version: '2' });
    expect(splitManifests(namespace, 'n')[0]?.labels).toEqual({});
  });

  it('ignores a leading separator and adds the final newline a last document lacks', () => {
    const objects = splitManifests(`---\n${namespace}---\n${clusterRole.trimEnd()}`, 's');
    expect(objects.map((o) => o.text)).toEqual([namespace, clusterRole]);
    expect(splitManifests('  \n', 's')).toEqual([]);
  });

  it('does not split on `---` inside an indented block scalar', () => {
    const text = `apiVersion: v1
kind: ConfigMap
metadata:
  name: md
data:
  doc: |
    ---
    front: matter
    ---
`;
    const objects = splitManifests(`${text}---\n${namespace}`, 's');
    expect(objects.map((o) => o.text)).toEqual([text, namespace]);
  });

  it('refuses a document without metadata.name, naming the source and document number', () => {
    const bad = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: kubeflow\n';
    const error = thrown(() =>
      splitManifests([namespace, clusterRole, bad].join('---\n'), 'kustomize build of katib'),
    );
    expect(error.code).toBe('manifest-invalid');
    expect(error.message).toContain('kustomize build of katib, document 3');
    expect(error.message).toContain('metadata.name');
  });

  it('refuses invalid YAML in an identifying field', () => {
    const error = thrown(() =>
      splitManifests('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a\n', 'src.yaml'),
    );
    expect(error.code).toBe('manifest-invalid');
    expect(error.message).toBe('src.yaml, document 1: invalid YAML');
    expect(error.details).toBeTruthy();
  });
});

describe('parseYamlStream', () => {
  const values = `a: "on"
b: on
c: yes
d: "yes"
e: 0755
f: "0755"
g: "1e3"
h: 2024-01-01
i: 2024-01-01T10:00:00Z
j: off
k: "true"
l: 10
`;

  it('reads YAML 1.1 the way Kubernetes does: unquoted on/yes are booleans, 0755 is octal', () => {
    expect(parseYamlStream(values, 'v')).toEqual([
      {
        a: 'on',
        b: true,
        c: true,
        d: 'yes',
        e: 493,
        f: '0755',
        g: '1e3',
        h: '2024-01-01',
        i: '2024-01-01T10:00:00Z',
        j: false,
        k: 'true',
        l: 10,
      },
    ]);
  });

  it('keeps block scalar values as their YAML meaning', () => {
    const [cm] = parseYamlStream(configMap, 'cm') as [{ data: Record<string, string> }];
    expect(cm.data).toEqual({
      keep: 'line one\n  indented line\ntrailing spaces   \n\nafter an empty line\n',
      strip: 'no final newline',
      folded: 'folded text more folded\n',
      long: LONG,
    });
  });

  it('returns one value per non-empty document', () => {
    const docs = parseYamlStream(`---\n${namespace}---\n---\n${clusterRole}`, 's');
    expect(docs).toEqual([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kubeflow' } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'kubeflow-admin' },
        rules: [],
      },
    ]);
    expect(parseYamlStream('', 's')).toEqual([]);
  });

  it('refuses invalid YAML, naming the source and document number', () => {
    const error = thrown(() => parseYamlStream(`${namespace}---\nkey: [unclosed\n`, 'out.yaml'));
    expect(error.code).toBe('manifest-invalid');
    expect(error.message).toBe('out.yaml, document 2: invalid YAML');
  });
});

describe('objectKey', () => {
  it('formats namespaced and cluster-scoped objects', () => {
    expect(
      objectKey({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'x', namespace: 'kubeflow' }),
    ).toBe('apps/v1 Deployment kubeflow/x');
    expect(objectKey({ apiVersion: 'v1', kind: 'Namespace', name: 'kubeflow' })).toBe(
      'v1 Namespace kubeflow',
    );
    expect(
      objectKey({ apiVersion: 'v1', kind: 'Namespace', name: 'kubeflow', namespace: undefined }),
    ).toBe('v1 Namespace kubeflow');
  });
});
