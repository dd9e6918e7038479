import { describe, expect, it } from 'vitest';
import type { Component } from '../../src/components.ts';
import { splitManifests } from '../../src/manifest/object.ts';
import { renderTemplate } from '../../src/rules/edit.ts';
import {
  type ChoiceValues,
  comboCondition,
  mergeVariants,
  type VariantBuild,
  variantNamespaces,
} from '../../src/variants.ts';
import { thrown } from './helpers.ts';

const component = (name: string): Component => ({
  name,
  paths: [`common/${name}/base`],
  description: name,
  optional: false,
  derived: false,
});
const cm = (name: string, value: string, namespace = 'auth') =>
  `apiVersion: v1\ndata:\n  k: ${value}\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n`;
const objects = (...texts: string[]) => splitManifests(texts.join('---\n'), 'test');
const m2m: ChoiceValues = {
  component: 'proxy',
  values: [
    { name: 'm2m', default: 'dex-only', choices: ['dex-only', 'kind', 'eks'], description: 'x' },
  ],
};
const builds: VariantBuild[] = [
  { component: 'proxy', index: 1, when: { m2m: 'kind' }, path: 'p/kind' },
  { component: 'proxy', index: 2, when: { m2m: 'eks' }, path: 'p/eks' },
];

describe('variants (src/variants.ts)', () => {
  it('keeps an object the same in every choice unconditioned and wraps each other version in the choices that render it', () => {
    const merged = mergeVariants(
      [{ component: component('proxy'), objects: objects(cm('same', 'a'), cm('differs', 'a')) }],
      builds,
      [
        objects(cm('same', 'a'), cm('differs', 'b'), cm('kind-only', 'c')),
        objects(cm('same', 'a'), cm('differs', 'a')),
      ],
      () => m2m,
    );
    const out = merged[0]?.objects ?? [];
    const byName = (name: string) => out.filter((o) => o.name === name);
    // Identical everywhere: kustomize's text, no edit, the usual file.
    expect(byName('same').map((o) => [renderTemplate(o), o.variant])).toEqual([
      [cm('same', 'a'), undefined],
    ]);
    const dexOrEks = `(or ${comboCondition(m2m, {})} ${comboCondition(m2m, { m2m: 'eks' })} false)`;
    const kind = `(or ${comboCondition(m2m, { m2m: 'kind' })} false)`;
    expect(byName('differs').map((o) => [renderTemplate(o), o.variant])).toEqual([
      [`{{ if ${dexOrEks} }}${cm('differs', 'a')}{{ end }}`, undefined],
      [`{{ if ${kind} }}${cm('differs', 'b')}{{ end }}`, 'variant1'],
    ]);
    expect(byName('kind-only').map((o) => o.variant)).toEqual(['variant1']);
    expect(comboCondition(m2m, { m2m: 'kind' })).toBe('(and (eq (toString $.Values.m2m) "kind"))');
  });

  it('hostile: a variant that renders another component’s object fails by name', () => {
    const error = thrown(() =>
      mergeVariants(
        [
          { component: component('proxy'), objects: objects(cm('p', 'a')) },
          { component: component('ns'), objects: objects(cm('shared', 'a', 'kubeflow')) },
        ],
        [builds[0] as VariantBuild],
        [objects(cm('p', 'a'), cm('shared', 'b', 'kubeflow'))],
        () => m2m,
      ),
    );
    expect(error.message).toContain(
      "variant of 'proxy' (m2m=kind) renders v1 ConfigMap kubeflow/shared, which component 'ns' renders too",
    );
  });
});

describe('variant Namespaces another component renders (src/variants.ts variantNamespaces)', () => {
  const ns = (name: string, labels: Record<string, string>, extra = '') =>
    `apiVersion: v1\nkind: Namespace\nmetadata:\n  labels:\n${Object.entries(labels)
      .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}\n`)
      .join('')}  name: ${name}\n${extra}`;
  const mesh: ChoiceValues = {
    component: 'mesh',
    global: true,
    values: [
      { name: 'mode', default: 'sidecar', choices: ['sidecar', 'ambient'], description: 'x' },
    ],
  };
  const ambient: VariantBuild = {
    component: 'mesh',
    index: 1,
    when: { mode: 'ambient' },
    path: 'm/a',
  };
  const defaults = [
    { component: component('mesh'), objects: objects(cm('c', 'a', 'istio-system')) },
    { component: component('ns'), objects: objects(ns('istio-system', { a: 'b' })) },
  ];

  it('moves the labels onto the owner under the variant condition, and drops the copy', () => {
    const hostile = '{{ fail "x" }}"\n';
    const result = variantNamespaces(
      defaults,
      [ambient],
      [objects(cm('c', 'a', 'istio-system'), ns('istio-system', { a: 'c', x: hostile }))],
      () => mesh,
    );
    expect(result.variantObjects[0]?.map((o) => o.kind)).toEqual(['ConfigMap']);
    expect(result.namespaces.get('istio-system')).toEqual([
      {
        condition: `(or ${comboCondition(mesh, { mode: 'ambient' })} false)`,
        labels: { a: 'c', x: hostile },
        remove: [],
        choices: ['mesh (mode=ambient)'],
      },
    ]);
    expect(comboCondition(mesh, { mode: 'ambient' })).toBe(
      '(and (eq (toString (dig "mesh" "mode" "sidecar" ($.Values.global | default dict))) "ambient"))',
    );
  });

  it('hostile: a non-global variant cannot label another component’s Namespace; one with more than labels stays a collision', () => {
    const error = thrown(() =>
      variantNamespaces(defaults, [ambient], [objects(ns('istio-system', { a: 'c' }))], () => ({
        ...mesh,
        global: undefined as unknown as boolean,
      })),
    );
    expect(error.message).toContain(
      "variant of 'mesh' at m/a labels Namespace istio-system, which component 'ns' renders: its values must be global",
    );
    const withSpec = variantNamespaces(
      defaults,
      [ambient],
      [objects(ns('istio-system', { a: 'c' }, 'spec:\n  finalizers: [kubernetes]\n'))],
      () => mesh,
    );
    expect(withSpec.namespaces.size).toBe(0);
    expect(withSpec.variantObjects[0]?.map((o) => o.kind)).toEqual(['Namespace']);
  });

  it('removeLabels: drops an owner label under the choice; one the owner lacks, or on a Namespace not re-declared, fails by name', () => {
    const drop = (removeLabels: Record<string, string[]>) =>
      variantNamespaces(
        defaults,
        [{ ...ambient, removeLabels }],
        [objects(ns('istio-system', { x: 'y' }))],
        () => mesh,
      );
    expect(drop({ 'istio-system': ['a'] }).namespaces.get('istio-system')?.[0]?.remove).toEqual([
      'a',
    ]);
    expect(thrown(() => drop({ 'istio-system': ['gone'] })).message).toContain(
      "removeLabels names gone of Namespace istio-system, which 'ns' does not set",
    );
    expect(thrown(() => drop({ kubeflow: ['a'] })).message).toContain(
      'removeLabels names Namespace kubeflow, which the path does not re-declare',
    );
  });
});
