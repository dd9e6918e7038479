import { KfchartsError } from '../errors.ts';
import { exec } from './exec.ts';
import { resolveTool } from './resolve.ts';

/**
 * kustomize spends much of its CPU in Go's garbage collector. GOGC=400 (collect at 5× the
 * live heap instead of 2×) measured on example/ at 26.03, 2 CPUs: 7.4 s → 4.5 s of CPU,
 * 5.4 s → 4.2 s wall, peak 400 → 800 MB; a component's build needs far less. A GOGC the
 * user set wins.
 */
const KUSTOMIZE_ENV: NodeJS.ProcessEnv = { ...process.env, GOGC: process.env.GOGC ?? '400' };

/** kubectl, used only for its built-in kustomize. */
export class Kubectl {
  readonly path: string;

  constructor(path = resolveTool('kubectl')) {
    this.path = path;
  }

  /** `kubectl version --client` as one line; part of every kustomize cache key. */
  async version(): Promise<string> {
    const result = await exec(this.path, ['version', '--client']);
    if (result.exitCode !== 0) {
      throw new KfchartsError('tool-failed', `${this.path} version --client failed`, {
        details: result.stderr,
      });
    }
    return result.stdout.trim().split('\n').join('; ');
  }

  /**
   * `kubectl kustomize <dir>`. `what` names the component in the error, since a raw
   * kustomize message rarely says which of 27 builds it came from.
   */
  async kustomize(dir: string, what: string): Promise<string> {
    const result = await exec(this.path, ['kustomize', dir], { env: KUSTOMIZE_ENV });
    // Killed (a signal: out of memory, interrupted) is no verdict on the input.
    if (result.exitCode >= 128) {
      throw new KfchartsError(
        'tool-failed',
        `kustomize build of ${what} (${dir}) was killed (exit ${result.exitCode})`,
        { details: result.stderr.trim() },
      );
    }
    if (result.exitCode !== 0) {
      throw new KfchartsError('kustomize-failed', `kustomize build of ${what} (${dir}) failed`, {
        details: result.stderr.trim(),
      });
    }
    return result.stdout;
  }
}
