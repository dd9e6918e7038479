import type { VerifyReport } from './verify.ts';

/** The readable summary printed by `kfcharts verify`; dist/verify.json has everything. */
export function formatVerifySummary(report: VerifyReport, jsonPath: string): string {
  const lines = [
    `verify: kubeflow/manifests ${report.upstream.tag} (tree ${report.upstream.treeSha256.slice(0, 12)}), ` +
      `release ${report.release.releaseName} in namespace ${report.release.namespace}`,
  ];
  for (const c of report.charts) {
    lines.push(
      `  chart ${c.chart}: ${c.objects} objects rendered; two renders ${c.rendersIdentical ? 'identical' : 'DIFFER'}`,
    );
  }
  const equal = report.components.filter(
    (c) => c.missing.length + c.extra.length + c.different.length + c.textDiffers.length === 0,
  );
  lines.push(
    `  components equal to their own kustomize build: ${equal.length}/${report.components.length}`,
  );
  for (const c of report.components) {
    const problems = c.missing.length + c.extra.length + c.different.length + c.textDiffers.length;
    lines.push(
      `    ${c.name.padEnd(26)} ${String(c.expected).padStart(4)} expected ${String(c.actual).padStart(4)} rendered  ${problems === 0 ? 'equal' : `${c.missing.length} missing, ${c.extra.length} extra, ${c.different.length} different, ${c.textDiffers.length} text`}`,
    );
  }
  if (report.choices.components.length > 0) {
    lines.push(
      `  optional components, rendered with ${report.choices.set.join(',')}, against their own kustomize build:`,
    );
    for (const c of report.choices.components) {
      const problems =
        c.missing.length + c.extra.length + c.different.length + c.textDiffers.length;
      lines.push(
        `    ${c.name.padEnd(26)} ${String(c.expected).padStart(4)} expected ${String(c.actual).padStart(4)} rendered  ${problems === 0 ? 'equal' : `${c.missing.length} missing, ${c.extra.length} extra, ${c.different.length} different, ${c.textDiffers.length} text`}`,
      );
    }
  }
  if (report.choices.variants.length > 0) {
    lines.push('  variants, each rendered with its values against its own kustomize build:');
    for (const v of report.choices.variants) {
      const problems =
        v.missing.length + v.extra.length + v.different.length + v.textDiffers.length;
      lines.push(
        `    ${v.set.join(',').padEnd(40)} ${String(v.expected).padStart(4)} expected ${String(v.actual).padStart(4)} rendered  ${problems === 0 ? 'equal' : `${v.missing.length} missing, ${v.extra.length} extra, ${v.different.length} different, ${v.textDiffers.length} text`} (${v.path})`,
      );
      if (v.set.some((s) => s.startsWith('global.'))) {
        lines.push(
          `      every other component of every chart as at defaults: ${v.otherChanges.length === 0 ? 'yes' : `NO, ${v.otherChanges.length} object(s) differ`}`,
        );
      }
      for (const n of v.sharedNamespaces) {
        lines.push(
          `      ${n.name}: rendered by ${n.owner}, its default with the overlay's labels (and removeLabels): ${n.equal ? 'equal' : 'DIFFERENT'}`,
        );
      }
    }
  }
  for (const p of report.choices.payloads) {
    lines.push(
      `    ${p.chart.padEnd(26)} ${(p.storedBytes / 1024).toFixed(1).padStart(7)} KiB with them on  ${p.overLimit ? 'OVER LIMIT' : p.overTarget ? 'over target' : 'ok'}`,
    );
  }
  const ex = report.example;
  lines.push(
    `  example/ built as one: ${ex.expected} objects, charts ${ex.actual}; ${ex.explained.length} known deviation(s), ` +
      `${ex.unexplained.length} unexplained, ${ex.stale.length} stale`,
  );
  for (const d of ex.explained) lines.push(`    known: ${d.object} ${d.pointer}`);
  for (const skipped of report.choices.examplesSkipped) {
    lines.push(
      `  example/ with a variant: SKIPPED ${skipped} (not in this tree or not in example/)`,
    );
  }
  for (const v of report.choices.examples) {
    const head = `  example/ with ${v.path} in place of ${v.replaced.join(', ')} (${v.set.join(',')}):`;
    lines.push(
      v.error !== undefined
        ? `${head} kustomize REFUSES it`
        : `${head} ${v.expected} ${v.expected === v.actual ? '=' : '!='} ${v.actual}, ` +
            `${v.explained.length} known deviation(s), ${v.unexplained.length} unexplained` +
            (v.absent.length > 0 ? `, ${v.absent.length} listed deviation(s) not occurring` : ''),
    );
    if (v.namespaces.length > 0) {
      lines.push(
        `    re-declared Namespace(s) ${v.namespaces.join(', ')} applied as label patches onto their owners`,
      );
    }
  }
  lines.push(
    `  rebuild: ${report.rebuild.identical ? 'byte-identical to dist/charts' : `${report.rebuild.differingFiles.length} files differ from dist/charts`}`,
  );
  lines.push(
    `  install order: ${report.installOrder.releases.join(' → ')}; ${report.installOrder.violations.length} violation(s)`,
  );
  const byo = report.bringYourOwn;
  lines.push(
    `  bring your own (${byo.off.join(', ')} off; issuer ${byo.issuer}): ${byo.objects} objects, ${byo.violations.length} install-order violations (${byo.alreadyInstalled} objects of theirs taken as already installed)${byo.absent.length > 0 ? `; not in this build: ${byo.absent.join(', ')}` : ''}${byo.renderFailures.length > 0 ? `; ${byo.renderFailures.length} chart(s) FAILED to render` : ''}`,
  );
  lines.push(
    `  objects given helm.sh/resource-policy: keep (CRDs, Namespaces, PVCs): ${report.keepAnnotationsAdded} (allowed)`,
    `  namespaced objects upstream leaves without a namespace, rendered in default: ${report.defaultNamespacesAdded.length} (allowed)`,
    `  fields a controller owns, left out for server-side apply (aggregated rules, injected caBundle): ${report.controllerOwnedDropped.length} (allowed)`,
    `  fields a controller owns, rendered from the live object on upgrade (istiod failurePolicy, Knative webhook rules): ${report.controllerOwnedLive.length}`,
    `  pre-upgrade hook objects (delete what an upgrade cannot change in place): ${report.upgradeHookObjects.length} (allowed by name)`,
  );
  lines.push(
    `  release payloads (base64 of gzip, as Helm stores them; limit ${kib(report.payloads.limitBytes)}, target ${kib(report.payloads.targetBytes)}):`,
  );
  for (const p of [...report.payloads.charts].sort((a, b) => b.storedBytes - a.storedBytes)) {
    const flag = p.overLimit ? 'OVER LIMIT' : p.overTarget ? 'over target' : 'ok';
    lines.push(`    ${p.chart.padEnd(26)} ${kib(p.storedBytes).padStart(11)}  ${flag}`);
  }
  for (const l of report.lint)
    lines.push(`  helm ${l.helm} lint --strict ${l.chart}: ${l.ok ? 'passed' : 'FAILED'}`);
  if (report.ok) {
    lines.push(`result: OK (${jsonPath})`);
  } else {
    lines.push(`result: FAILED, ${report.failures.length} failure(s) (${jsonPath})`);
    for (const f of report.failures.slice(0, 30)) lines.push(`  - ${f}`);
    if (report.failures.length > 30) lines.push(`  ... and ${report.failures.length - 30} more`);
  }
  return lines.join('\n');
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
