import type { ObjectRule } from '../rule.ts';

export const objectStorageRules: readonly ObjectRule[] = [];
