import type { ObjectRule } from '../rule.ts';

export const domainRules: readonly ObjectRule[] = [];
