import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { crdOf } from '../../src/diff/crds.ts';
import { parseObjectYaml } from '../../src/diff/fast-yaml.ts';
import { valuesKeysOf } from '../../src/diff/snapshot.ts';
import { KUBERNETES_YAML } from '../../src/manifest/object.ts';

describe('parseObjectYaml reads like yaml with KUBERNETES_YAML', () => {
  const cases = {
    'kustomize style, unindented lists': 'a:\n- name: x\n  v: 1\n- y\nb: c # note\n',
    'YAML 1.1 scalars':
      "a: on\nb: 0755\nc: 1e3\nd: ~\ne: yes\nf: \"on\"\ng: 'it''s'\nh: 2024-01-01\n",
    'block scalars':
      'a: |\n  x\n\n  y\n\nb: |-\n  z\nc: |+\n  k\n\nd: >-\n  f\n  g\ne: |2-\n    lead\n',
    'flow, quoted escapes, multi-line plain':
      'a: [1, "b"]\nb: {c: d}\nc: "x\\ty"\nd: one\n  two\ne: []\n',
    'nested items and comments': 'x:\n  # c\n  - - 1\n    - 2\n  - k: v\n    l:\n    - m\n',
    'anchors fall back': 'a: &x 1\nb: *x\n',
    'quoted keys': '"a b": 1\n\'c\': 2\n',
  };
  for (const [name, text] of Object.entries(cases)) {
    it(name, () => expect(parseObjectYaml(text)).toEqual(parse(text, KUBERNETES_YAML)));
  }
});

describe('valuesKeysOf', () => {
  it('reads keys inside actions only, under the component unless global', () => {
    const template = [
      '{{ if .Values.global.database.external }}x{{ end }}',
      '{{ index .Values "existingSecret" "key" | quote }}',
      '{{ $.Values.cookieSecret }}',
      'literal {{"{{"}} .Values.global.proxy.image }}',
    ].join('\n');
    expect(valuesKeysOf(template, 'dex')).toEqual([
      'dex.cookieSecret',
      'dex.existingSecret.key',
      'global.database.external',
    ]);
  });
});

describe('crdOf', () => {
  it('lists versions with served/storage flags and schema field paths', () => {
    const crd = parse(`
spec:
  group: x.io
  names: {kind: Thing}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        properties:
          spec:
            properties:
              items: {type: array, items: {properties: {image: {type: string}}}}
              labels: {type: object, additionalProperties: {type: string}}
`);
    expect(crdOf(crd)).toEqual({
      group: 'x.io',
      kind: 'Thing',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          fields: ['spec', 'spec.items', 'spec.items[].image', 'spec.labels'],
        },
      ],
    });
  });
});
