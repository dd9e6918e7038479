/**
 * Upstream content is data, never template: every `{{` becomes an action that prints
 * `{{`, so Helm renders the text back byte for byte. Only `{{` opens an action in Go
 * templates; a lone `}}` is plain text. Escaping the opener alone is therefore complete,
 * and it covers `{{-`, `{{/*`, nested braces and openers inside keys or block scalars.
 */
const OPENER = /\{\{/g;
const ESCAPED_OPENER = '{{"{{"}}';

export function escapeTemplateText(text: string): string {
  return text.replace(OPENER, ESCAPED_OPENER);
}
