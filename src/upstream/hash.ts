import { createHash } from 'node:crypto';
import {
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { KfchartsError } from '../errors.ts';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sha256File(path: string): string {
  return sha256(readFileSync(path));
}

/**
 * Every regular file below `dir`, as sorted POSIX paths relative to `root`. Symbolic
 * links are listed, never followed; one that points outside `root` (absolute, or up out
 * of it), at nothing, or round in a loop is refused, naming the link: later stages
 * (cp, kustomize) would follow it out of the tree, or fail without saying which link.
 */
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
      else if (entry.isSymbolicLink()) {
        checkLink(path, root);
        out.push(relative(root, path).split(sep).join('/'));
      } else if (entry.isFile()) out.push(relative(root, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

function checkLink(link: string, root: string): void {
  const target = readlinkSync(link);
  const refuse = (why: string) =>
    new KfchartsError('tree-invalid', `${link}: symbolic link to ${target} ${why}`);
  if (isAbsolute(target) || !within(root, resolve(dirname(link), target))) {
    throw refuse(`leaves ${root}`);
  }
  let real: string;
  try {
    real = realpathSync(link);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw refuse('loops');
    if (code === 'ENOENT' || code === 'ENOTDIR') throw refuse('points at nothing');
    throw error;
  }
  // Each link's text may stay inside while a chain of them ends outside.
  if (!within(realpathSync(root), real)) throw refuse(`leaves ${root}`);
}

/** Whether `path` is `base` or below it. */
export function within(base: string, path: string): boolean {
  const rel = relative(base, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
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
