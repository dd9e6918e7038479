import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultPaths } from '../../src/paths.ts';
import { resolveUpstream } from '../../src/upstream/resolve.ts';
import { runCli, snapshot, tempDir } from './helpers.ts';

/**
 * Rule drift: the next upstream release changes an object a values rule edits. The build
 * must fail and name the rule, not ship charts where a value silently stopped working.
 * Each case copies the pinned 26.03 tree, changes one upstream file and runs
 * `kfcharts build --manifests` (kustomize re-runs only for the changed component).
 */
let pinnedTree: string;

beforeAll(async () => {
  const tree = await resolveUpstream({ paths: defaultPaths() });
  pinnedTree = tree.dir;
});

async function buildChanged(file: string, edit: (text: string) => string) {
  const root = tempDir('drift');
  const manifests = join(root, 'manifests-26.03');
  cpSync(pinnedTree, manifests, { recursive: true });
  const path = join(manifests, file);
  const before = readFileSync(path, 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  writeFileSync(path, after);
  const dist = join(root, 'dist');
  const result = await runCli(['build', '--manifests', manifests], { KFCHARTS_DIST_DIR: dist });
  return { ...result, dist };
}

describe('values rules fail loudly when upstream drifts', () => {
  it('a field a rule edits is gone: the build names the rule, the object and the field', async () => {
    const r = await buildChanged(
      'applications/pipeline/upstream/base/installs/generic/pipeline-install-config.yaml',
      (t) => t.replace(/^ {2}dbHost: mysql/m, '  databaseHost: mysql'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "rule 'database-pipeline-install-config' cannot change v1 ConfigMap kubeflow/pipeline-install-config of component 'pipelines': has no data.dbHost",
    );
    expect(snapshot(r.dist).size).toBe(0);
  });

  it('an object a rule removes was renamed: the build names the rule and the counts', async () => {
    const r = await buildChanged('applications/katib/upstream/components/mysql/service.yaml', (t) =>
      t.replace(/^ {2}name: katib-mysql$/m, '  name: katib-database'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "rule 'database-katib-in-cluster-mysql' expects to change 3 object(s) and matched 2",
    );
  });
});
