import type { Variant } from '../upstream/lock.ts';

/**
 * The values key of a variant's value (docs/choices.md), the one place verify spells it:
 * `<component>.<name>`, the subchart's own value. A value kept elsewhere (under `global.`)
 * is a change here only.
 */
export function variantValueKey(
  variant: Pick<Variant, 'component' | 'values'>,
  name: string,
): string {
  return `${variant.component}.${name}`;
}

/** The `--set` pairs that select one combination of a component's variant values. */
export function variantSet(
  variant: Pick<Variant, 'component' | 'values'>,
  when: Readonly<Record<string, string>>,
): string[] {
  return Object.entries(when).map(
    ([name, choice]) => `${variantValueKey(variant, name)}=${choice}`,
  );
}
