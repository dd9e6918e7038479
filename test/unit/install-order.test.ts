import { describe, expect, it } from 'vitest';
import type { Component, ComponentObjects } from '../../src/components.ts';
import { splitManifests } from '../../src/manifest/object.ts';
import { checkInstallOrder, pluralize, selectorMatches } from '../../src/release/order.ts';
import { NO_DECISIONS, type ReleasePlan } from '../../src/release/plan.ts';

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.org
spec:
  group: example.org
  names:
    kind: Widget
    plural: widgets
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
`;
const NAMESPACE =
  'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels:\n    webhooks: "on"\n';
const SERVICE =
  'apiVersion: v1\nkind: Service\nmetadata:\n  name: hook\n  namespace: apps\nspec:\n  selector:\n    app: hook\n';
/** The workload behind SERVICE: a webhook is served once both are installed. */
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hook
  namespace: apps
spec:
  selector:
    matchLabels: {app: hook}
  template:
    metadata:
      labels: {app: hook}
`;
const webhook = (
  failurePolicy: string,
  selector = '',
) => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: widgets
webhooks:
- name: validate.widgets.example.org
  failurePolicy: ${failurePolicy}
  clientConfig:
    service: {namespace: apps, name: hook}
  rules:
  - apiGroups: [example.org]
    apiVersions: [v1]
    operations: [CREATE, UPDATE]
    resources: [widgets]
${selector}`;
const WIDGET =
  'apiVersion: example.org/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: apps\n';

function component(name: string): Component {
  return { name, paths: [`apps/${name}`], description: name, optional: false, derived: false };
}

/** Releases in order, each given as YAML documents of one component. */
function plan(...releases: string[][]): ReleasePlan {
  return {
    releases: releases.map((docs, index) => ({
      name: `r${index}`,
      description: `release ${index}`,
      index,
      components: [
        { component: component('c'), objects: splitManifests(docs.join('---\n'), `r${index}`) },
      ] as ComponentObjects[],
    })),
    decisions: NO_DECISIONS,
  };
}

describe('checkInstallOrder', () => {
  it('accepts CRD, then webhook and its service, then the custom resource', () => {
    expect(
      checkInstallOrder(plan([CRD], [NAMESPACE, SERVICE, DEPLOYMENT, webhook('Fail')], [WIDGET])),
    ).toEqual([]);
  });

  it('refuses a custom resource released before or with its CRD', () => {
    const violations = checkInstallOrder(plan([NAMESPACE, WIDGET], [CRD]));
    expect(violations).toEqual([
      {
        release: 'r0',
        object: 'example.org/v1 Widget apps/w',
        reason: 'its CRD is installed by r1, not by an earlier release',
      },
    ]);
    expect(checkInstallOrder(plan([CRD, NAMESPACE, WIDGET]))[0]?.reason).toBe(
      'its CRD is installed by r0, not by an earlier release',
    );
  });

  it('refuses a custom resource whose failing webhook is served by the same release', () => {
    const violations = checkInstallOrder(
      plan([CRD], [NAMESPACE, SERVICE, DEPLOYMENT, webhook('Fail'), WIDGET]),
    );
    expect(violations.map((v) => v.reason)).toEqual([
      'webhook validate.widgets.example.org (ValidatingWebhookConfiguration widgets) intercepts it but its service apps/hook is served from r1, not from an earlier release',
    ]);
  });

  it('accepts the same release when the webhook ignores failures or its selector excludes the object', () => {
    expect(
      checkInstallOrder(plan([CRD], [NAMESPACE, SERVICE, DEPLOYMENT, webhook('Ignore'), WIDGET])),
    ).toEqual([]);
    const excluded = webhook('Fail', '  namespaceSelector:\n    matchLabels: {webhooks: "off"}\n');
    expect(checkInstallOrder(plan([CRD], [NAMESPACE, SERVICE, excluded, WIDGET]))).toEqual([]);
    const included = webhook('Fail', '  namespaceSelector:\n    matchLabels: {webhooks: "on"}\n');
    expect(checkInstallOrder(plan([CRD], [NAMESPACE, SERVICE, included, WIDGET]))).toHaveLength(1);
  });

  it('accepts a webhook registered only after the object (it cannot intercept its creation)', () => {
    expect(checkInstallOrder(plan([CRD], [NAMESPACE, WIDGET], [SERVICE, webhook('Fail')]))).toEqual(
      [],
    );
  });

  it('refuses a webhook no release serves and a namespace no release creates', () => {
    const reasons = checkInstallOrder(plan([CRD], [webhook('Fail')], [WIDGET])).map(
      (v) => v.reason,
    );
    expect(reasons).toEqual([
      'no release creates its namespace apps',
      'webhook validate.widgets.example.org (ValidatingWebhookConfiguration widgets) intercepts it and no release serves apps/hook (a Service and the workload it selects)',
    ]);
  });

  it('counts a webhook as served only once the workload behind its Service is installed', () => {
    const reasons = checkInstallOrder(
      plan([CRD], [NAMESPACE, SERVICE, webhook('Fail')], [WIDGET], [DEPLOYMENT]),
    ).map((v) => v.reason);
    expect(reasons).toEqual([
      'webhook validate.widgets.example.org (ValidatingWebhookConfiguration widgets) intercepts it but its service apps/hook is served from r3, not from an earlier release',
    ]);
  });

  it('takes scope from the kind: a cluster-scoped custom resource ignores its metadata.namespace', () => {
    const clusterCrd = CRD.replace('scope: Namespaced', 'scope: Cluster');
    const clusterRule = webhook(
      'Fail',
      '  namespaceSelector:\n    matchLabels: {webhooks: "off"}\n',
    ).replace('    resources: [widgets]\n', '    resources: [widgets]\n    scope: Cluster\n');
    // kustomize leaves namespace: apps on it; the namespaceSelector does not apply.
    const violations = checkInstallOrder(
      plan([clusterCrd], [NAMESPACE, SERVICE, DEPLOYMENT, clusterRule, WIDGET]),
    );
    expect(violations.map((v) => v.reason)).toEqual([
      'webhook validate.widgets.example.org (ValidatingWebhookConfiguration widgets) intercepts it but its service apps/hook is served from r1, not from an earlier release',
    ]);
    // No namespace needed either: the same object in a release without Namespace objects.
    expect(checkInstallOrder(plan([clusterCrd], [WIDGET]))).toEqual([]);
  });

  it('gives system namespaces their kubernetes.io/metadata.name label', () => {
    const selector =
      '  namespaceSelector:\n    matchLabels: {kubernetes.io/metadata.name: kube-system}\n';
    const rule = webhook('Fail', selector)
      .replace('apiGroups: [example.org]', 'apiGroups: [""]')
      .replace('resources: [widgets]', 'resources: [configmaps]');
    const configMap =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: kube-system\n';
    expect(checkInstallOrder(plan([NAMESPACE, SERVICE, DEPLOYMENT, rule, configMap]))).toHaveLength(
      1,
    );
  });

  it('refuses a custom kind with no CRD anywhere', () => {
    const reasons = checkInstallOrder(
      plan([
        NAMESPACE,
        'apiVersion: other.org/v1\nkind: Gadget\nmetadata:\n  name: g\n  namespace: apps\n',
      ]),
    );
    expect(reasons.map((v) => v.reason)).toEqual([
      'no release installs the CRD of other.org/Gadget',
    ]);
  });
});

describe('selectorMatches and pluralize', () => {
  it('evaluates matchLabels and every matchExpressions operator', () => {
    const labels = { a: '1', b: '2' };
    expect(selectorMatches(undefined, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { a: '1' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { a: '2' } }, labels)).toBe(false);
    expect(
      selectorMatches(
        { matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '3'] }] },
        labels,
      ),
    ).toBe(true);
    expect(
      selectorMatches(
        { matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] },
        labels,
      ),
    ).toBe(false);
    expect(
      selectorMatches(
        { matchExpressions: [{ key: 'z', operator: 'NotIn', values: ['1'] }] },
        labels,
      ),
    ).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'b', operator: 'Exists' }] }, labels)).toBe(
      true,
    );
    expect(
      selectorMatches({ matchExpressions: [{ key: 'b', operator: 'DoesNotExist' }] }, labels),
    ).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'b', operator: 'Bogus' }] }, labels)).toBe(
      false,
    );
  });

  it('names built-in resources the way webhook rules do', () => {
    expect(
      ['Pod', 'ConfigMap', 'Ingress', 'NetworkPolicy', 'Endpoints', 'PriorityClass'].map(pluralize),
    ).toEqual([
      'pods',
      'configmaps',
      'ingresses',
      'networkpolicies',
      'endpoints',
      'priorityclasses',
    ]);
  });
});
