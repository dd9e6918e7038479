/**
 * `npm run docs`: regenerates the docs' generated blocks from a build of the newest pinned
 * release: the values reference (docs/configuration.md) and the charts table with release
 * sizes measured by Helm (docs/charts-and-layers.md), and the README's table of upstream's
 * choices (release data).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildCharts } from '../src/build.ts';
import {
  CHOICES_TABLE_DOC,
  CHOICES_TABLE_END,
  CHOICES_TABLE_START,
  choicesTable,
} from '../src/chart/choices-table.ts';
import {
  CHARTS_TABLE_DOC,
  CHARTS_TABLE_END,
  CHARTS_TABLE_START,
  chartFigures,
  chartsTable,
  VALUES_REFERENCE_DOC,
  withGenerated,
} from '../src/chart/docs-figures.ts';
import { valuesReference, withValuesReference } from '../src/chart/values-reference.ts';
import { defaultPaths, projectRoot } from '../src/paths.ts';
import { Helm } from '../src/tools/helm.ts';
import { runScript } from './script-main.ts';

runScript('gen-docs', async () => {
  const result = await buildCharts({ paths: defaultPaths() });
  const table = chartsTable(result.tree.tag, result.plan, await chartFigures(result, new Helm()));
  const reference = valuesReference(
    result.components.map((c) => c.component),
    result.plan,
  );
  const choices = choicesTable(
    result.tree.tag,
    result.components.map((c) => c.component),
  );
  const edits: [string, (text: string) => string][] = [
    [
      CHOICES_TABLE_DOC,
      (text) =>
        withGenerated(text, choices, CHOICES_TABLE_START, CHOICES_TABLE_END, CHOICES_TABLE_DOC),
    ],
    [VALUES_REFERENCE_DOC, (text) => withValuesReference(text, reference)],
    [
      CHARTS_TABLE_DOC,
      (text) => withGenerated(text, table, CHARTS_TABLE_START, CHARTS_TABLE_END, CHARTS_TABLE_DOC),
    ],
  ];
  for (const [file, edit] of edits) {
    const path = resolve(projectRoot, file);
    const before = readFileSync(path, 'utf8');
    const after = edit(before);
    if (after !== before) writeFileSync(path, after);
    console.log(`${file}: generated blocks ${after === before ? 'up to date' : 'updated'}`);
  }
});
