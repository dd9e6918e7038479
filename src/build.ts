import { join } from 'node:path';
import { type ChartFiles, type ComponentObjects, emitUmbrellaChart } from './chart/emit.ts';
import { writeChartsAtomically } from './chart/write.ts';
import {
  checkComponentsAgainstTree,
  defaultComponentsPath,
  readComponentList,
} from './components.ts';
import { kustomizeAll } from './kustomize/build.ts';
import { splitManifests } from './manifest/object.ts';
import { checkNamespaces } from './manifest/scope.ts';
import { Kubectl } from './tools/kubectl.ts';
import { resolveUpstream, type UpstreamOptions, type UpstreamTree } from './upstream/resolve.ts';

export interface BuildOptions extends UpstreamOptions {
  /** Component list (default components.yaml). */
  readonly componentsFile?: string;
  /** false: ignore and don't fill the kustomize output cache. */
  readonly useCache?: boolean;
  readonly kubectl?: Kubectl;
}

export interface BuildResult {
  readonly tree: UpstreamTree;
  readonly components: readonly ComponentObjects[];
  readonly files: ChartFiles;
}

/**
 * The pipeline up to chart files in memory:
 * resolve upstream → localize → kustomize (parallel, cached) → split → emit.
 * Nothing under dist/ is touched; see writeCharts().
 */
export async function buildCharts(options: BuildOptions): Promise<BuildResult> {
  const componentsFile = options.componentsFile ?? defaultComponentsPath;
  const components = readComponentList(componentsFile);
  const tree = await resolveUpstream(options);
  checkComponentsAgainstTree(components, tree.dir, componentsFile);
  const outputs = await kustomizeAll(components, tree, {
    kubectl: options.kubectl ?? new Kubectl(),
    cacheDir: options.useCache === false ? undefined : join(options.paths.cacheDir, 'kustomize'),
  });
  const built: ComponentObjects[] = components.map((component, i) => ({
    component,
    objects: splitManifests(
      outputs[i]?.yaml ?? '',
      `kustomize build of component '${component.name}'`,
    ),
  }));
  checkNamespaces(built.map((c) => ({ name: c.component.name, objects: c.objects })));
  const files = emitUmbrellaChart({
    tag: tree.tag,
    treeSha256: tree.treeSha256,
    components: built,
  });
  return { tree, components: built, files };
}

/** dist/charts, replaced as a whole. */
export function chartsDir(distDir: string): string {
  return join(distDir, 'charts');
}

export function writeCharts(result: BuildResult, distDir: string): void {
  writeChartsAtomically(chartsDir(distDir), result.files);
}
