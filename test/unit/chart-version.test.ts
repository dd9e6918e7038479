import { describe, expect, it } from 'vitest';
import { chartVersion, chartVersionFromTag } from '../../src/chart/version.ts';
import { KfchartsError } from '../../src/errors.ts';

describe('chartVersionFromTag', () => {
  it.each([
    ['26.03', '26.3.0'],
    ['26.03.1', '26.3.1'],
    ['v1.11.0', '1.11.0'],
    ['v1.10.0-rc.2', '1.10.0-rc.2'],
    ['1.0', '1.0.0'],
    ['my tree', '0.0.0-my-tree'],
    ['manifests_main', '0.0.0-manifests-main'],
    ['...', '0.0.0-local'],
    // A numeric pre-release identifier may not start with 0: Helm would refuse 0.0.0-007.
    ['007', '0.0.0-local-007'],
    ['0', '0.0.0-0'],
  ])('%s → %s', (tag, version) => {
    expect(chartVersionFromTag(tag)).toBe(version);
  });

  it('refuses a tag whose pre-release SemVer forbids (leading zero, empty part)', () => {
    expect(() => chartVersionFromTag('v1.2.3-rc.01')).toThrow(KfchartsError);
    expect(() => chartVersionFromTag('v1.2.3-rc..1')).toThrow('invalid SemVer pre-release');
  });
});

describe('chartVersion', () => {
  it('adds kfcharts revisions as SemVer build metadata, none for revision 0', () => {
    expect(chartVersion('26.03')).toBe('26.3.0');
    expect(chartVersion('26.03', 0)).toBe('26.3.0');
    expect(chartVersion('26.03', 2)).toBe('26.3.0+kfcharts.2');
    expect(chartVersion('v1.10.0-rc.2', 1)).toBe('1.10.0-rc.2+kfcharts.1');
  });
});
