/**
 * `node scripts/fetch-upstream.ts --tag <tag> --out <dir> [--strict]`: builds an upstream
 * mirror (kubeflow-manifests/<tag>.tar.gz and remote-cache.tar.gz, laid out like
 * ../shared/upstream) from GitHub, for CI machines that have no mirror. Then
 * `KFCHARTS_UPSTREAM_MIRROR=<dir>` makes build, verify and lock read it. The repository is
 * kubeflow/community-distribution, the renamed kubeflow/manifests (GitHub redirects the old
 * name); the mirror keeps its `kubeflow-manifests/` folder, as ../shared/upstream has it.
 *
 * It needs the network (github.com) and `git`; the unit test covers the logic offline
 * with fakes (test/unit/fetch-upstream.test.ts), the real downloads run only in GitHub
 * Actions.
 */
import { KfchartsError } from '../src/errors.ts';
import { fetchUpstream } from '../src/upstream/fetch.ts';
import { parseScriptArgs, runScript } from './script-main.ts';

const USAGE = `usage: node scripts/fetch-upstream.ts --tag <tag> --out <dir> [--repository kubeflow/community-distribution] [--strict]
  --strict  fail when a remote reference cannot be fetched (default: report it; the build
            then fails by name if a component needs it)`;

runScript('fetch-upstream', async () => {
  const { values } = parseScriptArgs(
    {
      tag: { type: 'string' },
      out: { type: 'string' },
      repository: { type: 'string' },
      strict: { type: 'boolean', default: false },
    },
    USAGE,
  );
  if (!values.tag || !values.out)
    throw new KfchartsError('usage', `--tag and --out are needed\n\n${USAGE}`);
  const result = await fetchUpstream({
    tag: values.tag,
    outDir: values.out,
    strict: values.strict,
    ...(values.repository !== undefined && { repository: values.repository }),
    log: (line) => console.error(line),
  });
  const failed = result.refs.filter((r) => r.error !== undefined);
  console.log(`wrote ${result.archive}`);
  console.log(
    `wrote ${result.remoteCache}: ${result.refs.length - failed.length} of ${result.refs.length} remote references`,
  );
  for (const ref of failed) {
    console.log(`  not cached: ${ref.url} (in ${ref.files.join(', ')}): ${ref.error}`);
  }
});
