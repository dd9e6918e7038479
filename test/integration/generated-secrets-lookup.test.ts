import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseYamlStream } from '../../src/manifest/object.ts';
import { WELL_KNOWN } from '../../src/rules/values/credentials.ts';
import { Helm } from '../../src/tools/helm.ts';
import {
  CORE_RESOURCES,
  type FakeApiServer,
  type FakeObject,
  startFakeApiServer,
} from './fake-api-server.ts';
import { tempDir } from './helpers.ts';
import { trimmedChart } from './trimmed-chart.ts';
import { valuesCharts } from './values-charts.ts';

/**
 * global.generateSecrets across upgrades (docs/credentials.md): each generated credential
 * is looked up in the Secret that holds it and kept, unless it is upstream's well-known
 * value. Rendered with `helm template --dry-run=server` (Helm 4 and Helm 3) against a fake
 * API server holding the Secrets of an earlier install (test/integration/fake-api-server.ts),
 * from the built charts trimmed to the templates that generate credentials.
 */
const exec = promisify(execFile);
const RELEASES = ['kubeflow-platform', 'kubeflow'] as const;

type Secret = FakeObject & { data?: Record<string, string>; stringData?: Record<string, string> };

const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
const key = (o: FakeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

let charts: string[];

async function render(helm: string, set: string[], kubeconfig?: string): Promise<Secret[]> {
  const out: Secret[] = [];
  for (const chart of charts) {
    const args = ['template', 'r', chart, '--namespace', 'ns', ...set.flatMap((s) => ['--set', s])];
    if (kubeconfig) args.push('--dry-run=server', '--disable-openapi-validation');
    const { stdout } = await exec(helm, args, {
      env: { ...process.env, KUBECONFIG: kubeconfig ?? '/nonexistent' },
      maxBuffer: 64 << 20,
    });
    out.push(...(parseYamlStream(stdout, `helm template ${chart}`) as Secret[]));
  }
  return out.filter((o) => o.kind === 'Secret').sort((a, b) => key(a).localeCompare(key(b)));
}

/** The Secrets as the API server holds them: `data` only, owned by release `r` in `ns`. */
function asStored(secrets: readonly Secret[]): FakeObject[] {
  return secrets.map((s) => {
    const data = { ...(s.data ?? {}) };
    for (const [k, v] of Object.entries(s.stringData ?? {})) {
      data[k] = Buffer.from(v).toString('base64');
    }
    const { stringData: _, ...rest } = s;
    const metadata = {
      ...s.metadata,
      labels: { 'app.kubernetes.io/managed-by': 'Helm' },
      annotations: { 'meta.helm.sh/release-name': 'r', 'meta.helm.sh/release-namespace': 'ns' },
    };
    return { ...rest, metadata, data };
  });
}

/** Every plain value of every Secret, by `namespace/name key`. */
function values(secrets: readonly Secret[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of secrets) {
    for (const [k, v] of Object.entries(s.data ?? {})) out.set(`${key(s)} ${k}`, unb64(v));
    for (const [k, v] of Object.entries(s.stringData ?? {})) out.set(`${key(s)} ${k}`, v);
  }
  return out;
}

const servers: FakeApiServer[] = [];
async function cluster(objects: FakeObject[]): Promise<string> {
  const server = await startFakeApiServer(tempDir('fake-api'), CORE_RESOURCES, objects);
  servers.push(server);
  return server.kubeconfig;
}
afterAll(async () => {
  for (const s of servers) await s.close();
});

let upstream: Secret[];
let firstInstall: Secret[];
const GENERATE = ['global.generateSecrets=true'];

beforeAll(async () => {
  const dist = await valuesCharts();
  charts = RELEASES.map(
    (release) =>
      trimmedChart(join(dist, release), tempDir(`generated-${release}`), (t) =>
        t.includes('include "kfcharts.generated'),
      ).dir,
  );
  upstream = await render(new Helm().path, []);
  firstInstall = await render(new Helm().path, GENERATE);
}, 240_000);

/** The generated values: those that differ from upstream's render. */
function generated(secrets: readonly Secret[]): Map<string, string> {
  const before = values(upstream);
  return new Map([...values(secrets)].filter(([k, v]) => before.get(k) !== v));
}

describe('global.generateSecrets against a cluster', () => {
  it('a first install generates every credential upstream ships with a well-known value', () => {
    // Dex: password, hash and OIDC client secret (in dex's and oauth2-proxy's Secrets);
    // oauth2-proxy's cookie secret; MySQL's and katib-mysql's root passwords; object store
    // keys. dex-static-user is kfcharts' own Secret for the generated password (with the
    // login's email, which is not generated), rendered only with generateSecrets.
    expect([...generated(firstInstall).keys()]).toEqual([
      'auth/dex-oidc-client OIDC_CLIENT_SECRET',
      'auth/dex-passwords DEX_USER_PASSWORD',
      'auth/dex-static-user email',
      'auth/dex-static-user password',
      'kubeflow/katib-mysql-secrets MYSQL_ROOT_PASSWORD',
      'kubeflow/mlpipeline-minio-artifact accesskey',
      'kubeflow/mlpipeline-minio-artifact secretkey',
      'kubeflow/mysql-secret password',
      expect.stringMatching(/^oauth2-proxy\/oauth2-proxy-\w+ client-secret$/),
      expect.stringMatching(/^oauth2-proxy\/oauth2-proxy-\w+ cookie-secret$/),
    ]);
  });

  it("Dex's generated hash verifies the generated password", () => {
    const v = values(firstInstall);
    const password = v.get('auth/dex-static-user password') as string;
    const hash = v.get('auth/dex-passwords DEX_USER_PASSWORD') as string;
    expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(bcrypt.compareSync(password, hash)).toBe(true);
    expect(bcrypt.compareSync(`${password}x`, hash)).toBe(false);
  });

  for (const [label, helm] of [
    ['Helm 4', () => new Helm().path],
    ['Helm 3', () => Helm.v3().path],
  ] as const) {
    it(`${label}: an upgrade keeps every generated value, the hash too`, async () => {
      const kubeconfig = await cluster(asStored(firstInstall));
      const upgrade = await render(helm(), GENERATE, kubeconfig);
      expect(generated(upgrade)).toEqual(generated(firstInstall));
    });
  }

  it("replaces upstream's well-known values found in the cluster, and never renders one", async () => {
    // An installation made without generateSecrets, then upgraded with it.
    const kubeconfig = await cluster(asStored(upstream));
    const upgrade = await render(new Helm().path, GENERATE, kubeconfig);
    expect([...generated(upgrade).keys()]).toEqual([...generated(firstInstall).keys()]);
    const rendered = [...values(upgrade).values()];
    const known = WELL_KNOWN.flatMap((c) =>
      [...values(upstream)].filter(([k]) => k.endsWith(` ${c.key}`)).map(([, v]) => v),
    );
    expect(known.length).toBeGreaterThan(0);
    for (const k of known) expect(rendered).not.toContain(k);
  });

  it('without a cluster two renders differ: the equality above comes from lookup', async () => {
    const again = await render(new Helm().path, GENERATE);
    const [a, b] = [generated(firstInstall), generated(again)];
    const credentials = [...a].filter(([k]) => !k.endsWith(' email'));
    expect(credentials).toHaveLength(9);
    for (const [k, v] of credentials) {
      expect({ k, same: b.get(k) === v }).toEqual({ k, same: false });
    }
  });
});
