import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A copy of a built chart with only the templates that `keep` selects (and kfcharts'
 * helpers): every subchart stays (Chart.yaml lists them all), with its values and schema.
 * For renders against a fake API server (fake-api-server.ts), which can only map the
 * kinds it is given.
 */
export function trimmedChart(
  chartDir: string,
  outDir: string,
  keep: (template: string) => boolean,
): { dir: string; kept: string[] } {
  const kept: string[] = [];
  const copy = (from: string, to: string, prefix: string) => {
    mkdirSync(join(to, 'templates'), { recursive: true });
    for (const f of ['Chart.yaml', 'values.yaml', 'values.schema.json']) {
      if (existsSync(join(from, f))) copyFileSync(join(from, f), join(to, f));
    }
    const templates = join(from, 'templates');
    for (const f of existsSync(templates) ? readdirSync(templates).sort() : []) {
      const text = readFileSync(join(templates, f), 'utf8');
      const helpers = f === '_kfcharts.tpl';
      if (!helpers && !keep(text)) continue;
      copyFileSync(join(templates, f), join(to, 'templates', f));
      if (!helpers) kept.push(`${prefix}${f}`);
    }
  };
  copy(chartDir, outDir, '');
  const subcharts = join(chartDir, 'charts');
  for (const sub of existsSync(subcharts) ? readdirSync(subcharts).sort() : []) {
    copy(join(subcharts, sub), join(outDir, 'charts', sub), `${sub}/`);
  }
  return { dir: outDir, kept };
}
