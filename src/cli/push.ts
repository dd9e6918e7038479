import { join } from 'node:path';
import { KfchartsError } from '../errors.ts';
import { defaultPaths } from '../paths.ts';
import { pushPackages } from '../publish/push.ts';
import { parseCommandArgs } from './options.ts';

export async function pushCommand(args: string[]): Promise<void> {
  const parsed = parseCommandArgs(
    args,
    { 'plain-http': { type: 'boolean', default: false } },
    true,
  );
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
    onPushed: (p) =>
      console.log(
        `  ${p.reference}  ${p.digest}${p.alreadyPublished ? '  (already published)' : ''}`,
      ),
  });
  console.log(`pushed ${pushed.length} charts from ${packagesDir}`);
}
