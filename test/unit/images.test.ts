import { describe, expect, it } from 'vitest';
import type { ComponentObjects } from '../../src/components.ts';
import { listImages } from '../../src/images.ts';
import { splitManifests } from '../../src/manifest/object.ts';

describe('listImages', () => {
  it('collects every image of pod templates and runtimes, sorted and unique, ignoring CRDs', () => {
    const yaml = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
  namespace: ns
spec:
  template:
    spec:
      initContainers:
      - name: init
        image: busybox:1.36
      containers:
      - name: app
        image: "ghcr.io/org/app@sha256:${'a'.repeat(64)}"
      - name: side
        image: busybox:1.36
---
apiVersion: serving.kserve.io/v1alpha1
kind: ClusterServingRuntime
metadata:
  name: r
spec:
  containers:
  - name: kserve-container
    image: kserve/sklearnserver:v0.16.0
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: xs.example.org
spec:
  description: 'image: not-an-image'
`;
    const components: ComponentObjects[] = [
      {
        component: { name: 'c', path: 'c', description: 'c', optional: false },
        objects: splitManifests(yaml, 'c'),
      },
    ];
    expect(listImages(components)).toEqual([
      'busybox:1.36',
      `ghcr.io/org/app@sha256:${'a'.repeat(64)}`,
      'kserve/sklearnserver:v0.16.0',
    ]);
  });
});
