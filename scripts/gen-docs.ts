/** `npm run docs`: regenerates the README's values reference from a build of the newest pinned release. */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildCharts } from '../src/build.ts';
import { valuesReference, withValuesReference } from '../src/chart/values-reference.ts';
import { defaultPaths, projectRoot } from '../src/paths.ts';
import { runScript } from './script-main.ts';

runScript('gen-docs', async () => {
  const path = resolve(projectRoot, 'README.md');
  const before = readFileSync(path, 'utf8');
  const result = await buildCharts({ paths: defaultPaths() });
  const after = withValuesReference(
    before,
    valuesReference(
      result.components.map((c) => c.component),
      result.plan,
    ),
  );
  if (after !== before) writeFileSync(path, after);
  console.log(
    after === before
      ? 'README.md values reference is up to date'
      : 'README.md values reference updated',
  );
});
