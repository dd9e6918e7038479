import type { ObjectRule } from '../rule.ts';
import { authRules } from './auth.ts';
import { databaseRules } from './database.ts';
import { domainRules } from './domain.ts';
import { imageRules } from './images.ts';
import { namespaceRules } from './namespaces.ts';
import { objectStorageRules } from './object-storage.ts';
import { restartRules } from './restart.ts';

/**
 * Every rule that lifts a setting of the pinned upstream into values, one module per
 * concern. They run after the keep rules, on kustomize's final text.
 */
export function valuesRules(): ObjectRule[] {
  return [
    ...databaseRules,
    ...objectStorageRules,
    ...authRules,
    ...domainRules,
    ...namespaceRules,
    ...imageRules(),
    ...restartRules,
  ];
}
