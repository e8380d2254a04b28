#!/usr/bin/env bash
# Helm from repository to rollback: package the project's webapp chart as two versions, serve
# them as a chart repository on 127.0.0.1, then add, search, install, upgrade, roll back and
# uninstall a release exactly as the page shows.
# Page: docs/cluster-architecture/helm
# Runs on: lab cluster (binary and kind runtimes); needs helm, kubectl and python3. NS must
#   exist (the lab gives each test its own namespace). Helm's config, cache and data go to a
#   temporary directory; the local repository listens on a free port and is stopped before the
#   script ends. Section uninstall removes the release.
set -euo pipefail

NS=${NS:-helm-demo}
ROOT=${LAB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
CHART=${CHART:-$ROOT/manifests/cluster-architecture/helm/charts/webapp}
VALUES=${VALUES:-$ROOT/manifests/cluster-architecture/helm/values-web.yaml}
WORK=$(mktemp -d)
export HELM_CONFIG_HOME=$WORK/config HELM_CACHE_HOME=$WORK/cache HELM_DATA_HOME=$WORK/data
REPO_DIR=$WORK/repo
SERVER_PID=""

cleanup() {
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# --8<-- [start:package]
# A chart repository is a web server with index.yaml and the packaged charts (.tgz).
helm package "$CHART" --version 0.1.0 --destination "$REPO_DIR"
helm package "$CHART" --version 0.2.0 --app-version 1.28.0 --destination "$REPO_DIR"
helm repo index "$REPO_DIR"
# --8<-- [end:package]

# Serve the repository on a free local port (port 0); the first line of the log names it.
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$REPO_DIR" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 50); do
  grep -q 'Serving HTTP' "$WORK/server.log" && break
  sleep 0.2
done
PORT=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$WORK/server.log" | sed -n '1,1p')
REPO_URL=http://127.0.0.1:$PORT

# --8<-- [start:repo]
helm repo add cka "$REPO_URL"
helm repo update
helm search repo webapp
helm search repo cka/webapp --versions
# --8<-- [end:repo]

# --8<-- [start:show-values]
helm show chart cka/webapp --version 0.1.0 | grep -E '^(name|version|appVersion):'
helm show values cka/webapp --version 0.1.0
# --8<-- [end:show-values]

# --8<-- [start:template]
# Render locally without touching the cluster: what would be applied?
helm template web cka/webapp --version 0.1.0 --set replicaCount=2 | grep -E '^kind:|replicas:|image:'
# --8<-- [end:template]

# --8<-- [start:install]
helm install web cka/webapp --version 0.1.0 -n "$NS" --create-namespace \
  --set replicaCount=2 -f "$VALUES"
helm list -n "$NS"
kubectl -n "$NS" get deployment,service,configmap -l app.kubernetes.io/instance=web
# --8<-- [end:install]

# --8<-- [start:upgrade-reuse]
# Revision 2: a new chart version; --reuse-values keeps replicaCount=2 and the values file.
helm upgrade web cka/webapp --version 0.2.0 -n "$NS" --reuse-values --set service.port=8080
helm get values web -n "$NS"
# --8<-- [end:upgrade-reuse]

# --8<-- [start:upgrade-reset]
# Revision 3: without --reuse-values (or -f), values you set before are gone: back to defaults.
helm upgrade web cka/webapp --version 0.2.0 -n "$NS" --set replicaCount=3
helm get values web -n "$NS"
kubectl -n "$NS" get configmap web-webapp -o jsonpath='{.data.greeting}{"\n"}'
# --8<-- [end:upgrade-reset]

# --8<-- [start:history]
helm history web -n "$NS"
# --8<-- [end:history]

# --8<-- [start:rollback]
# Back to revision 1; the rollback itself becomes revision 4.
helm rollback web 1 -n "$NS"
helm history web -n "$NS"
kubectl -n "$NS" get deployment web-webapp -o jsonpath='{.spec.replicas} {.spec.template.spec.containers[0].image}{"\n"}'
# --8<-- [end:rollback]

# --8<-- [start:get]
helm list -A
helm get values web -n "$NS" --all | sed -n '1,6p'
helm get manifest web -n "$NS" | grep -E '^(# Source|kind):'
# Helm keeps one Secret per revision in the release's namespace.
kubectl -n "$NS" get secrets -l owner=helm,name=web
# --8<-- [end:get]

# --8<-- [start:upgrade-install]
# Install if missing, upgrade if present: the same command works twice.
helm upgrade --install web2 cka/webapp -n "$NS" --set replicaCount=1 | sed -n '1,2p'
helm upgrade --install web2 cka/webapp -n "$NS" --set replicaCount=1 | sed -n '1,2p'
helm history web2 -n "$NS" --max 5
# --8<-- [end:upgrade-install]

# --8<-- [start:uninstall]
helm uninstall web web2 -n "$NS"
helm list -n "$NS"
helm repo remove cka
# --8<-- [end:uninstall]
