import type { ObjectRule } from '../rule.ts';

export function imageRules(): ObjectRule[] {
  return [];
}
