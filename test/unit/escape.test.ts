import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeTemplateText } from '../../src/chart/escape.ts';
import { Helm } from '../../src/tools/helm.ts';

describe('escapeTemplateText', () => {
  it('turns every `{{` into an action that prints `{{` and leaves everything else alone', () => {
    expect(escapeTemplateText('image: {{ .Values.image }}')).toBe(
      'image: {{"{{"}} .Values.image }}',
    );
    expect(escapeTemplateText('{{{')).toBe('{{"{{"}}{');
    expect(escapeTemplateText('{{{{')).toBe('{{"{{"}}{{"{{"}}');
    expect(escapeTemplateText('a }} b } { c')).toBe('a }} b } { c');
    expect(escapeTemplateText('{{- x -}}\n{{/* c */}}')).toBe('{{"{{"}}- x -}}\n{{"{{"}}/* c */}}');
    expect(escapeTemplateText('')).toBe('');
  });
});

/** Seeded PRNG (mulberry32), so a failing random case can be reproduced. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 20260301;
// Braces weighted up so that most strings hold `{{`, `}}` and longer runs.
const ALPHABET = '{{{{}}}}"`\\-/ *.a\n';

function randomStrings(count: number): string[] {
  const next = random(SEED);
  return Array.from({ length: count }, () => {
    const length = Math.floor(next() * 60);
    let s = '';
    for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
    return s;
  });
}

/** A ConfigMap whose value is `s` in a block scalar with an explicit indentation of 4. */
function blockScalarDoc(name: string, s: string): string {
  const body = s
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  s: |2-\n${body}\n  end: x\n`;
}

const CASES: Record<string, string> = {
  istio: `apiVersion: v1
kind: ConfigMap
metadata:
  name: istio-sidecar-injector
  namespace: istio-system
data:
  config: |-
    policy: enabled
    templates:
      sidecar: |
        containers:
        - name: istio-proxy
          image: "{{ .Values.global.proxy.image }}"
          args:
          - --concurrency
          - "{{ .ProxyConfig.Concurrency }}"
          {{- if .Values.global.logAsJson }}
          - --log_as_json
          {{- end }}
          env:
          - name: ISTIO_META_INTERCEPTION_MODE
            value: "{{ or (index .ObjectMeta.Annotations \`sidecar.istio.io/interceptionMode\`) .ProxyConfig.InterceptionMode.String }}"
          {{ if .Values.global.proxy.lifecycle }}
          lifecycle:
            {{ toYaml .Values.global.proxy.lifecycle | indent 6 }}
          {{ end -}}
`,
  trimMarkers: `apiVersion: v1
kind: ConfigMap
metadata:
  name: trim-markers
data:
  a: "{{- .x -}}"
  b: "x {{- range .Items }}{{ . }},{{- end -}} y"
  c: |
    {{-
    .multiline
    -}}
`,
  comments: `apiVersion: v1
kind: ConfigMap
metadata:
  name: comments
data:
  a: "{{/* comment */}}"
  b: "{{- /* trimmed comment */ -}}"
  c: |
    {{/*
      a comment over
      several lines
    */}}
`,
  braces: `apiVersion: v1
kind: ConfigMap
metadata:
  name: braces
data:
  nested: "{{{{ x }}}}"
  three: "{{{"
  five: "a{{{{{b"
  mixed: "{ { {{ } }} }"
`,
  loneCloser: `apiVersion: v1
kind: ConfigMap
metadata:
  name: lone-closer
data:
  a: "}}"
  b: x }} y }}} z
  c: |
    }}
    }}}}
`,
  keys: `apiVersion: v1
kind: ConfigMap
metadata:
  name: keys
  annotations:
    "{{ .annotationKey }}": "1"
data:
  "{{ key }}": v
  '{{.other}}': w
  "a{{b}}c{{": "{{"
`,
  preEscaped: `apiVersion: v1
kind: ConfigMap
metadata:
  name: pre-escaped
data:
  a: '{{ "{{" }}'
  b: '{{"{{"}}'
  c: "{{ \`{{\` }}"
  d: '{{"{{"}} .Values.x }}'
`,
  argo: `apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: argo-style
  namespace: kubeflow
spec:
  templates:
  - name: main
    inputs:
      parameters:
      - name: x
    container:
      image: alpine
      args: ["echo {{inputs.parameters.x}} {{workflow.name}}"]
      command:
      - sh
      - -c
      - '{{=sprig.trim(inputs.parameters.x)}}'
`,
  katib: `apiVersion: v1
kind: ConfigMap
metadata:
  name: katib-style
  namespace: kubeflow
data:
  trialTemplate: |
    apiVersion: batch/v1
    kind: Job
    metadata:
      name: {{.Trial.Name}}
      namespace: {{.NameSpace}}
    spec:
      template:
        spec:
          containers:
          - name: training
            command:
            - "python3 train.py {{- with .HyperParameters}} {{- range .}} --{{.Name}}={{.Value}} {{- end}} {{- end}}"
            - "--lr=\${trialParameters.learningRate}"
`,
  folded: `apiVersion: v1
kind: ConfigMap
metadata:
  name: folded
data:
  a: >
    {{ if .x }}
    folded {{ .y }}
    {{ end }}
  b: >-
    {{- "quoted" -}}
`,
};

const RANDOM = randomStrings(50);

const CHART_YAML = 'apiVersion: v2\nname: t\nversion: 0.1.0\n';
// Not escaped: proves the harness really goes through Helm's template engine.
const CONTROL = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-control\n';

const originals = new Map<string, string>([
  ...Object.entries(CASES).map(([name, text]) => [`${name}.yaml`, text] as const),
  ...RANDOM.map((s, i) => [`random-${i}.yaml`, blockScalarDoc(`random-${i}`, s)] as const),
]);

/** `helm template` output as template file name → document body (header and final newline stripped). */
function documentsBySource(output: string): Map<string, string> {
  const parts = output.split(/^---\n# Source: t\/templates\/(.+)\n/m);
  const docs = new Map<string, string>();
  expect(parts[0]).toBe('');
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i] as string;
    const body = parts[i + 1] as string;
    expect(body.endsWith('\n')).toBe(true);
    docs.set(name, body.slice(0, -1));
  }
  return docs;
}

describe('escapeTemplateText round trip through helm template', () => {
  let chartDir = '';
  const rendered = new Map<string, Map<string, string>>();

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'kfcharts-escape-'));
    chartDir = join(root, 't');
    mkdirSync(join(chartDir, 'templates'), { recursive: true });
    writeFileSync(join(chartDir, 'Chart.yaml'), CHART_YAML);
    writeFileSync(join(chartDir, 'templates', 'control.yaml'), CONTROL);
    for (const [file, text] of originals) {
      writeFileSync(join(chartDir, 'templates', file), escapeTemplateText(text));
    }
    const options = { releaseName: 'rel', namespace: 'ns' };
    const [v4, v3] = await Promise.all([
      new Helm().template(chartDir, options),
      Helm.v3().template(chartDir, options),
    ]);
    rendered.set('helm 4', documentsBySource(v4));
    rendered.set('helm 3', documentsBySource(v3));
  });

  afterAll(() => {
    if (chartDir) rmSync(join(chartDir, '..'), { recursive: true, force: true });
  });

  it('the random strings exercise the interesting sequences', () => {
    expect(RANDOM.filter((s) => s.includes('{{')).length).toBeGreaterThanOrEqual(25);
    expect(RANDOM.filter((s) => s.includes('}}')).length).toBeGreaterThanOrEqual(25);
    expect(RANDOM.some((s) => s.includes('{{{'))).toBe(true);
    expect(RANDOM.some((s) => s.includes('\n'))).toBe(true);
  });

  for (const helm of ['helm 4', 'helm 3']) {
    describe(helm, () => {
      it('renders every template (and executes unescaped text, as a control)', () => {
        const docs = rendered.get(helm);
        expect([...(docs?.keys() ?? [])].sort()).toEqual(
          [...originals.keys(), 'control.yaml'].sort(),
        );
        expect(docs?.get('control.yaml')).toBe(
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rel-control',
        );
      });

      it.each(Object.keys(CASES))('%s comes back byte for byte', (name) => {
        const original = CASES[name] as string;
        expect(original).toMatch(/\{\{|\}\}/);
        expect(rendered.get(helm)?.get(`${name}.yaml`)).toBe(original.replace(/\n$/, ''));
      });

      it('50 random brace strings in a block scalar come back byte for byte', () => {
        const docs = rendered.get(helm);
        const mismatches = RANDOM.map((s, i) => ({ i, s, file: `random-${i}.yaml` })).filter(
          ({ file }) => docs?.get(file) !== originals.get(file)?.replace(/\n$/, ''),
        );
        expect(mismatches, `seed ${SEED}`).toEqual([]);
      });
    });
  }
});
