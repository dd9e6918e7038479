import { join } from 'node:path';
import type { Component } from '../components.ts';
import type { KfchartsError } from '../errors.ts';
import { checkInstallOrder, type OrderViolation } from '../release/order.ts';
import type { Helm } from '../tools/helm.ts';
import { parseHelmOutput, type RenderedObject, renderChart } from './render.ts';
import { chartOf, planOfRendered } from './rendered-plan.ts';

/**
 * Bring your own infrastructure (docs/choices.md): the charts rendered with cert-manager,
 * Istio (with its CRDs), Knative Serving, Dex and oauth2-proxy off and an issuer of the
 * user's, and the install-order check run on that render with what the switched-off
 * components render at defaults taken as installed before the first chart (the user's own
 * cert-manager, Istio, ...: their CRDs established, namespaces there, webhooks served).
 */

/** The components a user replaces with their own, by values key. */
export const BRING_YOUR_OWN_OFF: readonly string[] = [
  'cert-manager',
  'istio-crds',
  'istio',
  'knative-serving',
  'dex',
  'oauth2-proxy',
];
/** The user's issuer every Certificate must name (global.certManager.issuerRef). */
export const BRING_YOUR_OWN_ISSUER = 'kfcharts-verify-issuer';

/** The `--set` pairs that switch `off` off and name the user's issuer. */
export function bringYourOwnSet(off: readonly string[]): string[] {
  return [
    ...off.map((c) => `${c}.enabled=false`),
    `global.certManager.issuerRef.name=${BRING_YOUR_OWN_ISSUER}`,
  ];
}

/** The release that stands for what the user installed before the charts. */
export const ALREADY_INSTALLED = 'already installed (bring your own)';

export interface BringYourOwnReport {
  /** The components of BRING_YOUR_OWN_OFF this build has, switched off. */
  readonly off: readonly string[];
  /** Those it does not have (a values key the charts' schema would refuse): not set. */
  readonly absent: readonly string[];
  readonly issuer: string;
  readonly set: readonly string[];
  /** Objects the charts render with `set`. */
  readonly objects: number;
  /** Objects of the switched-off components at defaults, taken as already installed. */
  readonly alreadyInstalled: number;
  /** `helm template` failures with `set`, by chart. */
  readonly renderFailures: readonly string[];
  /** Objects of a switched-off component that still render with `set`. */
  readonly stillRendered: readonly string[];
  /** cert-manager Certificates that do not name the user's issuer. */
  readonly otherIssuers: readonly string[];
  readonly violations: readonly OrderViolation[];
}

/**
 * The install-order violations of `rendered` (by chart, in `order`) with `installed`
 * taken as one release before the first chart. Violations of the installed objects
 * themselves are not the charts': left out.
 */
export function bringYourOwnViolations(
  rendered: readonly RenderedObject[],
  installed: readonly RenderedObject[],
  order: readonly string[],
  components: ReadonlyMap<string, Component>,
): OrderViolation[] {
  const plan = planOfRendered(
    [
      { name: ALREADY_INSTALLED, objects: installed },
      ...order.map((name) => ({ name, objects: rendered.filter((o) => chartOf(o) === name) })),
    ],
    components,
  );
  return checkInstallOrder(plan).filter((v) => v.release !== ALREADY_INSTALLED);
}

/** The charts rendered with the components of BRING_YOUR_OWN_OFF this build has off. */
export interface BringYourOwnRender {
  readonly off: readonly string[];
  readonly absent: readonly string[];
  readonly set: readonly string[];
  readonly rendered: readonly RenderedObject[];
  readonly renderFailures: readonly string[];
}

export async function renderBringYourOwn(
  charts: readonly string[],
  chartsDir: string,
  helm: Helm,
  components: ReadonlyMap<string, Component>,
): Promise<BringYourOwnRender> {
  const off = BRING_YOUR_OWN_OFF.filter((c) => components.has(c));
  const set = bringYourOwnSet(off);
  const rendered: RenderedObject[] = [];
  const renderFailures: string[] = [];
  for (const chart of charts) {
    try {
      const text = await renderChart(helm, join(chartsDir, chart), set);
      // Hooks run on upgrade, not in a first install (verify checks them apart).
      rendered.push(...parseHelmOutput(text, chart).filter((o) => !isHook(o)));
    } catch (error) {
      renderFailures.push(`${chart}: ${(error as KfchartsError).message}`);
    }
  }
  return {
    off,
    absent: BRING_YOUR_OWN_OFF.filter((c) => !components.has(c)),
    set,
    rendered,
    renderFailures,
  };
}

/**
 * The checks of that render: it succeeded, none of the switched-off components' objects is
 * in it, every Certificate names the user's issuer, and a first install in release order
 * has no install-order violation with what those components render at `defaults` taken as
 * already installed.
 */
export function checkBringYourOwn(
  render: BringYourOwnRender,
  /** The charts rendered at defaults (the source of what is taken as installed). */
  defaults: readonly RenderedObject[],
  order: readonly string[],
  components: ReadonlyMap<string, Component>,
): BringYourOwnReport {
  const off = new Set(render.off);
  const { rendered } = render;
  const installed = defaults.filter((o) => off.has(o.component));
  const otherIssuers = rendered
    .filter(
      (o) =>
        o.value.kind === 'Certificate' && String(o.value.apiVersion).startsWith('cert-manager.io/'),
    )
    .filter(
      (o) =>
        (o.value.spec as { issuerRef?: { name?: unknown } } | undefined)?.issuerRef?.name !==
        BRING_YOUR_OWN_ISSUER,
    )
    .map((o) => o.key);
  return {
    off: render.off,
    absent: render.absent,
    issuer: BRING_YOUR_OWN_ISSUER,
    set: render.set,
    objects: rendered.length,
    alreadyInstalled: installed.length,
    renderFailures: render.renderFailures,
    stillRendered: rendered.filter((o) => off.has(o.component)).map((o) => o.key),
    otherIssuers,
    violations: bringYourOwnViolations(rendered, installed, order, components),
  };
}

function isHook(o: RenderedObject): boolean {
  const metadata = o.value.metadata as { annotations?: Record<string, unknown> } | undefined;
  return metadata?.annotations?.['helm.sh/hook'] !== undefined;
}

/** verify's failures of the bring-your-own render. */
export function bringYourOwnFailures(r: BringYourOwnReport): string[] {
  const where = `bring your own (${r.off.join(', ')} off)`;
  return [
    ...r.renderFailures.map((f) => `${where}: helm template ${f}`),
    ...r.stillRendered.map((k) => `${where}: ${k} still renders`),
    ...r.otherIssuers.map((k) => `${where}: ${k} does not name issuer ${BRING_YOUR_OWN_ISSUER}`),
    ...r.violations.map((v) => `${where}: install order: ${v.release}: ${v.object}: ${v.reason}`),
  ];
}
