import type { ComponentObjects } from '../components.ts';
import { type ManifestObject, objectKey } from '../manifest/object.ts';

/**
 * A named transformation of upstream objects. Two kinds:
 *  - a targeted rule changes named objects (`dbHost` of `pipeline-install-config`): the
 *    release's data (upstream/<tag>.yaml `expect`) says how many it must change, and any
 *    other count, or a target it cannot change, is drift;
 *  - a generic transform (`generic: true`: every image, every CRD) applies to whatever
 *    matches and reports how many; it has no expectation to fail.
 */
export interface ObjectRule {
  readonly id: string;
  readonly description: string;
  readonly generic?: boolean;
  /**
   * The upstream component the rule is written for (usually the one whose objects it
   * changes). A build without it and without an expectation for the rule (a test fixture)
   * skips the rule; with an expectation, the component's absence is drift.
   */
  readonly component?: string;
  /** The file that defines the rule, for the drift report. */
  readonly source?: string;
  matches(object: ManifestObject, component: string): boolean;
  /** Pure: returns the changed object. Throws (any Error) when it cannot change it. */
  apply(object: ManifestObject): ManifestObject;
  /** What a generic transform wants reviewed, after it ran (for the build report). */
  notes?(): string[];
}

export interface RuleFinding {
  readonly id: string;
  readonly source: string;
  readonly generic: boolean;
  readonly component: string | undefined;
  /** The release's expectation (targeted rules). */
  readonly expected: number | undefined;
  /** `component: object key` of every object the rule changed. */
  readonly matched: readonly string[];
  readonly notes: readonly string[];
}

/** One way a release differs from what a rule was written for. */
export interface Drift {
  readonly rule: string;
  readonly source: string;
  readonly component: string | undefined;
  /** The object the rule could not change, when there is one. */
  readonly object?: string;
  readonly expected: string;
  readonly found: string;
}

export interface RulesResult {
  readonly components: ComponentObjects[];
  readonly findings: RuleFinding[];
  /** Every drift of every rule: the build reports them all at once. */
  readonly drift: Drift[];
}

/**
 * Applies every rule in order and collects what each did. Nothing here throws for a
 * rule: an object a rule cannot change stays as the rule found it, and the drift is
 * recorded, so one pass names every drift.
 */
export function applyRules(
  rules: readonly ObjectRule[],
  built: readonly ComponentObjects[],
  expectations: Readonly<Record<string, number>> = {},
  /**
   * The build's components, when `built` is only part of it (a variant's objects): a rule
   * written for another component still runs on these objects.
   */
  inBuild: readonly string[] = built.map((c) => c.component.name),
): RulesResult {
  let components = [...built];
  const findings: RuleFinding[] = [];
  const drift: Drift[] = [];
  const present = new Set(inBuild);
  for (const rule of rules) {
    const source = rule.source ?? 'src/rules';
    const expected = rule.generic ? undefined : expectations[rule.id];
    const base = { rule: rule.id, source, component: rule.component };
    if (rule.component !== undefined && !present.has(rule.component)) {
      if (expected !== undefined) {
        drift.push({
          ...base,
          expected: `component '${rule.component}' with ${expected} object(s) to change`,
          found: `no component '${rule.component}' in this build`,
        });
      }
      continue;
    }
    const matched: string[] = [];
    components = components.map(({ component, objects }) => ({
      component,
      objects: objects.map((o) => {
        if (!rule.matches(o, component.name)) return o;
        const key = `${component.name}: ${objectKey(o)}`;
        try {
          const changed = rule.apply(o);
          matched.push(key);
          return changed;
        } catch (cause) {
          drift.push({
            ...base,
            component: component.name,
            object: objectKey(o),
            expected: rule.description,
            found: (cause as Error).message,
          });
          matched.push(key);
          return o;
        }
      }),
    }));
    if (!rule.generic) {
      if (expected === undefined) {
        drift.push({
          ...base,
          expected: 'an expectation in the release data',
          found: `none; the rule matched ${matched.length} object(s)${matched.length > 0 ? `: ${matched.slice(0, 5).join(', ')}` : ''}`,
        });
      } else if (matched.length !== expected) {
        drift.push({
          ...base,
          expected: `${expected} object(s) to change`,
          found: `${matched.length}${matched.length > 0 ? `: ${matched.slice(0, 10).join(', ')}` : ''}`,
        });
      }
    }
    findings.push({
      id: rule.id,
      source,
      generic: rule.generic === true,
      component: rule.component,
      expected,
      matched,
      notes: rule.notes?.() ?? [],
    });
  }
  // An expectation no rule claims: a renamed or removed rule, whose data would otherwise
  // go stale unseen.
  const ids = new Set(rules.map((r) => r.id));
  for (const id of Object.keys(expectations).sort()) {
    if (ids.has(id)) continue;
    drift.push({
      rule: id,
      source: 'release data (expect)',
      component: undefined,
      expected: 'a rule with this id',
      found: 'none: the expectation names no rule',
    });
  }
  return { components, findings, drift };
}

/** Marks where a list of rules is defined, for the drift report. */
export function definedIn(source: string, rules: readonly ObjectRule[]): ObjectRule[] {
  return rules.map((rule) => ({ ...rule, source }));
}
