import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseYamlStream } from '../../src/manifest/object.ts';
import {
  type K8sObject,
  type Rendered,
  renderUnchecked,
  renderWith,
  schemaError,
  type Unchecked,
} from './values-charts.ts';

const DOMAIN = 'kubeflow.example.org';
const CHARTS = ['kubeflow-platform', 'kubeflow'];

type Data = Record<string, string>;
const data = (o: K8sObject): Data => o.data as Data;

function oauth2ProxyConfig(r: Rendered): string {
  const cms = r.objects.filter(
    (o) =>
      o.kind === 'ConfigMap' &&
      o.metadata.namespace === 'oauth2-proxy' &&
      typeof (o.data as Data | undefined)?.['oauth2_proxy.cfg'] === 'string',
  );
  expect(cms).toHaveLength(1);
  return data(cms[0] as K8sObject)['oauth2_proxy.cfg'] as string;
}

function dexConfig(r: Rendered): { staticClients: { redirectURIs: string[] }[] } {
  return parse(data(r.get('ConfigMap', 'auth', 'dex'))['config.yaml'] as string);
}

function ingress(r: Rendered): Record<string, unknown> {
  return JSON.parse(
    data(r.get('ConfigMap', 'kubeflow', 'inferenceservice-config')).ingress as string,
  );
}

function hosts(r: Rendered, namespace: string, name: string): unknown {
  return (r.get('Gateway', namespace, name).spec as { servers: { hosts: string[] }[] }).servers.map(
    (s) => s.hosts,
  );
}

const namespaces = (r: Rendered) => r.objects.filter((o) => o.kind === 'Namespace');

/** global.domain and global.namespaceLabels. */
describe('values: global.domain and global.namespaceLabels', () => {
  it('defaults render upstream: example.com, gateway hosts *, relative redirect', async () => {
    const r = await renderWith({}, CHARTS);
    const domain = data(r.get('ConfigMap', 'knative-serving', 'config-domain'));
    expect(domain['example.com']).toBe('');
    expect(Object.keys(domain).sort()).toEqual(['_example', 'example.com']);
    expect(ingress(r).ingressDomain).toBe('example.com');
    expect(ingress(r).urlScheme).toBe('http');
    expect(hosts(r, 'kubeflow', 'kubeflow-gateway')).toEqual([['*']]);
    expect(oauth2ProxyConfig(r)).toContain('\nredirect_url = "/oauth2/callback"\n');
    expect(dexConfig(r).staticClients[0]?.redirectURIs).toEqual(['/oauth2/callback']);
    expect(
      Object.fromEntries(namespaces(r).map((n) => [n.metadata.name, n.metadata.labels])),
    ).toEqual({
      auth: { 'pod-security.kubernetes.io/enforce': 'restricted' },
      'cert-manager': {
        'app.kubernetes.io/component': 'cert-manager',
        'app.kubernetes.io/name': 'cert-manager',
        'kustomize.component': 'cert-manager',
        'pod-security.kubernetes.io/enforce': 'restricted',
      },
      'istio-system': {
        'istio-injection': 'disabled',
        'istio-operator-managed': 'Reconcile',
        'pod-security.kubernetes.io/enforce': 'restricted',
      },
      'knative-serving': {
        'app.kubernetes.io/name': 'knative-serving',
        'app.kubernetes.io/version': '1.21.1',
        'istio-injection': 'enabled',
        'pod-security.kubernetes.io/enforce': 'restricted',
      },
      kubeflow: {
        'control-plane': 'kubeflow',
        'istio-injection': 'enabled',
        'pod-security.kubernetes.io/enforce': 'restricted',
      },
      'kubeflow-system': {
        'control-plane': 'kubeflow',
        'istio-injection': 'enabled',
        'pod-security.kubernetes.io/enforce': 'restricted',
      },
      'oauth2-proxy': { 'pod-security.kubernetes.io/enforce': 'restricted' },
    });
  });

  it('domain: Knative, KServe, the Kubeflow gateway, oauth2-proxy and Dex use it', async () => {
    const [before, r] = await Promise.all([
      renderWith({}, CHARTS),
      renderWith({ global: { domain: DOMAIN } }, CHARTS),
    ]);

    const domain = data(r.get('ConfigMap', 'knative-serving', 'config-domain'));
    expect(domain[DOMAIN]).toBe('');
    expect(Object.keys(domain).sort()).toEqual(['_example', DOMAIN]);
    // Knative's webhook checks _example against its checksum annotation: unchanged.
    expect(domain._example).toBe(
      data(before.get('ConfigMap', 'knative-serving', 'config-domain'))._example,
    );

    expect(ingress(r)).toEqual({ ...ingress(before), ingressDomain: DOMAIN });
    expect(ingress(r).urlScheme).toBe('http');

    expect(hosts(r, 'kubeflow', 'kubeflow-gateway')).toEqual([[DOMAIN, `*.${DOMAIN}`]]);
    // In-cluster gateways and Istio's own default Gateway stay as they are.
    for (const [ns, name] of [
      ['istio-system', 'cluster-local-gateway'],
      ['istio-system', 'istio-ingressgateway'],
      ['knative-serving', 'knative-local-gateway'],
    ] as const) {
      expect(hosts(r, ns, name), name).toEqual([['*']]);
    }

    const cfg = oauth2ProxyConfig(r);
    expect(cfg).toContain(`\nredirect_url = "https://${DOMAIN}/oauth2/callback"\n`);
    expect(cfg).toBe(
      oauth2ProxyConfig(before).replace(
        'redirect_url = "/oauth2/callback"',
        `redirect_url = "https://${DOMAIN}/oauth2/callback"`,
      ),
    );
    expect(dexConfig(r).staticClients[0]?.redirectURIs).toEqual([
      '/oauth2/callback',
      `https://${DOMAIN}/oauth2/callback`,
    ]);
    expect(r.text.match(/example\.org/g)?.length).toBe(
      (before.text.match(/example\.org/g)?.length ?? 0) + 6,
    );
  });

  it('namespaceLabels: added to the Namespace objects, upstream labels take the user value', async () => {
    const r = await renderWith(
      {
        global: {
          namespaceLabels: {
            kubeflow: { 'istio-injection': 'enabled', team: 'ml', 'example.org/owner': 'platform' },
            'oauth2-proxy': {
              'pod-security.kubernetes.io/enforce': 'baseline',
              'app.kubernetes.io/part-of': 'kubeflow',
              empty: '',
            },
          },
        },
      },
      ['kubeflow-platform'],
    );
    // renderWith parses with unique keys: a label printed twice would fail here already.
    expect(r.get('Namespace', undefined, 'kubeflow').metadata.labels).toEqual({
      'control-plane': 'kubeflow',
      'istio-injection': 'enabled',
      'pod-security.kubernetes.io/enforce': 'restricted',
      team: 'ml',
      'example.org/owner': 'platform',
    });
    expect(r.get('Namespace', undefined, 'oauth2-proxy').metadata.labels).toEqual({
      'pod-security.kubernetes.io/enforce': 'baseline',
      'app.kubernetes.io/part-of': 'kubeflow',
      empty: '',
    });
    expect(r.text.match(/istio-injection/g)?.length).toBe(
      (await renderWith({}, ['kubeflow-platform'])).text.match(/istio-injection/g)?.length,
    );
    expect(r.get('Namespace', undefined, 'kubeflow-system').metadata.labels).toEqual({
      'control-plane': 'kubeflow',
      'istio-injection': 'enabled',
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    expect(r.get('Namespace', undefined, 'auth').metadata.labels).toEqual({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
  });

  it('namespaceLabels: an upstream label can be switched off in one namespace only', async () => {
    const r = await renderWith(
      { global: { namespaceLabels: { kubeflow: { 'istio-injection': 'disabled' } } } },
      ['kubeflow-platform'],
    );
    expect(r.get('Namespace', undefined, 'kubeflow').metadata.labels?.['istio-injection']).toBe(
      'disabled',
    );
    expect(
      r.get('Namespace', undefined, 'kubeflow-system').metadata.labels?.['istio-injection'],
    ).toBe('enabled');
  });

  it('the schema rejects a domain or labels that are not DNS names / label syntax', async () => {
    for (const domain of [`${DOMAIN}" x`, 'Kubeflow.Example.org', 'https://kubeflow.example.org']) {
      expect(await schemaError({ global: { domain } }, 'kubeflow-platform'), domain).toMatch(
        /global\/domain/,
      );
    }
    const value = await schemaError(
      { global: { namespaceLabels: { kubeflow: { team: 'ml"\n x: {{ y }}' } } } },
      'kubeflow-platform',
    );
    expect(value).toMatch(/global\/namespaceLabels\/kubeflow\/team/);
    const key = await schemaError(
      { global: { namespaceLabels: { kubeflow: { 'bad key"': 'ok' } } } },
      'kubeflow-platform',
    );
    expect(key).toMatch(/bad key/);
    expect(key).toMatch(/propertyName/);
    expect(
      await schemaError(
        { global: { namespaceLabels: { kubeflow: { team: true } } } },
        'kubeflow-platform',
      ),
    ).toMatch(/global\/namespaceLabels\/kubeflow\/team/);
  });

  it('without schema validation, values still render as data or fail in the template', async () => {
    // Helm 4's render; values-schema.test.ts runs Helm 3 on such values too.
    const run = async (values: object) =>
      (await renderUnchecked(values, 'kubeflow-platform'))[0] as Unchecked;
    const bad = await run({ global: { domain: `${DOMAIN}" x` } });
    expect(bad.ok).toBe(false);
    expect(bad.text).toContain('global.domain: "kubeflow.example.org\\" x" is not a DNS name');

    const labels = { team: 'ml"\n x: {{ y }}', 'bad: key': '{{ z }}' };
    const out = await run({ global: { namespaceLabels: { kubeflow: labels } } });
    expect(out.ok).toBe(true);
    const ns = (parseYamlStream(out.text, 'helm template') as K8sObject[]).find(
      (o) => o.kind === 'Namespace' && o.metadata.name === 'kubeflow',
    );
    expect(ns?.metadata.labels).toMatchObject(labels);
  });
});
