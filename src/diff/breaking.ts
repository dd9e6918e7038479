import { isDeepStrictEqual } from 'node:util';
import { apiGroup } from '../manifest/object.ts';
import { brief, valueAt } from './fields.ts';
import type { SnapshotCrd, SnapshotObject } from './snapshot.ts';

/** A change `helm upgrade` cannot apply in place, or applies by losing data. */
export interface BreakingChange {
  /** The object (objectKey), or CRD name. */
  readonly object: string;
  readonly field: string;
  readonly from: string;
  readonly to: string;
  /** What an operator must do before (or instead of) the upgrade. */
  readonly action: string;
}

type Json = Record<string, unknown>;

interface ImmutableField {
  readonly kinds: readonly string[];
  readonly group: string;
  readonly field: string;
  readonly action: string;
}

const RECREATE_WORKLOAD =
  'delete it with `kubectl delete --cascade=orphan` before `helm upgrade` (its pods keep running until the new one adopts or replaces them), then upgrade';
const RECREATE_STATEFULSET =
  'delete the StatefulSet with `kubectl delete --cascade=orphan` (pods and PVCs stay) before `helm upgrade`, then upgrade; check that the new claims bind the old volumes';

/** Fields the API server refuses to change on update (apps/batch/rbac/core validation). */
const IMMUTABLE: readonly ImmutableField[] = [
  {
    kinds: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'],
    group: 'apps',
    field: 'spec.selector',
    action: RECREATE_WORKLOAD,
  },
  ...['volumeClaimTemplates', 'serviceName', 'podManagementPolicy'].map((f) => ({
    kinds: ['StatefulSet'],
    group: 'apps',
    field: `spec.${f}`,
    action: RECREATE_STATEFULSET,
  })),
  ...['selector', 'template'].map((f) => ({
    kinds: ['Job'],
    group: 'batch',
    field: `spec.${f}`,
    action: 'delete the Job before `helm upgrade` (the new one runs again)',
  })),
  {
    kinds: ['RoleBinding', 'ClusterRoleBinding'],
    group: 'rbac.authorization.k8s.io',
    field: 'roleRef',
    action: 'delete the binding before `helm upgrade`, which creates it with the new role',
  },
  {
    kinds: ['Service'],
    group: '',
    field: 'spec.clusterIP',
    action: 'delete the Service before `helm upgrade` (clients see a new address)',
  },
];

/**
 * The in-place breaks between two versions of one object (matched by group, kind,
 * namespace and name): immutable fields, PVC/PV specs, and a change of Helm release.
 */
export function objectBreaks(from: SnapshotObject, to: SnapshotObject): BreakingChange[] {
  const out: BreakingChange[] = [];
  const group = apiGroup(to);
  // In full (up to a limit): the operator compares old and new, e.g. two selectors.
  const add = (field: string, a: unknown, b: unknown, action: string) =>
    out.push({ object: to.key, field, from: brief(a, 400), to: brief(b, 400), action });
  for (const rule of IMMUTABLE) {
    if (rule.group !== group || !rule.kinds.includes(to.kind)) continue;
    const a = valueAt(from.value, rule.field);
    const b = valueAt(to.value, rule.field);
    if (!isDeepStrictEqual(a, b)) add(rule.field, a, b, rule.action);
  }
  if (group === '' && to.kind === 'Service') {
    const a = valueAt(from.value, 'spec.type');
    const b = valueAt(to.value, 'spec.type');
    if (a !== b && (a === 'ExternalName' || b === 'ExternalName')) {
      add('spec.type', a, b, 'delete the Service before `helm upgrade`');
    }
  }
  if (group === '' && to.kind === 'PersistentVolumeClaim') {
    const a = pvcSpecWithoutSize(from.value);
    const b = pvcSpecWithoutSize(to.value);
    if (!isDeepStrictEqual(a, b)) {
      add('spec', a, b, 'back up the volume, delete the claim, upgrade, restore the data');
    }
    const sizeFrom = valueAt(from.value, 'spec.resources.requests.storage');
    const sizeTo = valueAt(to.value, 'spec.resources.requests.storage');
    if (!isDeepStrictEqual(sizeFrom, sizeTo) && !(quantity(sizeTo) > quantity(sizeFrom))) {
      add(
        'spec.resources.requests.storage',
        sizeFrom,
        sizeTo,
        'a claim cannot shrink: keep the old size in your values or recreate the claim (back up first)',
      );
    }
  }
  if (group === '' && to.kind === 'PersistentVolume') {
    const a = pvSource(from.value);
    const b = pvSource(to.value);
    if (!isDeepStrictEqual(a, b)) {
      add(
        'spec (volume source)',
        a,
        b,
        'recreate the PersistentVolume (its data stays on the backend only if reclaimPolicy is Retain)',
      );
    }
  }
  if (from.release !== to.release) {
    out.push({
      object: to.key,
      field: 'Helm release',
      from: from.release,
      to: to.release,
      action: `Helm will not adopt an object another release owns: before upgrading, annotate it \`helm.sh/resource-policy=keep\` and \`meta.helm.sh/release-name=${to.release}\` (--overwrite), so '${from.release}' does not delete it and '${to.release}' takes it over`,
    });
  }
  return out;
}

/** An object of another kind or API group now holds the name. */
export function kindBreak(from: SnapshotObject, to: SnapshotObject): BreakingChange {
  return {
    object: `${from.namespace ? `${from.namespace}/` : ''}${from.name}`,
    field: 'kind/apiVersion',
    from: `${from.apiVersion} ${from.kind}`,
    to: `${to.apiVersion} ${to.kind}`,
    action:
      'the old object is deleted and a new one created: anything that refers to it by kind breaks, and its state (status, custom resources) is lost; migrate first',
  };
}

export function pvcGone(from: SnapshotObject, renamedTo: string | undefined): BreakingChange {
  return {
    object: from.key,
    field: renamedTo === undefined ? '(removed)' : 'metadata.name',
    from: from.name,
    to: renamedTo ?? '(absent)',
    action:
      'helm upgrade deletes the claim, and with a Delete reclaim policy its volume and data: back up first, or annotate the claim `helm.sh/resource-policy=keep` to keep it' +
      (renamedTo === undefined
        ? ''
        : '; the new claim starts empty unless you bind it to the old volume'),
  };
}

/**
 * CRD versions that were served or stored and are gone: the API server refuses a CRD
 * update that drops a version still in `status.storedVersions`, and clients of a served
 * version fail.
 */
export function crdBreaks(from: SnapshotCrd, to: SnapshotCrd): BreakingChange[] {
  const kept = new Set(to.versions.map((v) => v.name));
  return from.versions
    .filter((v) => (v.served || v.storage) && !kept.has(v.name))
    .map((v) => ({
      object: `CustomResourceDefinition ${from.name}`,
      field: `spec.versions[${v.name}]`,
      from: `${v.name}${v.storage ? ' (storage)' : ''}${v.served ? ' (served)' : ''}`,
      to: '(removed)',
      action: `rewrite every stored ${from.kind} in the new storage version (e.g. kube-storage-version-migrator, or read and write each object) and remove ${v.name} from the CRD's status.storedVersions before upgrading; clients of ${from.group}/${v.name} must move first`,
    }));
}

function pvcSpecWithoutSize(value: unknown): unknown {
  const spec = valueAt(value, 'spec');
  if (typeof spec !== 'object' || spec === null) return spec;
  const copy = structuredClone(spec) as Json;
  const requests = valueAt(copy, 'resources.requests') as Json | undefined;
  if (requests && typeof requests === 'object') delete requests.storage;
  return copy;
}

/** Every spec field of a PV except those that do not name its storage. */
const PV_NON_SOURCE = new Set([
  'accessModes',
  'capacity',
  'claimRef',
  'mountOptions',
  'nodeAffinity',
  'persistentVolumeReclaimPolicy',
  'storageClassName',
  'volumeAttributesClassName',
  'volumeMode',
]);

function pvSource(value: unknown): Json {
  const spec = valueAt(value, 'spec');
  const out: Json = {};
  if (typeof spec === 'object' && spec !== null) {
    for (const [k, v] of Object.entries(spec)) if (!PV_NON_SOURCE.has(k)) out[k] = v;
  }
  return out;
}

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity in bytes (NaN when unreadable, which counts as not larger). */
export function quantity(value: unknown): number {
  const m = /^([0-9.]+)([A-Za-z]*)$/.exec(String(value ?? ''));
  const unit = m ? UNITS[m[2] as string] : undefined;
  return m && unit !== undefined ? Number(m[1]) * unit : Number.NaN;
}
