import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sha256File(path: string): string {
  return sha256(readFileSync(path));
}

/** Every regular file below `dir`, as sorted POSIX paths relative to `root`. */
export function listFiles(
  dir: string,
  root = dir,
  skip: (name: string) => boolean = () => false,
): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (skip(entry.name)) continue;
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() || entry.isSymbolicLink())
        out.push(relative(root, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** A file's sha256; a symlink hashes as its target path, so a changed link changes it. */
export function fileHash(path: string): string {
  return lstatSync(path).isSymbolicLink()
    ? sha256(`symlink:${readlinkSync(path)}`)
    : sha256File(path);
}

/**
 * Content hash of a tree: sha256 over `sha256sum`-style lines of its files, sorted by
 * path. The mirror's `git archive` tarballs and the forge's tarballs differ as bytes but
 * hold the same tree, so this is what the lock pins. A single file hashes as its bytes.
 */
export function treeHash(path: string, skip?: (name: string) => boolean): string {
  if (statSync(path).isFile()) return sha256File(path);
  const lines = listFiles(path, path, skip).map(
    (file) => `${fileHash(join(path, file))}  ${file}\n`,
  );
  return sha256(lines.join(''));
}
