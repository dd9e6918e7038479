/** `npm run docs`: regenerates the README's values reference from components.yaml and releases.yaml. */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { valuesReference, withValuesReference } from '../src/chart/values-reference.ts';
import { readComponentList } from '../src/components.ts';
import { projectRoot } from '../src/paths.ts';
import { readReleaseLayout } from '../src/release/plan.ts';

const path = resolve(projectRoot, 'README.md');
const before = readFileSync(path, 'utf8');
const after = withValuesReference(
  before,
  valuesReference(readComponentList(), readReleaseLayout()),
);
if (after !== before) writeFileSync(path, after);
console.log(
  after === before
    ? 'README.md values reference is up to date'
    : 'README.md values reference updated',
);
