import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { Header, Pax } from 'tar';
import { parse } from 'yaml';
import { findCharts } from '../chart/write.ts';
import { KfchartsError } from '../errors.ts';
import { replaceFolder } from '../fs-replace.ts';
import { sha256 } from '../upstream/hash.ts';

/**
 * Chart archives (`<name>-<version>.tgz`) that depend on the chart's files and nothing
 * else: not on file mtimes, modes, owners, umask, the file system's listing order or the
 * clock. `helm package` (4.1.4) is not reproducible: it writes each file's mtime into the
 * tar headers and lists subcharts in a different order from run to run. So the tar is
 * written here, in the layout Helm's loader reads (`<name>/Chart.yaml`,
 * `<name>/charts/<sub>/...`; regular files only, as `helm package` writes it):
 *
 * - entries sorted by path; mode 0644, uid/gid 0, no user or group names, mtime
 *   {@link PACKAGE_MTIME}; a PAX header only for a path that ustar cannot hold;
 * - gzip by fflate (pure JS, pinned), so the bytes do not change with the zlib bundled in
 *   Node; header mtime 0.
 *
 * Files keep their bytes: Chart.yaml is not re-serialized as `helm package` does, so a
 * package holds exactly the files `verify` checked.
 */

/**
 * The one timestamp of a package: its tar entries' mtime and the .tgz file's own mtime.
 * The latter matters: `helm push` writes the archive file's mtime into the OCI manifest's
 * `org.opencontainers.image.created`, so it must be fixed for the manifest digest to be.
 */
export const PACKAGE_MTIME = new Date(0);

const FILE_MODE = 0o644;
const BLOCK = 512;

export interface TarFile {
  /** POSIX path inside the archive. */
  readonly path: string;
  readonly data: Uint8Array;
}

/** A gzipped tar of `files` in path order, with every header field fixed but path and size. */
export function deterministicTgz(files: readonly TarFile[]): Uint8Array {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const blocks: Uint8Array[] = [];
  let previous: string | undefined;
  for (const file of sorted) {
    if (file.path === previous) {
      throw new KfchartsError('chart-invalid', `two archive entries named ${file.path}`);
    }
    previous = file.path;
    const header = new Header({
      path: file.path,
      mode: FILE_MODE,
      uid: 0,
      gid: 0,
      size: file.data.length,
      mtime: PACKAGE_MTIME,
      type: 'File',
      uname: '',
      gname: '',
    });
    // encode() is true when the path does not fit ustar's name and prefix fields.
    if (header.encode()) blocks.push(new Pax({ path: file.path }).encode());
    if (!header.block) throw new KfchartsError('chart-invalid', `cannot encode ${file.path}`);
    blocks.push(header.block, file.data);
    const padding = (BLOCK - (file.data.length % BLOCK)) % BLOCK;
    if (padding > 0) blocks.push(new Uint8Array(padding));
  }
  blocks.push(new Uint8Array(2 * BLOCK));
  return gzipSync(Buffer.concat(blocks), { level: 9, mtime: 0 });
}

export interface ChartArchive {
  readonly name: string;
  readonly version: string;
  /** `<name>-<version>.tgz`, as `helm package` names it. */
  readonly fileName: string;
  readonly bytes: Uint8Array;
}

/** Name and version from `<dir>/Chart.yaml`, checked to be usable in a file name and a tag. */
export function chartMetadata(dir: string): { name: string; version: string } {
  const path = join(dir, 'Chart.yaml');
  if (!existsSync(path)) {
    throw new KfchartsError('chart-invalid', `${dir} is not a chart: it has no Chart.yaml`);
  }
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new KfchartsError('chart-invalid', `${path} is not valid YAML`, {
      cause,
      details: (cause as Error).message,
    });
  }
  const { name, version } = (doc ?? {}) as { name?: unknown; version?: unknown };
  if (typeof name !== 'string' || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name)) {
    throw new KfchartsError(
      'chart-invalid',
      `${path}: name ${JSON.stringify(name)} is not a chart name (lowercase letters, digits, '-')`,
    );
  }
  if (typeof version !== 'string' || !/^[0-9A-Za-z][0-9A-Za-z.+-]*$/.test(version)) {
    throw new KfchartsError(
      'chart-invalid',
      `${path}: version ${JSON.stringify(version)} is not a semantic version string`,
    );
  }
  return { name, version };
}

/**
 * Every file of a chart folder, as sorted POSIX paths. Hidden files are refused rather
 * than packaged: Helm's folder loader applies `.helmignore` and skips `templates/.*`, its
 * archive loader does not, so the package could render differently from the folder.
 */
function chartFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      if (name.startsWith('.')) {
        throw new KfchartsError(
          'chart-invalid',
          `${join(dir, path)}: hidden files are not packaged (Helm loads them differently from a folder and from an archive)`,
        );
      }
      const stat = lstatSync(join(dir, path));
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) out.push(path);
      else {
        throw new KfchartsError(
          'chart-invalid',
          `${join(dir, path)} is not a regular file or folder (symlinks and the like are not packaged)`,
        );
      }
    }
  };
  walk('');
  return out;
}

/** The chart in `dir` as a reproducible archive, laid out under `<name>/`. */
export function archiveChart(dir: string): ChartArchive {
  const { name, version } = chartMetadata(dir);
  const files = chartFiles(dir).map((path) => ({
    path: `${name}/${path}`,
    data: readFileSync(join(dir, path)),
  }));
  return { name, version, fileName: `${name}-${version}.tgz`, bytes: deterministicTgz(files) };
}

export interface ChartPackage {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the written .tgz. */
  readonly file: string;
  /** sha256 of the .tgz, hex: also its layer digest once pushed to an OCI registry. */
  readonly sha256: string;
  readonly size: number;
}

/**
 * Packages every chart under `chartsDir` into `packagesDir`, which is replaced as a whole
 * (temp folder, then rename), so it never mixes packages of two builds and holds no stale
 * ones; a failure leaves it as it was.
 */
export function packageCharts(chartsDir: string, packagesDir: string): ChartPackage[] {
  const archives = findCharts(chartsDir).map(archiveChart);
  const byFile = new Map<string, ChartArchive>();
  for (const archive of archives) {
    if (byFile.has(archive.fileName)) {
      throw new KfchartsError(
        'chart-invalid',
        `two charts under ${chartsDir} are both ${archive.name} ${archive.version}`,
      );
    }
    byFile.set(archive.fileName, archive);
  }
  writePackages(packagesDir, byFile);
  return archives.map((archive) => ({
    name: archive.name,
    version: archive.version,
    file: join(packagesDir, archive.fileName),
    sha256: sha256(archive.bytes),
    size: archive.bytes.length,
  }));
}

function writePackages(dest: string, archives: ReadonlyMap<string, ChartArchive>): void {
  replaceFolder(dest, (tmp) => {
    for (const [fileName, archive] of archives) {
      const target = join(tmp, fileName);
      writeFileSync(target, archive.bytes);
      utimesSync(target, PACKAGE_MTIME, PACKAGE_MTIME);
    }
  });
}
