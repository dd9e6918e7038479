/** `node scripts/lock-tag.ts [lock file]`: prints the upstream tag pinned in upstream.lock.yaml. */
import { resolve } from 'node:path';
import { defaultLockPath, readLock } from '../src/upstream/lock.ts';
import { runScript } from './script-main.ts';

runScript('lock-tag', () => {
  const path = process.argv[2] ? resolve(process.argv[2]) : defaultLockPath;
  console.log(readLock(path).upstream.tag);
});
