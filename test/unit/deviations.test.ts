import { describe, expect, it } from 'vitest';
import { checkDeviations, type KnownDeviation } from '../../src/verify/deviations.ts';
import type { SetComparison } from '../../src/verify/objects.ts';

const CRD = 'apiextensions.k8s.io/v1 CustomResourceDefinition jobsets.jobset.x-k8s.io';
const POINTER = '/metadata/annotations/cert-manager.io~1inject-ca-from';

const entry: KnownDeviation = {
  object: CRD,
  pointer: POINTER,
  example: 'kubeflow/pvcviewer-serving-cert',
  charts: '$(CERTIFICATE_NAMESPACE)/$(CERTIFICATE_NAME)',
  reason: 'global vars leak across components in example/',
};

function comparison(parts: Partial<SetComparison>): SetComparison {
  return { expected: 10, actual: 10, missing: [], extra: [], different: [], ...parts };
}

const differsAsListed = comparison({
  different: [
    {
      key: CRD,
      diffs: [
        {
          pointer: POINTER,
          expected: 'kubeflow/pvcviewer-serving-cert',
          actual: '$(CERTIFICATE_NAMESPACE)/$(CERTIFICATE_NAME)',
        },
      ],
    },
  ],
});

describe('checkDeviations', () => {
  it('explains a difference that an entry matches exactly', () => {
    expect(checkDeviations(differsAsListed, [entry])).toEqual({
      explained: [{ object: CRD, pointer: POINTER, reason: entry.reason }],
      unexplained: [],
      stale: [],
    });
  });

  it('a clean comparison with no entries is clean', () => {
    expect(checkDeviations(comparison({}), [])).toEqual({
      explained: [],
      unexplained: [],
      stale: [],
    });
  });

  it('does not wave through the same pointer with another value; the entry is then stale', () => {
    const changed = comparison({
      different: [
        {
          key: CRD,
          diffs: [{ pointer: POINTER, expected: 'kubeflow/other-cert', actual: entry.charts }],
        },
      ],
    });
    const result = checkDeviations(changed, [entry]);
    expect(result.explained).toEqual([]);
    expect(result.unexplained).toEqual([
      `${CRD} ${POINTER}: example/ has "kubeflow/other-cert", charts have "$(CERTIFICATE_NAMESPACE)/$(CERTIFICATE_NAME)"`,
    ]);
    expect(result.stale).toEqual([
      `${CRD} ${POINTER}: listed in the release data's deviations but does not occur`,
    ]);
  });

  it('does not match an entry for another object with the same pointer and values', () => {
    const other = { ...entry, object: 'apiextensions.k8s.io/v1 CustomResourceDefinition x.y' };
    const result = checkDeviations(differsAsListed, [other]);
    expect(result.explained).toEqual([]);
    expect(result.unexplained).toHaveLength(1);
    expect(result.stale).toEqual([
      `apiextensions.k8s.io/v1 CustomResourceDefinition x.y ${POINTER}: listed in the release data's deviations but does not occur`,
    ]);
  });

  it('reports an entry for an object that does not differ as stale', () => {
    expect(checkDeviations(comparison({}), [entry])).toEqual({
      explained: [],
      unexplained: [],
      stale: [`${CRD} ${POINTER}: listed in the release data's deviations but does not occur`],
    });
  });

  it('reports missing and extra objects as unexplained', () => {
    const result = checkDeviations(
      comparison({ missing: ['v1 Namespace a'], extra: ['v1 ConfigMap kubeflow/b'] }),
      [],
    );
    expect(result.unexplained).toEqual([
      'v1 Namespace a: in example/ but not rendered',
      'v1 ConfigMap kubeflow/b: rendered but not in example/',
    ]);
    expect(result.explained).toEqual([]);
  });

  it('matches structured values deeply, and null in an entry as an absent field', () => {
    const pointer = '/spec/template/spec/containers/0/env';
    const added = comparison({
      different: [
        {
          key: 'apps/v1 Deployment kubeflow/x',
          diffs: [
            { pointer, expected: undefined, actual: [{ name: 'A', value: '1' }] },
            { pointer: '/metadata/labels/b', expected: 'x', actual: 'y' },
          ],
        },
      ],
    });
    const known: KnownDeviation = {
      object: 'apps/v1 Deployment kubeflow/x',
      pointer,
      example: null,
      charts: [{ name: 'A', value: '1' }],
      reason: 'the component build sets env that example/ does not',
    };
    const result = checkDeviations(added, [known]);
    expect(result.explained).toEqual([
      { object: 'apps/v1 Deployment kubeflow/x', pointer, reason: known.reason },
    ]);
    expect(result.unexplained).toEqual([
      'apps/v1 Deployment kubeflow/x /metadata/labels/b: example/ has "x", charts have "y"',
    ]);
    expect(result.stale).toEqual([]);

    const otherEnv = { ...known, charts: [{ name: 'A', value: '2' }] };
    expect(checkDeviations(added, [otherEnv]).explained).toEqual([]);
  });
});
