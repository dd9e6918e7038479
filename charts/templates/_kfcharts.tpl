{{- /*
kfcharts helpers, copied into every subchart (named templates are global in Helm, and
these copies are identical). Values that are printed without JSON quoting are checked
here against the same patterns as values.schema.json, so they stay safe even when a
user skips schema validation.
*/ -}}

{{- /* global.imageRegistry, checked; "" when unset. */ -}}
{{- define "kfcharts.imageRegistry" -}}
{{- $r := .Values.global.imageRegistry | default "" -}}
{{- if and $r (not (regexMatch "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$" $r)) -}}
{{- fail (printf "global.imageRegistry: %q is not a registry host[:port][/path]" $r) -}}
{{- end -}}
{{- $r -}}
{{- end -}}

{{- /* global.domain, checked; "" when unset. */ -}}
{{- define "kfcharts.domain" -}}
{{- $d := .Values.global.domain | default "" -}}
{{- if and $d (not (regexMatch "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$" $d)) -}}
{{- fail (printf "global.domain: %q is not a DNS name" $d) -}}
{{- end -}}
{{- $d -}}
{{- end -}}
