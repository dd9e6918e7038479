import { isDeepStrictEqual } from 'node:util';

/** One field that differs: `undefined` on a side means absent there. */
export interface FieldChange {
  /** `spec.template.spec.containers[manager].image`, `metadata.labels["app.kubernetes.io/name"]`. */
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

export function joinKey(path: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** Items' `name`s when every item has a distinct string one (containers, env, ports). */
function names(list: readonly unknown[]): string[] | undefined {
  const out: string[] = [];
  for (const item of list) {
    if (!isRecord(item) || typeof item.name !== 'string') return undefined;
    out.push(item.name);
  }
  return new Set(out).size === out.length ? out : undefined;
}

/**
 * The fields that differ between two values, at the shallowest path where they do: a
 * subtree present on one side only is one change. List items are matched by `name`
 * when both lists name all their items (so a new container does not shift the others),
 * else by position.
 */
export function changedFields(from: unknown, to: unknown, path = ''): FieldChange[] {
  if (isDeepStrictEqual(from, to)) return [];
  if (isRecord(from) && isRecord(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    return keys.flatMap((k) => changedFields(from[k], to[k], joinKey(path, k)));
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    const fromNames = names(from);
    const toNames = names(to);
    if (fromNames && toNames) {
      const all = [...new Set([...fromNames, ...toNames])].sort();
      return all.flatMap((n) =>
        changedFields(from[fromNames.indexOf(n)], to[toNames.indexOf(n)], `${path}[${n}]`),
      );
    }
    const length = Math.max(from.length, to.length);
    return Array.from({ length }, (_, i) => changedFields(from[i], to[i], `${path}[${i}]`)).flat();
  }
  return [{ path: path || '(whole object)', from, to }];
}

/** The value at a dotted path of plain keys (`spec.selector`); undefined when absent. */
export function valueAt(value: unknown, path: string): unknown {
  let node = value;
  for (const key of path.split('.')) {
    if (!isRecord(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** A short, one-line rendering of a value for the report. */
export function brief(value: unknown, max = 80): string {
  if (value === undefined) return '(absent)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
