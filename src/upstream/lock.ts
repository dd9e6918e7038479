import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { UpgradePlan } from '../chart/upgrade-hooks.ts';
import { readConfigFile } from '../config-file.ts';
import { KfchartsError } from '../errors.ts';
import { parseImageReference } from '../images.ts';
import { projectRoot } from '../paths.ts';
import { compareTags, parseTag } from './tags.ts';

/**
 * upstream/<tag>.yaml: everything kfcharts knows of one pinned upstream release, and
 * nothing it knows of another. The folder is the lock: one file per pinned release.
 */
export interface UpstreamLock {
  readonly upstream: {
    readonly repository: string;
    readonly tag: string;
    /** The forge's tag archive; downloaded only when the mirror lacks the archive. */
    readonly url: string;
    /** Archive path inside the mirror folder (default ../shared/upstream). */
    readonly mirror: string;
    readonly mirrorSha256: string;
    /** treeHash() of the extracted tree: what the forge's and the mirror's archives share. */
    readonly treeSha256: string;
  };
  /**
   * kfcharts' own release of charts for this upstream tag; bump it when the charts change
   * while the tag does not (a chart version is published once). 0 or absent: none.
   */
  readonly chartRevision?: number;
  readonly remoteCache: {
    readonly mirror: string;
    readonly refs: readonly LockedRemoteRef[];
  };
  /** Set by `kfcharts lock` when it copied `expect` and `deviations` from an older release. */
  readonly inheritedFrom?: string;
  /** Targeted rules: rule id → how many objects the rule must change in this release. */
  readonly expect?: Readonly<Record<string, number>>;
  /** Differences from example/ built as one that verify allows (src/verify/deviations.ts). */
  readonly deviations?: readonly KnownDeviation[];
  /** Upstream's choices beyond example/ offered as values (docs/choices.md). */
  readonly choices?: Choices;
  /**
   * Upgrading from the previous pinned release (src/chart/upgrade-hooks.ts), recorded by
   * `kfcharts diff <previous> <tag> --record`: what the pre-upgrade hooks delete and what
   * is left to the operator.
   */
  readonly upgrade?: UpgradePlan;
  /**
   * Images a component pulls at run time that no manifest names: defaults in the
   * component's code (src/images.ts lists them with the rest, `kfcharts images`).
   */
  readonly runtimeImages?: readonly RuntimeImage[];
}

/** An image named only in a component's code, with where it is written. */
export interface RuntimeImage {
  readonly component: string;
  readonly image: string;
  /** The source file and symbol, at the component's version in this release. */
  readonly source: string;
}

export interface LockedRemoteRef {
  readonly url: string;
  readonly cachePath: string;
  /** treeHash() of the ref's cache root. */
  readonly sha256: string;
}

/** Upstream's choices this release offers as values (docs/choices.md). */
export interface Choices {
  readonly optional?: readonly OptionalComponent[];
  readonly variants?: readonly Variant[];
  /** Components that cannot work without another (src/chart/requirements.ts). */
  readonly requires?: readonly Requirement[];
}

/** `component` enabled without `needs` cannot work, for the reason `why`. */
export interface Requirement {
  readonly component: string;
  readonly needs: string;
  /** What in upstream's manifests makes it fail; printed in the error. */
  readonly why: string;
  /**
   * Text `why` rests on, in the kustomize output of `component` or `needs`: the build
   * reports drift when it is gone, so a new release re-checks the requirement.
   */
  readonly evidence: readonly { readonly component: string; readonly text: string }[];
}

/** A component's values whose non-default choices replace its path (docs/choices.md). */
export interface Variant {
  readonly component: string;
  /**
   * The values are `global.<component>.<name>`: a Helm subchart reads no sibling's values,
   * so a variant that changes another component's objects (labels on its Namespace) needs
   * a value every subchart sees.
   */
  readonly global?: boolean;
  readonly values: readonly VariantValue[];
  /** Each non-default combination upstream offers: the values that select it, its path. */
  readonly paths: readonly {
    readonly when: Readonly<Record<string, string>>;
    readonly path: string;
    /**
     * Labels dropped, by Namespace, from a Namespace this path re-declares that another
     * component renders (src/variants.ts): upstream's ambient overlay labels `kubeflow`
     * ambient, and a sidecar-injection label there would keep its pods out of ambient.
     */
    readonly removeLabels?: Readonly<Record<string, readonly string[]>>;
  }[];
}

export interface VariantValue {
  /** `<component>.<name>` in values (`global.<component>.<name>` with `global`). */
  readonly name: string;
  readonly default: string;
  readonly choices: readonly string[];
  readonly description: string;
}

/** A component upstream offers beside example/: its own subchart, off by default. */
export interface OptionalComponent {
  readonly name: string;
  readonly description: string;
  /** Built and rendered as one component (Model Registry: server, Istio options, UI). */
  readonly paths: readonly string[];
  readonly experimental?: boolean;
  /** 'value': its manifests carry no namespace; `<name>.namespace` sets it. */
  readonly namespace?: 'value';
  /** The Central Dashboard menu link upstream asks users to add by hand. */
  readonly dashboardLink?: DashboardLink;
}

export interface DashboardLink {
  readonly icon: string;
  readonly link: string;
  readonly text: string;
  readonly type: string;
}

export interface KnownDeviation {
  readonly object: string;
  readonly pointer: string;
  readonly example: unknown;
  readonly charts: unknown;
  readonly reason: string;
}

/** The forge's archive of a tag, as the lock's `upstream.url` names it. */
export function tagArchiveUrl(repository: string, tag: string): string {
  return `https://github.com/${repository}/archive/refs/tags/${tag}.tar.gz`;
}

/** upstream/: one release data file per pinned upstream tag. */
export const releaseDataDir = resolve(projectRoot, 'upstream');

export function releaseDataPath(tag: string, dir = releaseDataDir): string {
  return join(dir, `${tag}.yaml`);
}

/** The pinned tags, oldest first (release tags by their scheme, others last by name). */
export function pinnedTags(dir = releaseDataDir): string[] {
  if (!existsSync(dir)) return [];
  const tags = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length));
  return tags.sort(compareTagNames);
}

export function compareTagNames(a: string, b: string): number {
  const pa = parseTag(a);
  const pb = parseTag(b);
  if (pa && pb) return compareTags(pa, pb);
  if (pa || pb) return pa ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The release data file a build uses: `tag`'s, or the newest pinned one's. */
export function pinnedReleasePath(tag: string | undefined, dir = releaseDataDir): string {
  const tags = pinnedTags(dir);
  const chosen = tag ?? tags.at(-1);
  if (chosen === undefined || !tags.includes(chosen)) {
    throw new KfchartsError(
      'lock-invalid',
      chosen === undefined
        ? `no upstream release is pinned (${dir} has no <tag>.yaml)`
        : `upstream ${chosen} is not pinned (no ${releaseDataPath(chosen, dir)}); pinned: ${tags.join(', ') || 'none'}. Run \`kfcharts lock --tag ${chosen}\``,
    );
  }
  return releaseDataPath(chosen, dir);
}

/**
 * The data a build of an unpinned tree (`--manifests`) compares against: its own tag's
 * when pinned, else the newest pinned release older than it (or the newest of all).
 */
export function nearestReleasePath(tag: string, dir = releaseDataDir): string | undefined {
  const tags = pinnedTags(dir);
  if (tags.includes(tag)) return releaseDataPath(tag, dir);
  const older = tags.filter((t) => compareTagNames(t, tag) < 0);
  const chosen = older.at(-1) ?? tags.at(-1);
  return chosen === undefined ? undefined : releaseDataPath(chosen, dir);
}

export function readLock(path: string): UpstreamLock {
  const lock = readConfigFile<UpstreamLock>(path, 'upstream-lock.schema.json', 'lock-invalid');
  const seen = new Set<string>();
  for (const d of lock.deviations ?? []) {
    const key = `${d.object} ${d.pointer}`;
    if (seen.has(key)) {
      throw new KfchartsError('lock-invalid', `${path}: deviation ${key} is listed twice`);
    }
    seen.add(key);
  }
  for (const r of lock.runtimeImages ?? []) {
    if (parseImageReference(r.image) === undefined) {
      throw new KfchartsError(
        'lock-invalid',
        `${path}: runtimeImages: '${r.image}' (${r.component}) is not an image reference`,
      );
    }
  }
  const names = new Set<string>();
  for (const o of lock.choices?.optional ?? []) {
    if (names.has(o.name)) {
      throw new KfchartsError(
        'lock-invalid',
        `${path}: optional component '${o.name}' is listed twice`,
      );
    }
    names.add(o.name);
  }
  const requirements = new Set<string>();
  for (const r of lock.choices?.requires ?? []) {
    const key = `${r.component} needs ${r.needs}`;
    if (r.component === r.needs || requirements.has(key)) {
      throw new KfchartsError(
        'lock-invalid',
        `${path}: requirement '${key}' ${r.component === r.needs ? 'names one component twice' : 'is listed twice'}`,
      );
    }
    requirements.add(key);
    const stray = r.evidence.find((e) => e.component !== r.component && e.component !== r.needs);
    if (stray) {
      throw new KfchartsError(
        'lock-invalid',
        `${path}: requirement '${key}' has evidence in '${stray.component}', which is neither of its components`,
      );
    }
  }
  return lock;
}

export function renderLock(lock: UpstreamLock): string {
  return [
    `# kubeflow/manifests ${JSON.stringify(lock.upstream.tag)}: what kfcharts knows of this upstream release only.`,
    '# upstream, remoteCache: the pin (`npm run kfcharts -- lock --tag <tag>`); the build checks',
    '#   every hash before it uses the archive or a cached remote reference.',
    '# expect: targeted rules (src/rules/) and how many objects each must change here; a',
    '#   different count is drift, reported by the build with every other drift at once.',
    '# deviations: where the charts differ from example/ built as one, allowed by verify.',
    "# choices: upstream's optional components offered as values (docs/choices.md).",
    '# upgrade: from the previous pinned release, recorded by `kfcharts diff <prev> <tag> --record`.',
    '# runtimeImages: images components pull that only their code names; `kfcharts images` lists them.',
    stringify(lock, { lineWidth: 0 }),
  ].join('\n');
}
