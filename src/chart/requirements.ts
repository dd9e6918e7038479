import { KfchartsError } from '../errors.ts';
import type { ReleasePlan } from '../release/plan.ts';
import type { Drift } from '../rules/rule.ts';
import type { Requirement } from '../upstream/lock.ts';
import type { Schema } from '../values/schema.ts';

/**
 * Components that cannot work without another (release data `choices.requires`,
 * docs/choices.md). A chart that holds both refuses the first enabled without the second,
 * in its values schema and again in a template for values that skip the schema. Helm
 * validates a chart's merged values, so both `enabled` keys are there (values.yaml has
 * every component the chart holds); a key set to null counts as on, as for Helm's
 * dependency condition.
 */

/** Each chart's requirements: those whose two components it both holds. */
export function requirementsByChart(
  plan: ReleasePlan,
  requires: readonly Requirement[],
): Map<string, Requirement[]> {
  const holders = (component: string) =>
    plan.releases
      .filter((r) => r.components.some((c) => c.component.name === component))
      .map((r) => r.name);
  const byChart = new Map<string, Requirement[]>();
  for (const r of requires) {
    const mine = holders(r.component);
    const theirs = holders(r.needs);
    const both = mine.filter((chart) => theirs.includes(chart));
    if (both.length === 0) {
      throw new KfchartsError(
        'layout-invalid',
        `release data requirement '${r.component} needs ${r.needs}': no chart holds both (${r.component}: ${mine.join(', ') || 'none'}; ${r.needs}: ${theirs.join(', ') || 'none'}), so no values schema can refuse one without the other; change the requirement in the release data (choices.requires) or the release layout (releases.yaml)`,
      );
    }
    for (const chart of both) byChart.set(chart, [...(byChart.get(chart) ?? []), r]);
  }
  return byChart;
}

/** The chart's values schema with an if/then per requirement, its `why` as description. */
export function withRequirements(schema: object, requires: readonly Requirement[]): object {
  if (requires.length === 0) return schema;
  const enabled = (value: boolean): Schema => ({ properties: { enabled: { const: value } } });
  const existing = (schema as { allOf?: readonly object[] }).allOf ?? [];
  return {
    ...schema,
    allOf: [
      ...existing,
      ...requires.map((r) => ({
        description: `${r.component}.enabled needs ${r.needs}.enabled: ${r.why}`,
        // Without `required`: a component whose block or `enabled` is missing is on.
        if: { properties: { [r.component]: enabled(true) } },
        // Helm prints neither description, but both print an enum's values: the reason as a
        // second, impossible value (`enabled` is a boolean) puts it in the error message.
        // biome-ignore lint/suspicious/noThenProperty: a JSON-schema keyword, not a thenable
        then: {
          properties: {
            [r.needs]: {
              properties: {
                enabled: {
                  enum: [
                    true,
                    `true, as ${r.component}.enabled needs ${r.needs}.enabled: ${r.why}`,
                  ],
                },
              },
            },
          },
        },
      })),
    ],
  };
}

/**
 * templates/kfcharts-requires.yaml of a chart: fails the render on a requirement the values
 * break. Names and reasons are release data (pattern-checked names, one-line reasons), each
 * a JSON string, which is a Go string literal; the message prints no user value.
 */
export function requirementChecks(requires: readonly Requirement[]): string {
  const entries = requires
    .map((r) => `(list ${[r.component, r.needs, r.why].map((s) => JSON.stringify(s)).join(' ')})`)
    .join(' ');
  const message = JSON.stringify(
    '%[1]s.enabled needs %[2]s.enabled (enable %[2]s or disable %[1]s): %[3]s',
  );
  return [
    "{{- /* Components that cannot work without another (kfcharts, docs/choices.md); the values schema refuses them too. Missing or null `enabled` is on, as for Helm's condition. */ -}}",
    `{{- range $r := list ${entries} }}`,
    '{{- $on := include "kfcharts.lookup" (list $.Values (printf "%s.enabled" (index $r 0))) | fromJson }}',
    '{{- $needs := include "kfcharts.lookup" (list $.Values (printf "%s.enabled" (index $r 1))) | fromJson }}',
    '{{- if and (ne (toString (get $on "v")) "false") (eq (toString (get $needs "v")) "false") }}',
    `{{- fail (printf ${message} (index $r 0) (index $r 1) (index $r 2)) }}`,
    '{{- end }}',
    '{{- end }}',
    '',
  ].join('\n');
}

/**
 * Each requirement rests on text in its components' manifests (`evidence`): where a
 * component of this build lacks it, the requirement may no longer hold, and the reviewer
 * re-checks it (drift, docs/choices.md). `manifests` is a component's kustomize output,
 * undefined when the build has no such component (nothing to check).
 */
export function requirementEvidenceDrift(
  requires: readonly Requirement[],
  source: string,
  manifests: (component: string) => string | undefined,
): Drift[] {
  return requires.flatMap((r) =>
    r.evidence.flatMap((e) => {
      const text = manifests(e.component);
      if (text === undefined || text.includes(e.text)) return [];
      return [
        {
          rule: 'choices-requires',
          source,
          component: e.component,
          expected: `${e.component}'s manifests contain ${JSON.stringify(e.text)}, evidence that ${r.component} needs ${r.needs}`,
          found: 'not found: re-check the requirement (its why and evidence) in the release data',
        },
      ];
    }),
  );
}
