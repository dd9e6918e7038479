import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * A stand-in for a Kubernetes API server, enough for Helm's `lookup` under
 * `helm template --dry-run=server --disable-openapi-validation` and for `kubectl get` and
 * `kubectl delete`: version and discovery of the resources it is given, GET and DELETE of
 * the objects it holds, an empty list for Secrets (Helm's release records), 404 for
 * anything else. No API server can run where kfcharts is tested; this shows what a
 * template renders, or a script does, against objects a cluster holds. It proves nothing
 * about the API server's own behaviour (server-side apply, defaulting, admission).
 */
export interface FakeResource {
  /** `v1` or `group/version`. */
  readonly groupVersion: string;
  readonly kind: string;
  /** The plural resource name (`secrets`, `validatingwebhookconfigurations`). */
  readonly plural: string;
  readonly namespaced: boolean;
}

export interface FakeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly [field: string]: unknown;
}

export interface FakeApiServer {
  /** A kubeconfig file that points at this server. */
  readonly kubeconfig: string;
  /** Every request's method and path, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export const CORE_RESOURCES: readonly FakeResource[] = [
  { groupVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  { groupVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
];

export const WEBHOOK_RESOURCES: readonly FakeResource[] = [
  {
    groupVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    plural: 'mutatingwebhookconfigurations',
    namespaced: false,
  },
  {
    groupVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    plural: 'validatingwebhookconfigurations',
    namespaced: false,
  },
];

export async function startFakeApiServer(
  dir: string,
  resources: readonly FakeResource[],
  objects: readonly FakeObject[],
  options: {
    /** GETs a deleted object still answers, as while its finalizers run. */
    readonly lingerAfterDelete?: number;
  } = {},
): Promise<FakeApiServer> {
  const routes = new Map<string, unknown>();
  routes.set('/version', { major: '1', minor: '35', gitVersion: 'v1.35.0' });
  routes.set('/api', { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
  const groupVersions = [...new Set(resources.map((r) => r.groupVersion))];
  const groups = [...new Set(groupVersions.filter((gv) => gv.includes('/')))].map((gv) => {
    const [name, version] = gv.split('/') as [string, string];
    const preferred = { groupVersion: gv, version };
    return { name, versions: [preferred], preferredVersion: preferred };
  });
  routes.set('/apis', { kind: 'APIGroupList', apiVersion: 'v1', groups });
  for (const gv of groupVersions) {
    routes.set(gv === 'v1' ? '/api/v1' : `/apis/${gv}`, {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: gv,
      resources: resources
        .filter((r) => r.groupVersion === gv)
        .map((r) => ({
          name: r.plural,
          singularName: r.kind.toLowerCase(),
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: ['get', 'list'],
        })),
    });
  }
  const discovery = new Set(routes.keys());
  for (const o of objects) {
    const r = resources.find((x) => x.groupVersion === o.apiVersion && x.kind === o.kind);
    if (!r) throw new Error(`fake API server: no resource given for ${o.apiVersion} ${o.kind}`);
    const base = o.apiVersion === 'v1' ? '/api/v1' : `/apis/${o.apiVersion}`;
    const ns = r.namespaced ? `/namespaces/${o.metadata.namespace}` : '';
    routes.set(`${base}${ns}/${r.plural}/${o.metadata.name}`, o);
  }
  const isDiscovery = (path: string) => discovery.has(path);
  /** Deleted objects: how many more GETs still find them. */
  const lingering = new Map<string, number>();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] as string;
    requests.push(`${req.method} ${path}`);
    if (req.method === 'DELETE' && routes.has(path) && !isDiscovery(path)) {
      lingering.set(path, options.lingerAfterDelete ?? 0);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(routes.get(path)));
    }
    if (req.method === 'DELETE') return;
    const linger = lingering.get(path);
    if (linger !== undefined) {
      if (linger === 0) routes.delete(path);
      lingering.set(path, linger - 1);
    }
    const list = /\/secrets$/.test(path) && req.method === 'GET';
    const body = routes.get(path) ?? (list && { kind: 'SecretList', apiVersion: 'v1', items: [] });
    const json = JSON.stringify(
      body || {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'NotFound',
        code: 404,
      },
    );
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(json);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: fake, cluster: {server: "http://127.0.0.1:${port}"}}]`,
      'users: [{name: fake, user: {token: fake}}]',
      'contexts: [{name: fake, context: {cluster: fake, user: fake}}]',
      'current-context: fake',
      '',
    ].join('\n'),
  );
  return {
    kubeconfig,
    requests,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
