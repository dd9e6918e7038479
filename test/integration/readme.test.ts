import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCharts } from '../../src/build.ts';
import { VALUES_REFERENCE_DOC } from '../../src/chart/docs-figures.ts';
import { valuesReference, withValuesReference } from '../../src/chart/values-reference.ts';
import { defaultPaths, projectRoot } from '../../src/paths.ts';

/** An integration test: which charts hold a component is computed by the plan of a build. */
describe('values reference (docs/configuration.md)', () => {
  it('is the one generated from the build of the newest pinned release (run `npm run docs`)', async () => {
    const readme = readFileSync(resolve(projectRoot, VALUES_REFERENCE_DOC), 'utf8');
    const result = await buildCharts({ paths: defaultPaths() });
    const reference = valuesReference(
      result.components.map((c) => c.component),
      result.plan,
    );
    expect(withValuesReference(readme, reference)).toBe(readme);
    expect(reference).toContain('| `katib.enabled` | boolean | `true` |');
    expect(reference).toContain('`kubeflow-crds`, `kubeflow`');
    expect(reference).toContain('| `cert-manager.enabled` | boolean | `true` | cert-manager');
  }, 120_000);
});
