import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildCharts } from '../../src/build.ts';
import { derivedImages } from '../../src/derived-images.ts';
import {
  type FoundImage,
  findImageReferences,
  listImages,
  mirrorImage,
  mirrorPairs,
  normalizeImage,
} from '../../src/images.ts';
import { isCrd, type ManifestObject, splitManifests } from '../../src/manifest/object.ts';
import { defaultPaths } from '../../src/paths.ts';
import { Helm } from '../../src/tools/helm.ts';
import { resolveUpstream } from '../../src/upstream/resolve.ts';
import { runCli, snapshot, tempDir } from './helpers.ts';
import {
  CHARTS,
  envOf,
  type K8sObject,
  type Rendered,
  renderWith,
  valuesCharts,
} from './values-charts.ts';

/** global.imageRegistry: every image the six charts deploy, pulled through a mirror. */
const R = 'mirror.example.org:5000/kf';
const QUEUE =
  'gcr.io/knative-releases/knative.dev/serving/cmd/queue@sha256:40957d3ced3b185b7a78bbd771be69b0a13137dcbee5ff7f82ae738b56037d9c';

/**
 * 26.03 with a registry, counted by hand with grep: 83 `image` fields outside CRDs, and 48
 * references elsewhere (Katib 15 + 4 trial templates, Jupyter 11, KServe 7, Istio's
 * busybox, Knative's queue, cacheImage, TENSORBOARD_IMAGE, V2_DRIVER_IMAGE,
 * V2_LAUNCHER_IMAGE, VOLUME_VIEWER_IMAGE, FRONTEND_IMAGE, VIEWER_TENSORBOARD_TF_IMAGE_NAME,
 * --executor-image, --acme-http01-solver-image).
 */
const COUNT_FIELDS = 83;
const COUNT_IMAGES = 131;
/**
 * Image names the consumer completes with a tag from elsewhere, set only with a registry:
 * sync.py's FRONTEND_IMAGE (`:<KFP_VERSION>`) and the KFP UI server's
 * VIEWER_TENSORBOARD_TF_IMAGE_NAME (`:<tfversion>`).
 */
const NAMES = ['ghcr.io/kubeflow/kfp-frontend', 'docker.io/tensorflow/tensorflow'];
/** What upstream 26.03 pins, read by hand in common/istio/istio-install/base. */
const SIDECAR = 'gcr.io/istio-release/proxyv2:1.29.0'; // patches/istio-sidecar-injector-patch.yaml
const GATEWAY_PROXY = 'gcr.io/istio-release/proxyv2:1.28.0'; // install.yaml, Deployment istio-ingressgateway
/** The KFP 2.16 UI's preselected TensorBoard image (upstream/26.03.yaml runtimeImages). */
const VIEWER = 'docker.io/tensorflow/tensorflow:2.2.2';

let rendering: Promise<[Rendered, Rendered]> | undefined;
/** The five charts rendered with the registry and at defaults, once for this file. */
function renders(): Promise<[Rendered, Rendered]> {
  rendering ??= Promise.all([renderWith({ global: { imageRegistry: R } }), renderWith({})]);
  return rendering;
}

interface Scanned {
  readonly object: ManifestObject;
  readonly found: FoundImage;
}

/** The references the scanner of src/images.ts finds in a render, per object. */
function scan(text: string): Scanned[] {
  return splitManifests(text, 'helm template').flatMap((object) =>
    findImageReferences(object).map((found) => ({ object, found })),
  );
}

function where({ object, found }: Scanned): string {
  return `${object.kind} ${object.namespace ?? ''}/${object.name} ${found.at}: ${found.image}`;
}

/** Every string value of an `image` key in parsed objects (an independent, plain walk). */
function imageFields(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) imageFields(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'image' && typeof child === 'string') into.push(child);
      else imageFields(child, into);
    }
  }
  return into;
}

function data(r: Rendered, namespace: string, name: string): Record<string, string> {
  const found = r.objects.find(
    (o) =>
      o.kind === 'ConfigMap' &&
      o.metadata.namespace === namespace &&
      (o.metadata.name === name || o.metadata.name.startsWith(`${name}-`)),
  );
  if (!found) throw new Error(`no ConfigMap ${namespace}/${name}`);
  return found.data as Record<string, string>;
}

function args(workload: K8sObject, container: string): string[] {
  const spec = (
    workload as unknown as {
      spec: { template: { spec: { containers: { name: string; args: string[] }[] } } };
    }
  ).spec.template.spec;
  return spec.containers.find((c) => c.name === container)?.args ?? [];
}

describe('values: global.imageRegistry', () => {
  let mirrored: Rendered;
  let defaults: Rendered;
  let listed: string[];
  let all: string[];
  let built: ManifestObject[];

  beforeAll(async () => {
    const result = await buildCharts({
      paths: { ...defaultPaths(), distDir: tempDir('images-dist') },
      log: () => {},
    });
    // What renders at default values: example/'s components, each object's default version.
    // `kfcharts images` lists the optional components' and variants' images too (all).
    listed = listImages(
      result.components
        .filter((c) => !c.component.optional)
        .map((c) => ({ ...c, objects: c.objects.filter((o) => o.variant === undefined) })),
      result.upgrade,
      result.runtimeImages,
    );
    all = listImages(result.components, result.upgrade, result.runtimeImages);
    built = result.components.flatMap((c) => c.objects);
    [mirrored, defaults] = await renders();
  });

  it('every image reference of the six charts starts with the registry', () => {
    const found = scan(mirrored.text);
    const images = found.filter((s) => s.found.kind === 'image');
    expect(images.length).toBe(COUNT_IMAGES);
    expect(images.filter((s) => !s.found.image.startsWith(`${R}/`)).map(where)).toEqual([]);
    // Istio's hub: the injected sidecars are <hub>/proxyv2:<tag>
    const hubs = found.filter((s) => s.found.kind === 'prefix');
    expect(hubs.map((s) => s.found.image)).toEqual(Array(3).fill(`${R}/gcr.io/istio-release`));
    // every `image` field, found by a plain walk of the parsed objects
    const fields = mirrored.objects
      .filter((o) => !isCrd({ apiVersion: o.apiVersion, kind: o.kind }))
      .flatMap((o) => imageFields(o));
    expect(fields.length).toBe(COUNT_FIELDS);
    expect(fields.filter((image) => !image.startsWith(`${R}/`))).toEqual([]);
  });

  it('renders exactly the images `kfcharts images` lists, through the registry', () => {
    expect(listed.length).toBe(106);
    // The 25 more of `kfcharts images` are those of optional components and variants
    // (ambient's ztunnel among them).
    expect(all.length).toBe(131);
    expect(listed.filter((image) => !all.includes(image))).toEqual([]);
    expect(listed).toEqual([...new Set(listed)].sort());
    const mirroredObjects = splitManifests(mirrored.text, 'helm template');
    const rendered = new Set([
      ...scan(mirrored.text)
        .filter((s) => s.found.kind === 'image')
        .map((s) => s.found.image),
      // the sidecar, composed from the rendered injector config
      ...derivedImages(mirroredObjects).map((d) => d.image),
    ]);
    // sync.py completes FRONTEND_IMAGE with KFP_VERSION: kfp-frontend:2.16.0, listed
    for (const name of NAMES) {
      expect(rendered.has(`${R}/${name}`), name).toBe(true);
      rendered.delete(`${R}/${name}`);
    }
    expect(listed).toContain('ghcr.io/kubeflow/kfp-frontend:2.16.0');
    // the UI's own viewer image is in no object: listed from the release data
    expect(listed).toContain(VIEWER);
    expect(rendered.has(mirrorImage(VIEWER, R))).toBe(false);
    rendered.add(mirrorImage(VIEWER, R));
    expect([...rendered].sort()).toEqual(listed.map((image) => mirrorImage(image, R)).sort());
    // and at defaults the render names the same images, as upstream writes them
    const upstream = [
      ...scan(defaults.text)
        .filter((s) => s.found.kind === 'image')
        .map((s) => s.found.image),
      ...derivedImages(splitManifests(defaults.text, 'helm template')).map((d) => d.image),
      VIEWER,
    ];
    expect([...new Set(upstream.map(normalizeImage))].sort()).toEqual(listed);
  });

  it("lists the sidecar as the injector's config composes it, not as the gateway's field names it", () => {
    // Parsed here from the built ConfigMap, the way istiod composes ProxyImage
    // (pkg/kube/inject/inject.go): <global.hub>/<global.proxy.image>:<global.tag>.
    const composed = (objects: readonly ManifestObject[]): string => {
      const injector = objects.find(
        (o) =>
          o.kind === 'ConfigMap' &&
          o.namespace === 'istio-system' &&
          o.name === 'istio-sidecar-injector',
      );
      if (!injector) throw new Error('no istio-sidecar-injector ConfigMap');
      const values = (parse(injector.text) as { data: { values: string } }).data.values;
      const { global } = JSON.parse(values) as {
        global: { hub: string; tag: string; variant: string; proxy: { image: string } };
      };
      expect(global.variant).toBe('');
      return `${global.hub}/${global.proxy.image}:${global.tag}`;
    };
    expect(composed(built)).toBe(SIDECAR);
    expect(listed).toContain(SIDECAR);
    // upstream pins them apart: the fields alone would miss the sidecar's tag
    const fields = built.flatMap((o) =>
      findImageReferences(o)
        .filter((f) => f.kind === 'image')
        .map((f) => normalizeImage(f.image)),
    );
    expect(fields).toContain(GATEWAY_PROXY);
    expect(fields).not.toContain(SIDECAR);
    // with a registry the injector composes the mirrored sidecar, which `images --registry` pairs
    const rendered = splitManifests(mirrored.text, 'helm template');
    expect(composed(rendered)).toBe(mirrorImage(SIDECAR, R));
    expect(mirrorPairs(listed, R)).toContainEqual([SIDECAR, mirrorImage(SIDECAR, R)]);
  });

  it('leaves no image as upstream wrote it, except in documentation', () => {
    const written = new Set(
      scan(defaults.text)
        .filter((s) => s.found.kind === 'image')
        .map((s) => s.found.image),
    );
    const left: string[] = [];
    for (const o of mirrored.objects) {
      if (isCrd({ apiVersion: o.apiVersion, kind: o.kind })) continue;
      const { _example: _, ...rest } = (o.data ?? {}) as Record<string, string>;
      const text = JSON.stringify({ ...o, data: rest });
      for (const image of written) {
        for (let i = text.indexOf(image); i >= 0; i = text.indexOf(image, i + 1)) {
          const before = text.slice(Math.max(0, i - 2), i);
          const after = text[i + image.length] ?? '';
          const bounded =
            (before === '\\n' || !/[\w.\-/:@]$/.test(before)) && !/[\w.\-/:@]/.test(after);
          if (bounded) left.push(`${o.kind} ${o.metadata.name}: ${image}`);
        }
      }
    }
    expect(left).toEqual([]);
  });

  it('rewrites images named in ConfigMaps, env and args; tags and digests unchanged', () => {
    const katib = parse(data(mirrored, 'kubeflow', 'katib-config')['katib-config.yaml'] as string);
    const runtime = katib.runtime as Record<string, { image: string }[]>;
    expect(runtime.suggestions?.map((s) => s.image)).toContain(
      `${R}/ghcr.io/kubeflow/katib/suggestion-hyperopt:v0.19.0`,
    );
    expect(runtime.metricsCollectors?.[0]?.image).toBe(
      `${R}/ghcr.io/kubeflow/katib/file-metrics-collector:v0.19.0`,
    );
    expect(runtime.earlyStoppings?.[0]?.image).toBe(
      `${R}/ghcr.io/kubeflow/katib/earlystopping-medianstop:v0.19.0`,
    );
    const trial = parse(data(mirrored, 'kubeflow', 'trial-templates').pytorchJobTemplate as string);
    expect(imageFields(trial)).toEqual(
      Array(2).fill(`${R}/ghcr.io/kubeflow/katib/pytorch-mnist-cpu:v0.19.0`),
    );

    const spawner = parse(
      data(mirrored, 'kubeflow', 'jupyter-web-app-config')['spawner_ui_config.yaml'] as string,
    ).spawnerFormDefaults;
    expect(spawner.image.value).toBe(
      `${R}/ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.10.0`,
    );
    expect(spawner.image.options).toHaveLength(6);
    expect(spawner.imageGroupTwo.options).toEqual([
      `${R}/ghcr.io/kubeflow/kubeflow/notebook-servers/rstudio-tidyverse:v1.10.0`,
    ]);

    const kserve = data(mirrored, 'kubeflow', 'inferenceservice-config');
    expect(parse(kserve.agent as string).image).toBe(`${R}/docker.io/kserve/agent:v0.16.0`);
    expect(parse(kserve.storageInitializer as string).image).toBe(
      `${R}/docker.io/kserve/storage-initializer:v0.16.0`,
    );
    expect(parse(kserve.localModel as string).defaultJobImage).toBe(
      `${R}/docker.io/kserve/storage-initializer:v0.16.0`,
    );
    expect(parse(kserve.explainers as string).art).toEqual({
      image: `${R}/docker.io/kserve/art-explainer`,
      defaultImageVersion: 'latest',
    });

    // Knative pins by digest: the digest stays
    expect(data(mirrored, 'knative-serving', 'config-deployment')['queue-sidecar-image']).toBe(
      `${R}/${QUEUE}`,
    );
    expect(mirrored.get('Image', 'knative-serving', 'queue-proxy').spec).toEqual({
      image: `${R}/${QUEUE}`,
    });

    expect(data(mirrored, 'kubeflow', 'pipeline-install-config').cacheImage).toBe(
      `${R}/ghcr.io/containerd/busybox`,
    );
    expect(data(mirrored, 'kubeflow', 'tensorboard-controller-config').TENSORBOARD_IMAGE).toBe(
      `${R}/docker.io/tensorflow/tensorflow:2.5.1`,
    );
    const api = mirrored.get('Deployment', 'kubeflow', 'ml-pipeline');
    expect(envOf(api, 'ml-pipeline-api-server', 'V2_DRIVER_IMAGE')?.value).toBe(
      `${R}/ghcr.io/kubeflow/kfp-driver:2.16.0`,
    );
    expect(envOf(api, 'ml-pipeline-api-server', 'V2_LAUNCHER_IMAGE')?.value).toBe(
      `${R}/ghcr.io/kubeflow/kfp-launcher:2.16.0`,
    );
    const profileController = mirrored.get(
      'Deployment',
      'kubeflow',
      'kubeflow-pipelines-profile-controller',
    );
    expect(envOf(profileController, 'profile-controller', 'FRONTEND_IMAGE')?.value).toBe(
      `${R}/ghcr.io/kubeflow/kfp-frontend`,
    );
    const ui = mirrored.get('Deployment', 'kubeflow', 'ml-pipeline-ui');
    expect(envOf(ui, 'ml-pipeline-ui', 'VIEWER_TENSORBOARD_TF_IMAGE_NAME')?.value).toBe(
      `${R}/docker.io/tensorflow/tensorflow`,
    );
    const argo = mirrored.get('Deployment', 'kubeflow', 'workflow-controller');
    const executor = args(argo, 'workflow-controller');
    expect(executor[executor.indexOf('--executor-image') + 1]).toBe(
      `${R}/quay.io/argoproj/argoexec:v3.7.3`,
    );
    expect(
      args(mirrored.get('Deployment', 'cert-manager', 'cert-manager'), 'cert-manager-controller'),
    ).toContain(`--acme-http01-solver-image=${R}/quay.io/jetstack/cert-manager-acmesolver:v1.19.4`);
    const volumes = mirrored.get('Deployment', 'kubeflow', 'volumes-web-app-deployment');
    expect(envOf(volumes, 'volumes-web-app', 'VOLUME_VIEWER_IMAGE')?.value).toBe(
      `${R}/docker.io/filebrowser/filebrowser:v2.25.0`,
    );

    const injector = data(mirrored, 'istio-system', 'istio-sidecar-injector');
    expect(JSON.parse(injector.values as string).global.hub).toBe(`${R}/gcr.io/istio-release`);
    expect(injector.config).toContain(`image: ${R}/docker.io/library/busybox:1.28\n`);
    expect(injector.config).toContain('image: "{{ .ProxyImage }}"');

    // Docker Hub short names and organizations, made explicit
    expect(imageFields(mirrored.get('Deployment', 'kubeflow', 'mysql'))).toEqual([
      `${R}/docker.io/library/mysql:8.4`,
    ]);
    expect(
      imageFields(mirrored.get('ClusterServingRuntime', undefined, 'kserve-sklearnserver')),
    ).toEqual([`${R}/docker.io/kserve/sklearnserver:v0.16.0`]);
  });

  it('at defaults and with imageRegistry "" every image is as upstream wrote it', async () => {
    const empty = await renderWith({ global: { imageRegistry: '' } });
    expect(empty.text).toBe(defaults.text);
    expect(defaults.text).not.toContain('mirror.example.org');
    expect(imageFields(defaults.get('Deployment', 'kubeflow', 'mysql'))).toEqual(['mysql:8.4']);
    const profileController = defaults.get(
      'Deployment',
      'kubeflow',
      'kubeflow-pipelines-profile-controller',
    );
    expect(envOf(profileController, 'profile-controller', 'FRONTEND_IMAGE')).toBeUndefined();
    const ui = defaults.get('Deployment', 'kubeflow', 'ml-pipeline-ui');
    expect(envOf(ui, 'ml-pipeline-ui', 'VIEWER_TENSORBOARD_TF_IMAGE_NAME')).toBeUndefined();
    expect(data(defaults, 'knative-serving', 'config-deployment')['queue-sidecar-image']).toBe(
      QUEUE,
    );
  });

  it('Helm 3 renders the same', async () => {
    const dir = await valuesCharts();
    const file = join(tempDir('values'), 'values.yaml');
    writeFileSync(file, `global:\n  imageRegistry: ${R}\n`);
    const helm3 = Helm.v3();
    const texts = await Promise.all(
      CHARTS.map((chart) =>
        helm3.template(join(dir, chart), {
          releaseName: 'r',
          namespace: 'ns',
          valuesFiles: [file],
        }),
      ),
    );
    // Helm 3 orders some kinds differently: compare the documents as a set
    const documents = (text: string) =>
      text
        .split(/^---\n/m)
        .filter((d) => d.trim() !== '')
        .sort();
    expect(documents(texts.join('---\n'))).toEqual(documents(mirrored.text));
  });

  it('rejects a registry that is not host[:port][/path]', async () => {
    const { schemaError } = await import('./values-charts.ts');
    expect(await schemaError({ global: { imageRegistry: 'https://mirror.example.org' } })).toMatch(
      /imageRegistry/,
    );
  });
});

describe('global.imageRegistry and the next upstream release', () => {
  it('an image in a place no one listed is rewritten too, and the build report names it for review', async () => {
    const tree = await resolveUpstream({ paths: defaultPaths() });
    const root = tempDir('images-drift');
    const manifests = join(root, 'manifests-26.03');
    cpSync(tree.dir, manifests, { recursive: true });
    const file = join(manifests, 'applications/volumes-web-app/upstream/base/deployment.yaml');
    const before = readFileSync(file, 'utf8');
    const after = before.replace(
      /^( +)- name: VOLUME_VIEWER_IMAGE\n/m,
      '$1- name: ARCHIVER_IMAGE\n$1  value: ghcr.io/example/archiver:v1\n$&',
    );
    expect(after).not.toBe(before);
    writeFileSync(file, after);
    const dist = join(root, 'dist');
    const r = await runCli(['build', '--manifests', manifests], { KFCHARTS_DIST_DIR: dist });
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const files = snapshot(dist);
    expect(files.get('charts/BUILD-REPORT.md')).toContain(
      '`images`: rewritten in a place KNOWN\\_PLACES (src/rules/values/images.ts) does not list: volumes-web-app: apps/v1 Deployment kubeflow/volumes-web-app-deployment spec.template.spec.containers\\[volumes-web-app\\].env\\[ARCHIVER\\_IMAGE\\].value: ghcr.io/example/archiver:v1',
    );
    const deployment = [...files].find(
      ([f]) => f.includes('/charts/volumes-web-app/templates/') && f.includes('deployment'),
    )?.[1];
    expect(deployment).toContain(
      'value: {{ with include "kfcharts.imageRegistry" $ }}{{ . }}/ghcr.io/example/archiver:v1{{ else }}ghcr.io/example/archiver:v1{{ end }}',
    );
  });
});

/**
 * The image references of rendered objects, found without src/images.ts (whose scanner
 * the images rule itself uses), by a plain walk of the parsed objects:
 * - by name: the value of a key whose name contains `image` (any case; not
 *   `imagePullPolicy`/`imagePullSecrets`), and the strings of a list under such a key; the
 *   value of an env entry whose name contains `IMAGE`; an args item `--…image=V`, or the
 *   item after `--…image`;
 * - by form, in every string anywhere (free text, scripts, template lines): a token shaped
 *   `<registry or org>/<path>` with a `:tag` or an `@algo:hex` digest;
 * - Istio's `hub`: the prefix itself, and an image name (no `/`) in a document with a hub
 *   as `<hub>/<name>`, which is how istiod composes it.
 * A string that parses as a JSON or YAML collection (ConfigMap payloads, JSON in YAML) is
 * walked as a document; Go-template text line by line, `image: X` lines by name. Go
 * templates and `$(VAR)` placeholders are no references; `_example` (Knative's
 * documentation) and CustomResourceDefinitions (schemas) are skipped.
 */
function referencesIn(objects: readonly unknown[]): { at: string; image: string }[] {
  const found: { at: string; image: string }[] = [];
  const NAME_KEY = /image/i;
  const NOT_IMAGE_KEY = /pull|version/i;
  const FORM =
    /^(?:[a-z0-9][a-z0-9.-]*(?::[0-9]+)?\/)+[a-z0-9][a-z0-9._-]*(?::[\w][\w.-]{0,127}|@[a-z0-9]+:[0-9a-f]{32,})(?:@[a-z0-9]+:[0-9a-f]{32,})?$/;
  const SEPARATORS = /[\s"'`=,;()[\]{}<>|\\]+/;
  const placeholder = (v: string) => v.includes('{{') || v.includes('$');
  const add = (at: string, image: string) => {
    if (image !== '' && !placeholder(image)) found.push({ at, image });
  };
  const byForm = (at: string, text: string) => {
    for (const token of text.split(SEPARATORS)) if (FORM.test(token)) add(at, token);
  };
  const asDocument = (text: string): unknown => {
    const t = text.trim();
    try {
      if (/^[{[]/.test(t)) return JSON.parse(t);
    } catch {
      // not JSON: YAML below
    }
    if (!t.includes('\n') || t.includes('{{')) return undefined;
    try {
      const doc = parse(t);
      return doc !== null && typeof doc === 'object' ? doc : undefined;
    } catch {
      return undefined;
    }
  };
  const str = (at: string, value: string, named: boolean, hub: string | undefined) => {
    const doc = asDocument(value);
    if (doc !== undefined) return walk(`${at} › `, doc, undefined);
    if (value.includes('\n') || value.includes('{{')) {
      for (const [n, line] of value.split('\n').entries()) {
        const keyed = /^\s*-?\s*image:\s*"?([^\s"]+)"?\s*$/.exec(line);
        if (keyed) add(`${at} line ${n + 1}`, keyed[1] as string);
        else byForm(`${at} line ${n + 1}`, line);
      }
      return;
    }
    if (named)
      add(at, hub !== undefined && !value.includes('/') ? `${hub}/${value}` : value.trim());
    else byForm(at, value);
  };
  function walk(at: string, node: unknown, hubAbove: string | undefined): void {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) {
        const flag = i > 0 ? node[i - 1] : undefined;
        const afterFlag = typeof flag === 'string' && /^--?[\w.-]*image$/i.test(flag);
        if (typeof item === 'string') {
          const inline = /^--?[\w.-]*image=(.+)$/i.exec(item);
          if (inline) add(`${at}[${i}]`, inline[1] as string);
          else str(`${at}[${i}]`, item, afterFlag, undefined);
        } else walk(`${at}[${i}]`, item, hubAbove);
      }
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const map = node as Record<string, unknown>;
    const nonEmpty = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    const global = map.global as Record<string, unknown> | undefined;
    // Istio's charts: a component's own `hub`, else global.hub
    const hub = nonEmpty(map.hub) ?? nonEmpty(global?.hub) ?? hubAbove;
    if (nonEmpty(map.hub)) add(`${at}hub`, map.hub as string);
    const envImage =
      typeof map.name === 'string' && /IMAGE/.test(map.name) && typeof map.value === 'string';
    for (const [key, value] of Object.entries(map)) {
      if (key === '_example' || key === 'hub') continue;
      const named =
        (NAME_KEY.test(key) && !NOT_IMAGE_KEY.test(key)) || (envImage && key === 'value');
      if (typeof value === 'string') str(`${at}${key}`, value, named, hub);
      else if (named && Array.isArray(value)) {
        for (const [i, item] of value.entries())
          if (typeof item === 'string') str(`${at}${key}[${i}]`, item, true, hub);
          else walk(`${at}${key}[${i}].`, item, hub);
      } else walk(`${at}${key}.`, value, hub);
    }
  }
  for (const o of objects as K8sObject[]) {
    if (isCrd({ apiVersion: o.apiVersion, kind: o.kind })) continue;
    walk(`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name} `, o, undefined);
  }
  return found;
}

describe('global.imageRegistry: no rendered reference outside the mirror (independent walk)', () => {
  let mirrored: Rendered;
  let defaults: Rendered;
  beforeAll(async () => {
    [mirrored, defaults] = await renders();
  });
  const outside = (objects: readonly unknown[]) =>
    referencesIn(objects).filter((f) => !f.image.startsWith(`${R}/`));
  /** Istio names istiod composes from a hub: in the injector's and the `values` record's JSON. */
  const COMPOSED = [
    'gcr.io/istio-release/proxyv2', // injector global.proxy.image
    'gcr.io/istio-release/proxyv2', // injector global.proxy_init.image
    'gcr.io/istio-release/proxyv2', // values merged-values global.proxy.image
    'gcr.io/istio-release/proxyv2', // values merged-values global.proxy_init.image
    'gcr.io/istio-release/pilot', // values merged-values image (hub "" → global.hub)
  ];

  it('at defaults it finds what the scanner finds and the Istio compositions, all outside the mirror', () => {
    const walked = referencesIn(defaults.objects);
    const scanned = scan(defaults.text).map((s) => s.found.image);
    // 129 references (131 with a registry, less FRONTEND_IMAGE and the viewer name),
    // Istio's 3 hubs, and the 5 names composed with a hub
    expect(scanned.length).toBe(129 + 3);
    expect(walked.length).toBe(129 + 3 + COMPOSED.length);
    expect(walked.map((f) => f.image).sort()).toEqual([...scanned, ...COMPOSED].sort());
    expect(outside(defaults.objects)).toEqual(walked);
  });

  it('with a registry every reference it finds, in any field or ConfigMap, is in the mirror', () => {
    const walked = referencesIn(mirrored.objects);
    expect(walked.length).toBe(131 + 3 + COMPOSED.length);
    expect(outside(mirrored.objects)).toEqual([]);
  });

  it('reports references planted where consumers read them', () => {
    const planted = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'planted', namespace: 'kubeflow' },
      data: {
        'runtime.json': JSON.stringify({
          runtime: { helper: { image: 'quay.io/acme/helper:v1' } },
        }),
        'script.sh': `#!/bin/sh\nexec crane copy registry.acme.example/tools/x@sha256:${'a'.repeat(64)} y\n`,
        'nested.yaml':
          'values: |\n  {"global": {"hub": "docker.io/acme", "proxy": {"image": "p"}}}\n',
      },
    };
    const deployment = structuredClone(mirrored.get('Deployment', 'kubeflow', 'ml-pipeline'));
    const api = (
      deployment as unknown as {
        spec: { template: { spec: { containers: { env: unknown[]; args?: string[] }[] } } };
      }
    ).spec.template.spec.containers[0];
    if (!api) throw new Error('ml-pipeline has no container');
    api.env.push({ name: 'WORKER_IMAGE', value: 'busybox:1.36' });
    api.args = ['--sidecar-image', 'ghcr.io/acme/sidecar:v2'];
    const others = mirrored.objects.filter(
      (o) => !(o.kind === 'Deployment' && o.metadata.name === 'ml-pipeline'),
    );
    expect(outside([...others, planted, deployment]).map((f) => f.image)).toEqual([
      'quay.io/acme/helper:v1',
      `registry.acme.example/tools/x@sha256:${'a'.repeat(64)}`,
      'docker.io/acme',
      'docker.io/acme/p',
      'busybox:1.36',
      'ghcr.io/acme/sidecar:v2',
    ]);
  });
});
