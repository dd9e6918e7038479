import { mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readChartFiles, writeChartsAtomically } from '../../src/chart/write.ts';

describe('writeChartsAtomically', () => {
  it('replaces the folder as a whole: stale files from an earlier build are gone', () => {
    const dest = join(mkdtempSync(join(tmpdir(), 'kfcharts-write-')), 'charts');
    writeChartsAtomically(
      dest,
      new Map([
        ['a/old.yaml', 'old\n'],
        ['a/keep.yaml', 'v1\n'],
      ]),
    );
    writeChartsAtomically(
      dest,
      new Map([
        ['a/keep.yaml', 'v2\n'],
        ['b/new.yaml', 'new\n'],
      ]),
    );
    expect(readChartFiles(dest)).toEqual(
      new Map([
        ['a/keep.yaml', 'v2\n'],
        ['b/new.yaml', 'new\n'],
      ]),
    );
  });

  it('leaves the folder alone when the output is unchanged, and rewrites it when not', () => {
    const dest = join(mkdtempSync(join(tmpdir(), 'kfcharts-write-')), 'charts');
    const files = new Map([['a/keep.yaml', 'v1\n']]);
    writeChartsAtomically(dest, files);
    const old = new Date(2000, 0, 1);
    utimesSync(join(dest, 'a/keep.yaml'), old, old);
    writeChartsAtomically(dest, new Map(files));
    expect(statSync(join(dest, 'a/keep.yaml')).mtime).toEqual(old);
    writeChartsAtomically(dest, new Map([...files, ['a/extra.yaml', 'x\n']]));
    expect(statSync(join(dest, 'a/keep.yaml')).mtime).not.toEqual(old);
    expect(readChartFiles(dest).size).toBe(2);
  });

  it('leaves the old charts untouched when writing fails part-way', () => {
    const root = mkdtempSync(join(tmpdir(), 'kfcharts-write-'));
    const dest = join(root, 'charts');
    mkdirSync(dest);
    writeFileSync(join(dest, 'Chart.yaml'), 'name: old\n');
    // 'x' as a file and as a folder cannot both be written.
    const files = new Map([
      ['x', 'file\n'],
      ['x/y.yaml', 'under x\n'],
    ]);
    expect(() => writeChartsAtomically(dest, files)).toThrow();
    expect(readFileSync(join(dest, 'Chart.yaml'), 'utf8')).toBe('name: old\n');
    expect(readChartFiles(dest).size).toBe(1);
  });
});
