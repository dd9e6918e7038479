import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultComponentsPath } from '../components.ts';
import { KfchartsError } from '../errors.ts';
import { defaultPaths } from '../paths.ts';
import { defaultLockPath, renderLock } from '../upstream/lock.ts';
import { pinUpstream } from '../upstream/pin.ts';
import { checkTag } from '../upstream/tag.ts';
import { parseCommandArgs } from './options.ts';

export async function lockCommand(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(args, {
    tag: { type: 'string' },
    components: { type: 'string' },
    out: { type: 'string' },
  });
  if (!values.tag)
    throw new KfchartsError('usage', 'lock needs --tag <upstream tag>, e.g. --tag 26.03');
  const lock = await pinUpstream({
    paths: defaultPaths(),
    // Checked before it becomes a path in the mirror (`../x`) or reaches the lock.
    tag: checkTag(values.tag, '--tag'),
    componentsFile: values.components ? resolve(values.components) : defaultComponentsPath,
    log: (line) => console.error(line),
  });
  const out = values.out ? resolve(values.out) : defaultLockPath;
  writeFileSync(out, renderLock(lock));
  console.log(
    `wrote ${out}: ${lock.upstream.repository} ${lock.upstream.tag}, ${lock.remoteCache.refs.length} remote refs`,
  );
}
