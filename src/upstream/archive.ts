import { mkdirSync } from 'node:fs';
import { extract, list } from 'tar';
import { KfchartsError } from '../errors.ts';

/** The single top-level folder of a tarball (`manifests-26.03/`), if it has exactly one. */
export async function archiveTopDir(file: string): Promise<string | undefined> {
  const tops = new Set<string>();
  await list({
    file,
    onReadEntry: (entry) => {
      const top = entry.path.replace(/^\.\//, '').split('/')[0];
      if (top) tops.add(top);
    },
  });
  return tops.size === 1 ? [...tops][0] : undefined;
}

/**
 * Extracts a .tar.gz into `dest`. node-tar refuses absolute paths and `..` entries,
 * so an archive cannot write outside `dest`. Synchronous on purpose: for 1,300 small
 * files it is six times faster than node-tar's async unpacker (0.25 s against 1.5 s),
 * and nothing else runs meanwhile. File times are not kept: only contents are hashed.
 */
export async function extractTarGz(file: string, dest: string, strip: number): Promise<void> {
  mkdirSync(dest, { recursive: true });
  try {
    extract({
      file,
      cwd: dest,
      strip,
      preserveOwner: false,
      strict: true,
      noMtime: true,
      sync: true,
    });
  } catch (cause) {
    throw new KfchartsError('archive-invalid', `cannot extract ${file}: ${String(cause)}`, {
      cause,
    });
  }
}
