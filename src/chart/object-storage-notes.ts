import type { PlannedRelease } from '../release/plan.ts';

/**
 * NOTES.txt's warning when profiles share the object storage keys
 * (global.objectStorage.profileCredentials: shared): every profile namespace then holds
 * keys that read and write every other profile's artifacts. In the release that
 * installs Pipelines, whose profile controller hands the keys out.
 */
export function objectStorageNotes(release: PlannedRelease): string {
  if (!release.components.some((c) => c.component.name === 'pipelines')) return '';
  const storage = '$.Values.global.objectStorage';
  const enabled = '(ne (toString (index $.Values "pipelines" "enabled")) "false")';
  return [
    `{{- if and ${enabled} ${storage}.external (eq (toString ${storage}.profileCredentials) "shared") }}\n\n`,
    'WARNING: global.objectStorage.profileCredentials is "shared": every profile namespace\n',
    "gets a copy of the object store's keys, so every Kubeflow user can read and overwrite\n",
    "every other profile's pipeline artifacts. Give each profile its own keys instead\n",
    '(profileCredentials: secret, see kfcharts docs/object-storage.md).\n',
    '{{- end }}\n',
  ].join('');
}
