import { parse } from 'yaml';
import { MENU_LINKS } from '../chart/choice-values.ts';
import { escapeTemplateText } from '../chart/escape.ts';
import type { Component } from '../components.ts';
import { EditError, selectObject, templateRule } from './edit.ts';
import type { ObjectRule } from './rule.ts';

export const DASHBOARD_LINKS_RULE = 'choices-dashboard-links';

/**
 * The Central Dashboard menu links of optional components (release data `dashboardLink`,
 * docs/choices.md), which upstream's READMEs ask users to add to centraldashboard-config
 * by hand (`.menuLinks += [<link>]`). Each is appended to `menuLinks` in the `links` JSON
 * when `central-dashboard.menuLinks.<component>` is true. The rule proves its edit: the
 * text with every link on must read back as upstream's links plus exactly these.
 */
export function dashboardLinksRule(components: readonly Component[]): ObjectRule | undefined {
  const linked = components.filter((c) => c.dashboardLink);
  if (linked.length === 0) return undefined;
  return templateRule({
    id: DASHBOARD_LINKS_RULE,
    description: `centraldashboard-config: menu links of ${linked.map((c) => c.name).join(', ')} when central-dashboard.${MENU_LINKS}.<component>`,
    component: 'central-dashboard',
    select: selectObject('ConfigMap', 'kubeflow', 'centraldashboard-config'),
    edit(e) {
      const text = e.object.text;
      const lines = text.split('\n');
      const open = lines.findIndex((l) => /^ *"menuLinks": \[$/.test(l));
      if (open < 0) throw new EditError('data.links has no `"menuLinks": [` line');
      const indent = /^ */.exec(lines[open] as string)?.[0] ?? '';
      const close = lines.findIndex(
        (l, i) => i > open && (l === `${indent}]` || l === `${indent}],`),
      );
      if (close < 0 || !(lines[close - 1] as string).endsWith('}')) {
        throw new EditError('menuLinks does not end with an entry and `]` at its indentation');
      }
      // The end of the last entry's line: each link goes after it as `,\n<entry>`.
      const at =
        lines.slice(0, close - 1).join('\n').length + 1 + (lines[close - 1] as string).length;
      const inserts = linked.map((c) => {
        const entry = JSON.stringify(c.dashboardLink, null, 4)
          .split('\n')
          .map((l) => `${indent}    ${l}`)
          .join('\n');
        return { component: c.name, text: `,\n${entry}` };
      });
      const all = text.slice(0, at) + inserts.map((i) => i.text).join('') + text.slice(at);
      const before = JSON.parse((parse(text) as { data: { links: string } }).data.links) as {
        menuLinks: unknown[];
      };
      const after = JSON.parse((parse(all) as { data: { links: string } }).data.links) as {
        menuLinks: unknown[];
      };
      const expected = {
        ...before,
        menuLinks: [...before.menuLinks, ...linked.map((c) => c.dashboardLink)],
      };
      if (JSON.stringify(after) !== JSON.stringify(expected)) {
        throw new EditError(
          'the links with the menu links added do not read back as upstream’s plus them',
        );
      }
      e.insert(
        at,
        inserts
          .map(
            (i) =>
              `{{ if (index $.Values.${MENU_LINKS} ${JSON.stringify(i.component)}) }}${escapeTemplateText(i.text)}{{ end }}`,
          )
          .join(''),
      );
    },
  });
}
