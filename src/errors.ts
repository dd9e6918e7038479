/**
 * Typed errors. Library code throws these; only the CLI boundary (src/cli/main.ts)
 * turns them into a message and an exit code. Every error names what it is about
 * (component, file, rule, values key) so a user can act without reading a stack trace.
 */
export type ErrorCode =
  | 'usage'
  | 'tool-missing'
  | 'tool-failed'
  | 'lock-invalid'
  | 'upstream-missing'
  | 'upstream-hash-mismatch'
  | 'archive-invalid'
  | 'remote-ref-missing'
  | 'remote-ref-hash-mismatch'
  | 'component-list-invalid'
  | 'kustomize-failed'
  | 'manifest-invalid'
  | 'chart-invalid'
  | 'write-failed'
  | 'push-refused'
  | 'layout-invalid'
  | 'rule-mismatch'
  | 'install-order'
  | 'verify-failed'
  | 'charts-missing'
  | 'packages-missing'
  | 'tag-invalid';

export class KfchartsError extends Error {
  readonly code: ErrorCode;
  /** Extra lines printed under the message (e.g. kustomize's stderr). */
  readonly details: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { details?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KfchartsError';
    this.code = code;
    this.details = options?.details;
  }
}

export function isKfchartsError(error: unknown): error is KfchartsError {
  return error instanceof KfchartsError;
}
