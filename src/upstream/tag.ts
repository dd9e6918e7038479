import { KfchartsError } from '../errors.ts';

/**
 * What an upstream tag may look like. The tag reaches chart versions, Chart.yaml,
 * NOTES.txt (a Go template), values.yaml comments and install.sh, so it is checked
 * wherever it enters (folder or archive name, lock file, --tag), not escaped per place.
 */
export const UPSTREAM_TAG = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

/** `tag` when it is a valid upstream tag; else a tag-invalid error naming `source`. */
export function checkTag(tag: string, source: string): string {
  if (!UPSTREAM_TAG.test(tag)) {
    throw new KfchartsError(
      'tag-invalid',
      `${source}: upstream tag ${JSON.stringify(tag)} is not a valid tag (letters, digits, '.', '_', '+', '-'; at most 64 characters, starting with a letter or digit)`,
    );
  }
  return tag;
}
