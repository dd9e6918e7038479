import type { Helm } from '../tools/helm.ts';
import { type ParsedObject, toParsedObjects } from './objects.ts';

/** Non-default on purpose: objects must keep upstream's namespaces whatever these are. */
export const VERIFY_RELEASE = {
  releaseName: 'kfcharts-verify',
  namespace: 'kfcharts-verify-ns',
} as const;

export interface RenderedObject extends ParsedObject {
  /** Subchart (component) the template belongs to, or the chart's own name. */
  readonly component: string;
}

/** Splits `helm template` output on its `# Source:` headers and parses each document. */
export function parseHelmOutput(text: string, chart: string): RenderedObject[] {
  const parts = text.split(/^---\n# Source: (.+)\n/m);
  const objects: RenderedObject[] = [];
  for (let i = 1; i < parts.length; i += 2) {
    const source = parts[i] as string;
    const body = parts[i + 1] ?? '';
    const component = /^[^/]+\/charts\/([^/]+)\//.exec(source)?.[1] ?? chart;
    for (const o of toParsedObjects(body, source)) objects.push({ ...o, component });
  }
  return objects;
}

export async function renderChart(
  helm: Helm,
  chartDir: string,
  set: readonly string[] = [],
): Promise<string> {
  return helm.template(chartDir, { ...VERIFY_RELEASE, includeCrds: true, set });
}
