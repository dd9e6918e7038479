import { stringify } from 'yaml';
import { objectBreaks } from '../diff/breaking.ts';
import { valueAt } from '../diff/fields.ts';
import { type BreakingChange, diffSnapshots, type ReleaseSnapshot } from '../diff/index.ts';
import type { SnapshotObject } from '../diff/snapshot.ts';
import { KfchartsError } from '../errors.ts';
import { apiGroup } from '../manifest/object.ts';
import { escapeTemplateText } from './escape.ts';

/**
 * Helm `pre-upgrade` hooks that get an upgrade past the breaking changes a delete fixes:
 * an object whose immutable field changed is deleted (only while it still holds the old
 * value) and the upgrade creates it anew. PVCs, CRDs and CRD versions are never touched:
 * losing data is for an operator to decide, so those are listed in NOTES instead.
 */

/** The kubectl image of the hook Job: alpine/k8s has sh and jq beside kubectl. */
export const HOOK_IMAGE =
  'docker.io/alpine/k8s:1.30.0@sha256:bd01dae02676ce4cab62fc744e43443eee5bf660054e94d3496d23bfc35d384e';

/** Kinds a delete-and-recreate fixes, the API resource to delete, and the fields it fixes. */
const RECREATABLE: Readonly<Record<string, { resource: string; fields: readonly string[] }>> = {
  'apps Deployment': { resource: 'deployments', fields: ['spec.selector'] },
  'apps StatefulSet': { resource: 'statefulsets', fields: ['spec.selector'] },
  'apps DaemonSet': { resource: 'daemonsets', fields: ['spec.selector'] },
  'batch Job': { resource: 'jobs', fields: ['spec.selector', 'spec.template'] },
  'rbac.authorization.k8s.io RoleBinding': { resource: 'rolebindings', fields: ['roleRef'] },
  'rbac.authorization.k8s.io ClusterRoleBinding': {
    resource: 'clusterrolebindings',
    fields: ['roleRef'],
  },
  ' Service': { resource: 'services', fields: ['spec.clusterIP', 'spec.type'] },
};

/** One object the hook deletes, and the fields whose old value it must still hold. */
export interface HookDeletion {
  readonly release: string;
  /** objectKey of the new object. */
  readonly object: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace?: string;
  readonly name: string;
  /** Per field: the old and new value (absent when the object has none). */
  readonly fields: readonly { path: string[]; from?: unknown; to?: unknown }[];
}

/** A breaking change left to the operator, with the release that owns the object. */
export interface ManualBreak extends BreakingChange {
  readonly release: string;
}

export interface UpgradePlan {
  readonly from: string;
  readonly deletions: readonly HookDeletion[];
  readonly manual: readonly ManualBreak[];
}

const identity = (o: SnapshotObject) => `${apiGroup(o)} ${o.kind} ${o.namespace ?? ''}/${o.name}`;

/** What upgrading from `previous` to `current` needs: hook deletions and manual steps. */
export function planUpgrade(previous: ReleaseSnapshot, current: ReleaseSnapshot): UpgradePlan {
  const before = new Map(previous.objects.map((o) => [identity(o), o]));
  const byKey = new Map([...previous.objects, ...current.objects].map((o) => [o.key, o]));
  const deletions: HookDeletion[] = [];
  const automated = new Set<string>();
  for (const now of current.objects) {
    const old = before.get(identity(now));
    const kind = RECREATABLE[`${apiGroup(now)} ${now.kind}`];
    // An object that moves between releases is a manual step; the hook stays out of it.
    if (!old || !kind || old.release !== now.release) continue;
    const fields = objectBreaks(old, now)
      .filter((b) => kind.fields.includes(b.field))
      .map((b) => {
        const path = b.field.split('.');
        const from = valueAt(old.value, b.field);
        const to = valueAt(now.value, b.field);
        automated.add(`${b.object}\n${b.field}`);
        return { path, ...(from !== undefined && { from }), ...(to !== undefined && { to }) };
      });
    if (fields.length === 0) continue;
    deletions.push({
      release: now.release,
      object: now.key,
      group: apiGroup(now),
      resource: kind.resource,
      ...(now.namespace !== undefined && { namespace: now.namespace }),
      name: now.name,
      fields,
    });
  }
  const manual = diffSnapshots(previous, current)
    .breaking.filter((b) => !automated.has(`${b.object}\n${b.field}`))
    .map((b) => ({ ...b, release: releaseOf(b, byKey, current) }));
  return { from: previous.tag, deletions, manual };
}

/** The release that owns a break: the new object's, else the removed one's. */
function releaseOf(
  b: BreakingChange,
  byKey: Map<string, SnapshotObject>,
  current: ReleaseSnapshot,
): string {
  const object = byKey.get(b.object);
  if (object) return object.release;
  if (b.field === 'Helm release') return b.to;
  // A CRD (`CustomResourceDefinition <name>`): the release of the component that holds it.
  const crd = current.crds.find((c) => b.object === `CustomResourceDefinition ${c.name}`);
  const component = crd?.component;
  return current.objects.find((o) => o.component === component)?.release ?? '';
}

const NAMESPACE = '__KFCHARTS_RELEASE_NAMESPACE__';
const IMAGE = '__KFCHARTS_HOOK_IMAGE__';
const HOOK = (weight: number) => ({
  'helm.sh/hook': 'pre-upgrade',
  'helm.sh/hook-weight': String(weight),
  'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
});

/**
 * Deletes each target only when it exists and one of its fields still holds the old
 * value and not the new one: a fresh install has nothing to delete, a rerun after a
 * successful upgrade finds the new value. `sub` is "a is contained in b" (the API server
 * adds defaults, e.g. to a Job's template). get/delete only, as RBAC allows.
 */
const SCRIPT = `set -eu
sub='def sub($a; $b): if ($a|type) == "object" then ($b|type) == "object" and all($a|keys[]; . as $k | ($b|has($k)) and sub($a[$k]; $b[$k])) elif ($a|type) == "array" then ($b|type) == "array" and ($a|length) == ($b|length) and all(range($a|length); sub($a[.]; $b[.])) else $a == $b end;'
blocks="$sub"' . as $live | any($t.fields[]; . as $f | ($live|getpath($f.path)) as $v | ((($f|has("from")) and sub($f.from; $v)) or (($f|has("from"))|not)) and ((($f|has("to")) and (sub($f.to; $v)|not)) or (($f|has("to"))|not)))'
n=$(printf '%s' "$TARGETS" | jq length)
i=0
while [ "$i" -lt "$n" ]; do
  t=$(printf '%s' "$TARGETS" | jq -c ".[$i]")
  i=$((i + 1))
  what=$(printf '%s' "$t" | jq -r '.what')
  ns=$(printf '%s' "$t" | jq -r '.namespace // ""')
  set -- "$what" "$(printf '%s' "$t" | jq -r '.name')"
  if [ -n "$ns" ]; then set -- "$@" --namespace "$ns"; fi
  live=$(kubectl get "$@" --ignore-not-found -o json)
  if [ -z "$live" ]; then echo "absent, nothing to do: $*"; continue; fi
  if ! printf '%s' "$live" | jq -e --argjson t "$t" "$blocks" >/dev/null; then
    echo "already as the new release has it: $*"; continue
  fi
  echo "deleting (the upgrade recreates it): $*"
  kubectl delete "$@" --ignore-not-found --wait=false
  while [ -n "$(kubectl get "$@" --ignore-not-found -o name)" ]; do sleep 2; done
done
`;

/**
 * The hook objects of one release, as a template: ServiceAccount, RBAC limited to the
 * targets by name (a Role per namespace, a ClusterRole for cluster-scoped ones) and the
 * Job. Everything but the namespace and the image is build-time data, escaped.
 */
export function upgradeHooksTemplate(release: string, deletions: readonly HookDeletion[]): string {
  // Upstream data never holds a placeholder: the replacements below touch only ours.
  if (JSON.stringify(deletions).includes('__KFCHARTS_')) {
    throw new KfchartsError(
      'chart-invalid',
      `release '${release}': an upgrade hook target holds the reserved text __KFCHARTS_`,
    );
  }
  const name = `kfcharts-upgrade-${release}`;
  const subject = { kind: 'ServiceAccount', name, namespace: NAMESPACE };
  const docs: unknown[] = [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, namespace: NAMESPACE, annotations: HOOK(-10) },
    },
  ];
  const scopes = new Map<string | undefined, HookDeletion[]>();
  for (const d of deletions) scopes.set(d.namespace, [...(scopes.get(d.namespace) ?? []), d]);
  for (const [namespace, targets] of [...scopes].sort(([a], [b]) =>
    String(a ?? '') < String(b ?? '') ? -1 : 1,
  )) {
    const rules = [...new Set(targets.map((t) => `${t.group} ${t.resource}`))].sort().map((gr) => {
      const [group, resource] = gr.split(' ') as [string, string];
      const names = targets
        .filter((t) => t.group === group && t.resource === resource)
        .map((t) => t.name);
      return {
        apiGroups: [group],
        resources: [resource],
        resourceNames: [...new Set(names)].sort(),
        verbs: ['get', 'delete'],
      };
    });
    const cluster = namespace === undefined;
    const meta = { name, ...(cluster ? {} : { namespace }), annotations: HOOK(-5) };
    docs.push(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: cluster ? 'ClusterRole' : 'Role',
        metadata: meta,
        rules,
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: cluster ? 'ClusterRoleBinding' : 'RoleBinding',
        metadata: meta,
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: cluster ? 'ClusterRole' : 'Role',
          name,
        },
        subjects: [subject],
      },
    );
  }
  const targets = deletions.map((d) => ({
    what: `${d.resource}${d.group ? `.${d.group}` : ''}`,
    name: d.name,
    ...(d.namespace !== undefined && { namespace: d.namespace }),
    fields: d.fields,
  }));
  docs.push({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NAMESPACE, annotations: HOOK(0) },
    spec: {
      backoffLimit: 2,
      template: {
        spec: {
          serviceAccountName: name,
          restartPolicy: 'Never',
          containers: [
            {
              name: 'delete-recreated',
              image: IMAGE,
              command: ['sh', '-c', SCRIPT],
              env: [{ name: 'TARGETS', value: JSON.stringify(targets) }],
              securityContext: {
                allowPrivilegeEscalation: false,
                runAsNonRoot: true,
                runAsUser: 65534,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
            },
          ],
        },
      },
    },
  });
  const text = escapeTemplateText(
    docs.map((d) => `---\n${stringify(d, { lineWidth: 0 })}`).join(''),
  );
  const image = escapeTemplateText(HOOK_IMAGE);
  return `{{- /* pre-upgrade: deletes objects whose immutable fields changed since the previous release (src/chart/upgrade-hooks.ts). */ -}}\n${text
    .replaceAll(NAMESPACE, '{{ .Release.Namespace }}')
    .replace(
      IMAGE,
      `{{ with include "kfcharts.imageRegistry" $ }}{{ . }}/${image}{{ else }}${image}{{ end }}`,
    )}`;
}

/** NOTES lines of one release: what the hook does and what is left to the operator. */
export function upgradeNotes(release: string, plan: UpgradePlan): string {
  const deletions = plan.deletions.filter((d) => d.release === release);
  const manual = plan.manual.filter((m) => m.release === release);
  if (deletions.length === 0 && manual.length === 0) return '';
  const lines = [`\nUpgrading from ${plan.from}:\n`];
  for (const d of deletions) {
    lines.push(
      `  - ${d.object}: ${d.fields.map((f) => f.path.join('.')).join(', ')} changed; the pre-upgrade hook deletes it and the upgrade recreates it\n`,
    );
  }
  if (manual.length > 0) {
    lines.push('  Manual action, before `helm upgrade` (never automated):\n');
    for (const m of manual) lines.push(`  - ${m.object} ${m.field}: ${m.action}\n`);
  }
  return escapeTemplateText(lines.join(''));
}
