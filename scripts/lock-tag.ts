/** `node scripts/lock-tag.ts [release data file]`: prints the upstream tag it pins (default: the newest pinned). */
import { resolve } from 'node:path';
import { pinnedReleasePath, readLock } from '../src/upstream/lock.ts';
import { runScript } from './script-main.ts';

runScript('lock-tag', () => {
  const path = process.argv[2] ? resolve(process.argv[2]) : pinnedReleasePath(undefined);
  console.log(readLock(path).upstream.tag);
});
