import { parseDocument } from 'yaml';
import type { ComponentObjects } from './components.ts';
import { KfchartsError } from './errors.ts';
import { isCrd, KUBERNETES_YAML, objectKey } from './manifest/object.ts';

/**
 * Every container image the charts deploy at default values: the string value of every
 * `image` key in every object (pod templates, KServe/Trainer runtimes, ...), sorted and
 * unique. Images named inside ConfigMap payloads (e.g. Katib's katib-config) are not
 * parsed here yet; the values issue lifts those.
 */
export function listImages(components: readonly ComponentObjects[]): string[] {
  const images = new Set<string>();
  for (const { component, objects } of components) {
    for (const object of objects) {
      if (isCrd(object) || !object.text.includes('image:')) continue;
      const doc = parseDocument(object.text, KUBERNETES_YAML);
      if (doc.errors.length > 0) {
        throw new KfchartsError(
          'manifest-invalid',
          `component '${component.name}': ${objectKey(object)} is not valid YAML`,
        );
      }
      collect(doc.toJS(), images);
    }
  }
  return [...images].sort();
}

function collect(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, into);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'image' && typeof child === 'string' && child.trim() !== '')
        into.add(child.trim());
      else collect(child, into);
    }
  }
}
