import { describe, expect, it } from 'vitest';
import { diffValues, escapePointerToken } from '../../src/verify/diff.ts';

describe('diffValues', () => {
  it('gives no differences for equal values', () => {
    const value = { a: [1, { b: 'x' }], c: null, d: { e: true } };
    expect(diffValues(value, structuredClone(value))).toEqual([]);
    expect(diffValues('x', 'x')).toEqual([]);
    expect(diffValues([], [])).toEqual([]);
  });

  it('escapes `/` as ~1 and `~` as ~0 in pointer tokens', () => {
    const expected = {
      metadata: { annotations: { 'cert-manager.io/inject-ca-from': 'kubeflow/a' } },
    };
    const actual = { metadata: { annotations: { 'cert-manager.io/inject-ca-from': 'x/b' } } };
    expect(diffValues(expected, actual)).toEqual([
      {
        pointer: '/metadata/annotations/cert-manager.io~1inject-ca-from',
        expected: 'kubeflow/a',
        actual: 'x/b',
      },
    ]);
    expect(diffValues({ 'a~/b': 1 }, { 'a~/b': 2 })).toEqual([
      { pointer: '/a~0~1b', expected: 1, actual: 2 },
    ]);
    expect(escapePointerToken('~1')).toBe('~01');
  });

  it('addresses array elements by index and reports the extra tail', () => {
    const expected = { spec: { containers: [{ name: 'a', args: ['--x', '--y'] }] } };
    const actual = { spec: { containers: [{ name: 'a', args: ['--x', '--z', '--w'] }] } };
    expect(diffValues(expected, actual)).toEqual([
      { pointer: '/spec/containers/0/args/1', expected: '--y', actual: '--z' },
      { pointer: '/spec/containers/0/args/2', expected: undefined, actual: '--w' },
    ]);
  });

  it('gives undefined on the side that lacks a key, and lists keys in sorted order', () => {
    expect(diffValues({ b: 1, a: { x: 1 } }, { c: 2, a: {} })).toEqual([
      { pointer: '/a/x', expected: 1, actual: undefined },
      { pointer: '/b', expected: 1, actual: undefined },
      { pointer: '/c', expected: undefined, actual: 2 },
    ]);
  });

  it('reports a change of type at the field itself, and the root as `/`', () => {
    expect(diffValues({ a: [1] }, { a: { 0: 1 } })).toEqual([
      { pointer: '/a', expected: [1], actual: { 0: 1 } },
    ]);
    expect(diffValues({ a: '1' }, { a: 1 })).toEqual([{ pointer: '/a', expected: '1', actual: 1 }]);
    expect(diffValues(1, 2)).toEqual([{ pointer: '/', expected: 1, actual: 2 }]);
  });
});
