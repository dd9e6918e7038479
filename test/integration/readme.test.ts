import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { valuesReference, withValuesReference } from '../../src/chart/values-reference.ts';
import { readComponentList } from '../../src/components.ts';
import { projectRoot } from '../../src/paths.ts';
import { readReleaseLayout } from '../../src/release/plan.ts';

describe('README values reference', () => {
  it('is the one generated from components.yaml and releases.yaml (run `npm run docs`)', () => {
    const readme = readFileSync(resolve(projectRoot, 'README.md'), 'utf8');
    const reference = valuesReference(readComponentList(), readReleaseLayout());
    expect(withValuesReference(readme, reference)).toBe(readme);
    expect(reference).toContain('| `katib.enabled` | boolean | `true` |');
    expect(reference).toContain('`kubeflow-crds`, `kubeflow`');
    expect(reference).toContain('| `cert-manager.enabled` | boolean | `true` | cert-manager');
  });
});
