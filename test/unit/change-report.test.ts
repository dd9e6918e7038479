import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { changedFields } from '../../src/diff/fields.ts';
import { diffSnapshots, renderChangeReport } from '../../src/diff/index.ts';
import type { ReleaseSnapshot, SnapshotCrd, SnapshotObject } from '../../src/diff/snapshot.ts';
import { objectKey } from '../../src/manifest/object.ts';

/** A snapshot object from YAML; component and release default to `app` / `apps`. */
function obj(yaml: string, extra: Partial<SnapshotObject> = {}): SnapshotObject {
  const value = parse(yaml) as {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
  };
  const id = {
    apiVersion: value.apiVersion,
    kind: value.kind,
    name: value.metadata.name,
    namespace: value.metadata.namespace,
  };
  return {
    component: 'app',
    release: 'apps',
    key: objectKey(id),
    ...id,
    ...(id.namespace === undefined && { namespace: undefined }),
    value,
    valuesKeys: [],
    ...extra,
  } as SnapshotObject;
}

function snap(parts: Partial<ReleaseSnapshot> & { tag: string }): ReleaseSnapshot {
  return {
    components: [{ name: 'app', paths: ['apps/app'] }],
    objects: [],
    images: [],
    crds: [],
    ...parts,
  };
}

function diff(from: Partial<ReleaseSnapshot>, to: Partial<ReleaseSnapshot>) {
  return diffSnapshots(snap({ tag: 'v1', ...from }), snap({ tag: 'v2', ...to }));
}

const deployment = (selector: string, image = 'ghcr.io/x/app:v1') =>
  obj(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ns}
spec:
  selector: {matchLabels: {app: ${selector}}}
  template:
    spec:
      containers:
      - {name: sidecar, image: ghcr.io/x/sidecar:v1}
      - {name: manager, image: ${image}}
`);

describe('field paths', () => {
  it('names list items by their name and stops at the shallowest difference', () => {
    const a = deployment('web').value;
    const b = deployment('web', 'ghcr.io/x/app:v2').value;
    expect(changedFields(a, b)).toEqual([
      {
        path: 'spec.template.spec.containers[manager].image',
        from: 'ghcr.io/x/app:v1',
        to: 'ghcr.io/x/app:v2',
      },
    ]);
    expect(changedFields({ m: { 'a.b/c': 1 } }, { m: {} })).toEqual([
      { path: 'm["a.b/c"]', from: 1, to: undefined },
    ]);
    expect(changedFields({ l: [1, 2] }, { l: [1, 3] })).toEqual([{ path: 'l[1]', from: 2, to: 3 }]);
  });
});

describe('components', () => {
  it('reports added, removed, moved (new path) and renamed (same path) components', () => {
    const r = diff(
      {
        components: [
          { name: 'a', paths: ['x/a'] },
          { name: 'b', paths: ['x/b'] },
          { name: 'c', paths: ['x/c'] },
        ],
      },
      {
        components: [
          { name: 'a', paths: ['y/a'] },
          { name: 'b2', paths: ['x/b'] },
          { name: 'd', paths: ['x/d'] },
        ],
      },
    );
    expect(r.components).toEqual({
      added: [{ name: 'd', paths: ['x/d'] }],
      removed: [{ name: 'c', paths: ['x/c'] }],
      moved: [{ name: 'a', from: ['x/a'], to: ['y/a'] }],
      renamed: [{ from: 'b', to: 'b2', paths: ['x/b'] }],
    });
  });
});

describe('objects', () => {
  const cm = (name: string, data: string) =>
    obj(
      `{apiVersion: v1, kind: ConfigMap, metadata: {name: ${name}, namespace: ns}, data: {k: ${data}}}`,
    );

  it('reports added, removed and changed objects with counts per component', () => {
    const r = diff(
      { objects: [cm('same', 'a'), cm('edited', 'a'), cm('gone', 'a')] },
      { objects: [cm('same', 'a'), cm('edited', 'b'), cm('new', 'a')] },
    );
    expect(r.objects.added.map((o) => o.key)).toEqual(['v1 ConfigMap ns/new']);
    expect(r.objects.removed.map((o) => o.key)).toEqual(['v1 ConfigMap ns/gone']);
    expect(r.objects.changed.map((o) => [o.key, o.fields.map((f) => f.path)])).toEqual([
      ['v1 ConfigMap ns/edited', ['data.k']],
    ]);
    expect(r.objects.perComponent).toEqual([
      { component: 'app', added: 1, removed: 1, changed: 1 },
    ]);
    expect(r.breaking).toEqual([]);
  });

  it('matches an object across an apiVersion bump of the same group', () => {
    const old = obj('{apiVersion: x.io/v1beta1, kind: Thing, metadata: {name: t}}');
    const now = obj('{apiVersion: x.io/v1, kind: Thing, metadata: {name: t}}');
    const r = diff({ objects: [old] }, { objects: [now] });
    expect(r.objects.changed).toMatchObject([
      { key: 'x.io/v1 Thing t', fromKey: 'x.io/v1beta1 Thing t', fields: [{ path: 'apiVersion' }] },
    ]);
    expect(r.breaking).toEqual([]);
  });

  it('caps the fields listed per object in the Markdown', () => {
    const data = (v: string) =>
      Object.fromEntries(
        Array.from({ length: 20 }, (_, i) => [`k${String(i).padStart(2, '0')}`, v]),
      );
    const a = obj('{apiVersion: v1, kind: ConfigMap, metadata: {name: big}}');
    const b = { ...a, value: { ...(a.value as object), data: data('b') } };
    const c = { ...a, value: { ...(a.value as object), data: data('c') } };
    const md = renderChangeReport(diff({ objects: [b] }, { objects: [c] }));
    expect(md).toContain('`v1 ConfigMap big` (app): 20 field(s)');
    expect(md).toContain('`data.k07`: `b` → `c`');
    expect(md).not.toContain('data.k08');
    expect(md).toContain('… and 12 more field(s)');
  });
});

describe('images', () => {
  it('reports old → new per repository, added and removed repositories', () => {
    const img = (image: string) => ({ image, component: 'app', object: 'o' });
    const r = diff(
      { images: [img('ghcr.io/x/app:v1'), img('ghcr.io/x/old:v1'), img('ghcr.io/x/same:v1')] },
      { images: [img('ghcr.io/x/app:v2'), img('ghcr.io/x/new:v1'), img('ghcr.io/x/same:v1')] },
    );
    expect(r.images.changed).toEqual([
      { repository: 'ghcr.io/x/app', from: ['v1'], to: ['v2'], components: ['app'] },
    ]);
    expect(r.images.added.map((i) => i.repository)).toEqual(['ghcr.io/x/new']);
    expect(r.images.removed.map((i) => i.repository)).toEqual(['ghcr.io/x/old']);
    expect(renderChangeReport(r)).toContain('- `ghcr.io/x/app`: `v1` → `v2` (app)');
  });
});

const crd = (versions: SnapshotCrd['versions']): SnapshotCrd => ({
  name: 'things.x.io',
  component: 'app',
  group: 'x.io',
  kind: 'Thing',
  versions,
});
const version = (name: string, storage: boolean, fields: string[], served = true) => ({
  name,
  served,
  storage,
  fields,
});

describe('CRDs', () => {
  it('reports versions added and removed, the storage version and removed schema fields', () => {
    const r = diff(
      {
        crds: [
          crd([
            version('v1alpha1', false, ['spec']),
            version('v1beta1', true, ['spec', 'spec.a', 'spec.b']),
          ]),
        ],
      },
      {
        crds: [crd([version('v1beta1', false, ['spec', 'spec.a']), version('v1', true, ['spec'])])],
      },
    );
    expect(r.crds).toEqual([
      {
        name: 'things.x.io',
        component: 'app',
        change: 'changed',
        versionsAdded: ['v1'],
        versionsRemoved: ['v1alpha1'],
        storage: { from: 'v1beta1', to: 'v1' },
        fieldsRemoved: [{ version: 'v1beta1', fields: ['spec.b'] }],
      },
    ]);
    expect(r.breaking.map((b) => [b.object, b.field])).toEqual([
      ['CustomResourceDefinition things.x.io', 'spec.versions[v1alpha1]'],
    ]);
  });

  it('does not call a removed version breaking when it was neither served nor stored', () => {
    const r = diff(
      { crds: [crd([version('v1alpha1', false, [], false), version('v1', true, [])])] },
      { crds: [crd([version('v1', true, [])])] },
    );
    expect(r.crds[0]?.versionsRemoved).toEqual(['v1alpha1']);
    expect(r.breaking).toEqual([]);
  });
});

describe('values keys and rules', () => {
  it('lists values keys read by templates of changed or removed objects', () => {
    const a = obj('{apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {x: "1"}}', {
      valuesKeys: ['global.domain', 'app.secret'],
    });
    const gone = obj('{apiVersion: v1, kind: Secret, metadata: {name: s}}', {
      valuesKeys: ['app.old'],
    });
    const quiet = obj('{apiVersion: v1, kind: ConfigMap, metadata: {name: q}}', {
      valuesKeys: ['global.untouched'],
    });
    const a2 = { ...a, value: { ...(a.value as object), data: { x: '2' } } };
    const r = diff({ objects: [a, gone, quiet] }, { objects: [a2, quiet] });
    expect(r.valuesKeys).toEqual([
      { key: 'app.old', objects: ['v1 Secret s'], stillRead: false },
      { key: 'app.secret', objects: ['v1 ConfigMap a'], stillRead: true },
      { key: 'global.domain', objects: ['v1 ConfigMap a'], stillRead: true },
    ]);
  });

  it('reports targeted rules that matched other than expected or nothing; not generic ones', () => {
    const r = diff(
      { findings: [{ id: 'r1', kind: 'targeted', expected: 2, matched: 2 }] },
      {
        findings: [
          {
            id: 'r1',
            kind: 'targeted',
            component: 'app',
            expected: 2,
            matched: 1,
            drift: ['x gone'],
          },
          { id: 'r2', kind: 'targeted', matched: 0 },
          { id: 'ok', kind: 'targeted', expected: 1, matched: 1 },
          { id: 'g', kind: 'generic', matched: 0 },
        ],
      },
    );
    expect(r.rules).toEqual([
      { id: 'r1', component: 'app', expected: 2, matched: 1, matchedBefore: 2, drift: ['x gone'] },
      { id: 'r2', matched: 0, drift: [] },
    ]);
    expect(diff({}, {}).rules).toBeUndefined();
  });
});

describe('upgrade-breaking changes', () => {
  /** Breaking entries between two versions of the same object, as [field, from, to]. */
  const breaks = (a: SnapshotObject, b: SnapshotObject) =>
    diff({ objects: [a] }, { objects: [b] }).breaking.map((x) => [x.field, x.from, x.to]);

  it('workload selectors: changed is reported, unchanged is not (an image change is fine)', () => {
    expect(breaks(deployment('web'), deployment('web2'))).toEqual([
      ['spec.selector', '{"matchLabels":{"app":"web"}}', '{"matchLabels":{"app":"web2"}}'],
    ]);
    expect(breaks(deployment('web'), deployment('web', 'ghcr.io/x/app:v2'))).toEqual([]);
    for (const kind of ['StatefulSet', 'DaemonSet', 'ReplicaSet']) {
      const w = (s: string) =>
        obj(
          `{apiVersion: apps/v1, kind: ${kind}, metadata: {name: w}, spec: {selector: {matchLabels: {a: ${s}}}}}`,
        );
      expect(breaks(w('x'), w('y')).map(([f]) => f)).toEqual(['spec.selector']);
      expect(breaks(w('x'), w('x'))).toEqual([]);
    }
  });

  it('Job template and selector', () => {
    const job = (image: string, sel = 'a') =>
      obj(
        `{apiVersion: batch/v1, kind: Job, metadata: {name: j}, spec: {selector: {matchLabels: {j: ${sel}}}, template: {spec: {containers: [{name: c, image: ${image}}]}}, backoffLimit: 1}}`,
      );
    expect(breaks(job('x:1'), job('x:2')).map(([f]) => f)).toEqual(['spec.template']);
    expect(breaks(job('x:1'), job('x:1', 'b')).map(([f]) => f)).toEqual(['spec.selector']);
    const other = job('x:1');
    const changedLimit = {
      ...other,
      value: {
        ...(other.value as object),
        spec: { ...(other.value as { spec: object }).spec, backoffLimit: 3 },
      },
    };
    expect(breaks(other, changedLimit)).toEqual([]);
  });

  it('binding roleRef', () => {
    const rb = (kind: string, role: string) =>
      obj(
        `{apiVersion: rbac.authorization.k8s.io/v1, kind: ${kind}, metadata: {name: b}, roleRef: {kind: ClusterRole, name: ${role}}, subjects: [{kind: User, name: u}]}`,
      );
    for (const kind of ['RoleBinding', 'ClusterRoleBinding']) {
      expect(breaks(rb(kind, 'r1'), rb(kind, 'r2')).map(([f]) => f)).toEqual(['roleRef']);
      expect(breaks(rb(kind, 'r1'), rb(kind, 'r1'))).toEqual([]);
    }
  });

  it('Service clusterIP and type ExternalName ↔ other', () => {
    const svc = (spec: string) =>
      obj(`{apiVersion: v1, kind: Service, metadata: {name: s, namespace: n}, spec: ${spec}}`);
    expect(breaks(svc('{clusterIP: None}'), svc('{}'))).toEqual([
      ['spec.clusterIP', 'None', '(absent)'],
    ]);
    expect(breaks(svc('{type: ExternalName}'), svc('{type: ClusterIP}')).map(([f]) => f)).toEqual([
      'spec.type',
    ]);
    expect(breaks(svc('{type: ClusterIP}'), svc('{type: NodePort}'))).toEqual([]);
    expect(
      breaks(
        svc('{clusterIP: None, ports: [{port: 1}]}'),
        svc('{clusterIP: None, ports: [{port: 2}]}'),
      ),
    ).toEqual([]);
  });

  it('StatefulSet volumeClaimTemplates, serviceName, podManagementPolicy', () => {
    const sts = (vct: string, svc: string, pmp: string, replicas = 1) =>
      obj(
        `{apiVersion: apps/v1, kind: StatefulSet, metadata: {name: db}, spec: {replicas: ${replicas}, serviceName: ${svc}, podManagementPolicy: ${pmp}, volumeClaimTemplates: [{metadata: {name: ${vct}}}]}}`,
      );
    expect(
      breaks(sts('data', 's', 'Parallel'), sts('data2', 's2', 'OrderedReady')).map(([f]) => f),
    ).toEqual(['spec.podManagementPolicy', 'spec.serviceName', 'spec.volumeClaimTemplates']);
    expect(breaks(sts('data', 's', 'Parallel'), sts('data', 's', 'Parallel', 3))).toEqual([]);
  });

  it('PVC spec: any change but a storage increase', () => {
    const pvc = (size: string, mode = 'ReadWriteOnce') =>
      obj(
        `{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: p, namespace: n}, spec: {accessModes: [${mode}], resources: {requests: {storage: ${size}}}}}`,
      );
    expect(breaks(pvc('10Gi'), pvc('20Gi'))).toEqual([]);
    expect(breaks(pvc('10Gi'), pvc('10Gi'))).toEqual([]);
    expect(breaks(pvc('10Gi'), pvc('5Gi')).map(([f]) => f)).toEqual([
      'spec.resources.requests.storage',
    ]);
    expect(breaks(pvc('10Gi'), pvc('10Gi', 'ReadWriteMany')).map(([f]) => f)).toEqual(['spec']);
  });

  it('PersistentVolume source, not its other fields', () => {
    const pv = (path: string, policy = 'Retain') =>
      obj(
        `{apiVersion: v1, kind: PersistentVolume, metadata: {name: v}, spec: {persistentVolumeReclaimPolicy: ${policy}, hostPath: {path: ${path}}}}`,
      );
    expect(breaks(pv('/a'), pv('/b')).map(([f]) => f)).toEqual(['spec (volume source)']);
    expect(breaks(pv('/a'), pv('/a', 'Delete'))).toEqual([]);
  });

  it('a PVC removed or renamed', () => {
    const pvc = (name: string) =>
      obj(
        `{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: ${name}, namespace: n}, spec: {}}`,
      );
    const gone = diff({ objects: [pvc('data')] }, { objects: [] }).breaking;
    expect(gone.map((b) => [b.object, b.field, b.to])).toEqual([
      ['v1 PersistentVolumeClaim n/data', '(removed)', '(absent)'],
    ]);
    const renamed = diff({ objects: [pvc('data')] }, { objects: [pvc('data-v2')] }).breaking;
    expect(renamed.map((b) => [b.field, b.from, b.to])).toEqual([
      ['metadata.name', 'data', 'data-v2'],
    ]);
    expect(diff({ objects: [pvc('data')] }, { objects: [pvc('data')] }).breaking).toEqual([]);
  });

  it('an object that moves to another Helm release', () => {
    const cm = (release: string) =>
      obj('{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: n}}', { release });
    const r = diff({ objects: [cm('first')] }, { objects: [cm('second')] });
    expect(r.breaking.map((b) => [b.field, b.from, b.to])).toEqual([
      ['Helm release', 'first', 'second'],
    ]);
    expect(r.objects.changed).toMatchObject([
      { fromRelease: 'first', release: 'second', fields: [] },
    ]);
    expect(diff({ objects: [cm('first')] }, { objects: [cm('first')] }).breaking).toEqual([]);
  });

  it('an object whose kind or API group changes under the same name', () => {
    const ing = (apiVersion: string, kind = 'Ingress') =>
      obj(`{apiVersion: ${apiVersion}, kind: ${kind}, metadata: {name: i, namespace: n}}`);
    const r = diff(
      { objects: [ing('extensions/v1beta1')] },
      { objects: [ing('networking.k8s.io/v1')] },
    );
    expect(r.breaking.map((b) => [b.object, b.field, b.from, b.to])).toEqual([
      ['n/i', 'kind/apiVersion', 'extensions/v1beta1 Ingress', 'networking.k8s.io/v1 Ingress'],
    ]);
    const kind = diff({ objects: [ing('v1', 'ConfigMap')] }, { objects: [ing('v1', 'Secret')] });
    expect(kind.breaking.map((b) => b.field)).toEqual(['kind/apiVersion']);
    // Same group, new version: the same object, not a break.
    expect(
      diff(
        { objects: [ing('networking.k8s.io/v1beta1')] },
        { objects: [ing('networking.k8s.io/v1')] },
      ).breaking,
    ).toEqual([]);
  });

  it('renders each entry with the object, field, old → new and what to do', () => {
    const md = renderChangeReport(
      diff({ objects: [deployment('web')] }, { objects: [deployment('web2')] }),
    );
    expect(md).toContain('## 7. Upgrade-breaking changes');
    expect(md).toContain(
      '- `apps/v1 Deployment ns/web`: `spec.selector`: `{"matchLabels":{"app":"web"}}` → `{"matchLabels":{"app":"web2"}}`',
    );
    expect(md).toMatch(/ {2}- do: delete it with `kubectl delete --cascade=orphan`/);
    expect(md).toContain('| **upgrade-breaking changes** | **1** |');
  });
});

describe('renderChangeReport', () => {
  it('is deterministic and says "No changes." for empty sections', () => {
    const r = diff({}, {});
    expect(renderChangeReport(r)).toBe(renderChangeReport(diff({}, {})));
    expect(renderChangeReport(r).match(/No changes\./g)).toHaveLength(6);
  });
});
