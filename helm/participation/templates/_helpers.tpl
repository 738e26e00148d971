{{/* Names, labels and the pieces every pod shares. */}}

{{- define "participation.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "participation.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "participation.labels" -}}
app.kubernetes.io/name: {{ include "participation.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selector labels of one component: pass (list $ "auth"). */}}
{{- define "participation.selector" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "participation.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "participation.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "participation.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "participation.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret the chart makes for values given inline. */}}
{{- define "participation.secretName" -}}
{{- printf "%s-settings" (include "participation.fullname" .) -}}
{{- end -}}

{{/* The routing table shared with deploy/run-local-cluster. */}}
{{- define "participation.routes" -}}
{{- .Files.Get "files/routes.yaml" -}}
{{- end -}}

{{/* One secret setting as an env entry: (list $ NAME "chart" | "existing" settings). */}}
{{- define "participation.secretRef" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $from := index . 2 -}}
- name: {{ $name }}
  valueFrom:
    {{- if kindIs "string" $from }}
    secretKeyRef: { name: {{ include "participation.secretName" $root }}, key: {{ $name }} }
    {{- else }}
    secretKeyRef: { name: {{ $from.existingSecret }}, key: {{ $from.key }} }
    {{- end }}
{{- end -}}

{{/* The environment of every container. The bundled database and Redis
(trials) win over any other setting; REDIS_URL is required, as the pods
share their queue through it; without SMTP_URL, mails are written to files. */}}
{{- define "participation.env" -}}
{{- $s := .Values.secrets -}}
envFrom:
  - configMapRef:
      name: {{ include "participation.fullname" . }}
env:
{{- if or .Values.postgresql.bundled $s.databaseUrl.value }}
{{- include "participation.secretRef" (list . "DATABASE_URL" "chart") | nindent 2 }}
{{- else if $s.databaseUrl.existingSecret }}
{{- include "participation.secretRef" (list . "DATABASE_URL" $s.databaseUrl) | nindent 2 }}
{{- else }}
{{- fail "secrets.databaseUrl is required (or postgresql.bundled=true for a trial)" }}
{{- end }}
{{- if or .Values.redis.bundled $s.redisUrl.value }}
{{- include "participation.secretRef" (list . "REDIS_URL" "chart") | nindent 2 }}
{{- else if $s.redisUrl.existingSecret }}
{{- include "participation.secretRef" (list . "REDIS_URL" $s.redisUrl) | nindent 2 }}
{{- else }}
{{- fail "secrets.redisUrl is required (or redis.bundled=true for a trial)" }}
{{- end }}
{{- if $s.smtpUrl.existingSecret }}
{{- include "participation.secretRef" (list . "SMTP_URL" $s.smtpUrl) | nindent 2 }}
{{- else if $s.smtpUrl.value }}
{{- include "participation.secretRef" (list . "SMTP_URL" "chart") | nindent 2 }}
{{- end }}
{{- if $s.signingKey.existingSecret }}
{{- include "participation.secretRef" (list . "SIGNING_KEY" $s.signingKey) | nindent 2 }}
{{- else }}
{{- include "participation.secretRef" (list . "SIGNING_KEY" "chart") | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "participation.jwtSecretName" -}}
{{- default (printf "%s-jwt" (include "participation.fullname" .)) .Values.secrets.jwtKeys.existingSecret -}}
{{- end -}}

{{/* Volumes of every pod: the JWT keys, and a writable /tmp. */}}
{{- define "participation.volumes" -}}
volumes:
  - name: jwt-keys
    secret:
      secretName: {{ include "participation.jwtSecretName" . }}
      defaultMode: 0400
  - name: tmp
    emptyDir: { sizeLimit: 64Mi }
{{- end -}}

{{- define "participation.volumeMounts" -}}
volumeMounts:
  - name: jwt-keys
    mountPath: /etc/participation/jwt
    readOnly: true
  - name: tmp
    mountPath: /tmp
{{- end -}}

{{- define "participation.podSpecCommon" -}}
serviceAccountName: {{ include "participation.serviceAccountName" . }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
