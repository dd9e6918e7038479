import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { buildCharts } from '../../src/build.ts';
import { snapshotOf } from '../../src/diff/index.ts';
import { defaultPaths } from '../../src/paths.ts';
import { resolveUpstream } from '../../src/upstream/resolve.ts';
import {
  copyWithPvc,
  DASHBOARD,
  editFile,
  projectRoot,
  releasesWithOneMorePvc,
  runCli,
  tempDir,
} from './helpers.ts';

/**
 * `kfcharts diff` between two copies of the pinned 26.03 tree, the second changed in
 * known ways: a Deployment selector, an image tag, a CRD version dropped and a PVC
 * renamed. Upstream's own PVCs are all targeted by values rules (a rename would fail the
 * build), so both sides get an extra PVC in Central Dashboard (and the PVC keep rule one
 * more to match) and `to` renames it.
 */
let pinnedTree: string;
let report: string;

const PROFILE_CRD = 'applications/profiles/upstream/crd/bases/kubeflow.org_profiles.yaml';

beforeAll(async () => {
  pinnedTree = (await resolveUpstream({ paths: defaultPaths() })).dir;
  const root = tempDir('change-report');
  const from = copyWithPvc(pinnedTree, root, 'from', 'dashboard-data');
  const to = copyWithPvc(pinnedTree, root, 'to', 'dashboard-data-v2');
  editFile(to, `${DASHBOARD}/deployment.yaml`, (t) =>
    t
      .replace(/matchLabels:\n {6}app: centraldashboard\n/, '$&      tier: web\n')
      .replace(/labels:\n {8}app: centraldashboard\n/, '$&        tier: web\n'),
  );
  editFile(to, `${DASHBOARD}/kustomization.yaml`, (t) =>
    t.replace(/newTag: v1\.10\.0/, 'newTag: v1.10.1'),
  );
  editFile(to, PROFILE_CRD, (t) => {
    const doc = parseDocument(t);
    const versions = doc.getIn(['spec', 'versions']) as { items: { get(k: string): unknown }[] };
    const index = versions.items.findIndex((v) => v.get('name') === 'v1beta1');
    doc.deleteIn(['spec', 'versions', index]);
    return String(doc);
  });
  // The keep rule counts PVCs: one more on both sides.
  const releases = releasesWithOneMorePvc(root);
  const out = join(root, 'report.md');
  const result = await runCli(['diff', from, to, '--releases', releases, '--out', out]);
  expect(result.stderr).not.toContain('error');
  expect(result.code).toBe(0);
  report = readFileSync(out, 'utf8');
});

describe('kfcharts diff between two changed copies of 26.03', () => {
  it('reports the selector change as upgrade-breaking, with the old and new selector', () => {
    const entry = report
      .split('\n')
      .find((l) =>
        l.startsWith('- `apps/v1 Deployment kubeflow/centraldashboard`: `spec.selector`:'),
      );
    expect(entry).toBeDefined();
    const [before, after] = (entry as string).split(' → ');
    expect(before).not.toContain('"tier":"web"');
    expect(after).toContain('"tier":"web"');
  });

  it('reports the image tag change per repository', () => {
    expect(report).toContain(
      '- `ghcr.io/kubeflow/kubeflow/central-dashboard`: `v1.10.0` → `v1.10.1` (central-dashboard)',
    );
    expect(report).toContain(
      '`spec.template.spec.containers[centraldashboard].image`: `ghcr.io/kubeflow/kubeflow/central-dashboard:v1.10.0` → `ghcr.io/kubeflow/kubeflow/central-dashboard:v1.10.1`',
    );
  });

  it('reports the CRD version removed, in the CRD section and as upgrade-breaking', () => {
    expect(report).toMatch(/- `profiles\.kubeflow\.org` \([\w-]+\): versions removed: v1beta1/);
    expect(report).toContain(
      '- `CustomResourceDefinition profiles.kubeflow.org`: `spec.versions[v1beta1]`: `v1beta1 (served)` → `(removed)`',
    );
  });

  it('reports the PVC rename as data loss', () => {
    expect(report).toContain(
      '- `v1 PersistentVolumeClaim kubeflow/dashboard-data`: `metadata.name`: `dashboard-data` → `dashboard-data-v2`',
    );
  });

  it('reports nothing else as upgrade-breaking', () => {
    expect(report).toContain('| **upgrade-breaking changes** | **3** |');
  });
});

describe('snapshot of the pinned build', () => {
  it('holds every object of the build, as JSON data', async () => {
    const result = await buildCharts({ paths: defaultPaths(), log: () => {} });
    const snapshot = snapshotOf(result);
    expect(snapshot.objects).toHaveLength(
      result.components.reduce((n, c) => n + c.objects.length, 0),
    );
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  });
});

describe('docs/upgrades/v1.11.0-to-26.03.md', () => {
  it('is what `kfcharts diff v1.11.0 26.03` writes today, and names images, CRDs and upgrade-breaking changes', async () => {
    const out = join(tempDir('upgrade-doc'), 'report.md');
    const run = await runCli(['diff', 'v1.11.0', '26.03', '--out', out]);
    expect(run.code).toBe(0);
    const committed = readFileSync(join(projectRoot, 'docs/upgrades/v1.11.0-to-26.03.md'), 'utf8');
    expect(readFileSync(out, 'utf8')).toBe(committed);
    // Checked by a separate script over `kustomize build example` of both trees: 32
    // repositories change tag or digest in `image:` fields, and 5 more are named only in
    // ConfigMaps, env and args (KServe's agent and router, KFP's driver and launcher,
    // cert-manager's ACME solver), and Istio's injected sidecar moves from 1.28.0 to
    // 1.29.0 in the injector's config while the gateways keep 1.28.0; KServe adds 4 CRDs;
    // no workload selector, binding roleRef, Service clusterIP, StatefulSet claim template
    // or PVC spec changes, and no CRD version or PVC goes away. With the optional
    // components and variants (docs/choices.md) the report counts their images too.
    expect(committed).toContain('| images | 45 changed, 14 added, 1 removed |');
    expect(committed).toContain(
      '- `gcr.io/istio-release/proxyv2`: `1.28.0` → `1.28.0`, `1.29.0` (cluster-local-gateway, istio)',
    );
    expect(committed).toContain(
      '- `docker.io/kserve/kserve-controller`: `v0.15.2` → `v0.16.0` (kserve)',
    );
    expect(committed).toContain(
      '- added `llminferenceservices.serving.kserve.io` (kserve; versions v1alpha1)',
    );
    expect(committed).toContain('## 7. Upgrade-breaking changes\n\nNo changes.');
  }, 300_000);
});
