import { describe, expect, it } from 'vitest';
import { KfchartsError } from '../../src/errors.ts';
import { splitManifests } from '../../src/manifest/object.ts';
import { checkNamespaces } from '../../src/manifest/scope.ts';

const crd = (kind: string, scope: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${kind.toLowerCase()}s.example.org
spec:
  group: example.org
  names:
    kind: ${kind}
    plural: ${kind.toLowerCase()}s
  scope: ${scope}
`;

function component(name: string, yaml: string) {
  return { name, objects: splitManifests(yaml, name) };
}

describe('checkNamespaces', () => {
  it('accepts built-in cluster-scoped kinds and cluster-scoped custom kinds without a namespace', () => {
    const yaml = [
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n',
      crd('Tenant', 'Cluster'),
      'apiVersion: example.org/v1\nkind: Tenant\nmetadata:\n  name: t\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: a\n',
    ].join('---\n');
    expect(() => checkNamespaces([component('ok', yaml)])).not.toThrow();
  });

  it('accepts a custom kind whose CRD comes from another component', () => {
    expect(() =>
      checkNamespaces([
        component('crds', crd('Tenant', 'Cluster')),
        component('user', 'apiVersion: example.org/v1\nkind: Tenant\nmetadata:\n  name: t\n'),
      ]),
    ).not.toThrow();
  });

  it('refuses a namespaced built-in kind without a namespace, naming component and object', () => {
    const run = () =>
      checkNamespaces([
        component('web', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n'),
      ]);
    expect(run).toThrow(KfchartsError);
    expect(run).toThrow(
      "component 'web': apps/v1 Deployment d has no metadata.namespace but its kind is namespaced",
    );
  });

  it('refuses a namespaced custom kind and a kind with no CRD in the build', () => {
    const namespaced = [
      crd('Widget', 'Namespaced'),
      'apiVersion: example.org/v1\nkind: Widget\nmetadata:\n  name: w\n',
    ];
    expect(() => checkNamespaces([component('w', namespaced.join('---\n'))])).toThrow(
      'its kind is namespaced',
    );
    expect(() =>
      checkNamespaces([
        component('u', 'apiVersion: other.org/v1\nkind: Thing\nmetadata:\n  name: x\n'),
      ]),
    ).toThrow('of unknown scope (no CRD in the build)');
  });
});
