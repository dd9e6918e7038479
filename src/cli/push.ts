import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KfchartsError } from '../errors.ts';
import { defaultPaths } from '../paths.ts';
import { pushPackages } from '../publish/push.ts';

export async function pushCommand(args: string[]): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (cause) {
    throw new KfchartsError('usage', (cause as Error).message, { cause });
  }
  const [remote, ...extra] = parsed.positionals;
  if (remote === undefined || extra.length > 0) {
    throw new KfchartsError(
      'usage',
      'push takes one registry location: kfcharts push oci://<host>[/path] [--plain-http]',
    );
  }
  const packagesDir = join(defaultPaths().distDir, 'packages');
  const pushed = await pushPackages(packagesDir, remote, {
    plainHttp: parsed.values['plain-http'],
    onPushed: (p) => console.log(`  ${p.reference}  ${p.digest}`),
  });
  console.log(`pushed ${pushed.length} charts from ${packagesDir}`);
}

function parse(args: string[]) {
  return parseArgs({
    args,
    options: { 'plain-http': { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
}
