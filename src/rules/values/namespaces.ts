import type { ObjectRule } from '../rule.ts';

export const namespaceRules: readonly ObjectRule[] = [];
