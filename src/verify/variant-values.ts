import type { Variant } from '../upstream/lock.ts';

/**
 * The values key of a variant's value (docs/choices.md), the one place verify spells it,
 * read from the release data: `<component>.<name>`, the subchart's own value, or
 * `global.<component>.<name>` for a variant the release data marks `global`.
 */
export function variantValueKey(
  variant: Pick<Variant, 'component' | 'values' | 'global'>,
  name: string,
): string {
  return `${variant.global ? 'global.' : ''}${variant.component}.${name}`;
}

/** The `--set` pairs that select one combination of a component's variant values. */
export function variantSet(
  variant: Pick<Variant, 'component' | 'values' | 'global'>,
  when: Readonly<Record<string, string>>,
): string[] {
  return Object.entries(when).map(
    ([name, choice]) => `${variantValueKey(variant, name)}=${choice}`,
  );
}
