import { describe, expect, it } from 'vitest';
import {
  signingRef,
  signingRefs,
  targetsFromJson,
  targetsFromLog,
} from '../../src/publish/signing.ts';
import { thrown } from './helpers.ts';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'a'.repeat(64)}`;

describe('signing targets for cosign', () => {
  it("reads `kfcharts push`'s lines, ignoring everything else", () => {
    const log = [
      '> kfcharts@0.1.0 kfcharts',
      '> node src/cli/main.ts push oci://ghcr.io/owner/kfcharts',
      '',
      `  oci://ghcr.io/owner/kfcharts/kubeflow:26.3.0  ${D1}`,
      `  oci://ghcr.io/owner/kfcharts/kubeflow-crds:26.3.0  ${D2}`,
      'pushed 2 charts from /home/runner/work/kfcharts/dist/packages',
    ].join('\n');
    expect(signingRefs(targetsFromLog(log), 2)).toEqual([
      `ghcr.io/owner/kfcharts/kubeflow-crds@${D2}`,
      `ghcr.io/owner/kfcharts/kubeflow@${D1}`,
    ]);
  });

  it("reads helm push's Pushed:/Digest: pairs", () => {
    const log = [
      'Pushed: ghcr.io/owner/kfcharts/kubeflow:26.3.0',
      `Digest: ${D1}`,
      `Digest: ${D2}`, // no Pushed: before it: not a chart of ours
      'Pushed: localhost:5000/charts/kubeflow-runtimes:26.3.0',
      `Digest: ${D2}`,
    ].join('\n');
    expect(targetsFromLog(log)).toEqual([
      { reference: 'ghcr.io/owner/kfcharts/kubeflow:26.3.0', digest: D1 },
      { reference: 'localhost:5000/charts/kubeflow-runtimes:26.3.0', digest: D2 },
    ]);
    expect(
      signingRef({ reference: 'localhost:5000/charts/kubeflow-runtimes:26.3.0', digest: D2 }),
    ).toBe(`localhost:5000/charts/kubeflow-runtimes@${D2}`);
  });

  it('reads pushed.json as a list or as {charts}', () => {
    const list = [
      { reference: 'oci://ghcr.io/o/kfcharts/kubeflow:26.3.0', digest: D1, file: 'x.tgz' },
    ];
    expect(targetsFromJson(JSON.stringify(list))).toEqual([
      { reference: 'ghcr.io/o/kfcharts/kubeflow:26.3.0', digest: D1 },
    ]);
    expect(targetsFromJson(JSON.stringify({ charts: list }))).toHaveLength(1);
    expect(thrown(() => targetsFromJson('[{"reference":"x:1","digest":"md5:1"}]')).message).toMatch(
      /entry 0/,
    );
    expect(thrown(() => targetsFromJson('{"nope":1}')).code).toBe('usage');
    expect(thrown(() => targetsFromJson('not json')).code).toBe('usage');
  });

  it('fails unless every package has exactly one digest', () => {
    const one = targetsFromLog(`  oci://ghcr.io/o/kfcharts/kubeflow:26.3.0  ${D1}`);
    const error = thrown(() => signingRefs(one, 7));
    expect(error.code).toBe('packages-missing');
    expect(error.message).toBe('found 1 pushed chart digest(s) for 7 package(s)');
    expect(thrown(() => signingRefs([], 1)).details).toBe('(none)');
    expect(
      thrown(() => signingRef({ reference: 'ghcr.io/o/kfcharts/kubeflow', digest: D1 })).code,
    ).toBe('usage');
  });
});
