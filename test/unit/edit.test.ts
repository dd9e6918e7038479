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
const component: Component = { name: 'app', path: 'app', description: 'app', optional: false };

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
        expect: 1,
        select: selectObject('Deployment', 'ns', 'app'),
        edit: (e) => e.replaceScalar([...env, { name: 'HOST' }, 'value'], (o) => o),
      });
    const [a, b] = [rule('rule-a'), rule('rule-b')];
    const { components } = applyRules([a, b], [{ component, objects: [object] }]);
    expect(() => renderTemplate(components[0]?.objects[0] as ManifestObject)).toThrow(
      "rules 'rule-a' and 'rule-b' change overlapping text of apps/v1 Deployment ns/app",
    );
  });

  it('a rule matching a different count fails naming the rule', () => {
    const rule = templateRule({
      id: 'rule-two',
      description: 'expects two',
      component: 'app',
      expect: 2,
      select: selectObject('Deployment', 'ns', 'app'),
      edit: (e) => e.keepObjectWhen('x'),
    });
    expect(() => applyRules([rule], [{ component, objects: [object] }])).toThrow(
      "rule 'rule-two' expects to change 2 object(s) and matched 1",
    );
  });
});
