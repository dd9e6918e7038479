import { isDeepStrictEqual } from 'node:util';
import type { KnownDeviation } from '../upstream/lock.ts';
import type { SetComparison } from './objects.ts';

export type { KnownDeviation };

export interface DeviationCheck {
  /** Differences from example/ that the file explains. */
  readonly explained: { object: string; pointer: string; reason: string }[];
  /** Differences the file does not explain: each one fails verify. */
  readonly unexplained: string[];
  /** Entries that no longer occur (or occur with other values): each one fails verify. */
  readonly stale: string[];
}

/**
 * Matches the charts-vs-example comparison against the known deviations. An entry must
 * match object, pointer and both values exactly, so a changed deviation is not waved through.
 */
export function checkDeviations(
  comparison: SetComparison,
  known: readonly KnownDeviation[],
): DeviationCheck {
  const used = new Set<KnownDeviation>();
  const explained: DeviationCheck['explained'] = [];
  const unexplained: string[] = [
    ...comparison.missing.map((k) => `${k}: in example/ but not rendered`),
    ...comparison.extra.map((k) => `${k}: rendered but not in example/`),
  ];
  for (const { key, diffs } of comparison.different) {
    for (const diff of diffs) {
      const entry = known.find(
        (d) =>
          d.object === key &&
          d.pointer === diff.pointer &&
          isDeepStrictEqual(d.example ?? undefined, diff.expected) &&
          isDeepStrictEqual(d.charts ?? undefined, diff.actual),
      );
      if (entry) {
        used.add(entry);
        explained.push({ object: key, pointer: diff.pointer, reason: entry.reason });
      } else {
        unexplained.push(
          `${key} ${diff.pointer}: example/ has ${show(diff.expected)}, charts have ${show(diff.actual)}`,
        );
      }
    }
  }
  const stale = known
    .filter((d) => !used.has(d))
    .map(
      (d) => `${d.object} ${d.pointer}: listed in the release data's deviations but does not occur`,
    );
  return { explained, unexplained, stale };
}

function show(value: unknown): string {
  return value === undefined ? '(absent)' : JSON.stringify(value);
}
