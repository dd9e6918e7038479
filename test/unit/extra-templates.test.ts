import { describe, expect, it } from 'vitest';
import { extraTemplateDirs } from '../../src/chart/emit.ts';
import type { ReleasePlan } from '../../src/release/plan.ts';

/** A plan of releases holding components by name (what extraTemplateDirs reads). */
const plan = (releases: Record<string, string[]>) =>
  ({
    releases: Object.entries(releases).map(([name, components]) => ({
      name,
      components: components.map((c) => ({ component: { name: c } })),
    })),
  }) as unknown as ReleasePlan;

describe('hand-written templates (charts/templates/<component>/<release>/)', () => {
  it('sorts them into used, misplaced (component in another release) and absent', () => {
    const dirs = extraTemplateDirs(
      plan({ 'kubeflow-platform': ['dex', 'kubeflow-istio-resources'], other: ['pipelines'] }),
    );
    expect(dirs.used).toEqual([
      'charts/templates/dex/kubeflow-platform/',
      'charts/templates/kubeflow-istio-resources/kubeflow-platform/',
    ]);
    expect(dirs.misplaced).toEqual(['charts/templates/pipelines/kubeflow/']);
    expect(dirs.absent).toContain('charts/templates/katib/kubeflow/');
  });
});
