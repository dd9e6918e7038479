import { describe, expect, it } from 'vitest';
import { findControllerOwned, lintControllerOwned } from '../../src/chart/controller-owned.ts';
import type { ComponentObjects } from '../../src/components.ts';
import { KfchartsError } from '../../src/errors.ts';
import { parseYamlStream, splitManifests } from '../../src/manifest/object.ts';
import { renderTemplate } from '../../src/rules/edit.ts';
import { applyRules } from '../../src/rules/rule.ts';
import {
  aggregatedRulesRule,
  injectedCaBundleRule,
  LIVE_VALUE_RULE,
  lineRange,
  liveValueRule,
} from '../../src/rules/server-side-apply.ts';
import { droppableFields, lacksExactly } from '../../src/verify/verify.ts';

/** kustomize's text, as it prints these kinds (keys sorted, sequences at their key's indent). */
const AGGREGATED = `aggregationRule:
  clusterRoleSelectors:
  - matchLabels:
      example.org/aggregate-to-admin: "true"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: example-admin
rules: []
`;
const AGGREGATED_WITH_RULES = `aggregationRule:
  clusterRoleSelectors:
  - matchLabels:
      example.org/aggregate-to-view: "true"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: example-view
rules:
- apiGroups:
  - ""
  resources:
  - pods
  verbs:
  - get
`;
const PLAIN_ROLE = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: example-reader
rules: []
`;
const INJECTED_WEBHOOK = `apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  annotations:
    cert-manager.io/inject-ca-from: apps/hook-cert
  name: hook
webhooks:
- admissionReviewVersions:
  - v1
  clientConfig:
    caBundle: ""
    service:
      name: hook
      namespace: apps
  name: a.hook.example.org
  sideEffects: None
- admissionReviewVersions:
  - v1
  clientConfig:
    caBundle: Cg==
    service:
      name: hook
      namespace: apps
  name: b.hook.example.org
  sideEffects: None
`;
/** No injector: a caBundle someone chose to ship stays. */
const STATIC_WEBHOOK = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: static
webhooks:
- admissionReviewVersions:
  - v1
  clientConfig:
    caBundle: Cg==
    url: https://hook.example.org/validate
  name: static.example.org
  sideEffects: None
`;
const KNATIVE_WEBHOOK = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  labels:
    app.kubernetes.io/name: knative-serving
  name: validation.webhook.serving.knative.dev
webhooks:
- admissionReviewVersions:
  - v1
  clientConfig:
    caBundle: ""
    service:
      name: webhook
      namespace: knative-serving
  name: validation.webhook.serving.knative.dev
  sideEffects: None
`;
const CONVERSION_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations:
    cert-manager.io/inject-ca-from: apps/hook-cert
  name: widgets.example.org
spec:
  conversion:
    strategy: Webhook
    webhook:
      clientConfig:
        caBundle: Cg==
        service:
          name: hook
          namespace: apps
          path: /convert
      conversionReviewVersions:
      - v1
  group: example.org
  names:
    kind: Widget
    plural: widgets
  scope: Namespaced
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        properties:
          caBundle:
            type: string
        type: object
    served: true
    storage: true
`;
const HPA = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: apps
spec:
  maxReplicas: 3
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
`;
const SCALED = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
`;

function components(...texts: string[]): ComponentObjects[] {
  return [
    {
      component: { name: 'c', paths: ['c'], description: 'c', optional: false, derived: false },
      objects: texts.flatMap((t) => splitManifests(t, 'fixture')),
    },
  ];
}

function lint(...texts: string[]) {
  return () =>
    lintControllerOwned(
      components(...texts).map((c) => ({ name: c.component.name, objects: c.objects })),
      LIVE_VALUE_RULE,
    );
}

function transformed(...texts: string[]) {
  return applyRules(
    [aggregatedRulesRule(), injectedCaBundleRule(), liveValueRule()],
    components(...texts),
  );
}

/** Knative's validating webhook with upstream's rules, the way kustomize prints it. */
const KNATIVE_RULES = KNATIVE_WEBHOOK.replace('    caBundle: ""\n', '').replace(
  '  sideEffects: None\n',
  '  rules:\n  - apiGroups:\n    - serving.knative.dev\n    operations:\n    - CREATE\n  sideEffects: None\n',
);
/** istiod's validator, failurePolicy Ignore until istiod serves. */
const ISTIOD_VALIDATOR = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  labels:
    app: istiod
    istio.io/rev: default
  name: istio-validator-istio-system
webhooks:
- admissionReviewVersions:
  - v1
  clientConfig:
    service:
      name: istiod
      namespace: istio-system
  failurePolicy: Ignore
  name: rev.validation.istio.io
  sideEffects: None
`;

describe('server-side apply transforms', () => {
  it('drops rules of aggregated ClusterRoles (empty or not) and no other rules', () => {
    const { components: out, findings } = transformed(
      AGGREGATED,
      AGGREGATED_WITH_RULES,
      PLAIN_ROLE,
    );
    const [admin, view, reader] = out[0]?.objects ?? [];
    expect(admin?.text).toBe(AGGREGATED.replace('rules: []\n', ''));
    expect(view?.text).toBe(
      AGGREGATED_WITH_RULES.slice(0, AGGREGATED_WITH_RULES.indexOf('rules:')),
    );
    expect(reader?.text).toBe(PLAIN_ROLE);
    expect(findings[0]?.matched).toEqual([
      'c: rbac.authorization.k8s.io/v1 ClusterRole example-admin',
      'c: rbac.authorization.k8s.io/v1 ClusterRole example-view',
    ]);
  });

  it('drops injected caBundles of every webhook, of a conversion webhook, of a Knative entry; keeps a static one', () => {
    const { components: out, findings } = transformed(
      INJECTED_WEBHOOK,
      STATIC_WEBHOOK,
      KNATIVE_WEBHOOK,
      CONVERSION_CRD,
    );
    const [hook, staticHook, knative, crd] = out[0]?.objects ?? [];
    expect(hook?.text).toBe(
      INJECTED_WEBHOOK.replace('    caBundle: ""\n', '').replace('    caBundle: Cg==\n', ''),
    );
    expect(staticHook?.text).toBe(STATIC_WEBHOOK);
    expect(knative?.text).toBe(KNATIVE_WEBHOOK.replace('    caBundle: ""\n', ''));
    // Only the conversion webhook's caBundle, not the schema property of that name.
    expect(crd?.text).toBe(CONVERSION_CRD.replace('        caBundle: Cg==\n', ''));
    expect(findings[1]?.matched).toHaveLength(3);
  });

  it('finds the lines of an entry by its pointer, and refuses one written after `- `', () => {
    const lines = INJECTED_WEBHOOK.split('\n');
    expect(lineRange(lines, '/webhooks/1/clientConfig/caBundle')).toEqual([
      lines.indexOf('    caBundle: Cg=='),
      lines.indexOf('    caBundle: Cg==') + 1,
    ]);
    expect(lineRange(lines, '/webhooks/0/admissionReviewVersions')).toBeUndefined();
    expect(lineRange(lines, '/webhooks/2/clientConfig/caBundle')).toBeUndefined();
  });
});

describe('controller-owned lint', () => {
  it('passes the transformed fixtures', () => {
    const out = transformed(
      AGGREGATED,
      INJECTED_WEBHOOK,
      CONVERSION_CRD,
      HPA,
      KNATIVE_RULES,
      ISTIOD_VALIDATOR,
    );
    const found = lintControllerOwned(
      out.components.map((c) => ({ name: 'c', objects: c.objects })),
      LIVE_VALUE_RULE,
    );
    // The two `live` fields are reported for the build report; nothing else remains.
    expect(found.map((f) => [f.field, f.pointer, f.handling])).toEqual([
      ['knative-webhook-rules', '/webhooks/0/rules', 'live'],
      ['istiod-validator-failure-policy', '/webhooks/0/failurePolicy', 'live'],
    ]);
  });

  const failures: { what: string; texts: string[]; names: string[] }[] = [
    {
      what: 'an aggregated ClusterRole with rules: []',
      texts: [AGGREGATED],
      names: ['rbac.authorization.k8s.io/v1 ClusterRole example-admin: field /rules'],
    },
    {
      what: 'a webhook with caBundle and inject-ca-from',
      texts: [INJECTED_WEBHOOK],
      names: [
        'admissionregistration.k8s.io/v1 MutatingWebhookConfiguration hook: field /webhooks/0/clientConfig/caBundle',
        'admissionregistration.k8s.io/v1 MutatingWebhookConfiguration hook: field /webhooks/1/clientConfig/caBundle',
      ],
    },
    {
      what: 'a CRD whose conversion webhook has caBundle and inject-ca-from',
      texts: [CONVERSION_CRD],
      names: [
        'apiextensions.k8s.io/v1 CustomResourceDefinition widgets.example.org: field /spec/conversion/webhook/clientConfig/caBundle',
      ],
    },
    {
      what: 'a Deployment with replicas that an HPA scales',
      texts: [HPA, SCALED],
      names: ['apps/v1 Deployment apps/web: field /spec/replicas'],
    },
  ];

  it.each(failures)('fails the build on $what, naming object and field', ({ texts, names }) => {
    let error: unknown;
    try {
      lint(...texts)();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KfchartsError);
    const details = (error as KfchartsError).details ?? '';
    for (const name of names) expect(details).toContain(name);
    expect(details.split('\n')).toHaveLength(names.length);
  });

  it('leaves replicas alone without an HPA, and a static caBundle alone', () => {
    expect(lint(SCALED, STATIC_WEBHOOK, PLAIN_ROLE)()).toEqual([]);
  });

  it('fails on a live-handled field rendered as a fixed value, naming object, field and rule', () => {
    let error: unknown;
    try {
      lint(KNATIVE_RULES, ISTIOD_VALIDATOR)();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KfchartsError);
    const details = ((error as KfchartsError).details ?? '').split('\n');
    expect(details).toEqual([
      expect.stringContaining(
        'ValidatingWebhookConfiguration validation.webhook.serving.knative.dev: field /webhooks/0/rules is owned by Knative webhook',
      ),
      expect.stringContaining(
        'ValidatingWebhookConfiguration istio-validator-istio-system: field /webhooks/0/failurePolicy is owned by istiod',
      ),
    ]);
    for (const d of details)
      expect(d).toContain(`not rendered from the live object by ${LIVE_VALUE_RULE}`);
  });
});

describe('live-value transform', () => {
  it("keeps upstream's lines as the else branch and renders the live value by webhook name", () => {
    const { components: out, findings } = transformed(KNATIVE_RULES, ISTIOD_VALIDATOR);
    const [knative, istiod] = out[0]?.objects ?? [];
    expect(findings[2]?.matched).toHaveLength(2);
    // Text unchanged: the edit is a template over it.
    expect(knative?.text).toBe(KNATIVE_RULES);
    expect(renderTemplate(knative as never)).toBe(
      KNATIVE_RULES.replace(
        '  rules:\n  - apiGroups:\n    - serving.knative.dev\n    operations:\n    - CREATE\n',
        '{{ with include "kfcharts.liveWebhookField" (list "admissionregistration.k8s.io/v1" "ValidatingWebhookConfiguration" "validation.webhook.serving.knative.dev" "validation.webhook.serving.knative.dev" "rules") }}  rules: {{ . }}\n' +
          '{{ else }}  rules:\n  - apiGroups:\n    - serving.knative.dev\n    operations:\n    - CREATE\n{{ end }}',
      ),
    );
    expect(renderTemplate(istiod as never)).toBe(
      ISTIOD_VALIDATOR.replace(
        '  failurePolicy: Ignore\n',
        '{{ with include "kfcharts.liveWebhookField" (list "admissionregistration.k8s.io/v1" "ValidatingWebhookConfiguration" "istio-validator-istio-system" "rev.validation.istio.io" "failurePolicy") }}  failurePolicy: {{ . }}\n{{ else }}  failurePolicy: Ignore\n{{ end }}',
      ),
    );
  });

  it('leaves alone a Knative webhook entry that is not self-named, and a Fail policy', () => {
    const other = KNATIVE_RULES.replace(
      '  name: validation.webhook.serving.knative.dev\n  rules',
      '  name: other.webhook.serving.knative.dev\n  rules',
    );
    const { findings } = transformed(other, ISTIOD_VALIDATOR.replace('Ignore', 'Fail'));
    expect(findings[2]?.matched).toEqual([]);
  });
});

describe("verify's allowed change", () => {
  const parsed = (text: string) => ({
    value: parseYamlStream(text, 'fixture')[0] as Record<string, unknown>,
    text,
  });

  it('derives the droppable fields from kustomize output alone', () => {
    expect(droppableFields(parsed(AGGREGATED).value)).toEqual(['/rules']);
    expect(droppableFields(parsed(PLAIN_ROLE).value)).toEqual([]);
    expect(droppableFields(parsed(STATIC_WEBHOOK).value)).toEqual([]);
    expect(droppableFields(parsed(CONVERSION_CRD).value)).toEqual([
      '/spec/conversion/webhook/clientConfig/caBundle',
    ]);
    // The same set the lint enforces on these objects.
    for (const text of [AGGREGATED, INJECTED_WEBHOOK, KNATIVE_WEBHOOK, CONVERSION_CRD]) {
      const value = parsed(text).value;
      expect(droppableFields(value)).toEqual(findControllerOwned([value]).map((f) => f.pointer));
    }
  });

  it('accepts exactly those fields missing, and nothing else', () => {
    const upstream = parsed(INJECTED_WEBHOOK);
    const pointers = droppableFields(upstream.value);
    const dropped = INJECTED_WEBHOOK.replace('    caBundle: ""\n', '').replace(
      '    caBundle: Cg==\n',
      '',
    );
    expect(lacksExactly(parsed(dropped), upstream, pointers)).toBe(true);
    // Only one of the two dropped.
    const half = INJECTED_WEBHOOK.replace('    caBundle: ""\n', '');
    expect(lacksExactly(parsed(half), upstream, pointers)).toBe(false);
    // Another change besides.
    expect(
      lacksExactly(
        parsed(dropped.replace('sideEffects: None', 'sideEffects: Some')),
        upstream,
        pointers,
      ),
    ).toBe(false);
    // Another line missing.
    expect(lacksExactly(parsed(dropped.replace('  - v1\n', '')), upstream, pointers)).toBe(false);
    // Nothing dropped at all.
    expect(lacksExactly(upstream, upstream, pointers)).toBe(false);
  });
});

describe('applyRules on part of a build (a variant)', () => {
  // A targeted rule anchored on another component (like the gateway's rules, anchored on
  // istio) must still change a variant's objects, which are applied on their own.
  const rule = {
    id: 'anchored-elsewhere',
    description: 'drops rules: of aggregated roles',
    component: 'istio',
    matches: (o: { kind: string }) => o.kind === 'ClusterRole',
    apply: (o: { text: string }) => ({ ...o, text: o.text.replace('rules: []\n', '') }),
  } as unknown as Parameters<typeof applyRules>[0][number];

  it("runs when the build has the rule's component, though this part does not", () => {
    const { components: out, drift } = applyRules([rule], components(AGGREGATED), {}, [
      'c',
      'istio',
    ]);
    expect(out[0]?.objects[0]?.text).toBe(AGGREGATED.replace('rules: []\n', ''));
    // Without an expectation (the variant's are the default build's): drift the caller drops.
    expect(drift.map((d) => d.object)).toEqual([undefined]);
  });

  it('is skipped where the build has no such component', () => {
    const { components: out } = applyRules([rule], components(AGGREGATED));
    expect(out[0]?.objects[0]?.text).toBe(AGGREGATED);
  });
});
