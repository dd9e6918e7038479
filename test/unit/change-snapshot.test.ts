import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { crdOf } from '../../src/diff/crds.ts';
import { valuesKeysOf } from '../../src/diff/snapshot.ts';

describe('valuesKeysOf', () => {
  it('reads keys inside actions only, under the component unless global', () => {
    const template = [
      '{{ if .Values.global.database.external }}x{{ end }}',
      '{{ index .Values "existingSecret" "key" | quote }}',
      '{{ $.Values.cookieSecret }}',
      'literal {{"{{"}} .Values.global.proxy.image }}',
      '{{ if eq (toString (dig "istio" "mode" "sidecar" ($.Values.global | default dict))) "ambient" }}',
    ].join('\n');
    expect(valuesKeysOf(template, 'dex')).toEqual([
      'dex.cookieSecret',
      'dex.existingSecret.key',
      'global.database.external',
      'global.istio.mode',
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
