import { describe, expect, it } from 'vitest';
import {
  requirementChecks,
  requirementEvidenceDrift,
  requirementsByChart,
} from '../../src/chart/requirements.ts';
import type { Component } from '../../src/components.ts';
import { NO_DECISIONS, type ReleasePlan } from '../../src/release/plan.ts';

const NEEDS = {
  component: 'knative-serving',
  needs: 'cluster-local-gateway',
  why: 'its Service selects only the pods of cluster-local-gateway',
  evidence: [{ component: 'knative-serving', text: 'istio: cluster-local-gateway' }],
};

/** A plan of charts holding the named components, without objects. */
function plan(charts: Record<string, string[]>): ReleasePlan {
  return {
    decisions: NO_DECISIONS,
    releases: Object.entries(charts).map(([name, components], index) => ({
      name,
      description: name,
      index,
      components: components.map((c) => ({
        component: { name: c, paths: [], description: c, optional: false } as unknown as Component,
        objects: [],
      })),
    })),
  };
}

describe('release data requirements (choices.requires)', () => {
  it('go to every chart that holds both components, and only there', () => {
    const byChart = requirementsByChart(
      plan({
        crds: ['knative-serving'],
        platform: ['knative-serving', 'cluster-local-gateway'],
        apps: ['knative-serving'],
      }),
      [NEEDS],
    );
    expect([...byChart]).toEqual([['platform', [NEEDS]]]);
  });

  it('fail the build, naming the requirement and where each component is, when no chart holds both', () => {
    const split = plan({ crds: ['knative-serving'], platform: ['cluster-local-gateway'] });
    expect(() => requirementsByChart(split, [NEEDS])).toThrow(
      "release data requirement 'knative-serving needs cluster-local-gateway': no chart holds both (knative-serving: crds; cluster-local-gateway: platform)",
    );
    expect(() => requirementsByChart(plan({ crds: ['knative-serving'] }), [NEEDS])).toThrow(
      '(knative-serving: crds; cluster-local-gateway: none)',
    );
  });

  it('the template carries release data only as Go string literals', () => {
    const text = requirementChecks([{ ...NEEDS, why: 'a "quoted" {{ .Values.x }} %s reason' }]);
    expect(text).toContain('"a \\"quoted\\" {{ .Values.x }} %s reason"');
    // The reason is an argument of printf, never its format.
    expect(text).toContain('(index $r 2))');
  });
});

describe('requirement evidence (release data choices.requires[].evidence)', () => {
  it('is drift where a component of the build lacks it; absent components are not checked', () => {
    const manifests = (texts: Record<string, string>) => (c: string) => texts[c];
    expect(
      requirementEvidenceDrift(
        [NEEDS],
        'upstream/x.yaml',
        manifests({ 'knative-serving': 'a\n    istio: cluster-local-gateway\n' }),
      ),
    ).toEqual([]);
    expect(requirementEvidenceDrift([NEEDS], 'upstream/x.yaml', manifests({}))).toEqual([]);
    expect(
      requirementEvidenceDrift(
        [NEEDS],
        'upstream/x.yaml',
        manifests({ 'knative-serving': 'istio: knative-local-gateway' }),
      ),
    ).toEqual([
      {
        rule: 'choices-requires',
        source: 'upstream/x.yaml',
        component: 'knative-serving',
        expected:
          'knative-serving\'s manifests contain "istio: cluster-local-gateway", evidence that knative-serving needs cluster-local-gateway',
        found: 'not found: re-check the requirement (its why and evidence) in the release data',
      },
    ]);
  });
});
