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

{{- /*
kfcharts.liveWebhookField: the value of field F of the webhook named W in the live webhook
configuration (list apiVersion kind name W F), as JSON (a YAML flow value), or "" when the
object, the entry or the field (or its value is null) does not exist (a first install; `helm template`, where
`lookup` finds nothing). A controller rewrites these fields (docs/server-side-apply.md):
applying its value back is no server-side-apply conflict, and Helm 3's three-way merge
finds nothing to change.
*/ -}}
{{- define "kfcharts.liveWebhookField" -}}
{{- $live := lookup (index . 0) (index . 1) "" (index . 2) | default dict -}}
{{- $name := index . 3 -}}
{{- $field := index . 4 -}}
{{- range $w := ($live.webhooks | default list) -}}
{{- if and (kindIs "map" $w) (eq (toString $w.name) $name) (hasKey $w $field) (not (kindIs "invalid" (get $w $field))) -}}
{{- get $w $field | toJson | include "kfcharts.escapeControls" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /*
kfcharts.gatewayPrincipal: the Istio principal Kubeflow's backends admit in gateway-api mode
in place of upstream's istio-ingressgateway (global.ingress.gatewayPrincipal, else Istio's
`<gateway>-<gatewayClassName>` ServiceAccount); the expression comes from
src/rules/values/ingress.ts. Use: `{{ include "kfcharts.gatewayPrincipal" $ }}`.
*/ -}}
{{- define "kfcharts.gatewayPrincipal" -}}
{{- @GATEWAY_PRINCIPAL@ -}}
{{- end -}}

{{- /*
kfcharts.ownGatewayPrincipal: "true" when Kubeflow's backends admit kfcharts.gatewayPrincipal
in place of upstream's istio-ingressgateway principal: in gateway-api mode, and in istio mode
when global.ingress.gatewayPrincipal is set (your own Istio's gateway, docs/choices.md).
Use: `{{ if eq (include "kfcharts.ownGatewayPrincipal" $) "true" }}`.
*/ -}}
{{- define "kfcharts.ownGatewayPrincipal" -}}
{{- if or (eq (toString .Values.global.ingress.mode) "gateway-api") (ne (toString (.Values.global.ingress.gatewayPrincipal | default "")) "") }}true{{ end -}}
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
kfcharts.escapeControls: a JSON text (the output of toJson) made safe for YAML. Go's JSON
leaves DEL and the C1 controls (U+007F-U+009F) raw: YAML refuses them, and YAML 1.1
(Kubernetes) reads NEL (U+0085) as a line break. Each becomes its \u escape, which JSON
and YAML read back as the same character. Use: `{{ x | toString | toJson | include "kfcharts.escapeControls" }}`.
*/ -}}
{{- define "kfcharts.escapeControls" -}}
{{- $s := . -}}
@ESCAPE_CONTROLS@
{{- $s -}}
{{- end -}}

{{- /*
kfcharts.validate: what the templates rely on beyond JSON quoting, checked again for
users who skip schema validation: every boolean switch of the schema is a boolean (the
string "false" would be true in a template, and Helm ignores a non-boolean `enabled`
condition), every bounded integer (ports) is a whole number in its range, and extra JWT
issuers and audiences have no `,` or `=` (oauth2-proxy's EXTRA_JWT_ISSUERS list is
`issuer=audience,...`). The key lists are filled from src/values/schema.ts by the build.
*/ -}}
{{- define "kfcharts.validate" -}}
{{- $g := .Values.global -}}
{{- range $path := @BOOLEAN_KEYS@ -}}
{{- $found := include "kfcharts.lookup" (list $.Values $path) | fromJson -}}
{{- if and (hasKey $found "v") (not (kindIs "bool" $found.v)) -}}
{{- fail (printf "%s: must be true or false, not %q" $path (toString $found.v)) -}}
{{- end -}}
{{- end -}}
{{- range $bounds := @INTEGER_KEYS@ -}}
{{- $path := index $bounds 0 -}}
{{- $found := include "kfcharts.lookup" (list $.Values $path) | fromJson -}}
{{- if hasKey $found "v" -}}
{{- $v := $found.v -}}
{{- $n := 0.5 -}}
{{- if kindIs "float64" $v -}}{{- $n = $v -}}{{- end -}}
{{- if or (ne $n (floor $n)) (lt $n (index $bounds 1)) (gt $n (index $bounds 2)) -}}
{{- fail (printf "%s: must be a whole number from %v to %v, not %s" $path (index $bounds 1) (index $bounds 2) (toJson $v)) -}}
{{- end -}}
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
{{- include "kfcharts.mariadbOperatorDistinct" . -}}
{{- end -}}

{{- /*
kfcharts.mariadbOperatorDistinct (global.database.mariadbOperator): every consumer that
gets operator objects (pipelines, cache and metadata with Pipelines, katib with Katib,
modelRegistry with Model Registry, an optional component off unless enabled: true; the
mariadb-operator.yaml of those subcharts) has its own user name and its own database.
Two User (or Database) objects for one name would fight over it (user names are the
server's, whatever the objects' namespace), and with cleanupPolicy Delete deleting one
consumer's object drops the other's user or data.
Checked in the parent chart, the only place that sees which subcharts are enabled;
database names case-insensitively (a server with lower_case_table_names folds them).
*/ -}}
{{- define "kfcharts.mariadbOperatorDistinct" -}}
{{- $db := .Values.global.database | default dict -}}
{{- $op := $db.mariadbOperator | default dict -}}
{{- if and $db.external $op.enabled -}}
{{- $consumers := list -}}
{{- if and (hasKey .Values "pipelines") (ne (toString (index .Values "pipelines" "enabled")) "false") -}}
{{- $consumers = list "pipelines" "cache" "metadata" -}}
{{- end -}}
{{- if and (hasKey .Values "katib") (ne (toString (index .Values "katib" "enabled")) "false") -}}
{{- $consumers = append $consumers "katib" -}}
{{- end -}}
{{- if and (hasKey .Values "model-registry") (eq (toString (index .Values "model-registry" "enabled")) "true") -}}
{{- $consumers = append $consumers "modelRegistry" -}}
{{- end -}}
{{- $seen := dict "username" dict "database" dict -}}
{{- range $name := $consumers -}}
{{- $c := index ($db.consumers | default dict) $name | default dict -}}
{{- range $field := list "username" "database" -}}
{{- $value := index $c $field | toString -}}
{{- $key := ternary (lower $value) $value (eq $field "database") -}}
{{- $by := index $seen $field -}}
{{- if and $value (hasKey $by $key) -}}
{{- fail (printf "global.database.mariadbOperator: global.database.consumers.%s.%s and global.database.consumers.%s.%s are both %s: each consumer needs its own %s for the operator's objects (with cleanupPolicy Delete, deleting one consumer's object would drop the other's %s)" (get $by $key) $field $name $field (toJson $value) (ternary "database" "user" (eq $field "database")) (ternary "data" "user" (eq $field "database"))) -}}
{{- end -}}
{{- $_ := set $by $key $name -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /*
kfcharts.lookup: (list <values> "a.b.c") → JSON `{"v": <value>}` when every key on the
path is set, `{}` when one is missing (the default then applies).
*/ -}}
{{- define "kfcharts.lookup" -}}
{{- $v := index . 0 -}}
{{- $found := true -}}
{{- range $key := splitList "." (index . 1) -}}
{{- if and $found (kindIs "map" $v) (hasKey $v $key) -}}
{{- $v = index $v $key -}}
{{- else -}}
{{- $found = false -}}
{{- end -}}
{{- end -}}
{{- if $found -}}{{- dict "v" $v | toJson -}}{{- else -}}{}{{- end -}}
{{- end -}}

{{- /*
kfcharts.generatedSecret (global.generateSecrets): a credential generated once per
render and kept across upgrades. (dict "root" $ "id" ID "length" N "known" (list ...)
"lookups" (list (list namespace secret key) ...)) → the plain value: the first value
found by `lookup` in an existing Secret's data (base64-decoded) that is not empty and not
one of upstream's well-known values ("known", filled from the upstream objects at build
time), else `randAlphaNum N`. Every template of one release render that asks for ID gets
the same value: they share it through the release object (.Release is one map for the
chart and all its subcharts), so Dex and oauth2-proxy agree on a generated client secret.
Without a cluster (`helm template`, Argo CD) lookup finds nothing: a new value every render.
*/ -}}
{{- define "kfcharts.generatedSecret" -}}
{{- $cache := .root.Release -}}
{{- if not (hasKey $cache "kfchartsGenerated") -}}{{- $_ := set $cache "kfchartsGenerated" dict -}}{{- end -}}
{{- $generated := get $cache "kfchartsGenerated" -}}
{{- if not (hasKey $generated .id) -}}
{{- $value := "" -}}
{{- $known := .known -}}
{{- range $ref := .lookups -}}
{{- if not $value -}}
{{- $secret := lookup "v1" "Secret" (index $ref 0) (index $ref 1) | default dict -}}
{{- $found := dig "data" (index $ref 2) "" $secret | toString | b64dec -}}
{{- if and $found (not (has $found $known)) -}}{{- $value = $found -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- $_ := set $generated (printf "%s/found" .id) (ne $value "") -}}
{{- if not $value -}}{{- $value = randAlphaNum (int .length) -}}{{- end -}}
{{- $_ := set $generated .id $value -}}
{{- end -}}
{{- get $generated .id -}}
{{- end -}}

{{- /*
kfcharts.generatedBcrypt: the bcrypt hash of generated password ID (same dict as
kfcharts.generatedSecret, plus "hashLookup" (list namespace secret key)). When the
password itself was found in the cluster, the hash already there is kept (bcrypt salts
differ on every call), unless it is one of the "knownHashes".
*/ -}}
{{- define "kfcharts.generatedBcrypt" -}}
{{- $password := include "kfcharts.generatedSecret" . -}}
{{- $generated := get .root.Release "kfchartsGenerated" -}}
{{- $hashId := printf "%s/bcrypt" .id -}}
{{- if not (hasKey $generated $hashId) -}}
{{- $hash := "" -}}
{{- if get $generated (printf "%s/found" .id) -}}
{{- $ref := .hashLookup -}}
{{- $secret := lookup "v1" "Secret" (index $ref 0) (index $ref 1) | default dict -}}
{{- $found := dig "data" (index $ref 2) "" $secret | toString | b64dec -}}
{{- if and (hasPrefix "$2" $found) (not (has $found .knownHashes)) -}}{{- $hash = $found -}}{{- end -}}
{{- end -}}
{{- if not $hash -}}{{- $hash = bcrypt $password -}}{{- end -}}
{{- $_ := set $generated $hashId $hash -}}
{{- end -}}
{{- get $generated $hashId -}}
{{- end -}}
