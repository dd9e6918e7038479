import { kib } from './crds.ts';
import type { PlanDecisions } from './plan.ts';

/** The plan's decisions as lines for the build report. */
export function describeDecisions(d: PlanDecisions): string[] {
  const lines: string[] = [];
  for (const r of d.crdReleases) {
    const parts = r.components.map(
      (c) => `${c.component} ${kib(c.estimatedBytes)}${c.pinned ? ' (pinned)' : ''}`,
    );
    lines.push(
      `${r.release}: CRDs estimated at ${kib(r.estimatedBytes)} of ${kib(r.budgetBytes)} KiB: ${parts.join(', ')}`,
    );
  }
  for (const l of d.layers) {
    for (const c of l.components.filter((x) => x.why !== undefined))
      lines.push(`${l.release}: ${c.component} ${c.why}`);
  }
  for (const m of d.moves)
    lines.push(`${m.release}: ${m.id} moves ${m.objects.length} object(s): ${m.why}`);
  if (d.derivedNames.length > 0) lines.push(`derived release names: ${d.derivedNames.join(', ')}`);
  if (d.unusedNames.length > 0) lines.push(`unused release names: ${d.unusedNames.join(', ')}`);
  return lines;
}
