import { describe, expect, it } from 'vitest';
import { emitCharts } from '../../src/chart/emit.ts';
import { comment } from '../../src/chart/values.ts';
import type { ReleasePlan } from '../../src/release/plan.ts';
import { thrown } from './helpers.ts';

describe('text that reaches generated files', () => {
  it('hostile: emitCharts refuses a tag that did not pass the entry checks', () => {
    const error = thrown(() =>
      emitCharts({
        tag: '1.0 {{ fail "x" }}',
        chartRevision: 0,
        treeSha256: '0',
        components: [],
        plan: { releases: [] } as unknown as ReleasePlan,
      }),
    );
    expect(error.code).toBe('tag-invalid');
    expect(error.message).toBe(
      `charts: upstream tag "1.0 {{ fail \\"x\\" }}" is not a valid tag (letters, digits, '.', '_', '+', '-'; at most 64 characters, starting with a letter or digit)`,
    );
  });

  it('hostile: a values.yaml comment stays one line whatever line break the text holds', () => {
    expect(comment('a\nb: 1\r\nc\u0085d\u2028e\u2029f', '  ')).toBe('  # a b: 1  c d e f');
  });
});
