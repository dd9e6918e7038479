import type { PlannedRelease } from '../release/plan.ts';

/**
 * NOTES.txt's object storage notes, in the release that installs Pipelines (whose profile
 * controller gives the profile namespaces their storage settings), with external storage:
 * - `profileCredentials: shared`: a warning, every profile namespace then holds keys that
 *   read and write every other profile's artifacts;
 * - `profileCredentials: secret` (the default): the Secret each profile namespace needs
 *   (name, keys, path its keys should be limited to), and how an installation whose
 *   profiles had the shared keys moves over. Without this an upgrade breaks silently: the
 *   controller stops returning mlpipeline-minio-artifact (metacontroller deletes it), and the
 *   kfp-launcher and artifact-repositories ConfigMaps it made earlier still name that Secret
 *   (update strategy OnDelete). Values are printed through toJson.
 */
export function objectStorageNotes(release: PlannedRelease): string {
  // The release with the profile controller: not a CRD release that also holds Pipelines.
  const controller = release.components.some(
    (c) =>
      c.component.name === 'pipelines' &&
      c.objects.some(
        (o) => o.kind === 'Deployment' && o.name === 'kubeflow-pipelines-profile-controller',
      ),
  );
  if (!controller) return '';
  const storage = '$.Values.global.objectStorage';
  const enabled = '(ne (toString (index $.Values "pipelines" "enabled")) "false")';
  const shown = (value: string) => `{{ ${value} | toString | toJson }}`;
  return [
    `{{- if and ${enabled} ${storage}.external }}\n`,
    `{{- if eq (toString ${storage}.profileCredentials) "shared" }}\n\n`,
    'WARNING: global.objectStorage.profileCredentials is "shared": every profile namespace\n',
    "gets a copy of the object store's keys, so every Kubeflow user can read and overwrite\n",
    "every other profile's pipeline artifacts. Give each profile its own keys instead\n",
    '(profileCredentials: secret, see kfcharts docs/object-storage.md).\n',
    '{{- else }}\n\n',
    'Object storage: every profile namespace needs its own keys (profileCredentials: secret).\n',
    `Create, in each profile namespace, the Secret ${shown(`${storage}.profileSecret.name`)}`,
    `{{ if contains "{namespace}" (toString ${storage}.profileSecret.name) }} ({namespace}: the namespace){{ end }}\n`,
    `with the keys ${shown(`${storage}.profileSecret.accessKeyKey`)} and ${shown(`${storage}.profileSecret.secretKeyKey`)}: an access key limited to <bucket>/<pathPrefix>/<namespace>/\n`,
    `(bucket ${shown(`${storage}.bucket`)}, pathPrefix ${shown(`${storage}.pathPrefix`)}). Until it exists, that profile's pipeline runs fail.\n`,
    'Upgrading from a kfcharts whose profiles got the shared keys (Secret\n',
    'mlpipeline-minio-artifact in each profile namespace): the profile controller deletes\n',
    'that Secret, and the kfp-launcher and artifact-repositories ConfigMaps it made before\n',
    'still name it (it never updates them), so every run of an existing profile fails until,\n',
    'in each profile namespace, you create the Secret above and then run\n',
    '  kubectl -n <namespace> delete configmap kfp-launcher artifact-repositories\n',
    '(the controller recreates both with the Secret above). To keep the shared keys\n',
    'meanwhile: profileCredentials: shared. See kfcharts docs/object-storage.md, "Upgrading\n',
    'from an earlier kfcharts".\n',
    '{{- end }}\n',
    '{{- end }}\n',
  ].join('');
}
