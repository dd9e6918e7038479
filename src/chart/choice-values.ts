import type { Component } from '../components.ts';
import { componentSchemas, type Schema } from '../values/schema.ts';

/**
 * The values of upstream's choices (docs/choices.md), from the build's components: which
 * optional components exist, which take their namespace from a value and which have a
 * Central Dashboard menu link is release data, so these keys are made per build.
 */

/** central-dashboard's key: one boolean per optional component with a menu link. */
export const MENU_LINKS = 'menuLinks';

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';

/** A component's own keys besides `enabled`: the static ones and its choices'. */
export function ownSchemas(
  component: Component,
  all: readonly Component[],
): Record<string, Schema> {
  const own: Record<string, Schema> = { ...componentSchemas[component.name] };
  if (component.namespaceValue) {
    // No default: values.yaml leaves it unset so that `required` can see it missing.
    own.namespace = {
      type: 'string',
      pattern: DNS_LABEL,
      maxLength: 63,
      description: `Namespace to install ${component.name} into (upstream applies it with \`kubectl apply -n\`); required when enabled. The namespace must exist.`,
      'x-kfcharts-example': 'kubeflow',
    };
  }
  if (!component.variants?.global) Object.assign(own, variantSchemas(component));
  const linked = all.filter((c) => c.dashboardLink);
  if (component.name === 'central-dashboard' && linked.length > 0) {
    own[MENU_LINKS] = {
      type: 'object',
      additionalProperties: false,
      description:
        'Menu links of optional components that upstream asks to add to centraldashboard-config by hand; turn one on with its component.',
      properties: Object.fromEntries(
        linked.map((c) => [
          c.name,
          {
            type: 'boolean',
            default: false,
            description: `Add ${c.dashboardLink?.text ?? c.name} (${c.dashboardLink?.link ?? ''}) to the menu.`,
          },
        ]),
      ),
    };
  }
  return own;
}

/** Each variant value of a component: its choices, default, and the paths they mirror. */
function variantSchemas(component: Component): Record<string, Schema> {
  const own: Record<string, Schema> = {};
  const paths = component.variants?.paths ?? [];
  for (const v of component.variants?.values ?? []) {
    own[v.name] = {
      type: 'string',
      enum: [...v.choices],
      default: v.default,
      description: `${v.description} (upstream: ${[
        `${v.default}: example/'s ${component.paths.join(', ')}`,
        ...v.choices
          .filter((c) => c !== v.default)
          .map(
            (c) =>
              `${c}: ${
                paths
                  .filter((p) => p.when[v.name] === c)
                  .map((p) => p.path)
                  .join(', ') || 'none'
              }`,
          ),
      ].join('; ')})`,
    };
  }
  return own;
}

/**
 * `global.<component>` of the components whose variant values are global (release data
 * `global`): their values and the combinations upstream offers. Merged into the `global`
 * schema of every chart, like every global key.
 */
export function globalChoiceSchemas(components: readonly Component[]): Record<string, Schema> {
  return Object.fromEntries(
    components
      .filter((c) => c.variants?.global)
      .map((c) => [
        c.name,
        {
          ...combinations(c),
          type: 'object',
          additionalProperties: false,
          description: `${c.name}'s choices among upstream's overlays (docs/choices.md); global because they change objects of other components (e.g. labels on their Namespaces).`,
          properties: variantSchemas(c),
        } as Schema,
      ]),
  );
}

/** The combinations upstream offers, when a component has several values. */
function combinations(component: Component): Schema {
  const variants = component.variants;
  if (!variants || variants.values.length < 2) return {};
  // Every combination offered (istio's platform and mode): nothing to refuse.
  const all = variants.values.reduce((n, v) => n * v.choices.length, 1);
  if (variants.paths.length + 1 >= all) return {};
  const combos = [{}, ...variants.paths.map((p) => p.when)].map((when) => ({
    properties: Object.fromEntries(
      variants.values.map((v) => [
        v.name,
        { const: (when as Record<string, string>)[v.name] ?? v.default },
      ]),
    ),
  }));
  return {
    anyOf: combos,
    description: `${variants.values.map((v) => v.name).join(' and ')}: only the combinations upstream offers`,
  };
}

/** JSON-schema conditions of a component's block: what enabling it requires. */
export function ownConditions(component: Component): Schema {
  const conditions: Schema[] = [];
  if (component.namespaceValue) {
    conditions.push({
      if: { properties: { enabled: { const: true } }, required: ['enabled'] },
      // biome-ignore lint/suspicious/noThenProperty: a JSON-schema keyword, not a thenable
      then: { required: ['namespace'] },
    });
  }
  const combos = component.variants?.global ? {} : combinations(component);
  if (Object.keys(combos).length > 0) conditions.push(combos);
  if (conditions.length === 0) return {};
  return conditions.length === 1 ? (conditions[0] as Schema) : { allOf: conditions };
}
