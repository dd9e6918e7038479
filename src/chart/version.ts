import { KfchartsError } from '../errors.ts';

/**
 * Chart version from an upstream tag, deterministically: Helm needs SemVer 2, and
 * upstream's calendar tags (`26.03`) have a leading zero and no patch.
 *   26.03 → 26.3.0    26.03.1 → 26.3.1    v1.11.0 → 1.11.0    v1.10.0-rc.2 → 1.10.0-rc.2
 * Anything else (a local tree) becomes 0.0.0-<sanitized name>.
 *
 * `revision` (the lock's chartRevision) counts kfcharts' own releases of charts for the same
 * upstream tag: 1 gives 26.3.0+kfcharts.1. Build metadata leaves SemVer precedence alone
 * (it is still upstream 26.03), while the registry tag differs (Helm writes `+` as `_`),
 * since a version is published once.
 */
export function chartVersion(tag: string, revision = 0): string {
  const version = chartVersionFromTag(tag);
  return revision > 0 ? `${version}+kfcharts.${revision}` : version;
}

export function chartVersionFromTag(tag: string): string {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?$/.exec(tag);
  if (!match) {
    const label = tag.replace(/[^0-9A-Za-z-]+/g, '-').replace(/^-+|-+$/g, '') || 'local';
    // A numeric pre-release identifier may not have a leading zero (`0.0.0-007` is invalid).
    return /^0\d+$/.test(label) ? `0.0.0-local-${label}` : `0.0.0-${label}`;
  }
  const [, major, minor, patch, pre] = match;
  const core = [major, minor, patch ?? '0'].map((n) => String(Number(n))).join('.');
  const version = pre ? `${core}-${pre}` : core;
  if (pre?.split('.').some((part) => part === '' || /^0\d+$/.test(part))) {
    throw new KfchartsError(
      'chart-invalid',
      `upstream tag ${tag} gives an invalid SemVer pre-release`,
    );
  }
  return version;
}
