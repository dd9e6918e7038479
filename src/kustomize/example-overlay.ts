import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { isMap, isSeq, parseDocument, type YAMLSeq } from 'yaml';
import { type Component, EXAMPLE_PATH } from '../components.ts';
import type { BuildTarget, KustomizeOptions, KustomizeOutput } from './build.ts';
import { findKustomizationFile } from './kustomization.ts';

/**
 * Fields of example/ whose entries may each reach only some components: kustomize fails
 * a component build that an entry finds no target in (a `behavior: merge` generator, a
 * strategic-merge patch). Every other transform (namespace, labels, images, ...) applies
 * to whatever it finds and is kept for every component.
 */
const PER_ENTRY_FIELDS = [
  'components',
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'replacements',
  'transformers',
  'validators',
] as const;

/** One entry of an example/-level transform field, e.g. `components: ../common/security/PSS/...`. */
export interface ExampleTransform {
  readonly field: (typeof PER_ENTRY_FIELDS)[number];
  readonly index: number;
  /** For the report: the entry as upstream wrote it. */
  readonly label: string;
}

export interface ComponentBuilds {
  /** One output per component, in component order (several paths concatenated). */
  readonly outputs: KustomizeOutput[];
  /** example/'s transforms and the components each was applied to. */
  readonly reach: readonly { transform: string; components: string[] }[];
}

/**
 * Stage 3 with example/'s own transforms: each component is built as example/ would build
 * it. Without example/-level transforms a component is its path, built as it is. With
 * them, each component is built through a copy of example/ (a sibling folder, so its
 * relative paths still resolve) whose only resource is the component; an entry that finds
 * no target in a component is left out of that component's build, and the report says
 * which components each entry reached. `verify` proves the whole equal to example/.
 */
export async function kustomizeComponents(
  components: readonly Component[],
  treeDir: string,
  transformFields: readonly string[],
  build: (
    targets: readonly BuildTarget[],
    options?: Partial<KustomizeOptions>,
  ) => Promise<KustomizeOutput[]>,
): Promise<ComponentBuilds> {
  const targets = targetsOf(components);
  const example = readExampleDoc(treeDir);
  if (transformFields.length === 0) {
    // A file entry (a plain manifest) has no kustomization of its own to build: it goes
    // through a copy of example/ like a component under example/'s transforms.
    const outputs = await build(
      targets.map((t) =>
        statSync(join(treeDir, t.path)).isFile()
          ? { name: t.name, path: writeWrapper(treeDir, example, t.path, [], [], `${t.name}.file`) }
          : t,
      ),
    );
    return {
      outputs: merge(
        components,
        targets,
        outputs.map((o, i) => ({ ...o, path: targets[i]?.path ?? o.path })),
      ),
      reach: [],
    };
  }
  const transforms = listTransforms(example.text);
  const wrap = (
    target: (typeof targets)[number],
    kept: readonly ExampleTransform[],
    variant: string,
  ) => ({
    name: target.name,
    path: writeWrapper(
      treeDir,
      example,
      target.path,
      kept,
      transforms,
      `${target.name}.${variant}`,
    ),
  });

  const first = await build(
    targets.map((t) => wrap(t, transforms, 'all')),
    { allowFailure: true, title: 'kustomize (with example/ transforms)' },
  );
  const applied = new Map<string, readonly ExampleTransform[]>();
  const failed = targets.filter((t, i) => {
    if (first[i]?.error === undefined) applied.set(t.name, transforms);
    return first[i]?.error !== undefined;
  });
  if (failed.length > 0 && transforms.length > 1) {
    // Which entries does each failed component take? Try each alone.
    const trials = failed.flatMap((t) => transforms.map((tr) => ({ t, tr })));
    const results = await build(
      trials.map(({ t, tr }) => wrap(t, [tr], `only-${tr.field}-${tr.index}`)),
      { allowFailure: true, title: 'kustomize (example/ transforms, one at a time)' },
    );
    for (const t of failed) {
      applied.set(
        t.name,
        transforms.filter(
          (tr) => results[trials.findIndex((x) => x.t === t && x.tr === tr)]?.error === undefined,
        ),
      );
    }
  } else {
    for (const t of failed) applied.set(t.name, []);
  }
  const again = failed.map((t) => {
    const kept = applied.get(t.name) ?? [];
    return wrap(
      t,
      kept,
      kept.length === 0 ? 'none' : kept.map((k) => `${k.field}-${k.index}`).join('+'),
    );
  });
  // Without the entries it could not take, a component must build: a failure now is real.
  const second =
    again.length > 0
      ? await build(again, { title: 'kustomize (example/ transforms that apply)' })
      : [];
  const outputs = targets.map((t, i) => {
    const retried = failed.indexOf(t);
    const out = (retried >= 0 ? second[retried] : first[i]) as KustomizeOutput;
    return { ...out, path: t.path };
  });
  const reach = transforms.map((tr) => ({
    transform: tr.label,
    components: [
      ...new Set(targets.filter((t) => applied.get(t.name)?.includes(tr)).map((t) => t.component)),
    ],
  }));
  return { outputs: merge(components, targets, outputs), reach };
}

/**
 * One kustomize build per path of each component, each with a name of its own (the name
 * of its copy of example/ and of its progress line).
 */
export function targetsOf(
  components: readonly Component[],
): { component: string; name: string; path: string }[] {
  return components.flatMap((c) =>
    c.paths.map((path, i) => ({
      component: c.name,
      // `.` is in no component name: `a.2` can never be another component's target.
      name: c.paths.length > 1 ? `${c.name}.${i + 1}` : c.name,
      path,
    })),
  );
}

/** One output per component: the outputs of its paths, as one YAML stream. */
function merge(
  components: readonly Component[],
  targets: readonly { component: string; name: string; path: string }[],
  outputs: readonly KustomizeOutput[],
): KustomizeOutput[] {
  return components.map((c) => {
    const own = outputs.filter((_, i) => targets[i]?.component === c.name);
    if (own.length === 1) return { ...(own[0] as KustomizeOutput), name: c.name };
    return {
      name: c.name,
      path: c.paths.join(' + '),
      yaml: own
        .map((o) => o.yaml)
        .filter((y) => y.trim() !== '')
        .join('---\n'),
      cached: own.every((o) => o.cached),
      dirs: [...new Set(own.flatMap((o) => o.dirs))].sort(),
    };
  });
}

interface ExampleDoc {
  readonly dir: string;
  readonly fileName: string;
  readonly text: string;
}

function readExampleDoc(treeDir: string): ExampleDoc {
  const dir = join(treeDir, EXAMPLE_PATH);
  const file = findKustomizationFile(dir) as string;
  return { dir, fileName: basename(file), text: readFileSync(file, 'utf8') };
}

export function listTransforms(text: string): ExampleTransform[] {
  const doc = parseDocument(text);
  const out: ExampleTransform[] = [];
  for (const field of PER_ENTRY_FIELDS) {
    const seq = doc.get(field, true);
    if (!isSeq(seq)) continue;
    seq.items.forEach((item, index) => {
      const value = isMap(item)
        ? JSON.stringify(item.toJSON())
        : String((item as { value?: unknown }).value ?? item);
      out.push({ field, index, label: `${field}: ${value}` });
    });
  }
  return out;
}

/**
 * Writes `<tree>/example.kfcharts-<variant>/`: example/'s files, its kustomization with
 * `path` as the only resource and only the `kept` per-entry transforms. Returns its path
 * relative to the tree. Same depth as example/, so every `../` in it resolves the same.
 */
function writeWrapper(
  treeDir: string,
  example: ExampleDoc,
  path: string,
  kept: readonly ExampleTransform[],
  all: readonly ExampleTransform[],
  variant: string,
): string {
  const rel = `${EXAMPLE_PATH}.kfcharts-${variant}`;
  const dir = join(treeDir, rel);
  const doc = parseDocument(example.text);
  doc.delete('bases');
  // A file entry lies in example/ (kustomize loads no file outside a kustomization's
  // root), and so in the copy; a folder entry is reached from the copy's own depth.
  const entry = path.startsWith(`${EXAMPLE_PATH}/`)
    ? path.slice(EXAMPLE_PATH.length + 1)
    : `../${path}`;
  doc.set('resources', doc.createNode([entry]));
  for (const field of PER_ENTRY_FIELDS) {
    const seq = doc.get(field, true) as YAMLSeq | undefined;
    if (!isSeq(seq)) continue;
    const keep = new Set(
      all.filter((t) => t.field === field && kept.includes(t)).map((t) => t.index),
    );
    seq.items = seq.items.filter((_, i) => keep.has(i));
    if (seq.items.length === 0) doc.delete(field);
  }
  const text = doc.toString();
  const file = join(dir, example.fileName);
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return rel;
  // Made aside and renamed: a concurrent build of the same cached tree sees all or nothing.
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  cpSync(example.dir, tmp, { recursive: true });
  writeFileSync(join(tmp, example.fileName), text);
  // A copy with other content (left by other code) goes; one a concurrent build of the
  // same tree just made is the same copy, and is never taken from under its kustomize.
  if (existsSync(file) && readFileSync(file, 'utf8') !== text) {
    rmSync(dir, { recursive: true, force: true });
  }
  try {
    renameSync(tmp, dir);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) throw error;
  }
  return rel;
}
