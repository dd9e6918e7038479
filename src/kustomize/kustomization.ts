import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isScalar, isSeq, parseDocument } from 'yaml';
import { KfchartsError } from '../errors.ts';

/** The names kustomize looks for, in its order. */
export const KUSTOMIZATION_FILE_NAMES = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
] as const;

/** Fields whose entries may name another kustomization (a folder) or a remote URL. */
const REFERENCE_FIELDS = [
  'resources',
  'bases',
  'components',
  'generators',
  'transformers',
  'validators',
] as const;

export interface KustomizationEntry {
  readonly field: (typeof REFERENCE_FIELDS)[number];
  readonly value: string;
  /** Offsets of the scalar in the file's text, for in-place rewriting. */
  readonly start: number;
  readonly end: number;
}

export function findKustomizationFile(dir: string): string | undefined {
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** The path-like entries of a kustomization file, with their positions in its text. */
export function readKustomizationEntries(file: string): {
  text: string;
  entries: KustomizationEntry[];
} {
  const text = readFileSync(file, 'utf8');
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) {
    throw new KfchartsError('manifest-invalid', `${file} is not valid YAML`, {
      details: doc.errors.map((e) => e.message).join('\n'),
    });
  }
  const entries: KustomizationEntry[] = [];
  for (const field of REFERENCE_FIELDS) {
    const seq = doc.get(field, true);
    if (!isSeq(seq)) continue;
    for (const item of seq.items) {
      // Inline generator/transformer configs are maps or multi-line strings: not paths.
      if (!isScalar(item) || typeof item.value !== 'string' || item.value.includes('\n')) continue;
      const [start, end] = item.range ?? [0, 0];
      entries.push({ field, value: item.value, start, end });
    }
  }
  return { text, entries };
}
