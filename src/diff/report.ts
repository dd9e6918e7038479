import { apiGroup } from '../manifest/object.ts';
import { type BreakingChange, crdBreaks, kindBreak, objectBreaks, pvcGone } from './breaking.ts';
import { changedFields, type FieldChange } from './fields.ts';
import { type ImageChanges, imageChanges } from './images.ts';
import type {
  ReleaseSnapshot,
  RuleFinding,
  SnapshotComponent,
  SnapshotCrd,
  SnapshotObject,
} from './snapshot.ts';

export interface ChangeReport {
  readonly from: string;
  readonly to: string;
  readonly components: ComponentChanges;
  readonly objects: ObjectChanges;
  readonly images: ImageChanges;
  readonly crds: readonly CrdChange[];
  readonly valuesKeys: readonly ValuesKeyChange[];
  /** undefined: `to` has no rule findings to judge. */
  readonly rules: readonly RuleDrift[] | undefined;
  readonly breaking: readonly BreakingChange[];
}

export interface ComponentChanges {
  readonly added: readonly SnapshotComponent[];
  readonly removed: readonly SnapshotComponent[];
  /** Same name, another upstream path. */
  readonly moved: readonly { name: string; from: readonly string[]; to: readonly string[] }[];
  /** Same upstream path, another name. */
  readonly renamed: readonly { from: string; to: string; paths: readonly string[] }[];
}

export interface ObjectRef {
  readonly key: string;
  readonly component: string;
  readonly release: string;
}

export interface ObjectChange extends ObjectRef {
  /** The key in `from` when its apiVersion changed. */
  readonly fromKey: string;
  readonly fromComponent: string;
  readonly fromRelease: string;
  readonly fields: readonly FieldChange[];
}

export interface ObjectChanges {
  readonly added: readonly ObjectRef[];
  readonly removed: readonly ObjectRef[];
  readonly changed: readonly ObjectChange[];
  readonly perComponent: readonly {
    component: string;
    added: number;
    removed: number;
    changed: number;
  }[];
}

export interface CrdChange {
  readonly name: string;
  readonly component: string;
  /** 'added' / 'removed': the whole CRD. */
  readonly change: 'added' | 'removed' | 'changed';
  readonly versionsAdded: readonly string[];
  readonly versionsRemoved: readonly string[];
  /** Storage version before and after, when it changed. */
  readonly storage?: { readonly from: string; readonly to: string };
  /** Per version present in both: schema fields that are gone. */
  readonly fieldsRemoved: readonly { version: string; fields: readonly string[] }[];
}

export interface ValuesKeyChange {
  readonly key: string;
  /** Objects (keys in `from`) whose template reads it and that changed or vanished. */
  readonly objects: readonly string[];
  /** Whether any template of `to` still reads it. */
  readonly stillRead: boolean;
}

export interface RuleDrift {
  readonly id: string;
  readonly component?: string;
  readonly expected?: number;
  readonly matched: number;
  /** Matched count in `from`, when it has findings for the rule. */
  readonly matchedBefore?: number;
  readonly drift: readonly string[];
}

/** Identity across releases: the apiVersion's version may change, the rest may not. */
function identity(o: SnapshotObject): string {
  return `${apiGroup(o)} ${o.kind} ${o.namespace ?? ''}/${o.name}`;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function diffSnapshots(from: ReleaseSnapshot, to: ReleaseSnapshot): ChangeReport {
  const breaking: BreakingChange[] = [];
  const objects = diffObjects(from, to, breaking);
  const crds = diffCrds(from.crds, to.crds, breaking);
  return {
    from: from.tag,
    to: to.tag,
    components: diffComponents(from.components, to.components),
    objects,
    images: imageChanges(from.images, to.images),
    crds,
    valuesKeys: valuesKeyChanges(from, to, objects),
    rules: to.findings === undefined ? undefined : ruleDrift(from.findings, to.findings),
    breaking: breaking.sort((a, b) => byText(a.object, b.object) || byText(a.field, b.field)),
  };
}

function diffComponents(
  from: readonly SnapshotComponent[],
  to: readonly SnapshotComponent[],
): ComponentChanges {
  const toByName = new Map(to.map((c) => [c.name, c]));
  const fromByName = new Map(from.map((c) => [c.name, c]));
  const samePaths = (a: SnapshotComponent, b: SnapshotComponent) =>
    [...a.paths].sort().join('\n') === [...b.paths].sort().join('\n');
  const gone = from.filter((c) => !toByName.has(c.name));
  const fresh = to.filter((c) => !fromByName.has(c.name));
  const renamed = gone.flatMap((old) => {
    const now = fresh.find((c) => samePaths(c, old));
    return now ? [{ from: old.name, to: now.name, paths: now.paths }] : [];
  });
  const renamedFrom = new Set(renamed.map((r) => r.from));
  const renamedTo = new Set(renamed.map((r) => r.to));
  const moved = from.flatMap((old) => {
    const now = toByName.get(old.name);
    return now && !samePaths(old, now) ? [{ name: old.name, from: old.paths, to: now.paths }] : [];
  });
  const byName = (a: { name: string }, b: { name: string }) => byText(a.name, b.name);
  return {
    added: fresh.filter((c) => !renamedTo.has(c.name)).sort(byName),
    removed: gone.filter((c) => !renamedFrom.has(c.name)).sort(byName),
    moved: moved.sort(byName),
    renamed: renamed.sort((a, b) => byText(a.from, b.from)),
  };
}

function diffObjects(
  from: ReleaseSnapshot,
  to: ReleaseSnapshot,
  breaking: BreakingChange[],
): ObjectChanges {
  const before = new Map(from.objects.map((o) => [identity(o), o]));
  const after = new Map(to.objects.map((o) => [identity(o), o]));
  const ref = (o: SnapshotObject): ObjectRef => ({
    key: o.key,
    component: o.component,
    release: o.release,
  });
  const changed: ObjectChange[] = [];
  const removed: SnapshotObject[] = [];
  for (const [id, old] of before) {
    const now = after.get(id);
    if (!now) {
      removed.push(old);
      continue;
    }
    const fields = changedFields(old.value, now.value);
    if (fields.length > 0 || old.component !== now.component || old.release !== now.release) {
      changed.push({
        ...ref(now),
        fromKey: old.key,
        fromComponent: old.component,
        fromRelease: old.release,
        fields,
      });
    }
    breaking.push(...objectBreaks(old, now));
  }
  const added = to.objects.filter((o) => !before.has(identity(o)));
  // A name now held by an object of another kind or group: pair one-to-one only.
  const place = (o: SnapshotObject) => `${o.namespace ?? ''}/${o.name}`;
  for (const old of removed) {
    const same = (o: SnapshotObject) => place(o) === place(old);
    const candidates = added.filter(same);
    if (candidates.length === 1 && removed.filter(same).length === 1) {
      breaking.push(kindBreak(old, candidates[0] as SnapshotObject));
    }
  }
  for (const old of removed) {
    if (old.kind !== 'PersistentVolumeClaim' || apiGroup(old) !== '') continue;
    const successor = added.find(
      (o) =>
        o.kind === 'PersistentVolumeClaim' &&
        o.component === old.component &&
        o.namespace === old.namespace,
    );
    breaking.push(pvcGone(old, successor?.name));
  }
  const counts = new Map<string, { added: number; removed: number; changed: number }>();
  const count = (component: string, what: 'added' | 'removed' | 'changed') => {
    const entry = counts.get(component) ?? { added: 0, removed: 0, changed: 0 };
    entry[what]++;
    counts.set(component, entry);
  };
  for (const o of added) count(o.component, 'added');
  for (const o of removed) count(o.component, 'removed');
  for (const o of changed) count(o.component, 'changed');
  const byKey = (a: { key: string }, b: { key: string }) => byText(a.key, b.key);
  return {
    added: added.map(ref).sort(byKey),
    removed: removed.map(ref).sort(byKey),
    changed: changed.sort(byKey),
    perComponent: [...counts]
      .map(([component, c]) => ({ component, ...c }))
      .sort((a, b) => byText(a.component, b.component)),
  };
}

function diffCrds(
  from: readonly SnapshotCrd[],
  to: readonly SnapshotCrd[],
  breaking: BreakingChange[],
): CrdChange[] {
  const after = new Map(to.map((c) => [c.name, c]));
  const before = new Map(from.map((c) => [c.name, c]));
  const out: CrdChange[] = [];
  const whole = (c: SnapshotCrd, change: 'added' | 'removed'): CrdChange => ({
    name: c.name,
    component: c.component,
    change,
    versionsAdded: change === 'added' ? c.versions.map((v) => v.name) : [],
    versionsRemoved: change === 'removed' ? c.versions.map((v) => v.name) : [],
    fieldsRemoved: [],
  });
  for (const old of from) {
    const now = after.get(old.name);
    if (!now) {
      out.push(whole(old, 'removed'));
      continue;
    }
    breaking.push(...crdBreaks(old, now));
    const oldVersions = new Map(old.versions.map((v) => [v.name, v]));
    const newVersions = new Map(now.versions.map((v) => [v.name, v]));
    const storageFrom = old.versions.find((v) => v.storage)?.name ?? '';
    const storageTo = now.versions.find((v) => v.storage)?.name ?? '';
    const fieldsRemoved = old.versions.flatMap((v) => {
      const kept = newVersions.get(v.name);
      if (!kept) return [];
      const present = new Set(kept.fields);
      const fields = v.fields.filter((f) => !present.has(f));
      return fields.length > 0 ? [{ version: v.name, fields }] : [];
    });
    const change: CrdChange = {
      name: old.name,
      component: now.component,
      change: 'changed',
      versionsAdded: now.versions.filter((v) => !oldVersions.has(v.name)).map((v) => v.name),
      versionsRemoved: old.versions.filter((v) => !newVersions.has(v.name)).map((v) => v.name),
      ...(storageFrom !== storageTo && { storage: { from: storageFrom, to: storageTo } }),
      fieldsRemoved,
    };
    if (
      change.versionsAdded.length + change.versionsRemoved.length + fieldsRemoved.length > 0 ||
      change.storage
    ) {
      out.push(change);
    }
  }
  for (const now of to) if (!before.has(now.name)) out.push(whole(now, 'added'));
  return out.sort((a, b) => byText(a.name, b.name));
}

function valuesKeyChanges(
  from: ReleaseSnapshot,
  to: ReleaseSnapshot,
  objects: ObjectChanges,
): ValuesKeyChange[] {
  const touched = new Set([
    ...objects.removed.map((o) => o.key),
    ...objects.changed.filter((o) => o.fields.length > 0).map((o) => o.fromKey),
  ]);
  const stillRead = new Set(to.objects.flatMap((o) => o.valuesKeys));
  const byKey = new Map<string, string[]>();
  for (const o of from.objects) {
    if (!touched.has(o.key)) continue;
    for (const key of o.valuesKeys) byKey.set(key, [...(byKey.get(key) ?? []), o.key]);
  }
  return [...byKey]
    .map(([key, keys]) => ({
      key,
      // An object's versions in a variant (src/variants.ts) share its key: listed once.
      objects: [...new Set(keys)].sort(byText),
      stillRead: stillRead.has(key),
    }))
    .sort((a, b) => byText(a.key, b.key));
}

/**
 * Targeted rules that no longer match as written: a count other than expected, or
 * nothing at all. Generic rules apply wherever they fit, so only a targeted miss counts.
 */
function ruleDrift(
  before: readonly RuleFinding[] | undefined,
  after: readonly RuleFinding[],
): RuleDrift[] {
  const previous = new Map((before ?? []).map((f) => [f.id, f]));
  return after
    .filter(
      (f) =>
        f.kind === 'targeted' &&
        (f.matched === 0 || (f.expected !== undefined && f.matched !== f.expected)),
    )
    .map((f) => {
      const prior = previous.get(f.id);
      return {
        id: f.id,
        ...(f.component !== undefined && { component: f.component }),
        ...(f.expected !== undefined && { expected: f.expected }),
        matched: f.matched,
        ...(prior !== undefined && { matchedBefore: prior.matched }),
        drift: [...(f.drift ?? [])],
      };
    })
    .sort((a, b) => byText(a.id, b.id));
}
