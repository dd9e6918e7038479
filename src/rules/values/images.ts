import { parse } from 'yaml';
import { escapeTemplateText } from '../../chart/escape.ts';
import {
  type FoundImage,
  findImageReferences,
  normalizeImage,
  normalizeImagePrefix,
} from '../../images.ts';
import { type ManifestObject, objectKey } from '../../manifest/object.ts';
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
 * lists from) and every one is rewritten, wherever it stands: a generic transform, with
 * no count to fail. `image` fields are what every consumer reads; any other scalar (a
 * ConfigMap payload, an env var, an arg) is listed in KNOWN_PLACES once someone checked
 * that its consumer takes a plain reference. A reference in an unlisted scalar is still
 * rewritten, and the build report names it for review, so a new upstream release can
 * neither leave an image behind nor slip a new kind of place through unseen.
 */

/** A scalar of an object, besides `image` fields, whose consumer reads image references. */
type Place = readonly [kind: string, namespace: string | undefined, name: string, scalar: string];

const CONTROLLER = 'spec.template.spec.containers';

/** Known places by component (components.yaml names). */
export const KNOWN_PLACES: Readonly<Record<string, readonly Place[]>> = {
  'cert-manager': [
    [
      'Deployment',
      'cert-manager',
      'cert-manager',
      `${CONTROLLER}[cert-manager-controller].args[--acme-http01-solver-image]`,
    ],
  ],
  istio: [
    // busybox in the grpc-simple injection template; the hub of the injected proxies
    ['ConfigMap', 'istio-system', 'istio-sidecar-injector', 'data.config'],
    ['ConfigMap', 'istio-system', 'istio-sidecar-injector', 'data.values'],
    ['ConfigMap', 'istio-system', 'values', 'data.merged-values'],
    ['ConfigMap', 'istio-system', 'values', 'data.original-values'],
  ],
  'knative-serving': [
    ['ConfigMap', 'knative-serving', 'config-deployment', 'data.queue-sidecar-image'],
  ],
  pipelines: [
    ['ConfigMap', 'kubeflow', 'pipeline-install-config', 'data.cacheImage'],
    [
      'Deployment',
      'kubeflow',
      'ml-pipeline',
      `${CONTROLLER}[ml-pipeline-api-server].env[V2_DRIVER_IMAGE].value`,
    ],
    [
      'Deployment',
      'kubeflow',
      'ml-pipeline',
      `${CONTROLLER}[ml-pipeline-api-server].env[V2_LAUNCHER_IMAGE].value`,
    ],
    [
      'Deployment',
      'kubeflow',
      'workflow-controller',
      `${CONTROLLER}[workflow-controller].args[--executor-image]`,
    ],
  ],
  katib: [
    ['ConfigMap', 'kubeflow', 'katib-config', 'data.katib-config.yaml'],
    ['ConfigMap', 'kubeflow', 'trial-templates', 'data.defaultTrialTemplate.yaml'],
    ['ConfigMap', 'kubeflow', 'trial-templates', 'data.enasCPUTemplate'],
    ['ConfigMap', 'kubeflow', 'trial-templates', 'data.pytorchJobTemplate'],
  ],
  'jupyter-web-app': [
    ['ConfigMap', 'kubeflow', 'jupyter-web-app-config-*', 'data.spawner_ui_config.yaml'],
  ],
  'volumes-web-app': [
    [
      'Deployment',
      'kubeflow',
      'volumes-web-app-deployment',
      `${CONTROLLER}[volumes-web-app].env[VOLUME_VIEWER_IMAGE].value`,
    ],
  ],
  'tensorboard-controller': [
    ['ConfigMap', 'kubeflow', 'tensorboard-controller-config-*', 'data.TENSORBOARD_IMAGE'],
  ],
  kserve: [
    'agent',
    'batcher',
    'explainers',
    'localModel',
    'logger',
    'router',
    'storageInitializer',
  ].map((key): Place => ['ConfigMap', 'kubeflow', 'inferenceservice-config', `data.${key}`]),
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

/**
 * The image rule: one generic transform over every component. References in `image`
 * fields and in KNOWN_PLACES are rewritten silently; references elsewhere are rewritten
 * too and listed by `notes()` for the build report.
 */
function imagesRule(scan: (o: ManifestObject) => FoundImage[]): ObjectRule {
  const places = Object.entries(KNOWN_PLACES).flatMap(([component, list]) =>
    list.map(([kind, ns, name, scalar]) => ({
      component,
      select: selectObject(kind, ns, name),
      scalar,
    })),
  );
  const frontend = selectObject(...FRONTEND.deployment);
  const unlisted = new Set<string>();
  let component = '';
  const rule = templateRule({
    id: 'images',
    description: 'every image through global.imageRegistry',
    component: '',
    generic: true,
    select: (object) => scan(object).length > 0,
    edit(e) {
      const found = scan(e.object);
      const here = places.filter((p) => p.component === component && p.select(e.object));
      for (const f of found) {
        if (isImageField(f) || here.some((p) => p.scalar === f.scalar)) continue;
        unlisted.add(`${component}: ${objectKey(e.object)} ${f.scalar}: ${f.image}`);
      }
      rewrite(e, found);
      if (component === 'pipelines' && frontend(e.object)) {
        e.append([...container(FRONTEND.container), 'env'], `(${REGISTRY})`, [
          '- name: FRONTEND_IMAGE',
          `  value: {{ ${REGISTRY} }}/${FRONTEND.image}`,
        ]);
      }
    },
  });
  const { component: _anchor, ...anyComponent } = rule;
  return {
    ...anyComponent,
    // applyRules calls apply right after matches on the same object: edit() reads the
    // component's name from here to pick its known places.
    matches(object, name) {
      component = name;
      return scan(object).length > 0;
    },
    notes: () =>
      [...unlisted]
        .sort()
        .map(
          (u) =>
            `rewritten in a place KNOWN_PLACES (src/rules/values/images.ts) does not list: ${u}`,
        ),
  };
}

/**
 * The KFP UI's server starts TensorBoard viewers from VIEWER_TENSORBOARD_TF_IMAGE_NAME,
 * defaulting in code to tensorflow/tensorflow (kubeflow/pipelines
 * frontend/server/configs.ts), with `:<tfversion>` appended when a client asks by
 * version (server/k8s-helper.ts): with a registry the env var is set. The UI itself sends
 * a whole image instead (release data `runtimeImages`), which no setting redirects.
 */
const VIEWER = {
  deployment: ['Deployment', 'kubeflow', 'ml-pipeline-ui'] as Target,
  container: 'ml-pipeline-ui',
  env: 'VIEWER_TENSORBOARD_TF_IMAGE_NAME',
  image: 'docker.io/tensorflow/tensorflow',
};

/**
 * The image rules: the generic rewrite, the targeted check that sync.py still reads
 * FRONTEND_IMAGE (which the rewrite sets for the pipelines profile controller), and the
 * KFP UI's viewer image name under a registry.
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
    imagesRule(scan),
    {
      id: 'images-pipelines-frontend-default',
      description: `sync.py of Pipelines' profile controller reads FRONTEND_IMAGE, defaulting to ${FRONTEND.image} (the images rule sets it)`,
      component: 'pipelines',
      matches: (object, component) =>
        component === 'pipelines' &&
        code(object) &&
        // The parsed script: kustomize prints it as a block or a quoted scalar.
        String(
          (parse(object.text) as { data?: Record<string, unknown> }).data?.['sync.py'],
        ).includes(FRONTEND.default),
      apply: (object) => object,
    },
    templateRule({
      id: 'images-pipelines-viewer',
      description: `ml-pipeline-ui: ${VIEWER.env} (KFP's code default tensorflow/tensorflow) through global.imageRegistry`,
      component: 'pipelines',
      select: selectObject(...VIEWER.deployment),
      edit(e) {
        // Appended only with a registry: at defaults the server keeps its code default.
        e.append([...container(VIEWER.container), 'env'], `(${REGISTRY})`, [
          `- name: ${VIEWER.env}`,
          `  value: {{ ${REGISTRY} }}/${VIEWER.image}`,
        ]);
      },
    }),
  ];
}
