/**
 * The error boundary of the scripts in this folder, as src/cli/main.ts is the CLI's: a
 * KfchartsError becomes its message and exit 1 (2 for usage), anything else exit 70.
 */
import { parseArgs } from 'node:util';
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

/** parseArgs, strict, no positionals; a bad option is a usage error naming `usage`. */
export function parseScriptArgs<T extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(
  options: T,
  usage: string,
  args: string[] = process.argv.slice(2),
) {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true });
  } catch (cause) {
    throw new KfchartsError('usage', `${(cause as Error).message}\n\n${usage}`, { cause });
  }
}
