/** HTTP downloads of upstream archives and remote files, with a timeout and retries. */

/** `fetch`, or a stand-in for tests. */
export type FetchLike = (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;

const DOWNLOAD_TIMEOUT_MS = 300_000;

export interface Fetcher {
  readonly fetch: FetchLike;
  /** Tries in all; only network errors, 429 and 5xx are retried. */
  readonly attempts: number;
  readonly retryDelayMs: number;
}

/** The body of `url`; throws the last error (network error or `HTTP <status>`). */
export async function download(fetcher: Fetcher, url: string): Promise<Uint8Array> {
  let last: unknown;
  for (let attempt = 1; attempt <= fetcher.attempts; attempt++) {
    if (attempt > 1) await sleep(fetcher.retryDelayMs * (attempt - 1));
    let response: Response;
    try {
      response = await fetcher.fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
    } catch (cause) {
      last = cause;
      continue;
    }
    if (response.ok) return new Uint8Array(await response.arrayBuffer());
    last = new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    if (response.status !== 429 && response.status < 500) break;
  }
  throw last;
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((done) => setTimeout(done, ms)) : Promise.resolve();
}
