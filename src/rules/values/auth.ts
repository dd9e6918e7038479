import type { ObjectRule } from '../rule.ts';

export const authRules: readonly ObjectRule[] = [];
