import { KfchartsError } from '../errors.ts';
import type { ManifestObject } from '../manifest/object.ts';
import type { CrdPin, NamedRelease } from './layout.ts';

export interface CrdPackInput {
  readonly named: readonly NamedRelease[];
  readonly pins: readonly CrdPin[];
  /** Components with CRDs, in component-list order. */
  readonly components: readonly {
    readonly name: string;
    readonly crds: readonly ManifestObject[];
  }[];
  /** What one release may weigh (base64 of gzip), margin already taken off. */
  readonly budgetBytes: number;
  /** Fixed weight of a chart with no objects. */
  readonly overheadBytes: number;
  readonly estimate: (component: string, crds: readonly ManifestObject[]) => number;
  /** Names no derived release may take (the layers'). */
  readonly reserved: ReadonlySet<string>;
  readonly file: string;
}

export interface CrdBin {
  readonly name: string;
  readonly description: string | undefined;
  readonly derived: boolean;
  readonly members: {
    readonly component: string;
    readonly bytes: number;
    readonly pinned?: string;
  }[];
  bytes: number;
}

/**
 * Packs the components' CRDs into as few releases as the budget allows: pinned components
 * first, into their release; then the others first-fit in component-list order, so a
 * component's release depends only on the components before it (and an upstream release
 * that adds one at the end moves nothing). A release beyond the named ones gets a derived
 * name. Returns every bin, named ones without members included (unused).
 */
export function packCrds(input: CrdPackInput): CrdBin[] {
  const bins: CrdBin[] = input.named.map((r) => ({
    name: r.name,
    description: r.description,
    derived: false,
    members: [],
    bytes: input.overheadBytes,
  }));
  const pins = new Map(input.pins.map((p) => [p.component, p]));
  const sized = input.components.map((c) => ({ ...c, bytes: input.estimate(c.name, c.crds) }));
  for (const c of sized) {
    if (input.overheadBytes + c.bytes > input.budgetBytes) {
      throw new KfchartsError(
        'layout-invalid',
        `the CRDs of component '${c.name}' alone are estimated at ${kib(input.overheadBytes + c.bytes)} KiB, over the ${kib(input.budgetBytes)} KiB a release may hold`,
      );
    }
  }
  const known = new Set(sized.map((c) => c.name));
  for (const pin of input.pins) {
    if (!known.has(pin.component)) {
      throw new KfchartsError(
        'layout-invalid',
        `${input.file}: overrides pin the CRDs of '${pin.component}', a component with no CRDs in this build`,
      );
    }
  }
  for (const c of sized.filter((x) => pins.has(x.name))) {
    const pin = pins.get(c.name) as CrdPin;
    const bin = bins.find((b) => b.name === pin.release) as CrdBin;
    bin.members.push({ component: c.name, bytes: c.bytes, pinned: pin.reason });
    bin.bytes += c.bytes;
    if (bin.bytes > input.budgetBytes) {
      throw new KfchartsError(
        'layout-invalid',
        `${input.file}: the CRDs pinned to '${bin.name}' are estimated at ${kib(bin.bytes)} KiB with component '${c.name}', over the ${kib(input.budgetBytes)} KiB a release may hold`,
      );
    }
  }
  const taken = new Set([...input.reserved, ...bins.map((b) => b.name)]);
  for (const c of sized.filter((x) => !pins.has(x.name))) {
    let bin = bins.find((b) => b.bytes + c.bytes <= input.budgetBytes);
    if (bin === undefined) {
      bin = {
        name: derivedName(input.named[0]?.name ?? 'crds', bins.length + 1, taken),
        description: undefined,
        derived: true,
        members: [],
        bytes: input.overheadBytes,
      };
      taken.add(bin.name);
      bins.push(bin);
    }
    bin.members.push({ component: c.name, bytes: c.bytes });
    bin.bytes += c.bytes;
  }
  return bins;
}

/** `<base>-<n>`, the first n from `from` that no release has. */
export function derivedName(base: string, from: number, taken: ReadonlySet<string>): string {
  let n = from;
  while (taken.has(`${base}-${n}`)) n++;
  return `${base}-${n}`;
}

export function kib(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}
