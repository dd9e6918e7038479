import { describe, expect, it } from 'vitest';
import { signingRef, signingRefs, targetsFromJson } from '../../src/publish/signing.ts';
import { thrown } from './helpers.ts';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'a'.repeat(64)}`;

describe('signing targets for cosign', () => {
  it('reads the pushed.json that kfcharts push writes', () => {
    const list = [
      { reference: 'oci://ghcr.io/o/kfcharts/kubeflow:26.3.0', digest: D1, file: 'x.tgz' },
      { reference: 'oci://localhost:5000/charts/kubeflow-runtimes:26.3.0', digest: D2 },
    ];
    const targets = targetsFromJson(JSON.stringify(list));
    expect(targets).toEqual([
      { reference: 'ghcr.io/o/kfcharts/kubeflow:26.3.0', digest: D1 },
      { reference: 'localhost:5000/charts/kubeflow-runtimes:26.3.0', digest: D2 },
    ]);
    expect(signingRefs(targets, 2)).toEqual([
      `ghcr.io/o/kfcharts/kubeflow@${D1}`,
      `localhost:5000/charts/kubeflow-runtimes@${D2}`,
    ]);
    expect(thrown(() => targetsFromJson('[{"reference":"x:1","digest":"md5:1"}]')).message).toMatch(
      /entry 0/,
    );
    expect(thrown(() => targetsFromJson('{"charts":[]}')).code).toBe('usage');
    expect(thrown(() => targetsFromJson('not json')).code).toBe('usage');
  });

  it('fails unless every package has exactly one digest', () => {
    const one = targetsFromJson(
      JSON.stringify([{ reference: 'ghcr.io/o/kfcharts/kubeflow:26.3.0', digest: D1 }]),
    );
    const error = thrown(() => signingRefs(one, 7));
    expect(error.code).toBe('packages-missing');
    expect(error.message).toBe('found 1 pushed chart digest(s) for 7 package(s)');
    expect(thrown(() => signingRefs([], 1)).details).toBe('(none)');
    expect(
      thrown(() => signingRef({ reference: 'ghcr.io/o/kfcharts/kubeflow', digest: D1 })).code,
    ).toBe('usage');
  });
});
