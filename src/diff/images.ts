import { parseImageReference } from '../images.ts';
import type { SnapshotImage } from './snapshot.ts';

export interface ImageChange {
  /** `docker.io/library/mysql`. */
  readonly repository: string;
  /** References (tag and/or digest) of the repository in each release. */
  readonly from: readonly string[];
  readonly to: readonly string[];
  /** Components that deploy it (in either release). */
  readonly components: readonly string[];
}

export interface ImageChanges {
  /** Repositories in both releases whose references differ. */
  readonly changed: readonly ImageChange[];
  readonly added: readonly ImageChange[];
  readonly removed: readonly ImageChange[];
}

interface Usage {
  readonly refs: Set<string>;
  readonly components: Set<string>;
}

/** `registry/repository` → its `:tag@digest` references and users (images are normalized). */
function byRepository(images: readonly SnapshotImage[]): Map<string, Usage> {
  const out = new Map<string, Usage>();
  for (const { image, component } of images) {
    const ref = parseImageReference(image);
    const repository = ref ? `${ref.registry}/${ref.repository}` : image;
    const reference = image.slice(repository.length) || '(untagged)';
    const usage = out.get(repository) ?? { refs: new Set(), components: new Set() };
    usage.refs.add(reference.replace(/^:/, ''));
    usage.components.add(component);
    out.set(repository, usage);
  }
  return out;
}

const sorted = (set: Iterable<string>) => [...set].sort();

/** Image changes per repository: old → new references, repositories added and removed. */
export function imageChanges(
  from: readonly SnapshotImage[],
  to: readonly SnapshotImage[],
): ImageChanges {
  const before = byRepository(from);
  const after = byRepository(to);
  const changed: ImageChange[] = [];
  const removed: ImageChange[] = [];
  const added: ImageChange[] = [];
  for (const [repository, old] of before) {
    const now = after.get(repository);
    const entry = (n: Usage | undefined) => ({
      repository,
      from: sorted(old.refs),
      to: sorted(n?.refs ?? []),
      components: sorted(new Set([...old.components, ...(n?.components ?? [])])),
    });
    if (!now) removed.push(entry(undefined));
    else if (sorted(old.refs).join(' ') !== sorted(now.refs).join(' ')) changed.push(entry(now));
  }
  for (const [repository, now] of after) {
    if (!before.has(repository)) {
      added.push({
        repository,
        from: [],
        to: sorted(now.refs),
        components: sorted(now.components),
      });
    }
  }
  const byRepo = (a: ImageChange, b: ImageChange) =>
    a.repository < b.repository ? -1 : a.repository > b.repository ? 1 : 0;
  return {
    changed: changed.sort(byRepo),
    added: added.sort(byRepo),
    removed: removed.sort(byRepo),
  };
}
