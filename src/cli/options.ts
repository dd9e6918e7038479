import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BuildOptions } from '../build.ts';
import { KfchartsError } from '../errors.ts';
import { defaultPaths } from '../paths.ts';

/** Options every command that builds shares; parsed by node:util parseArgs. */
export const SOURCE_OPTIONS = {
  tag: { type: 'string' },
  manifests: { type: 'string' },
  'remote-cache': { type: 'string' },
  lock: { type: 'string' },
  components: { type: 'string' },
  releases: { type: 'string' },
  'no-cache': { type: 'boolean', default: false },
  'upgrade-from': { type: 'string' },
} as const;

export interface SourceValues {
  tag?: string | undefined;
  manifests?: string | undefined;
  'remote-cache'?: string | undefined;
  lock?: string | undefined;
  components?: string | undefined;
  releases?: string | undefined;
  'no-cache'?: boolean | undefined;
  'upgrade-from'?: string | undefined;
}

export function buildOptionsFrom(values: SourceValues, log: (line: string) => void): BuildOptions {
  if (values.tag !== undefined && (values.manifests !== undefined || values.lock !== undefined)) {
    throw new KfchartsError(
      'usage',
      '--tag selects a pinned release; it goes with neither --manifests nor --lock',
    );
  }
  const abs = (p: string | undefined) => (p === undefined ? undefined : resolve(p));
  return {
    paths: defaultPaths(),
    log,
    useCache: !values['no-cache'],
    ...(values.tag !== undefined && { tag: values.tag }),
    ...(values.manifests !== undefined && { manifests: resolve(values.manifests) }),
    ...(values['remote-cache'] !== undefined && { remoteCache: resolve(values['remote-cache']) }),
    ...(values.lock !== undefined && { lockPath: abs(values.lock) as string }),
    ...(values.components !== undefined && { componentsFile: abs(values.components) as string }),
    ...(values.releases !== undefined && { releasesFile: abs(values.releases) as string }),
    ...(values['upgrade-from'] !== undefined && { upgradeFrom: values['upgrade-from'] }),
  };
}

/** parseArgs with strict checking; an unknown or malformed option is a usage error. */
export function parseCommandArgs<
  T extends NonNullable<Parameters<typeof parseArgs>[0]>['options'],
  P extends boolean = false,
>(args: string[], options: T, allowPositionals?: P) {
  try {
    return parseArgs({
      args,
      options,
      allowPositionals: (allowPositionals ?? false) as P,
      strict: true,
    });
  } catch (cause) {
    throw new KfchartsError('usage', (cause as Error).message, { cause });
  }
}
