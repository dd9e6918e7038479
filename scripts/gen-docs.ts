/** `npm run docs`: regenerates the README's values reference from components.yaml and the release plan. */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildCharts } from '../src/build.ts';
import { valuesReference, withValuesReference } from '../src/chart/values-reference.ts';
import { readComponentList } from '../src/components.ts';
import { defaultPaths, projectRoot } from '../src/paths.ts';
import { defaultLockPath } from '../src/upstream/lock.ts';

const path = resolve(projectRoot, 'README.md');
const before = readFileSync(path, 'utf8');
// Which charts hold a component is computed by the plan, so the docs need a build.
const { plan } = await buildCharts({ paths: defaultPaths(), lockPath: defaultLockPath });
const after = withValuesReference(before, valuesReference(readComponentList(), plan));
if (after !== before) writeFileSync(path, after);
console.log(
  after === before
    ? 'README.md values reference is up to date'
    : 'README.md values reference updated',
);
