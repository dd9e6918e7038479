import { describe, expect, it } from 'vitest';
import { KfchartsError } from '../../src/errors.ts';
import { splitManifests } from '../../src/manifest/object.ts';
import { namespacedWithoutNamespace } from '../../src/manifest/scope.ts';
import { defaultNamespaceRule } from '../../src/rules/default-namespace.ts';
import { applyRules } from '../../src/rules/rule.ts';
import { exampleCrd } from './helpers.ts';

const crd = exampleCrd;

function component(name: string, yaml: string) {
  return { name, objects: splitManifests(yaml, name) };
}

/** The objects of `components` without a namespace that the policy gives one. */
function unset(components: ReturnType<typeof component>[]): string[] {
  const isNamespaced = namespacedWithoutNamespace(components);
  return components.flatMap((c) =>
    c.objects.filter(isNamespaced).map((o) => `${c.name}: ${o.kind} ${o.name}`),
  );
}

describe('namespacedWithoutNamespace', () => {
  it('passes built-in cluster-scoped kinds and cluster-scoped custom kinds without a namespace', () => {
    const yaml = [
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n',
      crd('Tenant', 'Cluster'),
      'apiVersion: example.org/v1\nkind: Tenant\nmetadata:\n  name: t\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: a\n',
    ].join('---\n');
    expect(unset([component('ok', yaml)])).toEqual([]);
  });

  it('knows a custom kind whose CRD comes from another component', () => {
    expect(
      unset([
        component('crds', crd('Tenant', 'Cluster')),
        component('user', 'apiVersion: example.org/v1\nkind: Tenant\nmetadata:\n  name: t\n'),
      ]),
    ).toEqual([]);
  });

  it('finds namespaced built-in and custom kinds without a namespace', () => {
    expect(
      unset([
        component('web', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n'),
        component(
          'w',
          [
            crd('Widget', 'Namespaced'),
            'apiVersion: example.org/v1\nkind: Widget\nmetadata:\n  name: w\n',
          ].join('---\n'),
        ),
      ]),
    ).toEqual(['web: Deployment d', 'w: Widget w']);
  });

  it('refuses a kind with no CRD in the build, naming component and object', () => {
    const run = () =>
      namespacedWithoutNamespace([
        component('u', 'apiVersion: other.org/v1\nkind: Thing\nmetadata:\n  name: x\n'),
      ]);
    expect(run).toThrow(KfchartsError);
    expect(run).toThrow(
      "component 'u': other.org/v1 Thing x has no metadata.namespace and its kind is of unknown scope (no CRD in the build)",
    );
  });
});

describe('default-namespace rule', () => {
  it('puts a namespaced object upstream leaves without a namespace in default, after its name', () => {
    const web = component(
      'web',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    a: b\n  name: params\ndata:\n  x: y\n',
    );
    const rule = defaultNamespaceRule(namespacedWithoutNamespace([web]));
    const { components, findings } = applyRules(
      [rule],
      [
        {
          component: {
            name: 'web',
            paths: ['web'],
            description: 'web',
            optional: false,
            derived: false,
          },
          objects: web.objects,
        },
      ],
    );
    const object = components[0]?.objects[0];
    expect(object?.namespace).toBe('default');
    expect(object?.text).toBe(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    a: b\n  name: params\n  namespace: default\ndata:\n  x: y\n',
    );
    expect(findings[0]?.matched).toEqual(['web: v1 ConfigMap params']);
  });
});
