/**
 * Progress for long stages: one rewritten line on a terminal, plain lines otherwise
 * (CI logs, pipes), so logs stay readable and terminals stay quiet.
 */
export interface Progress {
  step(label: string, detail: string): void;
  finish(summary: string): void;
}

export function createProgress(
  title: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): Progress {
  const live = stream.isTTY === true && !env.CI;
  let done = 0;
  return {
    step(label, detail) {
      done += 1;
      if (live) stream.write(`\r\x1b[2K${title} [${done}/${total}] ${label} ${detail}`);
      else stream.write(`${title} [${done}/${total}] ${label} ${detail}\n`);
    },
    finish(summary) {
      stream.write(`${live ? '\r\x1b[2K' : ''}${title}: ${summary}\n`);
    },
  };
}

/** Runs `worker` over `items` with at most `limit` in flight; results keep input order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  worker: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await worker(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, run));
  return results;
}
