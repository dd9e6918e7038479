import { addAnnotation } from '../chart/annotate.ts';
import type { ObjectRule } from './rule.ts';

export const RESOURCE_POLICY = 'helm.sh/resource-policy';

/**
 * `helm.sh/resource-policy: keep` on every object of `kind`: `helm uninstall` then leaves
 * it (and what it holds) in the cluster. Generic: it applies to however many objects of
 * that kind upstream has (releases.yaml `keep` lists the kinds, not counts). Objects
 * upstream already marks count as matched, unchanged.
 */
export function keepRule(kind: string): ObjectRule {
  return {
    id: `keep-${kind.toLowerCase()}s`,
    description: `every ${kind} gets ${RESOURCE_POLICY}: keep`,
    expect: 0,
    generic: true,
    matches: (object) => object.kind === kind && isBuiltInOrCrd(object.apiVersion),
    apply: (object) => addAnnotation(object, RESOURCE_POLICY, 'keep'),
  };
}

/** The kinds this rule is meant for live in the core and apiextensions groups. */
function isBuiltInOrCrd(apiVersion: string): boolean {
  return apiVersion === 'v1' || apiVersion.startsWith('apiextensions.k8s.io/');
}
