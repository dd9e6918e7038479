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
  | 'tag-invalid'
  | 'tree-invalid'
  | 'fs-failed'
  | 'docs-invalid';

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

/** What each file-system error code means, in words a user can act on. */
const FS_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ELOOP: 'too many levels of symbolic links',
  EEXIST: 'it already exists',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  ENOTEMPTY: 'the folder is not empty',
};

/**
 * A file-system error of Node (it has `code`, `syscall` and `path`) as a KfchartsError
 * naming the path and the operation; undefined for anything else. Such an error comes
 * from kfcharts' own inputs or outputs (a cache folder that is a file, a read-only dist,
 * a dangling link), not from a bug, so it exits 1 with a message instead of 70.
 */
export function fromFsError(error: unknown): KfchartsError | undefined {
  const what = fsFailure(error);
  if (what === undefined) return undefined;
  const { path, dest } = error as NodeJS.ErrnoException & { dest?: string };
  const target = dest === undefined ? path : `${path} -> ${dest}`;
  return new KfchartsError('fs-failed', `${target}: ${what}`, { cause: error });
}

/** `<operation> failed: <reason> (<code>)` of a Node file-system error, else undefined. */
export function fsFailure(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, syscall, path } = error as NodeJS.ErrnoException;
  if (typeof code !== 'string' || typeof syscall !== 'string' || typeof path !== 'string') {
    return undefined;
  }
  const reason = FS_REASONS[code];
  return reason === undefined ? undefined : `${syscall} failed: ${reason} (${code})`;
}
