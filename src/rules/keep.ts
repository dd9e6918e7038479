import { addAnnotation } from '../chart/annotate.ts';
import type { ObjectRule } from './rule.ts';

export const RESOURCE_POLICY = 'helm.sh/resource-policy';

/**
 * `helm.sh/resource-policy: keep` on every object of `kind`: `helm uninstall` then leaves
 * it (and what it holds) in the cluster. A generic transform: it changes however many
 * there are and reports the count. Objects upstream already marks count as matched.
 */
export function keepRule(kind: string): ObjectRule {
  return {
    id: `keep-${kind.toLowerCase()}s`,
    description: `every ${kind} gets ${RESOURCE_POLICY}: keep`,
    generic: true,
    source: 'src/rules/keep.ts',
    matches: (object) => object.kind === kind && isBuiltInOrCrd(object.apiVersion),
    apply: (object) => addAnnotation(object, RESOURCE_POLICY, 'keep'),
  };
}

/** The kinds this rule is meant for live in the core and apiextensions groups. */
function isBuiltInOrCrd(apiVersion: string): boolean {
  return apiVersion === 'v1' || apiVersion.startsWith('apiextensions.k8s.io/');
}
