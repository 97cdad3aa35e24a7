{{/* Names --------------------------------------------------------------------------------- */}}

{{- define "deploy-auditor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "deploy-auditor.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A CronJob's name may have 52 characters: its Jobs append 11. */}}
{{- define "deploy-auditor.cronjobName" -}}
{{- include "deploy-auditor.fullname" . | trunc 52 | trimSuffix "-" -}}
{{- end -}}

{{- define "deploy-auditor.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "deploy-auditor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "deploy-auditor.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "deploy-auditor.labels" -}}
helm.sh/chart: {{ include "deploy-auditor.chart" . }}
{{ include "deploy-auditor.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: audit
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "deploy-auditor.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "deploy-auditor.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Image: the digest wins over the tag. */}}
{{- define "deploy-auditor.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Paths inside the pod. */}}
{{- define "deploy-auditor.configDir" -}}/etc/deploy-auditor{{- end -}}
{{- define "deploy-auditor.reportsDir" -}}/reports{{- end -}}
{{- define "deploy-auditor.metricsFile" -}}
{{- if .Values.metrics.textfile.existingClaim -}}/metrics/deploy-auditor.prom
{{- else -}}{{ include "deploy-auditor.reportsDir" . }}/deploy-auditor.prom
{{- end -}}
{{- end -}}

{{/* Scope: a namespaced audit gets a Role, a cluster-wide one a ClusterRole. */}}
{{- define "deploy-auditor.namespaced" -}}
{{- if .Values.scan.namespace -}}true{{- end -}}
{{- end -}}

{{/* Namespaces whose Secrets may be read; fails where the grant would not be used. */}}
{{- define "deploy-auditor.secretNamespaces" -}}
{{- if .Values.readSecrets.enabled -}}
{{- $scope := .Values.scan.namespace -}}
{{- $namespaces := .Values.readSecrets.namespaces | default (compact (list $scope)) | uniq -}}
{{- if not $namespaces -}}
{{- fail "readSecrets.enabled needs readSecrets.namespaces (or scan.namespace): Secrets are granted only through a Role in each named namespace, never cluster-wide" -}}
{{- end -}}
{{- if $scope -}}
{{- range $namespaces -}}
{{- if ne . $scope -}}
{{- fail (printf "readSecrets.namespaces may only name %q (scan.namespace): Secrets elsewhere are never read by this audit, so granting them would only widen access" $scope) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $namespaces -}}
{{- end -}}
{{- end -}}

{{/*
RBAC rules: exactly the kinds checks/kubernetes/live.py lists (KINDS), get/list/watch only.
tests/test_auditor_chart.py compares them with live.KINDS, so the two cannot drift apart.
*/}}
{{- define "deploy-auditor.rules" -}}
- apiGroups: [""]
  resources: [configmaps, persistentvolumeclaims, pods, serviceaccounts, services]
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: [daemonsets, deployments, replicasets, statefulsets]
  verbs: [get, list, watch]
- apiGroups: [batch]
  resources: [cronjobs, jobs]
  verbs: [get, list, watch]
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: [get, list, watch]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get, list, watch]
- apiGroups: [networking.k8s.io]
  resources: [ingresses, networkpolicies]
  verbs: [get, list, watch]
- apiGroups: [monitoring.coreos.com]
  resources: [podmonitors, servicemonitors]
  verbs: [get, list, watch]
- apiGroups: [velero.io]
  resources: [schedules]
  verbs: [get, list, watch]
- apiGroups: [keda.sh]
  resources: [scaledobjects]
  verbs: [get, list, watch]
- apiGroups: [argoproj.io]
  resources: [applications]
  verbs: [get, list, watch]
- apiGroups: [gateway.networking.k8s.io]
  resources: [gateways, httproutes]
  verbs: [get, list, watch]
- apiGroups: [networking.istio.io]
  resources: [gateways, virtualservices]
  verbs: [get, list, watch]
- apiGroups: [traefik.io]
  resources: [ingressroutes]
  verbs: [get, list, watch]
- apiGroups: [traefik.containo.us]
  resources: [ingressroutes]
  verbs: [get, list, watch]
- apiGroups: [projectcontour.io]
  resources: [httpproxies]
  verbs: [get, list, watch]
- apiGroups: [route.openshift.io]
  resources: [routes]
  verbs: [get, list, watch]
{{- if .Values.helmReleases.enabled }}
# Helm release records (read as metadata only; see helmReleases in values.yaml for why this
# still grants every Secret in scope).
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch]
{{- end }}
{{- end -}}

{{/* The auditor's arguments, from values. */}}
{{- define "deploy-auditor.args" -}}
{{- $reports := include "deploy-auditor.reportsDir" . -}}
{{- $args := list "scan" "kube" "--quiet" "--log" "-" -}}
{{- $args = concat $args (list "--config" (printf "%s/auditor.toml" (include "deploy-auditor.configDir" .))) -}}
{{- $args = concat $args (list "--timeout" (toString .Values.scan.timeout)) -}}
{{- with .Values.scan.namespace }}{{ $args = concat $args (list "--namespace" .) }}{{ end -}}
{{- if .Values.readSecrets.enabled -}}
{{- $args = append $args "--read-secrets" -}}
{{- range include "deploy-auditor.secretNamespaces" . | fromJsonArray }}{{ $args = concat $args (list "--secrets-namespace" .) }}{{ end -}}
{{- end -}}
{{- if not .Values.scan.annotationWaivers }}{{ $args = append $args "--no-annotation-waivers" }}{{ end -}}
{{- $ext := dict "json" "json" "html" "html" "junit" "xml" "sarif" "sarif" "markdown" "md" -}}
{{- range .Values.reports.formats -}}
{{- $args = concat $args (list "--report" (printf "%s=%s/latest.%s" . $reports (get $ext .))) -}}
{{- end -}}
{{- if .Values.reports.history.enabled -}}
{{- $args = concat $args (list "--history-dir" (printf "%s/history" $reports) "--history-keep" (toString .Values.reports.history.keep)) -}}
{{- with .Values.reports.history.maxAgeDays }}{{ $args = concat $args (list "--history-max-age" (toString .)) }}{{ end -}}
{{- end -}}
{{- if .Values.metrics.textfile.enabled -}}
{{- $args = concat $args (list "--report" (printf "prometheus=%s" (include "deploy-auditor.metricsFile" .))) -}}
{{- end -}}
{{- with .Values.metrics.pushgateway.url }}{{ $args = concat $args (list "--pushgateway" .) }}{{ end -}}
{{- if .Values.policyReports.enabled }}{{ $args = append $args "--apply-policyreports" }}{{ end -}}
{{- if not (kindIs "invalid" .Values.minCoverage) }}{{ $args = concat $args (list "--min-coverage" (toString .Values.minCoverage)) }}{{ end -}}
{{- if not (kindIs "invalid" .Values.failUnder) }}{{ $args = concat $args (list "--fail-under" (toString .Values.failUnder)) }}{{ end -}}
{{- with .Values.failOn }}{{ $args = concat $args (list "--fail-on" .) }}{{ end -}}
{{- with .Values.failOnRegression }}{{ $args = concat $args (list "--fail-on-regression" .) }}{{ end -}}
{{- if not (kindIs "invalid" .Values.scoreTolerance) }}{{ $args = concat $args (list "--score-tolerance" (toString .Values.scoreTolerance)) }}{{ end -}}
{{- $args = concat $args .Values.extraArgs -}}
{{- toJson $args -}}
{{- end -}}

{{/* Port of the Pushgateway's pods: networkPolicy.pushgateway.port, the URL's port, or 9091. */}}
{{- define "deploy-auditor.pushgatewayPort" -}}
{{- $url := urlParse .Values.metrics.pushgateway.url -}}
{{- $port := trimPrefix (printf "%s:" $url.hostname) $url.host -}}
{{- if .Values.networkPolicy.pushgateway.port -}}{{ .Values.networkPolicy.pushgateway.port }}
{{- else if and $port (ne $port $url.host) -}}{{ $port }}
{{- else -}}9091
{{- end -}}
{{- end -}}
