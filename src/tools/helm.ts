import { KfchartsError } from '../errors.ts';
import { exec } from './exec.ts';
import { resolveTool } from './resolve.ts';

export interface TemplateOptions {
  readonly releaseName: string;
  readonly namespace: string;
  readonly includeCrds?: boolean;
  /** `--set key=value` pairs, in order. */
  readonly set?: readonly string[];
  /** `-f file` values files, in order. */
  readonly valuesFiles?: readonly string[];
}

/** One Helm binary (Helm 4 by default; Helm 3 for compatibility checks). */
export class Helm {
  readonly path: string;

  constructor(path = resolveTool('helm')) {
    this.path = path;
  }

  static v3(): Helm {
    return new Helm(resolveTool('helm3'));
  }

  async version(): Promise<string> {
    const result = await this.run(['version', '--short'], 'helm version');
    return result.trim();
  }

  template(chartDir: string, options: TemplateOptions): Promise<string> {
    const args = ['template', options.releaseName, chartDir, '--namespace', options.namespace];
    if (options.includeCrds) args.push('--include-crds');
    for (const file of options.valuesFiles ?? []) args.push('--values', file);
    for (const pair of options.set ?? []) args.push('--set', pair);
    return this.run(args, `helm template ${chartDir}`);
  }

  /** The release object `helm install` would store, as JSON (client-side dry run). */
  installDryRun(
    chartDir: string,
    options: { releaseName: string; namespace: string },
  ): Promise<string> {
    return this.run(
      [
        'install',
        options.releaseName,
        chartDir,
        '--namespace',
        options.namespace,
        '--dry-run=client',
        '--output',
        'json',
      ],
      `helm install --dry-run ${chartDir}`,
    );
  }

  /** `helm lint --strict`; returns the output (lint prints INFO lines even on success). */
  lint(chartDir: string): Promise<string> {
    return this.run(['lint', '--strict', chartDir], `helm lint ${chartDir}`);
  }

  private async run(args: string[], what: string): Promise<string> {
    const result = await exec(this.path, args);
    if (result.exitCode !== 0) {
      throw new KfchartsError(
        'tool-failed',
        `${what} failed (${this.path}, exit ${result.exitCode})`,
        {
          details: `${result.stderr}${result.stdout}`.trim(),
        },
      );
    }
    return result.stdout;
  }
}
