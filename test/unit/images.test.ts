import { describe, expect, it } from 'vitest';
import type { ComponentObjects } from '../../src/components.ts';
import {
  findImageReferences,
  listImages,
  mirrorImage,
  mirrorPairs,
  normalizeImage,
  normalizeImagePrefix,
  parseImageReference,
} from '../../src/images.ts';
import { splitManifests } from '../../src/manifest/object.ts';
import { renderTemplate } from '../../src/rules/edit.ts';
import { applyRules } from '../../src/rules/rule.ts';
import { imageRules } from '../../src/rules/values/images.ts';
import { thrown } from './helpers.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;

function components(name: string, yaml: string): ComponentObjects[] {
  return [
    {
      component: { name, paths: [name], description: name, optional: false, derived: false },
      objects: splitManifests(yaml, name),
    },
  ];
}

describe('parseImageReference', () => {
  it('splits registry, repository, tag and digest, with Docker Hub made explicit', () => {
    expect(parseImageReference('mysql:8.0.3')).toEqual({
      registry: 'docker.io',
      repository: 'library/mysql',
      tag: '8.0.3',
    });
    expect(parseImageReference('kserve/agent:v0.16.0')).toEqual({
      registry: 'docker.io',
      repository: 'kserve/agent',
      tag: 'v0.16.0',
    });
    expect(parseImageReference('registry.example:5000/team/app:1.0')).toEqual({
      registry: 'registry.example:5000',
      repository: 'team/app',
      tag: '1.0',
    });
    expect(parseImageReference(`localhost/app@${DIGEST}`)).toEqual({
      registry: 'localhost',
      repository: 'app',
      digest: DIGEST,
    });
    expect(parseImageReference(`gcr.io/a/b/c:v1@${DIGEST}`)).toEqual({
      registry: 'gcr.io',
      repository: 'a/b/c',
      tag: 'v1',
      digest: DIGEST,
    });
  });

  it('rejects what is not a reference', () => {
    for (const text of [
      '',
      'Mysql:8',
      'mysql:',
      'a b',
      'http://x.example/y:1',
      '{{ .ProxyImage }}',
      'app@sha256:abc',
      '/abs/path:1',
      `x/y:${'t'.repeat(129)}`,
    ]) {
      expect(parseImageReference(text), text).toBeUndefined();
    }
  });
});

describe('normalizeImage and mirrorImage', () => {
  it('qualifies Docker Hub names and keeps tags and digests exactly', () => {
    const cases: [string, string][] = [
      ['mysql:8.0.3', 'docker.io/library/mysql:8.0.3'],
      ['busybox', 'docker.io/library/busybox'],
      ['kserve/x:v1', 'docker.io/kserve/x:v1'],
      ['docker.io/busybox:1.36', 'docker.io/library/busybox:1.36'],
      ['docker.io/alpine/k8s:1.32.3', 'docker.io/alpine/k8s:1.32.3'],
      ['index.docker.io/kserve/x:v1', 'docker.io/kserve/x:v1'],
      ['registry.example:5000/app:1', 'registry.example:5000/app:1'],
      ['localhost:5000/app', 'localhost:5000/app'],
      [`gcr.io/knative-releases/x/queue@${DIGEST}`, `gcr.io/knative-releases/x/queue@${DIGEST}`],
      [`nginx:1.27@${DIGEST}`, `docker.io/library/nginx:1.27@${DIGEST}`],
      [
        'pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime',
        'docker.io/pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime',
      ],
    ];
    for (const [image, normalized] of cases) {
      expect(normalizeImage(image), image).toBe(normalized);
      expect(mirrorImage(image, 'mirror.example.org:5000/kf')).toBe(
        `mirror.example.org:5000/kf/${normalized}`,
      );
    }
    expect(thrown(() => normalizeImage('Not An Image')).code).toBe('manifest-invalid');
  });

  it('qualifies registry prefixes (Istio hub) without library/', () => {
    expect(normalizeImagePrefix('gcr.io/istio-release')).toBe('gcr.io/istio-release');
    expect(normalizeImagePrefix('istio')).toBe('docker.io/istio');
    expect(normalizeImagePrefix('registry.example:5000')).toBe('registry.example:5000');
    expect(normalizeImagePrefix('docker.io/istio')).toBe('docker.io/istio');
    expect(normalizeImagePrefix('index.docker.io/istio')).toBe('docker.io/istio');
    expect(normalizeImagePrefix('gcr.io/x:1')).toBeUndefined();
  });

  it('mirrorPairs checks the registry like global.imageRegistry', () => {
    expect(mirrorPairs(['docker.io/library/mysql:8.4'], 'mirror.example.org/kf')).toEqual([
      ['docker.io/library/mysql:8.4', 'mirror.example.org/kf/docker.io/library/mysql:8.4'],
    ]);
    for (const bad of ['https://mirror.example.org', 'Mirror.example.org', 'm.example.org/', '']) {
      expect(thrown(() => mirrorPairs([], bad)).code, bad).toBe('usage');
    }
  });
});

const WORKLOADS = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
  namespace: ns
  annotations:
    example.org/sidecar: "uses registry.example/tools/sidecar:2.0 at start"
spec:
  template:
    spec:
      initContainers:
      - name: init
        image: busybox:1.36
      containers:
      - name: app
        image: "ghcr.io/org/app@${DIGEST}"
        args:
        - --port=8080
        - --helper-image=quay.io/org/helper:v1
        - --executor-image
        - quay.io/org/executor:v2
        - --name
        - not/an-image
        env:
        - name: DRIVER_IMAGE
          value: ghcr.io/org/driver:v3
        - name: IMAGE_PULL
          value: always
        - name: OTHER
          value: "plain text"
      - name: side
        image: busybox:1.36
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: xs.example.org
spec:
  description: 'image: registry.example/not:used'
`;

const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  namespace: ns
data:
  _example: |
    image: registry.example/documented:v1
  cacheImage: ghcr.io/containerd/busybox
  config.yaml: |
    # image: registry.example/commented:v1
    runtime:
      suggestions:
      - algorithmName: random
        image: ghcr.io/org/suggestion:v0.19.0
      - algorithmName: tpe
        image: ghcr.io/org/suggestion:v0.19.0
    spawner:
      image:
        value: ghcr.io/org/nb:v1
        options:
        - ghcr.io/org/nb:v1
        - ghcr.io/org/nb-gpu:v1
      imagePullPolicy:
        value: IfNotPresent
  agent: |-
    {
        "image" : "kserve/agent:v0.16.0",
        "memoryRequest": "100Mi"
    }
  templates: |
    spec:
      initContainers:
      - name: init
        image: busybox:1.28
      containers:
      - name: proxy
        {{- if .Custom }}
        image: "{{ .ProxyImage }}"
        {{- end }}
  values: |-
    {
      "global": {
        "hub": "gcr.io/istio-release",
        "proxy": { "image": "proxyv2" },
        "tag": "1.28.0"
      }
    }
`;

describe('findImageReferences', () => {
  it('finds image fields, image args and *_IMAGE env vars; CRDs name none', () => {
    const [deployment, crd] = components('c', WORKLOADS)[0]?.objects ?? [];
    const found = findImageReferences(deployment as never);
    const c = 'spec.template.spec.containers[app]';
    expect(found.map((f) => [f.image, f.at])).toEqual([
      ['registry.example/tools/sidecar:2.0', 'metadata.annotations.example.org/sidecar'],
      ['busybox:1.36', 'spec.template.spec.initContainers[init].image'],
      [`ghcr.io/org/app@${DIGEST}`, `${c}.image`],
      ['quay.io/org/helper:v1', `${c}.args[--helper-image]`],
      ['quay.io/org/executor:v2', `${c}.args[--executor-image]`],
      ['ghcr.io/org/driver:v3', `${c}.env[DRIVER_IMAGE].value`],
      ['busybox:1.36', 'spec.template.spec.containers[side].image'],
    ]);
    const args = found.find((f) => f.image === 'quay.io/org/executor:v2');
    expect(args?.path).toEqual(['spec', 'template', 'spec', 'containers', 0, 'args', 3]);
    expect(findImageReferences(crd as never)).toEqual([]);
  });

  it('finds references inside ConfigMap payloads, but not in documentation or comments', () => {
    const [configMap] = components('c', CONFIGMAP)[0]?.objects ?? [];
    const found = findImageReferences(configMap as never);
    expect(found.map((f) => [f.kind, f.image, f.at])).toEqual([
      ['image', 'ghcr.io/containerd/busybox', 'data.cacheImage'],
      [
        'image',
        'ghcr.io/org/suggestion:v0.19.0',
        'data.config.yaml › runtime.suggestions[0].image',
      ],
      [
        'image',
        'ghcr.io/org/suggestion:v0.19.0',
        'data.config.yaml › runtime.suggestions[1].image',
      ],
      ['image', 'ghcr.io/org/nb:v1', 'data.config.yaml › spawner.image.value'],
      ['image', 'ghcr.io/org/nb:v1', 'data.config.yaml › spawner.image.options[0]'],
      ['image', 'ghcr.io/org/nb-gpu:v1', 'data.config.yaml › spawner.image.options[1]'],
      ['image', 'kserve/agent:v0.16.0', 'data.agent › image'],
      ['image', 'busybox:1.28', 'data.templates › line 4'],
      ['prefix', 'gcr.io/istio-release', 'data.values › global.hub'],
    ]);
    const agent = found.find((f) => f.image === 'kserve/agent:v0.16.0');
    expect(agent?.scalar).toBe('data.agent');
    expect(agent?.path).toEqual(['data', 'agent']);
    const text = (configMap as { text: string }).text;
    expect(text.slice(agent?.range[0], agent?.range[1])).toContain('"kserve/agent:v0.16.0"');
  });

  it('fails on a value at an image key that is neither a reference nor a placeholder', () => {
    const yaml = WORKLOADS.replace('image: busybox:1.36', 'image: Not An Image!');
    const [deployment] = components('c', yaml)[0]?.objects ?? [];
    const error = thrown(() => findImageReferences(deployment as never));
    expect(error.message).toContain(
      "'Not An Image!' at spec.template.spec.initContainers[init].image",
    );
  });
});

describe('listImages', () => {
  it('lists every image, fully qualified, sorted and unique; registry prefixes are not images', () => {
    expect(listImages(components('c', `${WORKLOADS}---\n${CONFIGMAP}`))).toEqual([
      'docker.io/kserve/agent:v0.16.0',
      'docker.io/library/busybox:1.28',
      'docker.io/library/busybox:1.36',
      `ghcr.io/containerd/busybox`,
      `ghcr.io/org/app@${DIGEST}`,
      'ghcr.io/org/driver:v3',
      'ghcr.io/org/nb-gpu:v1',
      'ghcr.io/org/nb:v1',
      'ghcr.io/org/suggestion:v0.19.0',
      'quay.io/org/executor:v2',
      'quay.io/org/helper:v1',
      'registry.example/tools/sidecar:2.0',
    ]);
  });
});

describe('imageRules', () => {
  const dex = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: dex
  namespace: auth
spec:
  template:
    spec:
      containers:
      - name: dex
        image: ghcr.io/dexidp/dex:v2.45.0
`;

  it('rewrites an image field through the checked registry helper, original at defaults', () => {
    const { components: out } = applyRules(imageRules(), components('dex', dex));
    const template = renderTemplate(out[0]?.objects[0] as never);
    expect(template).toContain(
      'image: {{ with include "kfcharts.imageRegistry" $ }}{{ . }}/ghcr.io/dexidp/dex:v2.45.0{{ else }}ghcr.io/dexidp/dex:v2.45.0{{ end }}\n',
    );
  });

  it('rewrites an image in a place KNOWN_PLACES does not list, and names it for review', () => {
    const yaml = dex.replace(
      'image: ghcr.io/dexidp/dex:v2.45.0',
      'image: ghcr.io/dexidp/dex:v2.45.0\n        env:\n        - name: HELPER_IMAGE\n          value: ghcr.io/dexidp/helper:v1',
    );
    const { components: out, findings, drift } = applyRules(imageRules(), components('dex', yaml));
    expect(drift).toEqual([]);
    expect(renderTemplate(out[0]?.objects[0] as never)).toContain(
      'value: {{ with include "kfcharts.imageRegistry" $ }}{{ . }}/ghcr.io/dexidp/helper:v1{{ else }}ghcr.io/dexidp/helper:v1{{ end }}',
    );
    expect(findings.find((f) => f.id === 'images')?.notes).toEqual([
      'rewritten in a place KNOWN_PLACES (src/rules/values/images.ts) does not list: dex: apps/v1 Deployment auth/dex spec.template.spec.containers[dex].env[HELPER_IMAGE].value: ghcr.io/dexidp/helper:v1',
    ]);
  });

  it('is generic: one more object with an image is rewritten and counted, never drift', () => {
    const { findings, drift } = applyRules(
      imageRules(),
      components(
        'dex',
        `${dex}---\n${dex.replace('name: dex\n  namespace', 'name: dex2\n  namespace')}`,
      ),
    );
    expect(drift).toEqual([]);
    expect(findings.find((f) => f.id === 'images')?.matched).toEqual([
      'dex: apps/v1 Deployment auth/dex',
      'dex: apps/v1 Deployment auth/dex2',
    ]);
  });

  it('a component no one has seen (a derived name) gets its images rewritten too', () => {
    const { findings } = applyRules(imageRules(), components('brand-new', dex));
    expect(findings.find((f) => f.id === 'images')?.matched).toEqual([
      'brand-new: apps/v1 Deployment auth/dex',
    ]);
  });
});
