import { KfchartsError } from '../errors.ts';
import { crdInfo } from './crd.ts';
import { apiGroup, isCrd, type ManifestObject, objectKey } from './object.ts';

/** Built-in cluster-scoped kinds, by `group/kind` (core group: empty). */
export const BUILT_IN_CLUSTER_SCOPED = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy',
  'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
  'scheduling.k8s.io/PriorityClass',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment',
  'node.k8s.io/RuntimeClass',
  'networking.k8s.io/IngressClass',
  'networking.k8s.io/IPAddress',
  'networking.k8s.io/ServiceCIDR',
  'certificates.k8s.io/CertificateSigningRequest',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'policy/PodSecurityPolicy',
  'resource.k8s.io/DeviceClass',
  'resource.k8s.io/ResourceSlice',
]);

function groupKind(o: Pick<ManifestObject, 'apiVersion' | 'kind'>): string {
  return `${apiGroup(o)}/${o.kind}`;
}

/**
 * Which objects without metadata.namespace are namespaced (src/rules/default-namespace.ts
 * gives them one). Scopes of custom kinds come from the CRDs of the same build; an object
 * of a kind whose scope nothing in the build tells fails the build by name.
 */
export function namespacedWithoutNamespace(
  components: readonly { name: string; objects: readonly ManifestObject[] }[],
): (object: ManifestObject) => boolean {
  const crds = new Map<string, ManifestObject>();
  for (const c of components) {
    for (const o of c.objects.filter(isCrd)) crds.set(o.name, o);
  }
  const crdScopes = new Map<string, string | undefined>();
  const crdScope = (gk: string): string | undefined => {
    if (!crdScopes.has(gk)) crdScopes.set(gk, findCrdScope(crds, gk));
    return crdScopes.get(gk);
  };
  const namespaced = new Set<string>();
  for (const c of components) {
    for (const o of c.objects) {
      if (o.namespace !== undefined) continue;
      const gk = groupKind(o);
      const scope = kindScope(
        apiGroup(o),
        o.kind,
        BUILT_IN_CLUSTER_SCOPED.has(gk) ? undefined : crdScope(gk),
      );
      if (scope === undefined) {
        throw new KfchartsError(
          'manifest-invalid',
          `component '${c.name}': ${objectKey(o)} has no metadata.namespace and its kind is of unknown scope (no CRD in the build)`,
        );
      }
      if (scope !== 'Cluster') namespaced.add(o.text);
    }
  }
  return (object) => object.namespace === undefined && namespaced.has(object.text);
}

/** API groups served by Kubernetes itself (not by CRDs). */
export const BUILT_IN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'policy',
  'autoscaling',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
]);

/**
 * The scope of a kind: built-in cluster-scoped kinds, else the scope its CRD declares,
 * else Namespaced for Kubernetes' own groups; undefined when nothing says (a custom kind
 * with no CRD in the build).
 */
export function kindScope(
  group: string,
  kind: string,
  crdScope: string | undefined,
): string | undefined {
  if (BUILT_IN_CLUSTER_SCOPED.has(`${group}/${kind}`)) return 'Cluster';
  if (crdScope !== undefined) return crdScope;
  return BUILT_IN_GROUPS.has(group) ? 'Namespaced' : undefined;
}

function findCrdScope(crds: ReadonlyMap<string, ManifestObject>, gk: string): string | undefined {
  const [group, kind] = gk.split('/') as [string, string];
  for (const crd of crds.values()) {
    // Cheap filters first: only a CRD that can define the kind is read.
    if (!crd.name.endsWith(`.${group}`) || !crd.text.includes(`kind: ${kind}\n`)) continue;
    const info = crdInfo(crd);
    if (info.group === group && info.kind === kind) return info.scope;
  }
  return undefined;
}
