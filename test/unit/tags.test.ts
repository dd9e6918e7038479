import { describe, expect, it } from 'vitest';
import {
  compareTags,
  isNewerTag,
  newestReleaseTag,
  parseLsRemoteTags,
  parseTag,
} from '../../src/upstream/tags.ts';
import { thrown } from './helpers.ts';

/** A slice of kubeflow/community-distribution's (formerly kubeflow/manifests) real tag list, in the forge's (alphabetical) order. */
const UPSTREAM_TAGS = [
  '26.03',
  '26.03-rc.0',
  '26.03-rc.1',
  'v0.7.0',
  'v1.0',
  'v1.0.2',
  'v1.10.0',
  'v1.10.0-rc.1',
  'v1.10.1',
  'v1.11.0',
  'v1.11.0-rc.0',
  'v1.2.0',
  'v1.9.1',
];

describe('newestReleaseTag', () => {
  it('picks the calendar tag over every v1.x, ignoring release candidates', () => {
    expect(newestReleaseTag(UPSTREAM_TAGS)).toBe('26.03');
  });

  it('ignores a newer release candidate of either scheme', () => {
    expect(newestReleaseTag([...UPSTREAM_TAGS, '26.07-rc.0', '27.01-rc.2'])).toBe('26.03');
    expect(newestReleaseTag(['v1.9.1', 'v1.10.0-rc.1', 'v1.10.0-alpha.0'])).toBe('v1.9.1');
  });

  it('ignores release candidates written without a dot, and a suffix glued on without a dash', () => {
    expect(newestReleaseTag(['v1.11.0', 'v1.12.0-rc1', 'v1.12.0-RC.2', 'v1.12.0rc3'])).toBe(
      'v1.11.0',
    );
    expect(newestReleaseTag(['v1.11.0', '26.03-rc1', '26.03-rc.0'])).toBe('v1.11.0');
    expect(newestReleaseTag(['26.03', '26.07-rc1', '26.07.0-rc.2'])).toBe('26.03');
    expect(parseTag('v1.12.0rc3')).toBe(undefined);
  });

  it('answers the same for two names of one version, whatever their order', () => {
    expect(newestReleaseTag(['v1.11', 'v1.11.0'])).toBe('v1.11.0');
    expect(newestReleaseTag(['v1.11.0', 'v1.11'])).toBe('v1.11.0');
    expect(newestReleaseTag(['26.03.0', '26.03'])).toBe('26.03.0');
    expect(newestReleaseTag(['26.03', '26.03.0'])).toBe('26.03.0');
  });

  it('orders calendar tags by year, month and patch', () => {
    expect(newestReleaseTag(['26.03', '26.03.1', '25.12.4'])).toBe('26.03.1');
    expect(newestReleaseTag(['26.03.9', '26.07', '25.12'])).toBe('26.07');
    expect(newestReleaseTag(['26.10', '26.09'])).toBe('26.10');
    expect(newestReleaseTag(['27.01', '26.12.3'])).toBe('27.01');
  });

  it('orders semver tags numerically, not as text', () => {
    expect(newestReleaseTag(['v1.9.1', 'v1.10.0', 'v1.2.0'])).toBe('v1.10.0');
    expect(newestReleaseTag(['v1.10.0', 'v1.10.1', 'v1.10'])).toBe('v1.10.1');
    expect(newestReleaseTag(['v0.7.0', 'v1.0'])).toBe('v1.0');
  });

  it('ignores names of neither scheme and has no answer for none', () => {
    expect(newestReleaseTag(['latest', 'v1.2-branch', 'kfctl-v0.2', '2026.03', '26.13'])).toBe(
      undefined,
    );
    expect(newestReleaseTag([])).toBe(undefined);
    expect(newestReleaseTag(['latest', 'v1.1.0'])).toBe('v1.1.0');
  });
});

describe('isNewerTag', () => {
  it.each([
    ['26.03', 'v1.11.0', true],
    ['v1.11.0', '26.03', false],
    ['26.03', '26.03', false],
    ['26.03.1', '26.03', true],
    ['26.07', '26.03.1', true],
    ['27.01', '26.12', true],
    ['v1.10.0', 'v1.9.1', true],
    ['v1.9.1', 'v1.10.0', false],
    ['26.03', '26.03-rc.1', true],
    ['26.03-rc.1', '26.03', false],
    ['26.07-rc1', '26.03', true],
    ['26.03.0', '26.03', false],
    ['v1.11.0', 'v1.11', false],
    ['not-a-tag', '26.03', false],
  ])('%s newer than %s: %s', (candidate, current, expected) => {
    expect(isNewerTag(candidate, current)).toBe(expected);
  });

  it('fails on a pinned tag of neither scheme, naming it', () => {
    const error = thrown(() => isNewerTag('26.03', 'main'));
    expect(error.code).toBe('tag-invalid');
    expect(error.message).toContain("'main'");
  });
});

describe('compareTags', () => {
  it('orders pre-releases of one version numerically, below the release', () => {
    const parse = (t: string) => parseTag(t) ?? expect.fail(`${t} did not parse`);
    const sorted = ['v1.10.0', 'v1.10.0-rc.10', 'v1.10.0-rc.2', 'v1.10.0-rc.1'].sort((a, b) =>
      compareTags(parse(a), parse(b)),
    );
    expect(sorted).toEqual(['v1.10.0-rc.1', 'v1.10.0-rc.2', 'v1.10.0-rc.10', 'v1.10.0']);
  });

  it('parses both schemes', () => {
    expect(parseTag('26.03.1')).toEqual({
      tag: '26.03.1',
      scheme: 'calendar',
      numbers: [26, 3, 1],
      prerelease: undefined,
    });
    expect(parseTag('v1.10.0-rc.1')).toEqual({
      tag: 'v1.10.0-rc.1',
      scheme: 'semver',
      numbers: [1, 10, 0],
      prerelease: 'rc.1',
    });
  });
});

describe('parseLsRemoteTags', () => {
  it('reads `git ls-remote --tags` output, peeled lines folded into their tag', () => {
    const sha = (n: number) => String(n).repeat(40).slice(0, 40);
    const output = [
      `${sha(1)}\trefs/tags/26.03`,
      `${sha(2)}\trefs/tags/26.03^{}`,
      `${sha(3)}\trefs/tags/v1.10.0-rc.1`,
      `${sha(4)}\trefs/tags/v1.11.0`,
      `${sha(5)}\trefs/heads/master`,
      'warning: redirecting to https://github.com/kubeflow/manifests.git/',
      '',
    ].join('\n');
    expect(parseLsRemoteTags(output)).toEqual(['26.03', 'v1.10.0-rc.1', 'v1.11.0']);
    expect(newestReleaseTag(parseLsRemoteTags(output))).toBe('26.03');
  });
});
