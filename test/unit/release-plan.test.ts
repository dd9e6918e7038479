import { describe, expect, it } from 'vitest';
import type { ComponentObjects } from '../../src/components.ts';
import { KfchartsError } from '../../src/errors.ts';
import { splitManifests } from '../../src/manifest/object.ts';
import { checkInstallOrder } from '../../src/release/order.ts';
import { checkLayout, planReleases, type ReleaseLayout } from '../../src/release/plan.ts';
import { CHART_OVERHEAD_BYTES, estimateCrdBytes, PACKING_MARGIN } from '../../src/release/size.ts';
import { exampleCrd } from './helpers.ts';

const crd = exampleCrd;
const namespace = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
/** A webhook on `plural` served from namespace `ns` by a Service and its Deployment. */
const server = (ns: string, plural: string) => [
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: hook\n  namespace: ${ns}\nspec:\n  selector:\n    app: hook\n`,
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hook\n  namespace: ${ns}\nspec:\n  selector:\n    matchLabels: {app: hook}\n  template:\n    metadata:\n      labels: {app: hook}\n`,
  `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: ${plural}
webhooks:
- name: validate.${plural}.example.org
  failurePolicy: Fail
  clientConfig:
    service: {namespace: ${ns}, name: hook}
  rules:
  - apiGroups: [example.org]
    apiVersions: [v1]
    operations: [CREATE]
    resources: [${plural}]
`,
];
const custom = (kind: string, name: string, ns: string) =>
  `apiVersion: example.org/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n`;

function component(name: string, docs: string[], path = `apps/${name}`): ComponentObjects {
  return {
    component: { name, paths: [path], description: name, optional: false, derived: false },
    objects: splitManifests(docs.join('---\n'), name),
  };
}

const layout = (layers = ['base', 'apps'], crds = ['crds']): ReleaseLayout => ({
  crds: crds.map((name) => ({ name })),
  layers: layers.map((name) => ({ name, description: `${name} layer` })),
  keep: [],
});

const objectsOf = (plan: ReturnType<typeof planReleases>) =>
  plan.releases.map((r) => [
    r.name,
    r.components.flatMap((c) => c.objects.map((o) => `${c.component.name}:${o.kind}/${o.name}`)),
  ]);

/** widgets: serves the Widget webhook and has a Widget of its own. */
const widgets = component('widgets', [
  crd('Widget'),
  namespace('w'),
  ...server('w', 'widgets'),
  custom('Widget', 'own', 'w'),
]);
/** gadgets: serves the Gadget webhook and needs the Widget webhook for its Widget. */
const gadgets = component('gadgets', [
  crd('Gadget'),
  namespace('g'),
  ...server('g', 'gadgets'),
  custom('Widget', 'of-gadgets', 'g'),
]);

describe('planReleases: layers', () => {
  it('moves an object its own webhook intercepts alone, and reports it', () => {
    const plan = planReleases(layout(), [widgets]);
    expect(objectsOf(plan)).toEqual([
      ['crds', ['widgets:CustomResourceDefinition/widgets.example.org']],
      [
        'base',
        [
          'widgets:Namespace/w',
          'widgets:Service/hook',
          'widgets:Deployment/hook',
          'widgets:ValidatingWebhookConfiguration/widgets',
        ],
      ],
      ['apps', ['widgets:Widget/own']],
    ]);
    expect(plan.decisions.moves).toEqual([
      {
        id: 'widgets-widget-after-webhook',
        component: 'widgets',
        release: 'apps',
        objects: ['example.org/v1 Widget w/own'],
        why: 'waits for webhook validate.widgets.example.org (ValidatingWebhookConfiguration widgets) of widgets, which intercepts example.org/v1 Widget w/own',
      },
    ]);
    expect(checkInstallOrder(plan)).toEqual([]);
  });

  it('pushes a new component that needs the webhook of a later-layer component into a derived layer', () => {
    const newcomer = component('newcomer', [
      namespace('newns'),
      custom('Gadget', 'first', 'newns'),
    ]);
    const plan = planReleases(layout(), [widgets, gadgets, newcomer]);
    expect(plan.releases.map((r) => r.name)).toEqual(['crds', 'base', 'apps', 'apps-2']);
    expect(plan.releases[3]?.components.map((c) => c.component.name)).toEqual(['newcomer']);
    expect(plan.decisions.derivedNames).toEqual(['apps-2']);
    expect(plan.decisions.layers.find((l) => l.release === 'apps-2')?.components).toEqual([
      {
        component: 'newcomer',
        why: 'waits for webhook validate.gadgets.example.org (ValidatingWebhookConfiguration gadgets) of gadgets, which intercepts example.org/v1 Gadget newns/first',
      },
    ]);
    expect(plan.releases[3]?.description).toBe(
      'Layer 3: objects that wait for webhooks of layer 2',
    );
    expect(checkInstallOrder(plan)).toEqual([]);
  });

  it('leaves names it does not need unused, and reports them', () => {
    const plan = planReleases(layout(['base', 'apps', 'spare']), [widgets]);
    expect(plan.releases.map((r) => r.name)).toEqual(['crds', 'base', 'apps']);
    expect(plan.decisions.unusedNames).toEqual(['spare']);
  });

  it('puts components no earlier than an override says, by upstream path', () => {
    const plain = component('plain', [namespace('p')], 'applications/plain');
    const plan = planReleases(
      {
        ...layout(),
        overrides: { layers: [{ paths: ['applications/'], release: 'apps', reason: 'apps' }] },
      },
      [widgets, plain],
    );
    expect(objectsOf(plan)[2]).toEqual(['apps', ['widgets:Widget/own', 'plain:Namespace/p']]);
  });

  it('fails on components that wait for each other, naming the cycle', () => {
    const a = component('a', [namespace('a'), ...server('a', 'widgets'), crd('Gadget')]);
    const b = component('b', [namespace('b'), ...server('b', 'gadgets'), crd('Widget')]);
    const withA = component('a', [...a.objects.map((o) => o.text), custom('Gadget', 'gx', 'a')]);
    const withB = component('b', [...b.objects.map((o) => o.text), custom('Widget', 'wy', 'b')]);
    const error = (() => {
      try {
        planReleases(layout(), [withA, withB]);
      } catch (e) {
        return e;
      }
    })() as KfchartsError;
    expect(error).toBeInstanceOf(KfchartsError);
    expect(error.code).toBe('install-order');
    expect(error.message).toContain('cycle');
    expect(error.details).toContain(
      "component 'a' waits for webhook validate.gadgets.example.org (ValidatingWebhookConfiguration gadgets) of b",
    );
    expect(error.details).toContain(
      "component 'b' waits for webhook validate.widgets.example.org (ValidatingWebhookConfiguration widgets) of a",
    );
  });
});

describe('planReleases: CRDs', () => {
  /** Three components with CRDs of about the same size. */
  const many = ['one', 'two', 'three'].map((name) =>
    component(name, [crd(`${name[0]?.toUpperCase()}${name.slice(1)}`), namespace(name)]),
  );
  const largest = Math.max(
    ...many.map((c) => estimateCrdBytes(c.component.name, c.objects.slice(0, 1))),
  );
  /** A budget that holds one component's CRDs and not two. */
  const budgetBytes = Math.ceil((CHART_OVERHEAD_BYTES + largest * 1.5) / (1 - PACKING_MARGIN));

  it('packs CRDs into one release when they fit', () => {
    const plan = planReleases(layout(), many);
    expect(plan.releases[0]?.components.map((c) => c.component.name)).toEqual([
      'one',
      'two',
      'three',
    ]);
    expect(plan.releases[0]?.description).toBe('CRDs of one, two, three');
  });

  it('overflows into derived CRD releases and reports their estimates', () => {
    const plan = planReleases(layout(['base'], ['x-crds']), many, { budgetBytes });
    expect(plan.releases.map((r) => r.name)).toEqual(['x-crds', 'x-crds-2', 'x-crds-3', 'base']);
    expect(plan.decisions.derivedNames).toEqual(['x-crds-2', 'x-crds-3']);
    expect(plan.decisions.crdReleases.map((r) => r.components.map((c) => c.component))).toEqual([
      ['one'],
      ['two'],
      ['three'],
    ]);
    for (const r of plan.decisions.crdReleases) {
      expect(r.budgetBytes).toBe(budgetBytes);
      expect(r.estimatedBytes).toBeGreaterThan(CHART_OVERHEAD_BYTES);
    }
    expect(checkInstallOrder(plan)).toEqual([]);
  });

  it('pins a component to a named CRD release by override', () => {
    const plan = planReleases(
      {
        ...layout(['base'], ['x-crds', 'y-crds']),
        overrides: { crds: [{ component: 'two', release: 'y-crds', reason: 'kept' }] },
      },
      many,
    );
    expect(plan.releases.slice(0, 2).map((r) => r.components.map((c) => c.component.name))).toEqual(
      [['one', 'three'], ['two']],
    );
    expect(plan.decisions.crdReleases[1]?.components[0]?.pinned).toBe('kept');
  });

  it('fails naming the component whose CRDs alone exceed the budget', () => {
    expect(() => planReleases(layout(), many, { budgetBytes: CHART_OVERHEAD_BYTES + 10 })).toThrow(
      /the CRDs of component 'one' alone are estimated at [\d.]+ KiB, over the/,
    );
  });
});

describe('checkLayout', () => {
  it('refuses two releases with the same name, naming the file and the name', () => {
    expect(() => checkLayout(layout(['base', 'crds']), 'my-releases.yaml')).toThrow(
      "my-releases.yaml: two releases are named 'crds'",
    );
  });

  it('refuses a pin to a release that is not a CRD release', () => {
    expect(() =>
      checkLayout(
        { ...layout(), overrides: { crds: [{ component: 'a', release: 'base', reason: 'r' }] } },
        'r.yaml',
      ),
    ).toThrow("r.yaml: overrides pin the CRDs of 'a' to 'base', which is not one of crds");
  });
});
