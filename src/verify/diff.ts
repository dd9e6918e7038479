/** One field that differs between two objects, addressed by an RFC 6901 JSON pointer. */
export interface FieldDiff {
  readonly pointer: string;
  /** undefined: absent on that side. */
  readonly expected: unknown;
  readonly actual: unknown;
}

export function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Field-level differences, deepest first-differing fields only, in key order. */
export function diffValues(expected: unknown, actual: unknown, pointer = ''): FieldDiff[] {
  if (Object.is(expected, actual)) return [];
  if (isRecord(expected) && isRecord(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
    return keys.flatMap((k) =>
      diffValues(expected[k], actual[k], `${pointer}/${escapePointerToken(k)}`),
    );
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const length = Math.max(expected.length, actual.length);
    return Array.from({ length }, (_, i) =>
      diffValues(expected[i], actual[i], `${pointer}/${i}`),
    ).flat();
  }
  return [{ pointer: pointer || '/', expected, actual }];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
