import { describe, expect, it } from 'vitest';
import { type K8sObject, type Rendered, renderWith } from './values-charts.ts';

/** Dex and oauth2-proxy roll when the values behind their config change (and only then). */
const checksum = (o: K8sObject): string | undefined =>
  (o as unknown as { spec: { template: { metadata: { annotations?: Record<string, string> } } } })
    .spec.template.metadata.annotations?.['kfcharts.dev/values-sha256'];

const connector = (id: string) => ({ type: 'github', id, name: id });

describe('values: restart on config change', () => {
  it('no checksum at defaults, one per distinct Dex config, oauth2-proxy only when its values change', async () => {
    const [defaults, one, two, domain] = await Promise.all(
      [
        {},
        { dex: { connectors: [connector('a')] } },
        { dex: { connectors: [connector('b')] } },
        { global: { domain: 'kubeflow.example.org' } },
      ].map((values) => renderWith(values, ['kubeflow-platform'])),
    );
    const dex = (r: Rendered | undefined) => r && checksum(r.get('Deployment', 'auth', 'dex'));
    const proxy = (r: Rendered | undefined) =>
      r && checksum(r.get('Deployment', 'oauth2-proxy', 'oauth2-proxy'));
    expect([dex(defaults), proxy(defaults)]).toEqual([undefined, undefined]);
    expect(dex(one)).toMatch(/^[0-9a-f]{64}$/);
    expect(dex(two)).toMatch(/^[0-9a-f]{64}$/);
    expect(dex(one)).not.toBe(dex(two));
    expect(proxy(one)).toBeUndefined();
    expect(proxy(domain)).toMatch(/^[0-9a-f]{64}$/);
    expect(dex(domain)).toMatch(/^[0-9a-f]{64}$/);
  });
});
