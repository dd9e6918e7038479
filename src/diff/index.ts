/** `kfcharts diff`: what changes between two upstream releases, as the charts see it. */
export type { BreakingChange } from './breaking.ts';
export type { FieldChange } from './fields.ts';
export type { ImageChange, ImageChanges } from './images.ts';
export { renderChangeReport } from './render.ts';
export { type ChangeReport, diffSnapshots } from './report.ts';
export {
  type ReleaseSnapshot,
  type RuleFinding,
  type SnapshotCrd,
  type SnapshotObject,
  snapshotOf,
} from './snapshot.ts';
