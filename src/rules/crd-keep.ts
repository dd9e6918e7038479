import { addAnnotation } from '../chart/annotate.ts';
import { isCrd } from '../manifest/object.ts';
import type { ObjectRule } from './rule.ts';

export const RESOURCE_POLICY = 'helm.sh/resource-policy';

/**
 * CRDs are templates (so `helm upgrade` upgrades them), and Helm deletes what a release
 * owns on uninstall: without `keep`, uninstalling a CRD release would delete every custom
 * resource in the cluster. `expect` is the pinned release's CRD count (releases.yaml).
 */
export function crdKeepRule(expect: number): ObjectRule {
  return {
    id: 'crd-resource-policy-keep',
    description: `every CustomResourceDefinition gets ${RESOURCE_POLICY}: keep`,
    expect,
    matches: (object) => isCrd(object),
    apply: (object) => addAnnotation(object, RESOURCE_POLICY, 'keep'),
  };
}
