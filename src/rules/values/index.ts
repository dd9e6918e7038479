import type { NamespaceChoice } from '../../variants.ts';
import { definedIn, type ObjectRule } from '../rule.ts';
import { authRules } from './auth.ts';
import { certManagerRules } from './cert-manager.ts';
import { databaseRules } from './database.ts';
import { databaseTlsRules } from './database-tls.ts';
import { domainRules } from './domain.ts';
import { imageRules } from './images.ts';
import { ingressRules } from './ingress.ts';
import { networkPeerRule } from './ingress-network-policies.ts';
import { m2mRules } from './m2m.ts';
import { modelRegistryRules } from './model-registry.ts';
import { namespaceRules } from './namespaces.ts';
import { objectStorageRules } from './object-storage.ts';
import { restartRules } from './restart.ts';

/**
 * Every rule that lifts a setting of upstream into values, one module per concern. They
 * run after the keep rules, on kustomize's final text. How many objects each targeted
 * rule must change is release data (upstream/<tag>.yaml `expect`), not code.
 */
export function valuesRules(
  namespaceChoices: ReadonlyMap<string, readonly NamespaceChoice[]> = new Map(),
): ObjectRule[] {
  const at = (file: string) => `src/rules/values/${file}`;
  return [
    ...definedIn(at('database.ts'), databaseRules),
    ...definedIn(at('database-tls.ts'), databaseTlsRules),
    ...definedIn(at('model-registry.ts'), modelRegistryRules),
    ...definedIn(at('object-storage.ts'), objectStorageRules),
    ...definedIn(at('auth.ts'), authRules),
    ...definedIn(at('m2m.ts'), m2mRules),
    ...definedIn(at('cert-manager.ts'), certManagerRules),
    ...definedIn(at('domain.ts'), domainRules),
    ...definedIn(at('ingress.ts'), ingressRules),
    ...definedIn(at('ingress-network-policies.ts'), [networkPeerRule]),
    ...definedIn(at('namespaces.ts'), namespaceRules(namespaceChoices)),
    ...definedIn(at('images.ts'), imageRules()),
    ...definedIn(at('restart.ts'), restartRules),
  ];
}
