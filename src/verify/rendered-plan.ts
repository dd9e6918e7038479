import type { Component } from '../components.ts';
import { splitManifests } from '../manifest/object.ts';
import { NO_DECISIONS, type ReleasePlan } from '../release/plan.ts';
import type { RenderedObject } from './render.ts';

/**
 * A release plan rebuilt from rendered objects, for the install-order check on what Helm
 * renders rather than on the build's plan: one release per group, in the order given
 * (a chart, or the objects taken as installed before the first chart).
 */
export function planOfRendered(
  releases: readonly { readonly name: string; readonly objects: readonly RenderedObject[] }[],
  components: ReadonlyMap<string, Component>,
): ReleasePlan {
  return {
    decisions: NO_DECISIONS,
    releases: releases.map(({ name, objects }, index) => {
      const names = [...new Set(objects.map((o) => o.component))];
      return {
        name,
        description: name,
        index,
        components: names.map((component) => ({
          component: components.get(component) ?? {
            name: component,
            paths: [],
            description: '',
            optional: false,
            derived: false,
          },
          objects: objects
            .filter((o) => o.component === component)
            .flatMap((o) => splitManifests(o.text, o.source)),
        })),
      };
    }),
  };
}

/** The chart a rendered object comes from: the first part of its `# Source:` path. */
export function chartOf(o: RenderedObject): string {
  return o.source.split('/')[0] ?? '';
}
