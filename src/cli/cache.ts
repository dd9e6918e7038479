import { existsSync } from 'node:fs';
import { cacheMaxBytes, formatPrune, parseMib, pruneCache } from '../cache.ts';
import { KfchartsError } from '../errors.ts';
import { defaultPaths } from '../paths.ts';
import { parseCommandArgs } from './options.ts';

/**
 * `kfcharts cache prune [--max-size <MiB>]`: least-recently-used cache entries removed
 * until the cache fits (default: KFCHARTS_CACHE_MAX_MIB, else 2048); each removal printed.
 */
export async function cacheCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, { 'max-size': { type: 'string' } }, true);
  if (positionals.length !== 1 || positionals[0] !== 'prune') {
    throw new KfchartsError(
      'usage',
      `cache takes one subcommand, prune; got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`,
    );
  }
  const maxBytes =
    values['max-size'] === undefined ? cacheMaxBytes() : parseMib(values['max-size'], '--max-size');
  const { cacheDir } = defaultPaths();
  if (!existsSync(cacheDir)) {
    console.log(`no cache at ${cacheDir}`);
    return;
  }
  for (const line of formatPrune(pruneCache(cacheDir, maxBytes))) console.log(line);
}
