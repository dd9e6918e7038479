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
 * so an archive cannot write outside `dest`.
 */
export async function extractTarGz(file: string, dest: string, strip: number): Promise<void> {
  mkdirSync(dest, { recursive: true });
  try {
    await extract({ file, cwd: dest, strip, preserveOwner: false, strict: true });
  } catch (cause) {
    throw new KfchartsError('archive-invalid', `cannot extract ${file}: ${String(cause)}`, {
      cause,
    });
  }
}
