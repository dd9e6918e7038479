import { objectKey } from '../manifest/object.ts';
import { analyzeAdmission } from './admission.ts';
import type { ReleasePlan } from './plan.ts';

export { pluralize, selectorMatches } from './admission.ts';

/** An object that a first install in release order would not get through. */
export interface OrderViolation {
  readonly release: string;
  readonly object: string;
  readonly reason: string;
}

/**
 * The static install-order check, run on every plan (and by verify on the rendered
 * charts): installing the releases one after another, each with `--wait`, every object
 * must find
 *  - its CRD established by an earlier release (Helm maps kinds before it creates anything),
 *  - its namespace created by an earlier or the same release (Helm creates Namespaces first),
 *  - every webhook that would intercept its creation with failurePolicy Fail either not yet
 *    registered or served by an earlier release; for the pods of a workload, by an earlier
 *    or the same release.
 * It shares only the reading of webhooks (admission.ts) with the planner, not its decisions.
 */
export function checkInstallOrder(plan: ReleasePlan): OrderViolation[] {
  const placed = plan.releases.flatMap((r) =>
    r.components.flatMap((c) => c.objects.map((object) => ({ object, release: r.index }))),
  );
  const names = plan.releases.map((r) => r.name);
  const admission = analyzeAdmission(placed);

  const violations: OrderViolation[] = [];
  for (const item of placed) {
    const { object, release } = item;
    const violate = (reason: string) =>
      violations.push({ release: names[release] as string, object: objectKey(object), reason });
    const needs = admission.needs(item);
    if (needs.customKind !== undefined && needs.crd === undefined)
      violate(`no release installs the CRD of ${needs.customKind}`);
    if (needs.crd !== undefined && needs.crd.release >= release) {
      violate(`its CRD is installed by ${names[needs.crd.release]}, not by an earlier release`);
    }
    if (needs.namespace !== undefined) {
      const ns = needs.namespaceObject;
      if (ns === undefined) violate(`no release creates its namespace ${needs.namespace}`);
      else if (ns.release > release)
        violate(`its namespace ${needs.namespace} is created by the later ${names[ns.release]}`);
    }
    for (const { webhook: w, registeredBy, servedBy, pods } of needs.webhooks) {
      const it = pods ? 'its pods' : 'it';
      // A webhook registered by a later release cannot intercept this object's creation.
      if (registeredBy.release > release) continue;
      if (servedBy === undefined) {
        violate(
          `webhook ${w.name} (${w.config}) intercepts ${it} and no release serves ${w.service ?? 'its URL'} (a Service and the workload it selects)`,
        );
        continue;
      }
      const served = Math.max(...servedBy.map((s) => s.release));
      // Pods are created by a controller, which retries until the webhook serves; within
      // the same release, --wait waits for that.
      if (pods ? served > release : served >= release) {
        violate(
          `webhook ${w.name} (${w.config}) intercepts ${it} but its service ${w.service} is served from ${names[served]}, not from an earlier release`,
        );
      }
    }
  }
  return violations;
}
