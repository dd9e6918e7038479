import { describe, expect, it } from 'vitest';
import type { Component } from '../../src/components.ts';
import { type ManifestObject, splitManifests } from '../../src/manifest/object.ts';
import { ObjectEditor, renderTemplate, selectObject, templateRule } from '../../src/rules/edit.ts';
import { applyRules } from '../../src/rules/rule.ts';

const TEXT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: ns
spec:
  template:
    spec:
      containers:
      - env:
        - name: HOST
          value: db
        image: app:1
        name: app
data:
  config: |
    host: db # {{ not a template }}
`;
const object = splitManifests(TEXT, 'test')[0] as ManifestObject;
const env = ['spec', 'template', 'spec', 'containers', { name: 'app' }, 'env'];
const component: Component = {
  name: 'app',
  paths: ['app'],
  description: 'app',
  optional: false,
  derived: false,
};

function edited(edit: (e: ObjectEditor) => void): string {
  const editor = new ObjectEditor(object, 'test-rule');
  edit(editor);
  return renderTemplate({ ...object, edits: editor.edits });
}

describe('ObjectEditor and renderTemplate', () => {
  it('without edits, the template is the text with {{ escaped', () => {
    expect(edited(() => {})).toBe(TEXT.replace('{{', '{{"{{"}}'));
  });

  it('replaceScalar keeps the original, escaped, as the default branch', () => {
    const out = edited((e) =>
      e.replaceScalar(
        [...env, { name: 'HOST' }, 'value'],
        (o) => `{{ if x }}y{{ else }}${o}{{ end }}`,
      ),
    );
    expect(out).toContain('          value: {{ if x }}y{{ else }}db{{ end }}\n');
  });

  it('append inserts guarded lines at the collection indentation', () => {
    const out = edited((e) => e.append(env, 'c', ['- name: PORT', '  value: "1"']));
    expect(out).toContain(
      '          value: db\n{{ if c }}        - name: PORT\n          value: "1"\n{{ end }}        image: app:1',
    );
  });

  it('append refuses an entry upstream already has', () => {
    expect(() => edited((e) => e.append(env, 'c', ['- name: HOST', '  value: x']))).toThrow(
      'already has HOST',
    );
  });

  it('replaceInScalar insists on the exact number of occurrences', () => {
    expect(() =>
      edited((e) => e.replaceInScalar(['data', 'config'], 'host: db', 2, (o) => o)),
    ).toThrow('holds 1 occurrence(s) of "host: db", expected 2');
  });

  it('a missing path names the path', () => {
    expect(() =>
      edited((e) => e.replaceScalar([...env, { name: 'USER' }, 'value'], (o) => o)),
    ).toThrow('has no spec.template.spec.containers[name=app].env[name=USER].value');
  });

  it('overlapping edits of two rules fail naming both', () => {
    const rule = (id: string) =>
      templateRule({
        id,
        description: id,
        component: 'app',
        select: selectObject('Deployment', 'ns', 'app'),
        edit: (e) => e.replaceScalar([...env, { name: 'HOST' }, 'value'], (o) => o),
      });
    const [a, b] = [rule('rule-a'), rule('rule-b')];
    const { components } = applyRules([a, b], [{ component, objects: [object] }], {
      'rule-a': 1,
      'rule-b': 1,
    });
    expect(() => renderTemplate(components[0]?.objects[0] as ManifestObject)).toThrow(
      "rules 'rule-a' and 'rule-b' change overlapping text of apps/v1 Deployment ns/app",
    );
  });

  it('a rule matching another count than the release data says is drift, named with its source', () => {
    const rule = templateRule({
      id: 'rule-two',
      description: 'expects two',
      component: 'app',
      select: selectObject('Deployment', 'ns', 'app'),
      edit: (e) => e.keepObjectWhen('x'),
    });
    const { drift } = applyRules(
      [{ ...rule, source: 'src/x.ts' }],
      [{ component, objects: [object] }],
      {
        'rule-two': 2,
      },
    );
    expect(drift).toEqual([
      {
        rule: 'rule-two',
        source: 'src/x.ts',
        component: 'app',
        expected: '2 object(s) to change',
        found: '1: app: apps/v1 Deployment ns/app',
      },
    ]);
  });

  it('collects every drift in one pass: a count, an edit that finds no target, a missing expectation', () => {
    const count = templateRule({
      id: 'count',
      description: 'count',
      component: 'app',
      select: selectObject('Deployment', 'ns', 'app'),
      edit: (e) => e.keepObjectWhen('x'),
    });
    const broken = templateRule({
      id: 'broken',
      description: 'changes a field that is not there',
      component: 'app',
      select: selectObject('Deployment', 'ns', 'app'),
      edit: (e) => e.replaceScalar(['spec', 'nothing'], (o) => o),
    });
    const unexpected = templateRule({
      id: 'unexpected',
      description: 'no expectation recorded',
      component: 'app',
      select: selectObject('Deployment', 'ns', 'app'),
      edit: (e) => e.keepObjectWhen('y'),
    });
    const { drift, components } = applyRules(
      [count, broken, unexpected],
      [{ component, objects: [object] }],
      { count: 3, broken: 1 },
    );
    expect(drift.map((d) => d.rule)).toEqual(['count', 'broken', 'unexpected']);
    expect(drift[1]?.object).toBe('apps/v1 Deployment ns/app');
    expect(drift[2]?.expected).toBe('an expectation in the release data');
    // The object a rule could not change is left as that rule found it.
    expect([...new Set(components[0]?.objects[0]?.edits?.map((e) => e.rule))]).toEqual([
      'count',
      'unexpected',
    ]);
  });

  it('an expectation no rule claims (a renamed rule) is drift too', () => {
    const { drift } = applyRules([], [{ component, objects: [object] }], { 'old-name': 1 });
    expect(drift).toEqual([
      {
        rule: 'old-name',
        source: 'release data (expect)',
        component: undefined,
        expected: 'a rule with this id',
        found: 'none: the expectation names no rule',
      },
    ]);
  });

  it('a generic transform reports its count and never drifts', () => {
    const rule = {
      ...templateRule({
        id: 'any',
        description: 'any',
        component: 'app',
        generic: true,
        select: () => true,
        edit: (e) => e.keepObjectWhen('x'),
      }),
    };
    const { drift, findings } = applyRules([rule], [{ component, objects: [object] }], {});
    expect(drift).toEqual([]);
    expect(findings[0]?.matched).toHaveLength(1);
  });
});
