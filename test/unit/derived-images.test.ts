import { describe, expect, it } from 'vitest';
import { derivedImages } from '../../src/derived-images.ts';
import { listImages } from '../../src/images.ts';
import { splitManifests } from '../../src/manifest/object.ts';
import { thrown } from './helpers.ts';

/** An Istio injector ConfigMap: `values` JSON and `config` templates, as Istio's chart writes them. */
function injector(global: Record<string, unknown>, name = 'istio-sidecar-injector'): string {
  const values = JSON.stringify({ global }, null, 2).replace(/\n/g, '\n    ');
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: istio-system
data:
  config: |-
    templates:
      sidecar: |
        containers:
        - name: istio-proxy
          image: "{{ .ProxyImage }}"
  values: |-
    ${values}
`;
}

function mesh(imageType: string, name = 'istio'): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: istio-system
data:
  mesh: |-
    defaultConfig:
      image:
        imageType: ${imageType}
`;
}

function derive(yaml: string): string[] {
  return derivedImages(splitManifests(yaml, 'test')).map((d) => d.image);
}

const GLOBAL = {
  hub: 'gcr.io/istio-release',
  tag: '1.29.0',
  variant: '',
  proxy: { image: 'proxyv2' },
  proxy_init: { image: 'proxyv2' },
};

describe('derivedImages: Istio sidecar', () => {
  it('composes <hub>/<proxy.image>:<tag> for the sidecar and the init container', () => {
    expect(derive(injector(GLOBAL))).toEqual([
      'gcr.io/istio-release/proxyv2:1.29.0',
      'gcr.io/istio-release/proxyv2:1.29.0',
    ]);
    const [first] = derivedImages(splitManifests(injector(GLOBAL), 'test'));
    expect(first?.object).toBe('v1 ConfigMap istio-system/istio-sidecar-injector');
    expect(first?.how).toBe('istio sidecar: global.hub + global.proxy.image + global.tag');
  });

  it('follows what inject.go does: default name, numeric tag, variant, image type, whole images', () => {
    expect(derive(injector({ hub: 'docker.io/istio', tag: 1.29 }))).toEqual([
      'docker.io/istio/proxyv2:1.29',
      'docker.io/istio/proxyv2:1.29',
    ]);
    expect(derive(injector({ ...GLOBAL, variant: 'distroless' }))[0]).toBe(
      'gcr.io/istio-release/proxyv2:1.29.0-distroless',
    );
    // the mesh config's imageType wins over the variant and replaces a known suffix
    expect(
      derive(`${injector({ ...GLOBAL, tag: '1.29.0-distroless' })}---\n${mesh('debug')}`)[0],
    ).toBe('gcr.io/istio-release/proxyv2:1.29.0-debug');
    expect(
      derive(`${injector({ ...GLOBAL, variant: 'distroless' })}---\n${mesh('default')}`),
    ).toEqual(['gcr.io/istio-release/proxyv2:1.29.0', 'gcr.io/istio-release/proxyv2:1.29.0']);
    // a revision's injector reads its revision's mesh config only
    expect(
      derive(`${injector(GLOBAL, 'istio-sidecar-injector-canary')}---\n${mesh('debug')}`)[0],
    ).toBe('gcr.io/istio-release/proxyv2:1.29.0');
    // an image with a `/` is used as it is (the templates' `contains "/"`)
    expect(
      derive(injector({ ...GLOBAL, proxy_init: { image: 'registry.example/istio/init:7' } })),
    ).toEqual(['gcr.io/istio-release/proxyv2:1.29.0', 'registry.example/istio/init:7']);
  });

  it('derives nothing from ConfigMaps that are not injector configs', () => {
    const noTemplates = injector(GLOBAL).replace('{{ .ProxyImage }}', 'busybox');
    expect(derive(noTemplates)).toEqual([]);
    expect(derive(mesh('debug'))).toEqual([]);
  });

  it('fails loudly when an injector config cannot be read', () => {
    const error = thrown(() => derive(injector({ tag: '1.29.0' })));
    expect(error.code).toBe('manifest-invalid');
    expect(error.message).toContain(
      'istio-system/istio-sidecar-injector: data.values has no global.hub',
    );
    const broken = injector(GLOBAL).replace('"hub"', 'hub');
    expect(thrown(() => derive(broken)).message).toContain('data.values is not JSON');
  });

  it('listImages lists the composed image beside the fields, and code-only images', () => {
    const gateway = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: istio-ingressgateway
  namespace: istio-system
spec:
  template:
    spec:
      containers:
      - name: istio-proxy
        image: gcr.io/istio-release/proxyv2:1.28.0
`;
    const objects = splitManifests(`${injector(GLOBAL)}---\n${gateway}`, 'istio');
    const components = [
      {
        component: {
          name: 'istio',
          paths: ['istio'],
          description: 'istio',
          optional: false,
          derived: false,
        },
        objects,
      },
    ];
    expect(listImages(components, undefined, [{ image: 'tensorflow/tensorflow:2.2.2' }])).toEqual([
      'docker.io/tensorflow/tensorflow:2.2.2',
      'gcr.io/istio-release/proxyv2:1.28.0',
      'gcr.io/istio-release/proxyv2:1.29.0',
    ]);
  });
});
