import { escapeTemplateText } from '../../chart/escape.ts';
import {
  type FoundImage,
  findImageReferences,
  normalizeImage,
  normalizeImagePrefix,
} from '../../images.ts';
import type { ManifestObject } from '../../manifest/object.ts';
import { EditError, type ObjectEditor, selectObject, templateRule } from '../edit.ts';
import type { ObjectRule } from '../rule.ts';
import { container, type Target } from './template.ts';

/**
 * global.imageRegistry: every image the charts deploy is pulled as
 * `<registry>/<original registry>/<repository>[:tag][@digest]` (Docker Hub made explicit:
 * `mysql:8.4` → `<registry>/docker.io/library/mysql:8.4`), wherever it is named: `image`
 * fields, and the ConfigMaps, env vars and args that name images for pods the
 * controllers create (Katib's katib-config, Jupyter's spawner config, KServe's
 * inferenceservice-config, Knative's queue-sidecar-image, Pipelines' driver/launcher,
 * Argo's executor, Istio's hub, ...).
 *
 * The references are found by the scanner of src/images.ts (the one `kfcharts images`
 * lists from). `image` fields of the objects' own YAML are rewritten wherever they are;
 * every other reference must stand in a scalar this file names in PLACES, with the number
 * of references it holds. A reference anywhere else, a component missing from PLACES, or
 * a changed count fails the build naming the object and the reference, so a new upstream
 * release cannot leave an image behind silently.
 */

/** A scalar of an object that names `images` references besides `image` fields. */
type Place = readonly [
  kind: string,
  namespace: string | undefined,
  name: string,
  scalar: string,
  images: number,
];

interface ComponentImages {
  /** Objects of the component that name images (26.03). */
  readonly objects: number;
  readonly places?: readonly Place[];
}

const CONTROLLER = 'spec.template.spec.containers';

/** Every component of components.yaml, with what its objects name. */
export const IMAGE_COMPONENTS: Readonly<Record<string, ComponentImages>> = {
  'cert-manager': {
    objects: 3,
    places: [
      [
        'Deployment',
        'cert-manager',
        'cert-manager',
        `${CONTROLLER}[cert-manager-controller].args[--acme-http01-solver-image]`,
        1,
      ],
    ],
  },
  'istio-crds': { objects: 0 },
  'istio-namespace': { objects: 0 },
  istio: {
    objects: 5,
    places: [
      // busybox in the grpc-simple injection template; the hub of the injected proxies
      ['ConfigMap', 'istio-system', 'istio-sidecar-injector', 'data.config', 1],
      ['ConfigMap', 'istio-system', 'istio-sidecar-injector', 'data.values', 1],
      ['ConfigMap', 'istio-system', 'values', 'data.merged-values', 1],
      ['ConfigMap', 'istio-system', 'values', 'data.original-values', 1],
    ],
  },
  'oauth2-proxy': { objects: 1 },
  dex: { objects: 1 },
  'knative-serving': {
    objects: 8,
    places: [['ConfigMap', 'knative-serving', 'config-deployment', 'data.queue-sidecar-image', 1]],
  },
  'cluster-local-gateway': { objects: 1 },
  'kubeflow-namespace': { objects: 0 },
  'kubeflow-roles': { objects: 0 },
  'kubeflow-istio-resources': { objects: 0 },
  pipelines: {
    objects: 16,
    places: [
      ['ConfigMap', 'kubeflow', 'pipeline-install-config', 'data.cacheImage', 1],
      [
        'Deployment',
        'kubeflow',
        'ml-pipeline',
        `${CONTROLLER}[ml-pipeline-api-server].env[V2_DRIVER_IMAGE].value`,
        1,
      ],
      [
        'Deployment',
        'kubeflow',
        'ml-pipeline',
        `${CONTROLLER}[ml-pipeline-api-server].env[V2_LAUNCHER_IMAGE].value`,
        1,
      ],
      [
        'Deployment',
        'kubeflow',
        'workflow-controller',
        `${CONTROLLER}[workflow-controller].args[--executor-image]`,
        1,
      ],
    ],
  },
  katib: {
    objects: 6,
    places: [
      ['ConfigMap', 'kubeflow', 'katib-config', 'data.katib-config.yaml', 15],
      ['ConfigMap', 'kubeflow', 'trial-templates', 'data.defaultTrialTemplate.yaml', 1],
      ['ConfigMap', 'kubeflow', 'trial-templates', 'data.enasCPUTemplate', 1],
      ['ConfigMap', 'kubeflow', 'trial-templates', 'data.pytorchJobTemplate', 2],
    ],
  },
  'central-dashboard': { objects: 1 },
  'admission-webhook': { objects: 1 },
  'jupyter-web-app': {
    objects: 2,
    places: [
      ['ConfigMap', 'kubeflow', 'jupyter-web-app-config-*', 'data.spawner_ui_config.yaml', 11],
    ],
  },
  'notebook-controller': { objects: 1 },
  profiles: { objects: 1 },
  'pvcviewer-controller': { objects: 1 },
  'volumes-web-app': {
    objects: 1,
    places: [
      [
        'Deployment',
        'kubeflow',
        'volumes-web-app-deployment',
        `${CONTROLLER}[volumes-web-app].env[VOLUME_VIEWER_IMAGE].value`,
        1,
      ],
    ],
  },
  'tensorboard-controller': {
    objects: 2,
    places: [
      ['ConfigMap', 'kubeflow', 'tensorboard-controller-config-*', 'data.TENSORBOARD_IMAGE', 1],
    ],
  },
  'tensorboards-web-app': { objects: 1 },
  trainer: { objects: 8 },
  'user-namespace': { objects: 0 },
  kserve: {
    objects: 16,
    places: [
      'agent',
      'batcher',
      'explainers',
      'localModel',
      'logger',
      'router',
      'storageInitializer',
    ].map((key): Place => ['ConfigMap', 'kubeflow', 'inferenceservice-config', `data.${key}`, 1]),
  },
  'models-web-app': { objects: 1 },
  'spark-operator': { objects: 2 },
};

const REGISTRY = 'include "kfcharts.imageRegistry" $';

/**
 * The reference through the registry when one is set, else `original` (kustomize's
 * escaped text). The registry is printed only through its checked helper; the rest is
 * build-time text.
 */
function throughRegistry(mirrored: string, original: string): string {
  return `{{ with ${REGISTRY} }}{{ . }}/${escapeTemplateText(mirrored)}{{ else }}${original}{{ end }}`;
}

/** An `image` field of the object's own YAML (not one inside a ConfigMap payload). */
function isImageField(found: FoundImage): boolean {
  return found.at === found.scalar && /(^|\.)image$/.test(found.scalar);
}

/** A character that continues a reference: an occurrence next to one is part of another string. */
const REFERENCE_CHAR = /[\w.\-/:@]/;

/** How often `image` stands in `source`; throws when it is also part of a longer string. */
function occurrences(source: string, image: string, where: string): number {
  let count = 0;
  for (let i = source.indexOf(image); i >= 0; i = source.indexOf(image, i + image.length)) {
    const before = source[i - 1] ?? '';
    const after = source[i + image.length] ?? '';
    if (REFERENCE_CHAR.test(before) || REFERENCE_CHAR.test(after)) {
      throw new EditError(
        `${where} holds '${image}' also as part of '${source.slice(Math.max(0, i - 20), i + image.length + 20).trim()}'`,
      );
    }
    count++;
  }
  return count;
}

/** Rewrites every reference `found` lists, each distinct one in its scalar once. */
function rewrite(editor: ObjectEditor, found: readonly FoundImage[]): void {
  const done = new Set<string>();
  for (const f of found) {
    const key = `${f.scalar}\n${f.image}`;
    if (done.has(key)) continue;
    done.add(key);
    const mirrored =
      f.kind === 'image' ? normalizeImage(f.image) : (normalizeImagePrefix(f.image) as string);
    const source = editor.object.text.slice(f.range[0], f.range[1]);
    const count = occurrences(source, f.image, f.scalar);
    editor.replaceInScalar(f.path, f.image, count, (original) =>
      throughRegistry(mirrored, original),
    );
  }
}

/**
 * Pipelines' profile controller (sync.py) starts the per-namespace artifact server from
 * FRONTEND_IMAGE, defaulting in code to ghcr.io/kubeflow/kfp-frontend (tag KFP_VERSION):
 * with a registry the env var is set.
 */
const FRONTEND = {
  deployment: ['Deployment', 'kubeflow', 'kubeflow-pipelines-profile-controller'] as Target,
  container: 'profile-controller',
  code: ['ConfigMap', 'kubeflow', 'kubeflow-pipelines-profile-controller-code-*'] as Target,
  default: 'os.environ.get("FRONTEND_IMAGE", "ghcr.io/kubeflow/kfp-frontend")',
  image: 'ghcr.io/kubeflow/kfp-frontend',
};

function componentRule(
  component: string,
  images: ComponentImages,
  scan: (o: ManifestObject) => FoundImage[],
): ObjectRule {
  const places = (images.places ?? []).map(([kind, ns, name, scalar, count]) => ({
    select: selectObject(kind, ns, name),
    scalar,
    count,
  }));
  const frontend = component === 'pipelines' ? selectObject(...FRONTEND.deployment) : undefined;
  return templateRule({
    id: `images-${component}`,
    description: `${component}: every image through global.imageRegistry`,
    component,
    expect: images.objects,
    select: (object) => scan(object).length > 0,
    edit(e) {
      const found = scan(e.object);
      const here = places.filter((p) => p.select(e.object));
      for (const f of found) {
        if (isImageField(f) || here.some((p) => p.scalar === f.scalar)) continue;
        throw new EditError(
          `names the image '${f.image}' at ${f.at}, a place no images rule covers: add [kind, namespace, name, '${f.scalar}', count] to IMAGE_COMPONENTS['${component}'].places in src/rules/values/images.ts, and teach the consumer about the registry if it is not a plain reference`,
        );
      }
      for (const p of here) {
        const at = found.filter((f) => f.scalar === p.scalar);
        if (at.length !== p.count) {
          throw new EditError(
            `${p.scalar} names ${at.length} image reference(s), expected ${p.count}: ${at.map((f) => `${f.image} (${f.at})`).join(', ') || 'none'}`,
          );
        }
      }
      rewrite(e, found);
      if (frontend?.(e.object)) {
        e.append([...container(FRONTEND.container), 'env'], `(${REGISTRY})`, [
          '- name: FRONTEND_IMAGE',
          `  value: {{ ${REGISTRY} }}/${FRONTEND.image}`,
        ]);
      }
    },
  });
}

/**
 * The image rules: one per component (its objects that name images, with the expected
 * count), the check that sync.py still reads FRONTEND_IMAGE, and the check that no
 * component outside IMAGE_COMPONENTS names an image.
 */
export function imageRules(): ObjectRule[] {
  const cache = new Map<string, FoundImage[]>();
  const scan = (object: ManifestObject): FoundImage[] => {
    let found = cache.get(object.text);
    if (found === undefined) {
      found = findImageReferences(object);
      cache.set(object.text, found);
    }
    return found;
  };
  const code = selectObject(...FRONTEND.code);
  return [
    ...Object.entries(IMAGE_COMPONENTS).map(([component, images]) =>
      componentRule(component, images, scan),
    ),
    {
      id: 'images-pipelines-frontend-default',
      description: `sync.py of Pipelines' profile controller reads FRONTEND_IMAGE, defaulting to ${FRONTEND.image} (images-pipelines sets it)`,
      component: 'pipelines',
      expect: 1,
      matches: (object, component) =>
        component === 'pipelines' && code(object) && object.text.includes(FRONTEND.default),
      apply: (object) => object,
    },
    {
      id: 'images-other-components',
      description:
        'every component that names images has an entry in IMAGE_COMPONENTS (src/rules/values/images.ts)',
      // Anchored to a component of kubeflow/manifests, so that builds of other trees
      // (test fixtures) skip it like the other rules; it changes nothing.
      component: 'pipelines',
      expect: 0,
      matches: (object, component) =>
        !Object.hasOwn(IMAGE_COMPONENTS, component) && scan(object).length > 0,
      apply: (object) => object,
    },
  ];
}
