import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localizeRemoteRefs } from '../../src/kustomize/localize.ts';
import { objectKey, parseYamlStream } from '../../src/manifest/object.ts';
import { Kubectl } from '../../src/tools/kubectl.ts';

const GIT_URL = 'https://github.com/example-org/example-repo/manifests/app?ref=v1.0.0';
const FILE_URL = 'https://github.com/example-org/example-repo/releases/download/v1.0.0/crds.yaml';
const LWS_URL = 'https://github.com/example-org/lws//config/default?ref=v0.7.0';
const MISSING_URL = 'https://github.com/example-org/not-cached//config?ref=v9.9.9';

const GIT_CACHE = 'github.com/example-org/example-repo@v1.0.0/manifests/app';
const FILE_CACHE = 'github.com/example-org/example-repo/releases/download/v1.0.0/crds.yaml';
const LWS_CACHE = 'github.com/example-org/lws@v0.7.0/config/default';

const APP_KUSTOMIZATION = `# Remote bases of app x; only the URLs may change.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: kubeflow   # applied to everything below
resources:
- local.yaml
# the git ref, then the released file
- ${GIT_URL} # trailing comment
- ${FILE_URL}
- "${LWS_URL}"
images:
- name: registry.example/app
  newTag: v1.0.1
`;

const OTHER_KUSTOMIZATION = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- ../x
- ${MISSING_URL}
`;

const FILES: Record<string, string> = {
  'apps/x/kustomization.yaml': APP_KUSTOMIZATION,
  'apps/x/local.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\ndata:\n  a: "1"\n',
  'apps/y/kustomization.yaml': OTHER_KUSTOMIZATION,
  [`.kfcharts-remote/${GIT_CACHE}/kustomization.yaml`]:
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- deployment.yaml\n',
  [`.kfcharts-remote/${GIT_CACHE}/deployment.yaml`]: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
      - name: app
        image: registry.example/app:v1.0.0
`,
  [`.kfcharts-remote/${LWS_CACHE}/kustomization.yaml`]:
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- sa.yaml\n',
  [`.kfcharts-remote/${LWS_CACHE}/sa.yaml`]:
    'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: lws\n',
  [`.kfcharts-remote/${FILE_CACHE}`]: `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.org
spec:
  group: example.org
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: from-release-file
`,
};

function makeTree(): string {
  const root = mkdtempSync(join(tmpdir(), 'kfcharts-localize-'));
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('localizeRemoteRefs', () => {
  it('reports every remote ref, cached or not, sorted by file and URL', () => {
    const tree = makeTree();
    expect(localizeRemoteRefs(tree)).toEqual([
      { file: 'apps/x/kustomization.yaml', url: GIT_URL, cachePath: GIT_CACHE, localized: true },
      { file: 'apps/x/kustomization.yaml', url: FILE_URL, cachePath: FILE_CACHE, localized: true },
      { file: 'apps/x/kustomization.yaml', url: LWS_URL, cachePath: LWS_CACHE, localized: true },
      {
        file: 'apps/y/kustomization.yaml',
        url: MISSING_URL,
        cachePath: 'github.com/example-org/not-cached@v9.9.9/config',
        localized: false,
      },
    ]);
  });

  it('replaces only the URLs, by quoted relative paths; every other byte stays', () => {
    const tree = makeTree();
    localizeRemoteRefs(tree);
    const expected = APP_KUSTOMIZATION.replace(GIT_URL, `"../../.kfcharts-remote/${GIT_CACHE}"`)
      .replace(FILE_URL, `"../../.kfcharts-remote/.files/${FILE_CACHE}"`)
      .replace(`"${LWS_URL}"`, `"../../.kfcharts-remote/${LWS_CACHE}"`);
    expect(readFileSync(join(tree, 'apps/x/kustomization.yaml'), 'utf8')).toBe(expected);
    // The cached file is wrapped in a kustomization folder of its own.
    expect(
      readFileSync(join(tree, '.kfcharts-remote/.files', FILE_CACHE, 'crds.yaml'), 'utf8'),
    ).toBe(FILES[`.kfcharts-remote/${FILE_CACHE}`]);
  });

  it('leaves a ref that is not cached in its file', () => {
    const tree = makeTree();
    localizeRemoteRefs(tree);
    expect(readFileSync(join(tree, 'apps/y/kustomization.yaml'), 'utf8')).toBe(OTHER_KUSTOMIZATION);
  });

  it('is idempotent: a second run finds no remote refs and changes nothing', () => {
    const tree = makeTree();
    localizeRemoteRefs(tree);
    const after = readFileSync(join(tree, 'apps/x/kustomization.yaml'), 'utf8');
    expect(localizeRemoteRefs(tree).map((r) => r.url)).toEqual([MISSING_URL]);
    expect(readFileSync(join(tree, 'apps/x/kustomization.yaml'), 'utf8')).toBe(after);
  });

  it('gives a tree that kustomize builds offline from the cached files', async () => {
    const tree = makeTree();
    localizeRemoteRefs(tree);
    const output = await new Kubectl().kustomize(join(tree, 'apps/x'), 'x');
    const objects = parseYamlStream(output, 'x') as {
      apiVersion: string;
      kind: string;
      metadata: { name: string; namespace?: string };
      spec?: { template?: { spec?: { containers?: { image: string }[] } } };
    }[];
    expect(
      objects
        .map((o) => objectKey({ apiVersion: o.apiVersion, kind: o.kind, ...o.metadata }))
        .sort(),
    ).toEqual([
      'apiextensions.k8s.io/v1 CustomResourceDefinition widgets.example.org',
      'apps/v1 Deployment kubeflow/app',
      'v1 ConfigMap kubeflow/local',
      'v1 ServiceAccount kubeflow/from-release-file',
      'v1 ServiceAccount kubeflow/lws',
    ]);
    const deployment = objects.find((o) => o.kind === 'Deployment');
    expect(deployment?.spec?.template?.spec?.containers?.[0]?.image).toBe(
      'registry.example/app:v1.0.1',
    );
  });
});
