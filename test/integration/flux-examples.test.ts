import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ExternalSecret,
  type IExternalSecret,
} from '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret';
import {
  HelmRelease,
  type IHelmRelease,
} from '@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2/HelmRelease';
import {
  type IOCIRepository,
  OCIRepository,
} from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1/OCIRepository';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { mapConcurrent } from '../../src/progress.ts';
import { Helm } from '../../src/tools/helm.ts';
import { Kubectl } from '../../src/tools/kubectl.ts';
import { projectRoot, runCli, tempDir } from './helpers.ts';

/**
 * examples/flux (Flux v2 objects that install the six charts from an OCI registry) and
 * examples/values: every object checked against its CRD's schema, the layering checked
 * against the install order of the built charts, and every chart rendered with the values
 * the HelmReleases would get.
 */
const fluxDir = join(projectRoot, 'examples/flux');
const valuesDir = join(projectRoot, 'examples/values');

// ---------------------------------------------------------------------------------------------
// Schema validation
// ---------------------------------------------------------------------------------------------

interface Issue {
  /** JSON pointer of the offending field (for a missing field: where it should be). */
  readonly pointer: string;
  readonly message: string;
}

interface Schema {
  /** The npm package (and version) whose generated validator holds the CRD schema. */
  readonly source: string;
  readonly validate: (object: unknown) => Issue[];
}

interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string;
  readonly params: { readonly missingProperty?: string };
}

function packageVersion(name: string): string {
  const file = join(projectRoot, 'node_modules', name, 'package.json');
  return `${name}@${(JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version}`;
}

/** Runs a kubernetes-models `validate()` and returns its ajv errors as issues. */
function issuesOf(run: () => void): Issue[] {
  try {
    run();
    return [];
  } catch (error) {
    const errors = (error as { errors?: unknown }).errors;
    if (!Array.isArray(errors)) throw error;
    return (errors as AjvError[]).map((e) => ({
      pointer:
        e.keyword === 'required' && e.params.missingProperty
          ? `${e.instancePath}/${e.params.missingProperty}`
          : e.instancePath,
      message: `${e.keyword}: ${e.message ?? ''}`,
    }));
  }
}

type Data<M extends abstract new (...args: never) => unknown> = ConstructorParameters<M>[0];

/** The validators, by `apiVersion kind`. An object of any other type fails the test. */
const SCHEMAS: Record<string, Schema> = {
  'source.toolkit.fluxcd.io/v1 OCIRepository': {
    source: packageVersion('@kubernetes-models/flux-cd'),
    validate: (o) => issuesOf(() => new OCIRepository(o as Data<typeof OCIRepository>).validate()),
  },
  'helm.toolkit.fluxcd.io/v2 HelmRelease': {
    source: packageVersion('@kubernetes-models/flux-cd'),
    validate: (o) => issuesOf(() => new HelmRelease(o as Data<typeof HelmRelease>).validate()),
  },
  'external-secrets.io/v1 ExternalSecret': {
    source: packageVersion('@kubernetes-models/external-secrets'),
    validate: (o) =>
      issuesOf(() => new ExternalSecret(o as Data<typeof ExternalSecret>).validate()),
  },
  'v1 Namespace': {
    source: packageVersion('kubernetes-models'),
    validate: (o) => issuesOf(() => new Namespace(o as Data<typeof Namespace>).validate()),
  },
};

/** Fields whose schema is "any YAML": Helm values, checked by the charts' own schemas. */
const FREE_FORM = new Set(['/spec/values']);

type Path = readonly (string | number)[];

function pointerOf(path: Path): string {
  return path.map((p) => `/${String(p).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function childrenOf(value: unknown): [string | number, unknown][] {
  if (Array.isArray(value)) return value.map((v, i) => [i, v]);
  if (isRecord(value)) return Object.entries(value);
  return [];
}

function setAt(root: unknown, path: Path, value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = value;
}

function deleteAt(root: unknown, path: Path): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  delete node[path[path.length - 1] as string | number];
}

/**
 * The fields of `object` its schema does not declare. The generated validators, like a CRD's
 * structural schema, let unknown fields through (the API server would silently drop them, so
 * a misspelt field is simply lost). So each field is probed: given a value of the wrong type,
 * a declared field fails validation at its own path, an undeclared one does not.
 */
function unknownFields(object: unknown, validate: (o: unknown) => Issue[]): string[] {
  const unknown: string[] = [];
  const visit = (value: unknown, path: Path): void => {
    for (const [key, child] of childrenOf(value)) {
      const childPath = [...path, key];
      const pointer = pointerOf(childPath);
      if (FREE_FORM.has(pointer)) continue;
      const probe = structuredClone(object);
      setAt(probe, childPath, typeof child === 'object' && child !== null ? 12345 : { probe: [] });
      const declared = validate(probe).some(
        (i) => i.pointer === pointer || i.pointer.startsWith(`${pointer}/`),
      );
      if (declared) visit(child, childPath);
      else unknown.push(pointer);
    }
  };
  visit(object, []);
  return unknown;
}

/** Schema errors plus undeclared fields; empty when the object is valid. */
function check(object: unknown): { schema: Schema; issues: Issue[] } {
  const o = object as { apiVersion?: unknown; kind?: unknown };
  const schema = SCHEMAS[`${String(o.apiVersion)} ${String(o.kind)}`];
  if (!schema) throw new Error(`no schema for ${String(o.apiVersion)} ${String(o.kind)}`);
  return {
    schema,
    issues: [
      ...schema.validate(object),
      ...unknownFields(object, schema.validate).map((pointer) => ({
        pointer,
        message: 'unknown field: not in the schema',
      })),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// The examples
// ---------------------------------------------------------------------------------------------

interface Doc {
  readonly file: string;
  readonly object: { apiVersion: string; kind: string; metadata: { name: string } };
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}

function readDocs(): Doc[] {
  return yamlFiles(fluxDir)
    .filter((f) => f !== 'kustomization.yaml')
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(fluxDir, file), 'utf8')).map((d) => {
        if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]?.message}`);
        return { file, object: d.toJS() as Doc['object'] };
      }),
    )
    .filter((d) => d.object !== null);
}

function idOf(o: Doc['object'] & { metadata: { namespace?: string } }): string {
  return `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** Go durations as Flux takes them ("15m", "1h30m") in seconds. */
function seconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  expect(parts.map((p) => p[0]).join('')).toBe(duration);
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  return parts.reduce((sum, p) => sum + Number(p[1]) * (unit[p[2] as string] ?? Number.NaN), 0);
}

/** The `# Source:` paths of a render: one per object, since each template holds one object. */
function sources(rendered: string): string[] {
  return [...rendered.matchAll(/^# Source: (.+)$/gm)].map((m) => m[1] as string);
}

const docs = readDocs();
const ofKind = <T>(kind: string): T[] =>
  docs.filter((d) => d.object.kind === kind).map((d) => d.object as T);
const repositories = ofKind<IOCIRepository>('OCIRepository');
const releases = ofKind<IHelmRelease>('HelmRelease');
const externalSecrets = ofKind<IExternalSecret>('ExternalSecret');
const valuesFiles = yamlFiles(valuesDir).map((f) => join(valuesDir, f));

/** The chart an OCIRepository serves: the last segment of its url. */
function chartOf(repository: IOCIRepository): string {
  return repository.spec?.url.split('/').pop() ?? '';
}

function repositoryOf(release: IHelmRelease): IOCIRepository {
  const ref = release.spec?.chartRef;
  expect(ref?.kind).toBe('OCIRepository');
  const found = repositories.find(
    (r) =>
      r.metadata?.name === ref?.name &&
      r.metadata?.namespace === (ref?.namespace ?? release.metadata?.namespace),
  );
  if (!found)
    throw new Error(`HelmRelease ${release.metadata?.name}: no OCIRepository ${ref?.name}`);
  return found;
}

interface Rendered {
  readonly kind?: string;
  readonly metadata?: {
    readonly name: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly webhooks?: readonly {
    readonly failurePolicy?: string;
    readonly rules?: unknown;
    readonly clientConfig?: { readonly caBundle?: string };
  }[];
  readonly spec?: {
    readonly conversion?: { readonly webhook?: { readonly clientConfig?: { caBundle?: string } } };
  };
}

/**
 * The fields of rendered objects that a controller in the cluster rewrites once it runs, as
 * `kind name pointer`: drift detection must leave them alone, or Flux and that controller
 * would undo each other at every reconcile.
 */
function controllerOwnedFields(objects: readonly Rendered[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const at = (pointer: string) => out.push(`${o.kind} ${o.metadata?.name} ${pointer}`);
    const labels = o.metadata?.labels ?? {};
    const injected = Object.keys(o.metadata?.annotations ?? {}).some((a) =>
      a.startsWith('cert-manager.io/inject-ca-from'),
    );
    (o.webhooks ?? []).forEach((w, i) => {
      // cert-manager's CA injector writes the caBundle.
      if (injected && w.clientConfig && 'caBundle' in w.clientConfig) {
        at(`/webhooks/${i}/clientConfig/caBundle`);
      }
      // istiod turns its validating webhook from Ignore to Fail once it serves.
      const validating = o.kind === 'ValidatingWebhookConfiguration';
      if (validating && labels.app === 'istiod' && w.failurePolicy === 'Ignore') {
        at(`/webhooks/${i}/failurePolicy`);
      }
      // Knative's webhook rewrites the rules of its own webhooks, one rule per served type.
      if (labels['app.kubernetes.io/name'] === 'knative-serving' && w.rules !== undefined) {
        at(`/webhooks/${i}/rules`);
      }
    });
    const conversion = o.spec?.conversion?.webhook?.clientConfig;
    if (injected && conversion && 'caBundle' in conversion) {
      at('/spec/conversion/webhook/clientConfig/caBundle');
    }
  }
  return out.sort();
}

let dist: string;
let installOrder: string[];
let installScript: string;
/** Default render of each chart (all components on), by chart name: text and objects. */
const defaults = new Map<string, string>();
const defaultObjects = new Map<string, Rendered[]>();

function render(
  chart: string,
  files: readonly string[],
  release: { releaseName?: string | undefined; namespace?: string | undefined } = {},
): Promise<string> {
  return new Helm().template(join(dist, 'charts', chart), {
    releaseName: release.releaseName ?? 'r',
    namespace: release.namespace ?? 'kfcharts',
    valuesFiles: files,
  });
}

beforeAll(async () => {
  dist = tempDir('dist-flux');
  const build = await runCli(['build'], { KFCHARTS_DIST_DIR: dist });
  expect(build.stderr).not.toContain('error');
  expect(build.code).toBe(0);
  installScript = readFileSync(join(dist, 'charts/install.sh'), 'utf8');
  const loop = /^for release in (.+); do$/m.exec(installScript);
  if (!loop?.[1]) throw new Error('dist/charts/install.sh has no `for release in ...` line');
  installOrder = loop[1].split(' ');
  await mapConcurrent(installOrder, 2, async (chart) => {
    const rendered = await render(chart, []);
    defaults.set(chart, rendered);
    defaultObjects.set(
      chart,
      parseAllDocuments(rendered)
        .map((d) => d.toJS() as Rendered | null)
        .filter((o): o is Rendered => o !== null),
    );
  });
});

describe('examples/flux', () => {
  it('validates every object against its CRD schema, unknown fields included', () => {
    const counts = new Map<string, number>();
    const failures: string[] = [];
    for (const { file, object } of docs) {
      const { schema, issues } = check(object);
      counts.set(object.kind, (counts.get(object.kind) ?? 0) + 1);
      console.log(`validated ${file}: ${idOf(object)} against ${schema.source}`);
      for (const i of issues) failures.push(`${file}: ${idOf(object)} ${i.pointer}: ${i.message}`);
    }
    expect(failures).toEqual([]);
    expect(Object.fromEntries(counts)).toEqual({
      Namespace: 1,
      ExternalSecret: 1,
      OCIRepository: 6,
      HelmRelease: 6,
    });
  });

  /** Broken copies of the examples: each must be rejected at the named field. */
  const broken: {
    kind: string;
    what: string;
    edit: (o: unknown) => void;
    pointer: string;
    /** Found only by the unknown-field probe: the generated validator lets it through. */
    probeOnly?: true;
  }[] = [
    {
      kind: 'HelmRelease',
      what: 'a misspelt optional field',
      edit: (o) => {
        setAt(o, ['spec', 'driftDetection', 'mdoe'], 'enabled');
        deleteAt(o, ['spec', 'driftDetection', 'mode']);
      },
      pointer: '/spec/driftDetection/mdoe',
      probeOnly: true,
    },
    {
      kind: 'HelmRelease',
      what: 'a string for a number',
      edit: (o) => setAt(o, ['spec', 'install', 'remediation', 'retries'], '3'),
      pointer: '/spec/install/remediation/retries',
    },
    {
      kind: 'HelmRelease',
      what: 'a CRD policy Flux does not have',
      edit: (o) => setAt(o, ['spec', 'upgrade', 'crds'], 'Replace'),
      pointer: '/spec/upgrade/crds',
    },
    {
      kind: 'HelmRelease',
      what: 'a missing required field',
      edit: (o) => deleteAt(o, ['spec', 'interval']),
      pointer: '/spec/interval',
    },
    {
      kind: 'OCIRepository',
      what: 'a url that is not oci://',
      edit: (o) => setAt(o, ['spec', 'url'], 'https://ghcr.io/OWNER/kfcharts/kubeflow'),
      pointer: '/spec/url',
    },
    {
      kind: 'OCIRepository',
      what: 'a verification provider Flux does not have',
      edit: (o) => setAt(o, ['spec', 'verify', 'provider'], 'sigstore'),
      pointer: '/spec/verify/provider',
    },
    {
      kind: 'OCIRepository',
      what: 'a misspelt identity list',
      edit: (o) => {
        const verify = ['spec', 'verify'];
        setAt(o, [...verify, 'matchOIDCIdentities'], [{ issuer: '^x$', subject: '^y$' }]);
        deleteAt(o, [...verify, 'matchOIDCIdentity']);
      },
      pointer: '/spec/verify/matchOIDCIdentities',
      probeOnly: true,
    },
    {
      kind: 'ExternalSecret',
      what: 'a store kind ESO does not have',
      edit: (o) => setAt(o, ['spec', 'secretStoreRef', 'kind'], 'ClusterSecretStores'),
      pointer: '/spec/secretStoreRef/kind',
    },
    {
      kind: 'ExternalSecret',
      what: 'a misspelt field',
      edit: (o) => setAt(o, ['spec', 'target', 'templat'], {}),
      pointer: '/spec/target/templat',
      probeOnly: true,
    },
    {
      kind: 'Namespace',
      what: 'a number for a name',
      edit: (o) => setAt(o, ['metadata', 'name'], 42),
      pointer: '/metadata/name',
    },
  ];

  it.each(broken)('rejects a $kind with $what', ({ kind, edit, pointer, probeOnly }) => {
    const original = docs.find((d) => d.object.kind === kind)?.object;
    expect(original).toBeDefined();
    expect(check(original).issues).toEqual([]);
    const copy = structuredClone(original);
    edit(copy);
    const { schema, issues } = check(copy);
    expect(issues.map((i) => i.pointer)).toContain(pointer);
    const bySchemaAlone = schema.validate(copy).some((i) => i.pointer === pointer);
    expect(bySchemaAlone).toBe(!probeOnly);
  });

  it('kustomization.yaml lists every file, and kubectl kustomize builds exactly their objects', async () => {
    const kustomization = parse(readFileSync(join(fluxDir, 'kustomization.yaml'), 'utf8')) as {
      resources: string[];
    };
    expect([...kustomization.resources].sort()).toEqual(
      yamlFiles(fluxDir).filter((f) => f !== 'kustomization.yaml'),
    );
    const built = await new Kubectl().kustomize(fluxDir, 'examples/flux');
    const ids = parseAllDocuments(built).map((d) => idOf(d.toJS() as Doc['object']));
    expect(ids.sort()).toEqual(docs.map((d) => idOf(d.object)).sort());
  });

  it('has one OCIRepository per built chart, pinned to its version, signed by the release workflow', () => {
    const charts = repositories.map(chartOf);
    expect([...charts].sort()).toEqual([...installOrder].sort());
    for (const repository of repositories) {
      const chart = chartOf(repository);
      const chartYaml = join(dist, 'charts', chart, 'Chart.yaml');
      expect(existsSync(chartYaml), chartYaml).toBe(true);
      const { version } = parse(readFileSync(chartYaml, 'utf8')) as { version: string };
      const spec = repository.spec;
      expect(spec?.url).toBe(`oci://ghcr.io/OWNER/kfcharts/${chart}`);
      expect(spec?.ref?.tag ?? spec?.ref?.semver).toBe(version);
      // Only the chart layer, as the .tgz `helm push` uploaded (what chartRef needs).
      expect(spec?.layerSelector).toEqual({
        mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
        operation: 'copy',
      });
      expect(spec?.verify?.provider).toBe('cosign');
      const identities = spec?.verify?.matchOIDCIdentity ?? [];
      expect(identities).toHaveLength(1);
      const issuer = new RegExp(identities[0]?.issuer ?? '^$');
      const subject = new RegExp(identities[0]?.subject ?? '^$');
      expect(issuer.test('https://token.actions.githubusercontent.com')).toBe(true);
      expect(issuer.test('https://token.actions.githubusercontent.com.example.org')).toBe(false);
      const workflow = 'https://github.com/OWNER/kfcharts/.github/workflows/release.yml';
      expect(subject.test(`${workflow}@refs/tags/v26.3.0`)).toBe(true);
      for (const other of [
        `${workflow}@refs/heads/main`,
        `${workflow.replace('release.yml', 'ci.yml')}@refs/tags/v26.3.0`,
        `${workflow.replace('OWNER/kfcharts', 'someone/kfcharts')}@refs/tags/v26.3.0`,
        `${workflow.replace('OWNER/kfcharts', 'OWNER/kfcharts-fork')}@refs/tags/v26.3.0`,
      ]) {
        expect({ other, accepted: subject.test(other) }).toEqual({ other, accepted: false });
      }
    }
  });

  it('chains the HelmReleases by dependsOn in the install order of dist/charts/install.sh', () => {
    expect(installOrder).toHaveLength(6);
    expect(installOrder[0]).toBe('kubeflow-crds');
    expect(installOrder[installOrder.length - 1]).toBe('kubeflow-runtimes');
    const byName = new Map(releases.map((r) => [r.metadata?.name ?? '', r]));
    expect(byName.size).toBe(releases.length);
    const roots = releases.filter((r) => (r.spec?.dependsOn ?? []).length === 0);
    expect(roots).toHaveLength(1);
    for (const r of releases) expect(r.spec?.dependsOn?.length ?? 0).toBeLessThanOrEqual(1);
    const chain: IHelmRelease[] = [];
    for (let r = roots[0]; r && chain.length <= releases.length; ) {
      chain.push(r);
      const name = r.metadata?.name;
      const next = releases.filter((n) => n.spec?.dependsOn?.some((d) => d.name === name));
      expect(next.length).toBeLessThanOrEqual(1);
      r = next[0];
    }
    expect(chain.map((r) => chartOf(repositoryOf(r)))).toEqual(installOrder);
    // Same release names and namespace as install.sh, so Flux and Helm manage the same releases.
    const storage = /namespace="\$\{KFCHARTS_NAMESPACE:-([^}]+)\}"/.exec(installScript)?.[1];
    expect(storage).toBe('kfcharts');
    for (const r of chain) {
      const chart = chartOf(repositoryOf(r));
      expect({ chart, name: r.metadata?.name, releaseName: r.spec?.releaseName }).toEqual({
        chart,
        name: chart,
        releaseName: chart,
      });
      expect([r.spec?.storageNamespace, r.spec?.targetNamespace]).toEqual([storage, storage]);
    }
    // ...which is not a namespace any chart creates (Helm would refuse to adopt it).
    const created = [...defaultObjects.values()]
      .flat()
      .filter((o) => o.kind === 'Namespace')
      .map((o) => o.metadata?.name);
    expect(created).toContain('kubeflow');
    expect(created).not.toContain(storage);
  });

  it('sets CRD policy, drift detection, remediation and timeouts deliberately', () => {
    // The CRD policy governs only a chart's crds/ folder, and no chart has one: CRDs are templates.
    const crdFolders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (!e.isDirectory()) continue;
        if (e.name === 'crds') crdFolders.push(join(dir, e.name));
        else walk(join(dir, e.name));
      }
    };
    walk(join(dist, 'charts'));
    expect(crdFolders).toEqual([]);
    const crdTemplates = [...defaultObjects.values()]
      .flat()
      .filter((o) => o.kind === 'CustomResourceDefinition');
    expect(crdTemplates).toHaveLength(74);
    const helmTimeout = /--timeout (\S+)/.exec(installScript)?.[1] ?? '';
    expect(seconds(helmTimeout)).toBeGreaterThan(0);
    for (const r of releases) {
      const spec = r.spec;
      const name = r.metadata?.name;
      expect({ name, install: spec?.install?.crds, upgrade: spec?.upgrade?.crds }).toEqual({
        name,
        install: 'Skip',
        upgrade: 'Skip',
      });
      expect(spec?.driftDetection?.mode).toBe('enabled');
      expect(spec?.install?.remediation?.retries).toBeGreaterThan(0);
      expect(spec?.upgrade?.remediation?.retries).toBeGreaterThan(0);
      // Never uninstall a running Kubeflow to remediate an upgrade; after the last failure
      // leave the release as it failed (a rollback cannot undo what an upgrade hook recreated).
      expect({
        name,
        install: spec?.install?.remediation?.remediateLastFailure,
        upgrade: spec?.upgrade?.remediation?.remediateLastFailure,
        strategy: spec?.upgrade?.remediation?.strategy,
      }).toEqual({ name, install: false, upgrade: false, strategy: 'rollback' });
      // At least what install.sh gives every release with `helm --wait`.
      expect({ name, enough: seconds(spec?.timeout ?? '0s') >= seconds(helmTimeout) }).toEqual({
        name,
        enough: true,
      });
    }
    // The two largest layers get more.
    for (const name of ['kubeflow-platform', 'kubeflow']) {
      const timeout = releases.find((r) => r.metadata?.name === name)?.spec?.timeout ?? '0s';
      expect(seconds(timeout)).toBeGreaterThan(seconds(helmTimeout));
    }
  });

  it('gives the reason for the remediation and CRD policy in each HelmRelease', () => {
    for (const file of readdirSync(fluxDir).filter((f) => /^0\d-.*\.yaml$/.test(f))) {
      const text = readFileSync(join(fluxDir, file), 'utf8');
      expect({ file, remediation: text.includes('# Remediation (docs/upgrading.md') }).toEqual({
        file,
        remediation: true,
      });
      expect({ file, crds: /so both are Skip, on\n {2}# purpose/.test(text) }).toEqual({
        file,
        crds: true,
      });
    }
  });

  it('ships an install script that is safe to run again (static checks)', () => {
    // Every release is `helm upgrade --install`: a rerun upgrades in place, or installs what
    // is missing; nothing is created, deleted or rolled back outside Helm.
    const helmCalls = installScript.split('\n').filter((l) => /"\$helm"/.test(l));
    expect(helmCalls).toHaveLength(1);
    expect(helmCalls[0]).toMatch(/"\$helm" upgrade --install "\$release"/);
    expect(installScript).toContain('--create-namespace');
    expect(installScript).toContain('set -euo pipefail');
    expect(installScript).not.toMatch(/kubectl|\bhelm (install|uninstall|delete|rollback)\b/);
    expect(installScript).not.toMatch(/\brm\b|--force|--replace/);
  });

  it('feeds every HelmRelease the Secret that the ExternalSecret makes', () => {
    expect(externalSecrets).toHaveLength(1);
    const es = externalSecrets[0] as IExternalSecret;
    const secret = es.spec?.target?.name ?? es.metadata?.name;
    const keys = (es.spec?.data ?? []).map((d) => d.secretKey);
    expect({ secret, keys }).toEqual({ secret: 'kubeflow-values', keys: ['values.yaml'] });
    expect(es.spec?.secretStoreRef?.kind).toBe('ClusterSecretStore');
    // helm-controller reacts to a change of the Secret only when it carries this label.
    expect(es.spec?.target?.template?.metadata?.labels).toEqual({
      'reconcile.fluxcd.io/watch': 'Enabled',
    });
    for (const r of releases) {
      expect(r.metadata?.namespace).toBe(es.metadata?.namespace);
      expect({ name: r.metadata?.name, valuesFrom: r.spec?.valuesFrom }).toEqual({
        name: r.metadata?.name,
        valuesFrom: [{ kind: 'Secret', name: secret, valuesKey: 'values.yaml' }],
      });
    }
  });

  it('renders each HelmRelease chart with its values and each example values file as the Secret', async () => {
    expect(valuesFiles.length).toBeGreaterThan(0);
    const work = tempDir('flux-values');
    const jobs = releases.flatMap((r) => valuesFiles.map((secret) => ({ r, secret })));
    const results = await mapConcurrent(jobs, 2, async ({ r, secret }) => {
      const chart = chartOf(repositoryOf(r));
      const files = [secret];
      // Flux merges valuesFrom first, then spec.values on top.
      if (r.spec?.values !== undefined) {
        const inline = join(work, `${chart}.values.yaml`);
        writeFileSync(inline, JSON.stringify(r.spec.values));
        files.push(inline);
      }
      const rendered = await render(chart, files, {
        releaseName: r.spec?.releaseName,
        namespace: r.spec?.targetNamespace,
      });
      return { chart, secret, objects: sources(rendered).length };
    });
    // The CRD chart of optional components (docs/choices.md) is empty while they are off.
    const emptyAtDefaults = installOrder.filter((c) => sources(defaults.get(c) ?? '').length === 0);
    expect(emptyAtDefaults).toEqual(['kubeflow-optional-crds']);
    for (const { chart, secret, objects } of results) {
      expect({ chart, secret, rendersObjects: objects > 0 }).toEqual({
        chart,
        secret,
        rendersObjects: !emptyAtDefaults.includes(chart),
      });
    }
  });

  it('example values files are valid for every chart and switch off what they say', async () => {
    const jobs = valuesFiles.flatMap((file) => installOrder.map((chart) => ({ file, chart })));
    const seen = new Map<string, number>();
    await mapConcurrent(jobs, 2, async ({ file, chart }) => {
      const values = parse(readFileSync(file, 'utf8')) as Record<string, { enabled?: boolean }>;
      const off = Object.keys(values).filter((k) => values[k]?.enabled === false);
      const rendered = sources(await render(chart, [file]));
      const before = sources(defaults.get(chart) ?? '');
      // Every chart renders objects but the CRD chart of optional components, off by default.
      expect(rendered.length > 0 || chart === 'kubeflow-optional-crds').toBe(true);
      for (const component of off) {
        const prefix = `${chart}/charts/${component}/`;
        const had = before.filter((s) => s.startsWith(prefix)).length;
        seen.set(`${file} ${component}`, (seen.get(`${file} ${component}`) ?? 0) + had);
        expect(rendered.filter((s) => s.startsWith(prefix))).toEqual([]);
      }
      // A file of component switches only changes nothing else (files that set other values,
      // like external-services.yaml, have their own tests).
      const switchesOnly = Object.values(values).every(
        (v) => v !== null && typeof v === 'object' && Object.keys(v).every((k) => k === 'enabled'),
      );
      if (switchesOnly) {
        expect(rendered).toEqual(
          before.filter((s) => !off.some((c) => s.startsWith(`${chart}/charts/${c}/`))),
        );
      }
    });
    // Each component switched off is really in some chart, so its absence means something.
    expect(seen.size).toBeGreaterThan(0);
    for (const [what, had] of seen) expect({ what, had: had > 0 }).toEqual({ what, had: true });
  });

  it('drift detection ignores exactly the fields that controllers rewrite by design', () => {
    let total = 0;
    for (const r of releases) {
      const chart = chartOf(repositoryOf(r));
      const expected = controllerOwnedFields(defaultObjects.get(chart) ?? []);
      total += expected.length;
      const ignored = (r.spec?.driftDetection?.ignore ?? [])
        .flatMap((rule) => rule.paths.map((p) => `${rule.target?.kind} ${rule.target?.name} ${p}`))
        .sort();
      expect({ chart, ignored }).toEqual({ chart, ignored: expected });
    }
    // istiod's validator failurePolicy and Knative's two webhooks' rules, which the charts
    // render from the live object on upgrade but the controllers may rewrite between two
    // (docs/server-side-apply.md); injected caBundles are left out of the charts.
    expect(total).toBe(3);
  });
});
