import { KfchartsError } from '../errors.ts';
import { type ManifestObject, objectKey } from '../manifest/object.ts';
import type { ObjectRule } from './rule.ts';

export const DEFAULT_NAMESPACE = 'default';

/**
 * The policy for namespaced objects upstream leaves without a namespace (v1.11.0's
 * user-namespace params ConfigMap): they get `metadata.namespace: default`. Upstream's
 * `kustomize build example | kubectl apply -f -` puts them in the context's namespace,
 * `default` on a fresh kubeconfig; Helm would put them in the release namespace instead,
 * which would change where they land with the release's name. A generic transform: the
 * build report lists each object, and verify allows exactly this field on exactly these.
 */
export function defaultNamespaceRule(isNamespaced: (o: ManifestObject) => boolean): ObjectRule {
  return {
    id: 'default-namespace',
    description: `namespaced objects without metadata.namespace get namespace ${DEFAULT_NAMESPACE}, where kubectl apply would put them`,
    generic: true,
    source: 'src/rules/default-namespace.ts',
    matches: (object) => object.namespace === undefined && isNamespaced(object),
    apply: (object) => ({
      ...object,
      namespace: DEFAULT_NAMESPACE,
      text: insertNamespace(object),
    }),
  };
}

/** Inserts `namespace:` after metadata's `name:` line (kustomize sorts metadata's keys). */
function insertNamespace(object: ManifestObject): string {
  if (object.edits?.length) {
    throw new KfchartsError(
      'chart-invalid',
      `${objectKey(object)}: set the namespace before template edits`,
    );
  }
  const lines = object.text.split('\n');
  const metadata = lines.indexOf('metadata:');
  let at = -1;
  for (let i = metadata + 1; i > 0 && i < lines.length && /^\s/.test(lines[i] as string); i++) {
    if (/^ {2}name: /.test(lines[i] as string)) at = i;
  }
  if (at < 0) throw new Error('has no metadata.name line to put the namespace after');
  lines.splice(at + 1, 0, `  namespace: ${DEFAULT_NAMESPACE}`);
  return lines.join('\n');
}
