import { isDeepStrictEqual } from 'node:util';
import { parseDocument } from 'yaml';
import { KfchartsError } from '../errors.ts';
import {
  KUBERNETES_YAML,
  type ManifestObject,
  objectKey,
  topLevelFields,
} from '../manifest/object.ts';

/**
 * Adds one annotation to kustomize's text of an object by inserting a line, so the rest
 * stays byte for byte (re-serializing an 11 MB CRD set would risk re-folded strings).
 * kustomize prints block-style maps indented by two; the result is parsed back and
 * checked: the annotation reads as given and the rest of `metadata` is unchanged.
 */
export function addAnnotation(object: ManifestObject, key: string, value: string): ManifestObject {
  // Template edits are offsets into the text; changing the text under them would move them.
  if (object.edits?.length) {
    throw new KfchartsError(
      'chart-invalid',
      `${objectKey(object)}: annotate before template edits`,
    );
  }
  const existing = parseMetadata(object.text)?.annotations?.[key];
  if (existing === value) return object;
  if (existing !== undefined) {
    throw new KfchartsError(
      'chart-invalid',
      `${objectKey(object)}: annotation ${key} is already ${JSON.stringify(existing)}`,
    );
  }
  const lines = object.text.split('\n');
  const metadata = lines.indexOf('metadata:');
  let end = metadata + 1;
  while (end < lines.length && /^(\s|$)/.test(lines[end] as string) && lines[end] !== '') end++;
  const annotations = lines.slice(metadata + 1, end).indexOf('  annotations:');
  const entry = `    ${key}: ${JSON.stringify(value)}`;
  const inserted =
    annotations >= 0
      ? [
          ...lines.slice(0, metadata + 2 + annotations),
          entry,
          ...lines.slice(metadata + 2 + annotations),
        ]
      : [...lines.slice(0, metadata + 1), '  annotations:', entry, ...lines.slice(metadata + 1)];
  const text = inserted.join('\n');
  if (metadata < 0 || !sameMetadataBut(object.text, text, key, value)) {
    throw new KfchartsError(
      'chart-invalid',
      `${objectKey(object)}: cannot add annotation ${key} to its metadata`,
    );
  }
  return { ...object, text };
}

/** The inverse, for verification: the text without that annotation line (and an emptied block). */
export function removeAnnotationLine(text: string, key: string, value: string): string {
  const lines = text.split('\n');
  const at = lines.indexOf(`    ${key}: ${JSON.stringify(value)}`);
  if (at < 0) return text;
  const emptied = lines[at - 1] === '  annotations:' && !/^ {4}/.test(lines[at + 1] ?? '');
  return [...lines.slice(0, emptied ? at - 1 : at), ...lines.slice(at + 1)].join('\n');
}

type Metadata = { annotations?: Record<string, unknown> } & Record<string, unknown>;

function parseMetadata(text: string): Metadata | undefined {
  const doc = parseDocument(topLevelFields(text, ['metadata']), KUBERNETES_YAML);
  return doc.errors.length > 0 ? undefined : (doc.toJS() as { metadata?: Metadata }).metadata;
}

function sameMetadataBut(before: string, after: string, key: string, value: string): boolean {
  const a = parseMetadata(before);
  const b = parseMetadata(after);
  if (!a || !b || b.annotations?.[key] !== value) return false;
  const { [key]: _added, ...others } = b.annotations;
  const bWithout: Metadata = { ...b, annotations: others };
  if (a.annotations === undefined && Object.keys(others).length === 0) delete bWithout.annotations;
  return isDeepStrictEqual(a, bWithout);
}
