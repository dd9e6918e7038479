import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { create } from 'tar';
import { describe, expect, it } from 'vitest';
import { extractTarGz } from '../../src/upstream/archive.ts';
import { runCli, snapshot, tempDir } from '../integration/helpers.ts';

/** A .tar.gz of `entries` (paths below `src`, made as files unless they end in /). */
async function tarball(root: string, entries: string[], modes: Record<string, number> = {}) {
  const src = join(root, 'src');
  for (const entry of entries) {
    const path = join(src, entry);
    if (entry.endsWith('/')) mkdirSync(path, { recursive: true });
    else {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, 'data\n');
    }
  }
  for (const [entry, mode] of Object.entries(modes)) chmodSync(join(src, entry), mode);
  const file = join(root, 'archive.tar.gz');
  const tops = [...new Set(entries.map((e) => e.split('/')[0] as string))];
  await create({ gzip: true, file, cwd: src }, tops);
  return file;
}

async function extractError(file: string, strip: number): Promise<string> {
  try {
    await extractTarGz(file, join(file, '..', 'out'), strip);
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

describe('extraction', () => {
  it('hostile: setuid, setgid and sticky bits are dropped (and group/other write)', async () => {
    const root = tempDir('archive-mode');
    const file = await tarball(root, ['top/bin/', 'top/bin/run', 'top/shared/'], {
      'top/bin/run': 0o6777,
      'top/shared': 0o1777,
    });
    const out = join(root, 'out');
    await extractTarGz(file, out, 1);
    expect(statSync(join(out, 'bin/run')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(out, 'shared')).mode & 0o7777).toBe(0o755);
  });

  it('hostile: two top folders are refused when one is stripped, naming both', async () => {
    const root = tempDir('archive-tops');
    const file = await tarball(root, ['manifests-1/', 'manifests-1/a.yaml', 'evil/a.yaml']);
    expect(await extractError(file, 1)).toBe(
      `${file}: expected exactly one top folder, found evil/, manifests-1/`,
    );
  });

  it('hostile: a top-level file next to the folder is refused, not dropped', async () => {
    const root = tempDir('archive-file');
    const file = await tarball(root, ['manifests-1/a.yaml', 'kustomization.yaml']);
    expect(await extractError(file, 1)).toBe(
      `${file}: expected exactly one top folder, found kustomization.yaml, manifests-1/`,
    );
  });

  it('hostile: --manifests archive without any top folder: exit 1, dist untouched', async () => {
    const root = tempDir('archive-none');
    const file = join(root, 'manifests-1.0.tar.gz');
    writeFileSync(file, gzipSync(Buffer.alloc(1024))); // an empty tarball: two zero blocks
    const dist = join(root, 'dist');
    mkdirSync(dist);
    writeFileSync(join(dist, 'keep'), 'x');
    const result = await runCli(['build', '--manifests', file], {
      KFCHARTS_DIST_DIR: dist,
      KFCHARTS_CACHE_DIR: join(root, 'cache'),
    });
    // The progress line, then the error alone: no stack trace.
    expect(result.stderr).toBe(
      `upstream 1.0: extracting ${file}\nkfcharts: error [archive-invalid]: ${file}: expected exactly one top folder, found none\n`,
    );
    expect(result.code).toBe(1);
    expect(snapshot(dist)).toEqual(new Map([['keep', 'x']]));
  });
});
