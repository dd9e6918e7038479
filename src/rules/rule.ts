import type { ComponentObjects } from '../components.ts';
import { KfchartsError } from '../errors.ts';
import { type ManifestObject, objectKey } from '../manifest/object.ts';

/**
 * A named transformation of upstream objects. It states how many objects it expects to
 * change; matching fewer or more fails the build by the rule's id, so an upstream
 * release that moves or renames its target cannot break the charts silently.
 */
export interface ObjectRule {
  readonly id: string;
  readonly description: string;
  readonly expect: number;
  /**
   * The upstream component the rule is written for (usually the one whose objects it
   * changes). A build without it (a test fixture, or a list that drops it) skips the
   * rule; with it, the count holds.
   */
  readonly component?: string;
  /** Applies to every object it matches, however many: `expect` is not checked. */
  readonly generic?: boolean;
  matches(object: ManifestObject, component: string): boolean;
  /** Pure: returns the changed object. */
  apply(object: ManifestObject): ManifestObject;
}

export interface RuleFinding {
  readonly id: string;
  readonly expect: number;
  readonly matched: readonly string[];
}

export function applyRules(
  rules: readonly ObjectRule[],
  built: readonly ComponentObjects[],
): { components: ComponentObjects[]; findings: RuleFinding[] } {
  let components = [...built];
  const findings: RuleFinding[] = [];
  const present = new Set(built.map((c) => c.component.name));
  for (const rule of rules) {
    if (rule.component !== undefined && !present.has(rule.component)) continue;
    const matched: string[] = [];
    components = components.map(({ component, objects }) => ({
      component,
      objects: objects.map((o) => {
        if (!rule.matches(o, component.name)) return o;
        matched.push(`${component.name}: ${objectKey(o)}`);
        try {
          return rule.apply(o);
        } catch (cause) {
          throw new KfchartsError(
            'rule-mismatch',
            `rule '${rule.id}' cannot change ${objectKey(o)} of component '${component.name}': ${(cause as Error).message}`,
            { cause },
          );
        }
      }),
    }));
    if (!rule.generic && matched.length !== rule.expect) {
      throw new KfchartsError(
        'rule-mismatch',
        `rule '${rule.id}' expects to change ${rule.expect} object(s) and matched ${matched.length}`,
        { details: `${rule.description}\nmatched: ${matched.slice(0, 20).join(', ') || 'none'}` },
      );
    }
    findings.push({ id: rule.id, expect: rule.expect, matched });
  }
  return { components, findings };
}
