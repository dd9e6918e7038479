import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_HELP } from '../../src/cli/help.ts';
import { runCli, tempDir } from '../integration/helpers.ts';

/** `kfcharts <command> --help` prints that command's help and exits 0, touching nothing. */
describe('kfcharts <command> --help', () => {
  const commands = ['build', 'verify', 'lock', 'diff', 'package', 'push', 'images', 'cache'];

  it('has help for every command', () => {
    expect(Object.keys(COMMAND_HELP).sort()).toEqual([...commands].sort());
  });

  it.each(commands)('hostile: %s --help prints its help and exits 0', async (command) => {
    const root = tempDir('help');
    const dist = join(root, 'dist');
    const result = await runCli([command, '--help'], {
      KFCHARTS_DIST_DIR: dist,
      KFCHARTS_CACHE_DIR: join(root, 'cache'),
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const help = COMMAND_HELP[command];
    expect(result.stdout).toContain(`usage: kfcharts ${command}`);
    expect(result.stdout).toContain(help?.description);
    for (const [flag] of help?.options ?? []) expect(result.stdout).toContain(flag);
    expect(result.stdout).toContain('-h, --help');
    expect(existsSync(dist)).toBe(false);
  });

  it('hostile: -h after other options still prints help (lock -h needs no --tag)', async () => {
    const result = await runCli(['lock', '--out', '/nonexistent/x', '-h']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('usage: kfcharts lock --tag <tag>');
  });
});
