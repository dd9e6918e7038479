import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { treeHash } from '../../src/upstream/hash.ts';

const FILES: [string, string][] = [
  ['kustomization.yaml', 'resources:\n- base\n'],
  ['base/deployment.yaml', 'apiVersion: apps/v1\nkind: Deployment\n'],
  ['base/nested/deep/config.env', 'A=1\n'],
  ['z-last.txt', 'z\n'],
];

function makeTree(files: readonly [string, string][]): string {
  const root = mkdtempSync(join(tmpdir(), 'kfcharts-hash-'));
  for (const [path, text] of files) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('treeHash', () => {
  it('is a sha256 that depends on content only: two folders with the same files agree', () => {
    const a = treeHash(makeTree(FILES));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(treeHash(makeTree(FILES))).toBe(a);
  });

  it('does not depend on the order files were created in', () => {
    expect(treeHash(makeTree([...FILES].reverse()))).toBe(treeHash(makeTree(FILES)));
    const many = Array.from({ length: 20 }, (_, i): [string, string] => [
      `d${i % 3}/f${String(i).padStart(2, '0')}`,
      `${i}\n`,
    ]);
    const shuffled = [...many.filter((_, i) => i % 2 === 1), ...many.filter((_, i) => i % 2 === 0)];
    expect(treeHash(makeTree(shuffled))).toBe(treeHash(makeTree(many)));
    expect(treeHash(makeTree([...many].reverse()))).toBe(treeHash(makeTree(many)));
  });

  it('changes when one byte of one file changes', () => {
    const changed = FILES.map(([p, t]): [string, string] =>
      p === 'base/nested/deep/config.env' ? [p, 'A=2\n'] : [p, t],
    );
    expect(treeHash(makeTree(changed))).not.toBe(treeHash(makeTree(FILES)));
  });

  it('changes when a file is renamed or moved, even with the same bytes', () => {
    const original = treeHash(makeTree(FILES));
    const renamed = makeTree(FILES);
    renameSync(join(renamed, 'z-last.txt'), join(renamed, 'z-last.yaml'));
    expect(treeHash(renamed)).not.toBe(original);
    const moved = makeTree(FILES);
    renameSync(join(moved, 'z-last.txt'), join(moved, 'base', 'z-last.txt'));
    expect(treeHash(moved)).not.toBe(original);
  });

  it('changes when a file is added', () => {
    expect(treeHash(makeTree([...FILES, ['extra', '']]))).not.toBe(treeHash(makeTree(FILES)));
  });

  it('hashes sorted `sha256sum` lines of the files (and a single file as its bytes)', () => {
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    const root = makeTree([
      ['b.txt', 'b\n'],
      ['a/x.txt', 'x\n'],
    ]);
    expect(treeHash(root)).toBe(sha(`${sha('x\n')}  a/x.txt\n${sha('b\n')}  b.txt\n`));
    expect(treeHash(join(root, 'b.txt'))).toBe(sha('b\n'));
  });
});
