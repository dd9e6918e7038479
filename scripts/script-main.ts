/**
 * The error boundary of the scripts in this folder, as src/cli/main.ts is the CLI's: a
 * KfchartsError becomes its message and exit 1 (2 for usage), anything else exit 70.
 */
import type { parseArgs } from 'node:util';
import { parseCommandArgs } from '../src/cli/options.ts';
import { isKfchartsError, KfchartsError } from '../src/errors.ts';

export function runScript(name: string, main: () => Promise<void> | void): void {
  Promise.resolve()
    .then(main)
    .then(
      () => {},
      (error: unknown) => {
        if (isKfchartsError(error)) {
          console.error(`${name}: error [${error.code}]: ${error.message}`);
          if (error.details) console.error(error.details.replace(/^/gm, '  '));
          process.exitCode = error.code === 'usage' ? 2 : 1;
        } else {
          console.error(`${name}: internal error:`, error);
          process.exitCode = 70;
        }
      },
    );
}

/** parseCommandArgs (strict, no positionals), with the script's usage on a bad option. */
export function parseScriptArgs<T extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(
  options: T,
  usage: string,
  args: string[] = process.argv.slice(2),
) {
  try {
    return parseCommandArgs(args, options);
  } catch (error) {
    if (isKfchartsError(error))
      throw new KfchartsError('usage', `${error.message}\n\n${usage}`, { cause: error });
    throw error;
  }
}
