import { mkdirSync } from 'node:fs';
import { parse } from 'yaml';
import { KfchartsError } from '../errors.ts';
import { type ExecResult, exec } from './exec.ts';
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

/** Where a chart went to or came from in an OCI registry, as Helm reports it. */
export interface OciTransfer {
  /** `host/path/name:version`, without the `oci://` scheme (Helm's `Pushed:`/`Pulled:` line). */
  readonly reference: string;
  /** The OCI manifest digest (`sha256:...`). */
  readonly digest: string;
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

  /** Name and version of a chart folder or package (`helm show chart`). */
  async showChart(chart: string): Promise<{ name: string; version: string }> {
    const meta = parse(await this.run(['show', 'chart', chart], `helm show chart ${chart}`)) as {
      name?: unknown;
      version?: unknown;
    };
    if (typeof meta.name !== 'string' || typeof meta.version !== 'string') {
      throw new KfchartsError('tool-failed', `helm show chart ${chart}: no name or version`);
    }
    return { name: meta.name, version: meta.version };
  }

  /** The release object `helm install` would store, as JSON (client-side dry run). */
  installDryRun(
    chartDir: string,
    options: {
      releaseName: string;
      namespace: string;
      valuesFiles?: readonly string[];
      set?: readonly string[];
    },
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
        ...(options.valuesFiles ?? []).flatMap((file) => ['--values', file]),
        ...(options.set ?? []).flatMap((pair) => ['--set', pair]),
      ],
      `helm install --dry-run ${chartDir}`,
    );
  }

  /** `helm lint --strict`; returns the output (lint prints INFO lines even on success). */
  lint(chartDir: string): Promise<string> {
    return this.run(['lint', '--strict', chartDir], `helm lint ${chartDir}`);
  }

  /** `helm push <package> <oci://remote>`: uploads a chart archive to an OCI registry. */
  async push(
    packageFile: string,
    remote: string,
    options: { plainHttp?: boolean } = {},
  ): Promise<OciTransfer> {
    const args = ['push', packageFile, remote];
    if (options.plainHttp) args.push('--plain-http');
    const what = `helm push ${packageFile} ${remote}`;
    const result = await this.runFull(args, what).catch(registryHint(remote));
    return transferOf(result, 'Pushed', what, this.path);
  }

  /**
   * `helm pull <oci://remote/name> --version V -d <destination>`: downloads a chart archive
   * (as `<name>-<version>.tgz`) into `destination`, which is created if missing.
   */
  async pull(
    reference: string,
    options: { version: string; destination: string; plainHttp?: boolean },
  ): Promise<OciTransfer> {
    mkdirSync(options.destination, { recursive: true });
    const args = [
      'pull',
      reference,
      '--version',
      options.version,
      '--destination',
      options.destination,
    ];
    if (options.plainHttp) args.push('--plain-http');
    const what = `helm pull ${reference} --version ${options.version}`;
    const result = await this.runFull(args, what).catch(registryHint(reference));
    return transferOf(result, 'Pulled', what, this.path);
  }

  private async run(args: string[], what: string): Promise<string> {
    return (await this.runFull(args, what)).stdout;
  }

  /** Runs helm; a non-zero exit is a `tool-failed` error carrying helm's own output. */
  private async runFull(args: string[], what: string): Promise<ExecResult> {
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
    return result;
  }
}

/** Helm's registry errors that have a known remedy, and the remedy. */
const REGISTRY_HINTS: readonly [RegExp, (host: string) => string][] = [
  [
    /server gave HTTP response to HTTPS client/,
    () => 'the registry speaks plain HTTP: add --plain-http',
  ],
  [
    /basic credential not found|unauthorized|authentication required/i,
    (host) => `the registry wants credentials: run \`helm registry login ${host}\` first`,
  ],
];

/** Rethrows a failed push or pull with a hint appended to its message, when one fits. */
function registryHint(reference: string): (error: unknown) => never {
  return (error) => {
    if (!(error instanceof KfchartsError) || error.details === undefined) throw error;
    const host = reference.replace(/^oci:\/\//, '').split('/')[0] ?? reference;
    const hint = REGISTRY_HINTS.find(([pattern]) => pattern.test(error.details as string));
    if (!hint) throw error;
    throw new KfchartsError(error.code, `${error.message}: ${hint[1](host)}`, {
      details: error.details,
      cause: error,
    });
  };
}

/**
 * Reads the `Pushed:`/`Pulled:` and `Digest:` lines Helm prints (on stderr) after an OCI
 * transfer. Their absence means this Helm speaks differently than the pinned one.
 */
function transferOf(
  result: ExecResult,
  verb: 'Pushed' | 'Pulled',
  what: string,
  helmPath: string,
): OciTransfer {
  const output = `${result.stderr}${result.stdout}`;
  const reference = new RegExp(`^${verb}: (\\S+)$`, 'm').exec(output)?.[1];
  const digest = /^Digest: (sha256:[0-9a-f]{64})$/m.exec(output)?.[1];
  if (reference === undefined || digest === undefined) {
    throw new KfchartsError(
      'tool-failed',
      `${what} succeeded but did not report the '${verb}:' reference and 'Digest:' (${helmPath})`,
      { details: output.trim() },
    );
  }
  return { reference, digest };
}
