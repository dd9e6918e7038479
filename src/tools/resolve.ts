import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { KfchartsError } from '../errors.ts';
import { defaultPaths } from '../paths.ts';

/** The external tools kfcharts drives, and where scripts/install-tools.ts puts them. */
export const TOOLS = {
  helm: { env: 'KFCHARTS_HELM', installed: 'helm4/helm' },
  helm3: { env: 'KFCHARTS_HELM3', installed: 'helm3/helm' },
  kubectl: { env: 'KFCHARTS_KUBECTL', installed: 'kubectl/kubectl' },
} as const;

export type ToolName = keyof typeof TOOLS;

/** Finds a tool: its env override first, then the pinned copy in the tools folder. */
export function resolveTool(
  name: ToolName,
  env: NodeJS.ProcessEnv = process.env,
  toolsDir = defaultPaths(env).toolsDir,
): string {
  const spec = TOOLS[name];
  const override = env[spec.env];
  const candidate = override && override.length > 0 ? override : join(toolsDir, spec.installed);
  try {
    accessSync(candidate, constants.X_OK);
  } catch {
    const hint = override
      ? `${spec.env} points at ${candidate}, which is not an executable file`
      : `${candidate} is missing: run \`npm ci\` (its postinstall unpacks the pinned tools) or set ${spec.env}`;
    throw new KfchartsError('tool-missing', `${name} not found: ${hint}`);
  }
  return candidate;
}
