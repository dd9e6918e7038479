import { isMap, isScalar, isSeq, type Node, parseDocument } from 'yaml';
import { escapeTemplateText } from '../chart/escape.ts';
import { KfchartsError } from '../errors.ts';
import { KUBERNETES_YAML, type ManifestObject, objectKey } from '../manifest/object.ts';
import type { ObjectRule } from './rule.ts';

/**
 * One change of an object's template: the text in [start, end) of kustomize's output
 * is replaced by `template` (Helm template code). Everything outside edits is escaped
 * on emit, so upstream text stays data; `template` carries escaped originals itself.
 */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly template: string;
  readonly rule: string;
}

/**
 * A step into a YAML node: a map key, a sequence index, or `{ name: 'x' }` for the item
 * of a sequence whose `name` is 'x' (containers, env, volumes: Kubernetes' merge keys).
 */
export type PathSegment = string | number | { readonly [field: string]: string };
export type Path = readonly PathSegment[];

/** Thrown inside a rule's edit; applyRules turns it into a rule-mismatch naming the rule. */
export class EditError extends Error {}

/**
 * Builds the edits of one rule on one object. Locations come from eemeli/yaml's source
 * ranges, so edits land exactly on kustomize's text and the rest stays byte for byte.
 * Every edit keeps the original as the branch taken at default values.
 */
export class ObjectEditor {
  readonly object: ManifestObject;
  readonly edits: TextEdit[] = [];
  private readonly text: string;
  private readonly doc: ReturnType<typeof parseDocument>;
  private readonly rule: string;

  constructor(object: ManifestObject, rule: string) {
    this.object = object;
    this.text = object.text;
    this.rule = rule;
    this.doc = parseDocument(object.text, { ...KUBERNETES_YAML, keepSourceTokens: false });
    if (this.doc.errors.length > 0) {
      throw new EditError(`invalid YAML: ${this.doc.errors[0]?.message}`);
    }
  }

  /** The plain value at `path` (undefined when absent). */
  value(path: Path): unknown {
    const node = this.find(path);
    return node === undefined ? undefined : (node.toJSON() as unknown);
  }

  has(path: Path): boolean {
    return this.find(path) !== undefined;
  }

  /** Paths of every map whose plain value passes `test`, in document order. */
  findMaps(test: (value: Record<string, unknown>) => boolean): Path[] {
    const found: Path[] = [];
    const walk = (node: unknown, path: PathSegment[]): void => {
      if (isMap(node)) {
        if (test(node.toJSON() as Record<string, unknown>)) found.push([...path]);
        for (const pair of node.items) {
          if (isScalar(pair.key)) walk(pair.value, [...path, String(pair.key.value)]);
        }
      } else if (isSeq(node)) {
        for (const [i, item] of node.items.entries()) walk(item, [...path, i]);
      }
    };
    walk(this.doc.contents, []);
    return found;
  }

  /** Replaces a scalar: `template(escapedOriginal)` must give the whole new template text. */
  replaceScalar(path: Path, template: (original: string) => string): void {
    const node = this.node(path);
    if (!isScalar(node)) throw new EditError(`${describe(path)} is not a scalar`);
    const [start, end] = range(node);
    this.add(start, end, template(escapeTemplateText(this.text.slice(start, end))));
  }

  /** Replaces the key `key` of the block map at `path`; its value stays. */
  replaceKey(path: Path, key: string, template: (original: string) => string): void {
    const map = this.node(path);
    if (!isMap(map)) throw new EditError(`${describe(path)} is not a map`);
    const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
    if (!pair || !isScalar(pair.key)) throw new EditError(`${describe(path)} has no key ${key}`);
    const [start, end] = range(pair.key);
    if (this.text.slice(start, end) !== key) {
      throw new EditError(`key ${JSON.stringify(key)} of ${describe(path)} is not a plain scalar`);
    }
    this.add(start, end, template(escapeTemplateText(key)));
  }

  /**
   * Replaces each of exactly `count` occurrences of `find` inside the source of the
   * scalar at `path` (e.g. a line of a config file held in a block scalar).
   */
  replaceInScalar(
    path: Path,
    find: string,
    count: number,
    template: (original: string) => string,
  ): void {
    const node = this.node(path);
    if (!isScalar(node)) throw new EditError(`${describe(path)} is not a scalar`);
    const [start, end] = range(node);
    const source = this.text.slice(start, end);
    const at: number[] = [];
    for (let i = source.indexOf(find); i >= 0; i = source.indexOf(find, i + find.length)) {
      at.push(i);
    }
    if (at.length !== count) {
      throw new EditError(
        `${describe(path)} holds ${at.length} occurrence(s) of ${JSON.stringify(find)}, expected ${count}`,
      );
    }
    for (const i of at) {
      this.add(start + i, start + i + find.length, template(escapeTemplateText(find)));
    }
  }

  /**
   * Appends lines to the block sequence or map at `path`, rendered only when `condition`
   * holds. `lines` are relative to the collection's indentation ("- name: x", "  value: y").
   */
  append(path: Path, condition: string, lines: readonly string[]): void {
    const node = this.node(path);
    if (!isSeq(node) && !isMap(node)) throw new EditError(`${describe(path)} is not a collection`);
    if ((node as { flow?: boolean }).flow) throw new EditError(`${describe(path)} is flow style`);
    // An entry upstream already has would become a duplicate key or env var: last one
    // wins, or server-side apply refuses it. Fail the build by the rule instead.
    for (const line of lines) {
      const key = isSeq(node)
        ? /^- name: ([^\s{]+)$/.exec(line)?.[1]
        : /^([\w./-]+):/.exec(line)?.[1];
      // An item this rule already renders only under a condition (keepItemWhen) may be
      // replaced by the appended one.
      const guarded = (item: unknown) =>
        this.edits.some(
          (e) => e.end > e.start && e.start === lineStart(this.text, range(item as Node)[0]),
        );
      const exists = isSeq(node)
        ? node.items.some((item) => isMap(item) && item.get('name') === key && !guarded(item))
        : node.has(key);
      if (key !== undefined && exists) {
        throw new EditError(`${describe(path)} already has ${key}`);
      }
    }
    const [start, end] = range(node);
    if (this.text[end - 1] !== '\n') throw new EditError(`${describe(path)} does not end a line`);
    const indent = ' '.repeat(start - lineStart(this.text, start));
    const body = lines.map((l) => `${indent}${l}\n`).join('');
    this.add(end, end, `{{ if ${condition} }}${body}{{ end }}`);
  }

  /**
   * Replaces the block scalar at `path` (header and content) by a literal block holding
   * `content` when `condition` holds; the original stays the else-branch. `content` is
   * data, not template: it is escaped, indented like the original's content, and given
   * the chomping (and, when its first line starts with a space, the indentation)
   * indicator that makes YAML read it back exactly. For a whole file shipped in place
   * of upstream's (e.g. a script in a ConfigMap).
   */
  replaceBlockScalar(path: Path, condition: string, content: string): void {
    const node = this.node(path);
    if (!isScalar(node)) throw new EditError(`${describe(path)} is not a scalar`);
    if (node.type !== 'BLOCK_LITERAL' && node.type !== 'BLOCK_FOLDED') {
      // kustomize prints a string with trailing spaces on a line as a quoted scalar: the
      // new content then goes in as a JSON (= YAML double-quoted) string, read back too.
      const [start, end] = range(node);
      const quoted = JSON.stringify(content).replace(/\u0085/g, '\\u0085');
      const check = new ObjectEditor(
        { ...this.object, text: this.text.slice(0, start) + quoted + this.text.slice(end) },
        this.rule,
      );
      if (check.value(path) !== content) {
        throw new EditError(`${describe(path)}: the new string does not read back as given`);
      }
      this.add(
        start,
        end,
        `{{ if ${condition} }}${escapeTemplateText(quoted)}{{ else }}${escapeTemplateText(this.text.slice(start, end))}{{ end }}`,
      );
      return;
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting them is the point
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(content)) {
      throw new EditError(`content for ${describe(path)} holds control characters`);
    }
    const [start, end] = range(node);
    if (this.text[end - 1] !== '\n') throw new EditError(`${describe(path)} does not end a line`);
    const original = this.text.slice(start, end);
    // The original content's indentation; for an empty original, its key's line + 2.
    const firstLine = original
      .split('\n')
      .slice(1)
      .find((l) => l.trim() !== '');
    const lineIndent = /^ */.exec(this.text.slice(lineStart(this.text, start)))?.[0].length ?? 0;
    const width = firstLine ? firstLine.length - firstLine.trimStart().length : lineIndent + 2;
    // Chomping keeps exactly the content's trailing newlines. When the first non-empty
    // line starts with a space, an indentation indicator (relative to the parent's
    // indentation) says where the content begins.
    const trailing = /\n*$/.exec(content)?.[0].length ?? 0;
    const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
    const indicator = content.replace(/^\n+/, '').startsWith(' ') ? width - lineIndent : 0;
    if (indicator < 0 || indicator > 9) {
      throw new EditError(`${describe(path)}: no indentation indicator fits`);
    }
    const lines = content.split('\n');
    if (trailing > 0) lines.pop();
    const indent = ' '.repeat(width);
    const body = lines.map((l) => (l === '' ? '\n' : `${indent}${l}\n`)).join('');
    const block = `|${indicator || ''}${chomp}\n${body}`;
    // Proof that YAML reads the block back as `content` in this very place.
    const check = new ObjectEditor(
      { ...this.object, text: this.text.slice(0, start) + block + this.text.slice(end) },
      this.rule,
    );
    if (check.value(path) !== content) {
      throw new EditError(`${describe(path)}: the new block scalar does not read back as given`);
    }
    this.add(
      start,
      end,
      `{{ if ${condition} }}${escapeTemplateText(block)}{{ else }}${escapeTemplateText(original)}{{ end }}`,
    );
  }

  /**
   * Replaces the flow collection at `path` (e.g. `env: []`): `template(escapedOriginal)`
   * must give the whole new template text, the original as its default branch.
   */
  replaceFlow(path: Path, template: (original: string) => string): void {
    const node = this.node(path);
    if ((!isSeq(node) && !isMap(node)) || !(node as { flow?: boolean }).flow) {
      throw new EditError(`${describe(path)} is not a flow collection`);
    }
    const [start, end] = range(node);
    this.add(start, end, template(escapeTemplateText(this.text.slice(start, end))));
  }

  /**
   * Inserts template text at an offset of kustomize's text, for a rule that checks its
   * own edit (src/rules/dashboard-links.ts proves the result reads back as intended).
   */
  insert(offset: number, template: string): void {
    if (offset < 0 || offset > this.text.length) throw new EditError('insert outside the text');
    this.add(offset, offset, template);
  }

  /** Renders the item of a block sequence (its whole lines) only when `condition` holds. */
  keepItemWhen(path: Path, condition: string): void {
    const node = this.node(path);
    const [start, end] = range(node);
    const from = lineStart(this.text, start);
    if (!/^\s*- $/.test(this.text.slice(from, start)) || this.text[end - 1] !== '\n') {
      throw new EditError(`${describe(path)} is not an item of a block sequence`);
    }
    this.add(
      from,
      end,
      `{{ if ${condition} }}${escapeTemplateText(this.text.slice(from, end))}{{ end }}`,
    );
  }

  /**
   * Renders the one-line entry `key` of the block map at `path` only when `condition`
   * holds: two zero-width edits around its line, so its value can carry an edit too.
   */
  keepEntryWhen(path: Path, key: string, condition: string): void {
    const map = this.node(path);
    if (!isMap(map)) throw new EditError(`${describe(path)} is not a map`);
    const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
    if (!pair || !isScalar(pair.key) || !isScalar(pair.value)) {
      throw new EditError(`${describe(path)} has no scalar entry ${key}`);
    }
    const [start] = range(pair.key);
    const [, valueEnd] = range(pair.value);
    const from = lineStart(this.text, start);
    if (!/^ *$/.test(this.text.slice(from, start)) || this.text[valueEnd] !== '\n') {
      throw new EditError(`${describe(path)}.${key} is not one line of a block map`);
    }
    this.add(from, from, `{{ if ${condition} }}`);
    this.add(valueEnd + 1, valueEnd + 1, '{{ end }}');
  }

  /** Renders the whole object only when `condition` holds (Helm skips empty output). */
  keepObjectWhen(condition: string): void {
    this.add(0, 0, `{{ if ${condition} }}`);
    this.add(this.text.length, this.text.length, '{{ end }}');
  }

  private node(path: Path): Node {
    const node = this.find(path);
    if (node === undefined) throw new EditError(`has no ${describe(path)}`);
    return node;
  }

  private find(path: Path): Node | undefined {
    let node: unknown = this.doc.contents;
    for (const step of path) {
      if (typeof step === 'string') {
        node = isMap(node) ? node.get(step, true) : undefined;
      } else if (typeof step === 'number') {
        node = isSeq(node) ? node.items[step] : undefined;
      } else {
        const [[field, value]] = Object.entries(step) as [[string, string]];
        node = isSeq(node)
          ? node.items.find((item) => isMap(item) && item.get(field) === value)
          : undefined;
      }
      if (node === undefined || node === null) return undefined;
    }
    return node as Node;
  }

  private add(start: number, end: number, template: string): void {
    this.edits.push({ start, end, template, rule: this.rule });
  }
}

function range(node: Node): [number, number] {
  const r = node.range;
  if (!r) throw new EditError('node has no source range');
  return [r[0], r[1]];
}

function lineStart(text: string, at: number): number {
  return text.lastIndexOf('\n', at - 1) + 1;
}

function describe(path: Path): string {
  return path
    .map((s) => (typeof s === 'object' ? `[${Object.entries(s)[0]?.join('=')}]` : String(s)))
    .join('.')
    .replace(/\.\[/g, '[');
}

/**
 * The object's Helm template: kustomize's text with every `{{` escaped, and the edits
 * of the values rules spliced in. Edits may not overlap: two rules changing the same
 * text would make one of them silently lose.
 */
export function renderTemplate(object: ManifestObject): string {
  const edits = [...(object.edits ?? [])].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let at = 0;
  let previous: TextEdit | undefined;
  for (const edit of edits) {
    if (edit.start < at) {
      throw new KfchartsError(
        'rule-mismatch',
        `rules '${previous?.rule}' and '${edit.rule}' change overlapping text of ${objectKey(object)}`,
      );
    }
    out += escapeTemplateText(object.text.slice(at, edit.start)) + edit.template;
    at = edit.end;
    previous = edit;
  }
  return out + escapeTemplateText(object.text.slice(at));
}

/**
 * A values rule: selects objects like every ObjectRule and records template edits on
 * each. An edit that finds no target is drift, like a changed count.
 */
export function templateRule(rule: {
  id: string;
  description: string;
  component: string;
  /** A generic transform (no expectation; see src/rules/rule.ts). */
  generic?: boolean;
  /** Which objects of `component` the rule changes. */
  select(object: ManifestObject): boolean;
  edit(editor: ObjectEditor): void;
}): ObjectRule {
  return {
    id: rule.id,
    description: rule.description,
    component: rule.component,
    ...(rule.generic && { generic: true }),
    matches: (object, component) => component === rule.component && rule.select(object),
    apply(object) {
      const editor = new ObjectEditor(object, rule.id);
      rule.edit(editor);
      if (editor.edits.length === 0) throw new EditError('made no edit');
      return { ...object, edits: [...(object.edits ?? []), ...editor.edits] };
    },
  };
}

/**
 * Selects objects by kind, namespace and name; a name ending in `*` is a prefix, for
 * kustomize's hash-suffixed ConfigMaps and Secrets.
 */
export function selectObject(kind: string, namespace: string | undefined, name: string) {
  return (object: ManifestObject): boolean =>
    object.kind === kind &&
    object.namespace === namespace &&
    (name.endsWith('*') ? object.name.startsWith(name.slice(0, -1)) : object.name === name);
}
