import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type BuildResult, buildCharts } from '../../src/build.ts';
import { HOOK_IMAGE } from '../../src/chart/upgrade-hooks.ts';
import { diffSnapshots, snapshotOf } from '../../src/diff/index.ts';
import { listImages } from '../../src/images.ts';
import { defaultPaths } from '../../src/paths.ts';
import { Helm } from '../../src/tools/helm.ts';
import { Kubectl } from '../../src/tools/kubectl.ts';
import { pinnedTags } from '../../src/upstream/lock.ts';
import { resolveUpstream } from '../../src/upstream/resolve.ts';
import { type FakeObject, type FakeResource, startFakeApiServer } from './fake-api-server.ts';
import { copyWithPvc, DASHBOARD, editFile, releasesWithOneMorePvc, tempDir } from './helpers.ts';

/**
 * Upgrade hooks (src/chart/upgrade-hooks.ts). (a) Between the two newest pinned releases
 * the change report finds no upgrade-breaking change, and the charts render no hook.
 * (b) The mechanism, on a synthetic next release: a copy of the newest pinned tree with a
 * changed Deployment selector, a changed RoleBinding roleRef and a renamed PVC, upgrading
 * from a copy that has the old PVC (as in change-report.test.ts).
 */
const RELEASE = 'kubeflow';
const helm = new Helm();

function writeFiles(result: BuildResult, dir: string): void {
  for (const [path, text] of result.files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

type Doc = {
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  rules?: { resources: string[]; resourceNames: string[]; verbs: string[] }[];
  spec?: {
    template: {
      spec: { containers: { image: string; command: string[]; env: { value: string }[] }[] };
    };
  };
};

function hooksOf(rendered: string): Doc[] {
  return parseAllDocuments(rendered)
    .map((d) => d.toJS() as Doc)
    .filter((d) => d?.metadata?.annotations?.['helm.sh/hook'] === 'pre-upgrade');
}

describe('between the two newest pinned releases', () => {
  it('finds no upgrade-breaking change and renders no hook', async () => {
    const [from, to] = pinnedTags().slice(-2) as [string, string];
    const paths = defaultPaths();
    const previous = await buildCharts({ paths, tag: from, upgradeFrom: 'none' });
    const current = await buildCharts({ paths, tag: to });
    const report = diffSnapshots(snapshotOf(previous), snapshotOf(current));
    // The plan the build takes from the release data (kfcharts diff --record) is the one
    // planned from the two builds now.
    const live = await buildCharts({ paths, tag: to, upgradeFrom: from });
    expect(current.upgrade).toEqual(live.upgrade);
    for (const r of [previous, current, live]) r.tree.dispose();
    expect(report.breaking).toEqual([]);
    expect(current.upgrade?.from).toBe(from);
    expect(current.upgrade?.deletions).toEqual([]);
    expect(current.upgrade?.manual).toEqual([]);
    expect([...current.files.keys()].filter((f) => f.includes('upgrade-hooks'))).toEqual([]);
    expect(listImages(current.components, current.upgrade)).not.toContain(HOOK_IMAGE);
  });
});

describe('a synthetic next release', () => {
  let result: BuildResult;
  let charts: string;
  beforeAll(async () => {
    const pinned = (await resolveUpstream({ paths: defaultPaths() })).dir;
    const root = tempDir('upgrade-hooks');
    const copy = (name: string, pvc: string) => copyWithPvc(pinned, root, name, pvc);
    const from = copy('from', 'dashboard-data');
    const to = copy('to', 'dashboard-data-v2');
    editFile(to, `${DASHBOARD}/deployment.yaml`, (t) =>
      t
        .replace(/matchLabels:\n {6}app: centraldashboard\n/, '$&      tier: web\n')
        .replace(/labels:\n {8}app: centraldashboard\n/, '$&        tier: web\n'),
    );
    editFile(to, `${DASHBOARD}/role-binding.yaml`, (t) =>
      t.replace(
        / {2}kind: Role\n {2}name: centraldashboard/,
        '  kind: ClusterRole\n  name: centraldashboard',
      ),
    );
    const releases = releasesWithOneMorePvc(root);
    result = await buildCharts({
      paths: defaultPaths(),
      manifests: to,
      releasesFile: releases,
      upgradeFrom: from,
    });
    charts = join(root, 'charts');
    writeFiles(result, charts);
    result.tree.dispose();
  });

  it('deletes exactly the Deployment and the RoleBinding, RBAC limited to their names', async () => {
    expect(result.upgrade?.deletions.map((d) => d.object).sort()).toEqual([
      'apps/v1 Deployment kubeflow/centraldashboard',
      'rbac.authorization.k8s.io/v1 RoleBinding kubeflow/centraldashboard',
    ]);
    const hooks = hooksOf(
      await helm.template(join(charts, RELEASE), { releaseName: 'kf', namespace: 'kfcharts' }),
    );
    expect(hooks.map((h) => `${h.kind} ${h.metadata.namespace}/${h.metadata.name}`)).toEqual([
      'ServiceAccount kfcharts/kfcharts-upgrade-kubeflow',
      'Role kubeflow/kfcharts-upgrade-kubeflow',
      'RoleBinding kubeflow/kfcharts-upgrade-kubeflow',
      'Job kfcharts/kfcharts-upgrade-kubeflow',
    ]);
    const role = hooks.find((h) => h.kind === 'Role') as Doc;
    expect(role.rules).toEqual([
      {
        apiGroups: ['apps'],
        resources: ['deployments'],
        resourceNames: ['centraldashboard'],
        verbs: ['get', 'delete'],
      },
      {
        apiGroups: ['rbac.authorization.k8s.io'],
        resources: ['rolebindings'],
        resourceNames: ['centraldashboard'],
        verbs: ['get', 'delete'],
      },
    ]);
    for (const h of hooks) {
      expect(h.metadata.annotations?.['helm.sh/hook-delete-policy']).toBe(
        'before-hook-creation,hook-succeeded',
      );
    }
    const job = hooks.find((h) => h.kind === 'Job') as Doc;
    const container = job.spec?.template.spec.containers[0];
    expect(container?.image).toBe(HOOK_IMAGE);
    const targets = JSON.parse(container?.env[0]?.value ?? '[]') as { name: string }[];
    expect(targets.map((t) => t.name)).toEqual(['centraldashboard', 'centraldashboard']);
    // The PVC is never a target.
    expect(JSON.stringify(hooks)).not.toContain('persistentvolumeclaims');
    expect(JSON.stringify(targets)).not.toContain('dashboard-data');
  });

  it('names the renamed PVC in NOTES only, as a manual step', async () => {
    expect(result.upgrade?.manual.map((m) => `${m.object} ${m.field}`)).toEqual([
      'v1 PersistentVolumeClaim kubeflow/dashboard-data metadata.name',
    ]);
    // NOTES.txt is not part of `helm template`'s output: its text, with no action around these lines.
    const text = result.files.get(`${RELEASE}/templates/NOTES.txt`) as string;
    expect(text).toContain('Manual action, before `helm upgrade`');
    expect(text).toContain('v1 PersistentVolumeClaim kubeflow/dashboard-data metadata.name');
    expect(text).toContain('apps/v1 Deployment kubeflow/centraldashboard: spec.selector changed');
  });

  it('pulls the hook image through global.imageRegistry and lists it in kfcharts images', async () => {
    const hooks = hooksOf(
      await helm.template(join(charts, RELEASE), {
        releaseName: 'kf',
        namespace: 'kfcharts',
        set: ['global.imageRegistry=mirror.example.com/kf'],
      }),
    );
    const job = hooks.find((h) => h.kind === 'Job') as Doc;
    expect(job.spec?.template.spec.containers[0]?.image).toBe(
      `mirror.example.com/kf/${HOOK_IMAGE}`,
    );
    expect(listImages(result.components, result.upgrade)).toContain(HOOK_IMAGE);
  });

  it('renders the same twice (what a rollback re-applies)', async () => {
    const options = { releaseName: 'kf', namespace: 'kfcharts' };
    const a = await helm.template(join(charts, RELEASE), options);
    const b = await helm.template(join(charts, RELEASE), options);
    expect(a).toBe(b);
  });

  // The script needs jq (the hook image has it); .ci/run installs it, so CI never skips this.
  const hasJq = spawnSync('jq', ['--version']).status === 0;
  if (!hasJq && !process.env.CI)
    console.warn('skipping the hook script tests of upgrade-hooks.test.ts: jq not found');
  describe.runIf(hasJq || process.env.CI)(
    "the hook Job's script, run with kubectl and jq against a fake API server",
    () => {
      type Target = {
        what: string;
        name: string;
        namespace?: string;
        fields: { path: string[]; from?: unknown; to?: unknown }[];
      };
      const RESOURCES: FakeResource[] = [
        { groupVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
        {
          groupVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          plural: 'rolebindings',
          namespaced: true,
        },
      ];
      let command: string[] = [];
      let targets: Target[] = [];
      /** The rendered Job's command and targets (the charts are built by the outer beforeAll). */
      async function readJob(): Promise<void> {
        if (command.length > 0) return;
        const job = hooksOf(
          await helm.template(join(charts, RELEASE), { releaseName: 'kf', namespace: 'kfcharts' }),
        ).find((h) => h.kind === 'Job') as Doc;
        const container = job.spec?.template.spec.containers[0];
        command = container?.command ?? [];
        targets = JSON.parse(container?.env[0]?.value ?? '[]') as Target[];
      }

      /** A live object holding, for each changed field, the old (`from`) or new (`to`) value. */
      function live(t: Target, side: 'from' | 'to'): FakeObject {
        const [resource] = t.what.split('.');
        const r = RESOURCES.find((x) => x.plural === resource) as FakeResource;
        const o: Record<string, unknown> = {
          apiVersion: r.groupVersion,
          kind: r.kind,
          metadata: { name: t.name, namespace: t.namespace, labels: { extra: 'kept' } },
        };
        for (const f of t.fields) {
          let node = o;
          for (const key of f.path.slice(0, -1)) {
            node[key] ??= {};
            node = node[key] as Record<string, unknown>;
          }
          node[f.path.at(-1) as string] = f[side];
        }
        return o as unknown as FakeObject;
      }

      async function run(
        objects: (t: Target) => FakeObject | undefined,
      ): Promise<{ deletes: string[]; requests: string[]; log: string }> {
        await readJob();
        const dir = tempDir('hook-script');
        const live = targets.flatMap((t) => objects(t) ?? []);
        // A deleted object answers one more GET, as while its finalizers run.
        const server = await startFakeApiServer(dir, RESOURCES, live, { lingerAfterDelete: 1 });
        try {
          const kubectl = new Kubectl();
          const { stdout } = await promisify(execFile)(command[0] as string, command.slice(1), {
            env: {
              PATH: `${dirname(kubectl.path)}:${process.env.PATH}`,
              HOME: dir,
              KUBECONFIG: server.kubeconfig,
              TARGETS: JSON.stringify(targets),
            },
          });
          const requests = server.requests;
          return { deletes: requests.filter((r) => r.startsWith('DELETE')), requests, log: stdout };
        } finally {
          await server.close();
        }
      }

      it('deletes each target that still holds the old value, and waits until it is gone', async () => {
        const { deletes, requests, log } = await run((t) => live(t, 'from'));
        expect(targets).toHaveLength(2);
        // After each DELETE the script asks again until the object is gone: two GETs here.
        for (const d of deletes) {
          const after = requests.slice(requests.indexOf(d) + 1);
          const path = d.replace('DELETE ', 'GET ');
          expect({ d, gets: after.filter((r) => r === path).length }).toEqual({ d, gets: 2 });
        }
        expect(deletes.sort()).toEqual([
          'DELETE /apis/apps/v1/namespaces/kubeflow/deployments/centraldashboard',
          'DELETE /apis/rbac.authorization.k8s.io/v1/namespaces/kubeflow/rolebindings/centraldashboard',
        ]);
        expect(log).toContain(
          'deleting (the upgrade recreates it): deployments.apps centraldashboard',
        );
      });

      it('leaves targets that already hold the new value (a rerun), and absent ones (an install)', async () => {
        const rerun = await run((t) => live(t, 'to'));
        expect(rerun.deletes).toEqual([]);
        expect(rerun.log.match(/already as the new release has it/g)).toHaveLength(2);
        const fresh = await run(() => undefined);
        expect(fresh.deletes).toEqual([]);
        expect(fresh.log.match(/absent, nothing to do/g)).toHaveLength(2);
      });
    },
  );
});
