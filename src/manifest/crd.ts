import { parseDocument } from 'yaml';
import { KfchartsError } from '../errors.ts';
import { KUBERNETES_YAML, type ManifestObject, objectKey } from './object.ts';

export interface CrdInfo {
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  readonly scope: string;
}

/**
 * group, kind, plural and scope of a CRD without parsing its (often megabyte-large)
 * schemas: keep `spec:`'s own scalar lines and its `names:` block, drop every other
 * nested block, and parse what is left. The values read are exact YAML, not regex.
 */
export function crdInfo(crd: ManifestObject): CrdInfo {
  const lines = crd.text.split('\n');
  const kept: string[] = [];
  let inSpec = false;
  let inNames = false;
  for (const line of lines) {
    if (/^\S/.test(line)) {
      inSpec = line.startsWith('spec:');
      if (inSpec) kept.push(line);
      continue;
    }
    if (!inSpec) continue;
    if (/^ {2}\S/.test(line)) {
      inNames = line.startsWith('  names:');
      if (/^ {2}[\w.-]+:/.test(line)) kept.push(line);
    } else if (inNames) {
      kept.push(line);
    }
  }
  const doc = parseDocument(kept.join('\n'), KUBERNETES_YAML);
  const value = (path: string[]) => doc.getIn(path);
  const info = {
    group: value(['spec', 'group']),
    kind: value(['spec', 'names', 'kind']),
    plural: value(['spec', 'names', 'plural']),
    scope: value(['spec', 'scope']),
  };
  if (doc.errors.length > 0 || Object.values(info).some((v) => typeof v !== 'string')) {
    throw new KfchartsError(
      'manifest-invalid',
      `${objectKey(crd)}: cannot read spec.group, spec.names and spec.scope`,
    );
  }
  return info as CrdInfo;
}
