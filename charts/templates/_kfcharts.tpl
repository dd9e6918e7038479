{{- /*
kfcharts helpers, copied into every subchart (named templates are global in Helm, and
these copies are identical). Values that are printed without JSON quoting are checked
here against the patterns of values.schema.json (the @..._PATTERN@ placeholders are
filled from src/values/schema.ts by the build), so they stay safe even when a user skips
schema validation (`helm install --skip-schema-validation`).
*/ -}}

{{- /* global.imageRegistry, checked; "" when unset. */ -}}
{{- define "kfcharts.imageRegistry" -}}
{{- $r := .Values.global.imageRegistry | default "" -}}
{{- if and $r (not (regexMatch @REGISTRY_PATTERN@ $r)) -}}
{{- fail (printf "global.imageRegistry: %q is not a registry host[:port][/path]" $r) -}}
{{- end -}}
{{- $r -}}
{{- end -}}

{{- /* global.domain, checked; "" when unset. */ -}}
{{- define "kfcharts.domain" -}}
{{- $d := .Values.global.domain | default "" -}}
{{- if and $d (not (regexMatch @DOMAIN_PATTERN@ $d)) -}}
{{- fail (printf "global.domain: %q is not a DNS name" $d) -}}
{{- end -}}
{{- $d -}}
{{- end -}}

{{- /*
kfcharts.validate: what the templates rely on beyond JSON quoting, checked again for
users who skip schema validation: the switches are booleans (the string "false" would
be true in a template), and extra JWT issuers and audiences have no `,` or `=`
(oauth2-proxy's EXTRA_JWT_ISSUERS list is `issuer=audience,...`).
*/ -}}
{{- define "kfcharts.validate" -}}
{{- $g := .Values.global -}}
{{- $switches := dict "global.database.external" $g.database.external "global.objectStorage.external" $g.objectStorage.external "global.objectStorage.secure" $g.objectStorage.secure -}}
{{- range $key, $value := $switches -}}
{{- if not (kindIs "bool" $value) -}}
{{- fail (printf "%s: must be true or false, not %q" $key (toString $value)) -}}
{{- end -}}
{{- end -}}
{{- range $i, $issuer := $g.auth.extraJwtIssuers -}}
{{- if not (regexMatch @JWT_ISSUER_PATTERN@ (toString $issuer.issuer)) -}}
{{- fail (printf "global.auth.extraJwtIssuers[%d].issuer: %q is not an http(s) URL without , or =" $i (toString $issuer.issuer)) -}}
{{- end -}}
{{- range $issuer.audiences -}}
{{- if not (regexMatch @JWT_AUDIENCE_PATTERN@ (toString .)) -}}
{{- fail (printf "global.auth.extraJwtIssuers[%d].audiences: %q has a space, quote, , or =" $i (toString .)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
