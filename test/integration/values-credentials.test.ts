import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseYamlStream } from '../../src/manifest/object.ts';
import { WELL_KNOWN, type WellKnownCredential } from '../../src/rules/values/credentials.ts';
import { Helm } from '../../src/tools/helm.ts';
import { projectRoot, tempDir } from './helpers.ts';
import { type K8sObject, schemaError, uncheckedError, valuesCharts } from './values-charts.ts';

/**
 * Upstream's well-known credentials (Dex's static password hash, the OIDC client secret,
 * oauth2-proxy's cookie secret, the in-cluster MySQL, katib-mysql and object store keys):
 * NOTES.txt of the release holding each lists exactly those the render still contains,
 * and global.generateSecrets replaces every one. Rendered offline with
 * `helm install --dry-run=client` (Helm 4), which prints NOTES and where `lookup` finds
 * nothing; the keep-across-upgrades path (a Secret found by lookup):
 * generated-secrets-lookup.test.ts.
 */
const TAGS = ['26.03', 'v1.11.0'] as const;
const RELEASES = ['kubeflow-platform', 'kubeflow'] as const;
const EXAMPLES = join(projectRoot, 'examples/values');
const EXISTING = join(EXAMPLES, 'external-services-existing-secrets.yaml');
const INLINE = join(EXAMPLES, 'external-services.yaml');
const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

interface Install {
  readonly notes: string;
  readonly manifest: string;
  readonly objects: readonly K8sObject[];
}

/** `helm install --dry-run=client` of the two releases that hold credentials. */
async function install(tag: string, values: object | string, set: string[] = []): Promise<Install> {
  const dir = await valuesCharts(tag);
  const file = typeof values === 'string' ? values : join(tempDir('values'), 'values.yaml');
  if (typeof values !== 'string') writeFileSync(file, stringify(values));
  const helm = new Helm();
  const outs = await Promise.all(
    RELEASES.map(async (chart) => {
      const out = JSON.parse(
        await helm.installDryRun(join(dir, chart), {
          releaseName: 'r',
          namespace: 'ns',
          valuesFiles: [file],
          set,
        }),
      ) as { info: { notes: string }; manifest: string };
      return out;
    }),
  );
  const manifest = outs.map((o) => o.manifest).join('---\n');
  return {
    notes: outs.map((o) => o.info.notes).join('\n'),
    manifest,
    objects: parseYamlStream(manifest, 'helm install --dry-run') as K8sObject[],
  };
}

/** The listed credentials: the NOTES lines under the warning. */
function listed(notes: string): string[] {
  return notes.split('\n').filter((l) => l.startsWith('  - '));
}

function secretsHolding(objects: readonly K8sObject[], c: WellKnownCredential): K8sObject[] {
  return objects.filter(
    (o) =>
      o.kind === 'Secret' &&
      o.metadata.namespace === c.namespace &&
      (c.name.endsWith('*')
        ? o.metadata.name.startsWith(c.name.slice(0, -1))
        : o.metadata.name === c.name),
  );
}

/** The plain value of a credential's field in a rendered Secret (undefined when absent). */
function valueIn(secret: K8sObject, c: WellKnownCredential): string | undefined {
  const value = (secret[c.field] as Record<string, string> | undefined)?.[c.key];
  if (value === undefined) return undefined;
  return c.field === 'data' ? unb64(value) : String(value);
}

/** Every string value in an object. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** The `value` of every env entry in an object. */
function envValues(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(envValues);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) =>
      k === 'env' && Array.isArray(v)
        ? v.map((e) => (e as { value?: unknown }).value).filter((x) => typeof x === 'string')
        : envValues(v),
    ) as string[];
  }
  return [];
}

describe.each(TAGS)('upstream %s', (tag) => {
  /** Upstream's value of each credential, as the charts render it at defaults. */
  const known = new Map<
    string,
    { credential: WellKnownCredential; object: string; value: string }
  >();
  let defaults: Install;

  beforeAll(async () => {
    defaults = await install(tag, {});
    for (const credential of WELL_KNOWN) {
      for (const secret of secretsHolding(defaults.objects, credential)) {
        const value = valueIn(secret, credential);
        if (value === undefined) continue;
        const object = `Secret ${secret.metadata.namespace}/${secret.metadata.name}`;
        known.set(`${credential.id} ${object}`, { credential, object, value });
      }
    }
  }, 300_000);

  /** The credentials whose upstream value is still in the render's Secrets. */
  function stillRendered(r: Install): string[] {
    return [...known.entries()]
      .filter(([, { credential, object, value }]) =>
        secretsHolding(r.objects, credential).some(
          (s) =>
            `Secret ${s.metadata.namespace}/${s.metadata.name}` === object &&
            valueIn(s, credential) === value,
        ),
      )
      .map(([id]) => id)
      .sort();
  }

  /** The credentials NOTES lists, by the object and key each line names. */
  function inNotes(r: Install): string[] {
    const lines = listed(r.notes);
    return [...known.entries()]
      .filter(([, { credential, object }]) =>
        lines.some((l) => l.includes(` in ${object} (${credential.field}.${credential.key})`)),
      )
      .map(([id]) => id)
      .sort();
  }

  it('at defaults NOTES lists every well-known credential, with its object, value and replacement', () => {
    // Dex hash, 2× OIDC client secret, cookie secret, MySQL, katib-mysql, 2 object-store keys.
    expect(known.size).toBe(8);
    const lines = listed(defaults.notes);
    expect(lines).toHaveLength(8);
    for (const { credential, object, value } of known.values()) {
      const line = lines.find((l) =>
        l.includes(` in ${object} (${credential.field}.${credential.key})`),
      );
      expect(line, `${credential.id} in ${object}`).toBeDefined();
      expect(line).toContain(value === '' ? ': empty,' : JSON.stringify(value));
      expect(line).toContain('global.generateSecrets');
    }
    expect(defaults.notes).toContain('WARNING');
    expect(defaults.notes).toContain("upstream's well-known credentials");
    const values = [...known.values()].map((k) => k.value);
    expect(values).toEqual(expect.arrayContaining(['minio', 'minio123', 'test', '']));
  });

  it('every Secret upstream fills with a literal value is a known credential or a non-secret id', () => {
    const notSecret = new Set(['OIDC_CLIENT_ID', 'client-id', 'username']);
    const uncovered: string[] = [];
    for (const s of defaults.objects.filter((o) => o.kind === 'Secret')) {
      for (const field of ['data', 'stringData'] as const) {
        for (const [key, value] of Object.entries((s[field] ?? {}) as Record<string, string>)) {
          if (value === '' || notSecret.has(key)) continue;
          const covered = WELL_KNOWN.some(
            (c) => c.field === field && c.key === key && secretsHolding([s], c).length === 1,
          );
          if (!covered)
            uncovered.push(`${s.metadata.namespace}/${s.metadata.name} ${field}.${key}`);
        }
      }
    }
    expect(uncovered).toEqual([]);
  });

  const cases: [string, object | string][] = [
    ['external-services-existing-secrets.yaml', EXISTING],
    ['external-services.yaml (inline credentials)', INLINE],
    ['oauth2-proxy.cookieSecret only', { 'oauth2-proxy': { cookieSecret: 'x'.repeat(32) } }],
    [
      'oidcClient.existingSecret only',
      { global: { auth: { oidcClient: { existingSecret: 'c' } } } },
    ],
    ['dex.staticPasswords off', { dex: { staticPasswords: { enabled: false } } }],
    [
      'dex.staticPasswords.hash',
      { dex: { staticPasswords: { hash: `$2y$10$${'a'.repeat(53)}` } } },
    ],
    // Not Dex alone: oauth2-proxy needs it (release data choices.requires).
    ['dex and oauth2-proxy off', { dex: { enabled: false }, 'oauth2-proxy': { enabled: false } }],
    [
      'external database only',
      { global: { database: { external: true, host: 'db', password: 'p' } } },
    ],
    ['pipelines off', { pipelines: { enabled: false } }],
    ['global.generateSecrets', { global: { generateSecrets: true } }],
  ];

  it.each(cases)(
    'NOTES lists exactly the credentials the render still holds: %s',
    async (_, values) => {
      const r = await install(tag, values);
      expect(inNotes(r)).toEqual(stillRendered(r));
      expect(listed(r.notes)).toHaveLength(inNotes(r).length);
    },
    120_000,
  );

  it('with the existing-secrets example NOTES lists none', async () => {
    const r = await install(tag, EXISTING);
    expect(listed(r.notes)).toEqual([]);
    expect(r.notes).not.toContain('WARNING');
  }, 120_000);

  describe('global.generateSecrets: true', () => {
    let first: Install;
    let second: Install;
    beforeAll(async () => {
      [first, second] = await Promise.all([
        install(tag, { global: { generateSecrets: true } }),
        install(tag, {}, ['global.generateSecrets=true']),
      ]);
    }, 300_000);

    it('renders no upstream default credential anywhere, plain or base64 (or the bcrypt hash)', () => {
      // Where a credential can be read: Secrets, ConfigMaps and env values (upstream's short
      // values are also names elsewhere, e.g. the NetworkPolicy `minio` of v1.11.0).
      const scalars = new Set([
        ...first.objects
          .filter((o) => o.kind === 'Secret' || o.kind === 'ConfigMap')
          .flatMap((o) => strings(o)),
        ...first.objects.flatMap((o) => envValues(o)),
      ]);
      for (const { credential, value } of known.values()) {
        if (value === '') continue; // the empty MySQL password: see the Deployment test below
        for (const form of [value, b64(value)]) {
          // As a whole value anywhere; long ones also inside any text (config files, scripts).
          expect(scalars.has(form), `${credential.id}: ${form}`).toBe(false);
          if (form.length >= 16) {
            expect(first.manifest.includes(form), `${credential.id}: ${form}`).toBe(false);
          }
        }
      }
      // The documented plain password of upstream's static user.
      expect(first.manifest).not.toContain(b64('12341234'));
      expect(listed(first.notes)).toEqual([]);
    });

    it('every credential is generated, shared where two consumers need one value', () => {
      for (const { credential, object } of known.values()) {
        const secret = first.objects.find(
          (o) => `Secret ${o.metadata.namespace}/${o.metadata.name}` === object,
        );
        const value = secret && valueIn(secret, credential);
        expect(value, `${credential.id} in ${object}`).toMatch(/^[A-Za-z0-9]{20,40}$|^\$2a\$10\$/);
      }
      const oidc = [...known.values()]
        .filter((k) => k.credential.id === 'oidc-client-secret')
        .map(({ credential, object }) => {
          const s = first.objects.find(
            (o) => `Secret ${o.metadata.namespace}/${o.metadata.name}` === object,
          ) as K8sObject;
          return valueIn(s, credential);
        });
      expect(oidc).toHaveLength(2);
      expect(oidc[0]).toBe(oidc[1]);
      const cookie = [...known.values()].find(
        (k) => k.credential.id === 'oauth2-proxy-cookie-secret',
      );
      expect(cookie).toBeDefined();
    });

    it("Dex's plain password is in Secret auth/dex-static-user, its bcrypt hash in dex-passwords", () => {
      const user = first.objects.find(
        (o) => o.kind === 'Secret' && o.metadata.name === 'dex-static-user',
      ) as K8sObject;
      expect(user.metadata.namespace).toBe('auth');
      const data = user.data as Record<string, string>;
      expect(unb64(data.email ?? '')).toBe('user@example.com');
      expect(unb64(data.password ?? '')).toMatch(/^[A-Za-z0-9]{20}$/);
      const passwords = first.objects.find(
        (o) => o.kind === 'Secret' && o.metadata.name === 'dex-passwords',
      );
      const hash = ((passwords?.stringData ?? {}) as Record<string, string>).DEX_USER_PASSWORD;
      expect(hash).toMatch(/^\$2a\$10\$[./A-Za-z0-9]{53}$/);
    });

    it("the in-cluster MySQL gets mysql-secret's generated root password, not an empty one", () => {
      const mysql = first.objects.find(
        (o) => o.kind === 'Deployment' && o.metadata.name === 'mysql',
      ) as unknown as { spec: { template: { spec: { containers: { env: object[] }[] } } } };
      const env = mysql.spec.template.spec.containers[0]?.env ?? [];
      expect(env).toContainEqual({
        name: 'MYSQL_ROOT_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'mysql-secret', key: 'password' } },
      });
      expect(JSON.stringify(env)).not.toContain('MYSQL_ALLOW_EMPTY_PASSWORD');
      const secret = first.objects.find(
        (o) => o.kind === 'Secret' && o.metadata.name === 'mysql-secret',
      ) as K8sObject;
      expect((secret.stringData as Record<string, string>).password).toMatch(/^[A-Za-z0-9]{24}$/);
    });

    it('two renders differ: without a cluster lookup finds nothing, so every value is new', () => {
      for (const { credential, object } of known.values()) {
        const pick = (r: Install) => {
          const s = r.objects.find(
            (o) => `Secret ${o.metadata.namespace}/${o.metadata.name}` === object,
          ) as K8sObject;
          return valueIn(s, credential);
        };
        expect(pick(first), credential.id).not.toBe(pick(second));
      }
    });

    it('existingSecret and inline values still win', async () => {
      const r = await install(tag, EXISTING, ['global.generateSecrets=true']);
      const names = r.objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name);
      for (const gone of ['dex-static-user', 'dex-passwords', 'dex-oidc-client', 'mysql-secret']) {
        expect(names).not.toContain(gone);
      }
      expect(names.some((n) => n.startsWith('oauth2-proxy-'))).toBe(false);
      const inline = await install(tag, { 'oauth2-proxy': { cookieSecret: 'c'.repeat(32) } }, [
        'global.generateSecrets=true',
      ]);
      const proxy = inline.objects.find(
        (o) => o.kind === 'Secret' && o.metadata.name.startsWith('oauth2-proxy-'),
      ) as K8sObject;
      expect(unb64((proxy.data as Record<string, string>)['cookie-secret'] ?? '')).toBe(
        'c'.repeat(32),
      );
    }, 120_000);
  });
});

describe('global.generateSecrets validation', () => {
  it('the schema rejects a non-boolean, naming the key', async () => {
    const error = await schemaError({ global: { generateSecrets: 'maybe' } }, 'kubeflow-platform');
    expect(error).toMatch(/generateSecrets/);
  }, 120_000);

  it('without schema validation the template check still names the key', async () => {
    const errors = await uncheckedError({ global: { generateSecrets: 'false' } }, 'kubeflow');
    for (const e of errors) expect(e).toContain('global.generateSecrets: must be true or false');
  }, 120_000);
});
