#!/usr/bin/env bash
# Walk an application failure from the Service down to the container's logs.
# Page: docs/troubleshooting/application-failure
# Runs on: lab cluster (binary and kind runtimes), in namespace NS, after
#   manifests/troubleshooting/application-failure/ is applied (deployment-web.yaml and the
#   Services web-selector and web-port). Sections logs and connect need real containers:
#   they run only with REAL_CONTAINERS=yes (the kubeadm or kind runtime, or any real cluster).
# Creates nothing that outlives it (the test Pod of section connect is removed with --rm).
set -euo pipefail

NS=${NS:-${NAMESPACE:-default}}
SERVICE=${SERVICE:-web-selector}
APP_LABEL=${APP_LABEL:-app=web}
REAL_CONTAINERS=${REAL_CONTAINERS:-no}

# --8<-- [start:service]
# 1. The Service: type, ClusterIP, ports, and the selector it uses.
kubectl -n "$NS" get service "$SERVICE" -o wide
kubectl -n "$NS" describe service "$SERVICE"
# --8<-- [end:service]

# --8<-- [start:endpoints]
# 2. Its endpoints. No endpoints = the selector matches no Pod (Pods that are not Ready
#    are listed with ready=false and get no traffic).
kubectl -n "$NS" get endpointslices -l kubernetes.io/service-name="$SERVICE"
kubectl -n "$NS" get endpointslices -l kubernetes.io/service-name="$SERVICE" \
  -o jsonpath='{range .items[*]}{.metadata.name}{": ports="}{.ports[*].port}{" addresses="}{.endpoints[*].addresses[0]}{"\n"}{end}'
# --8<-- [end:endpoints]

# --8<-- [start:selector]
# 3. Compare the Service's selector with the Pods' labels.
kubectl -n "$NS" get service "$SERVICE" -o jsonpath='{.spec.selector}{"\n"}'
kubectl -n "$NS" get pods --show-labels
kubectl -n "$NS" get pods -l "$APP_LABEL"
# --8<-- [end:selector]

# --8<-- [start:ports]
# 4. Compare the Service's targetPort with the port the container really listens on.
kubectl -n "$NS" get service web-port -o jsonpath='{.spec.ports[*].targetPort}{"\n"}'
kubectl -n "$NS" get pods -l "$APP_LABEL" \
  -o jsonpath='{.items[0].spec.containers[*].ports[*].containerPort}{"\n"}'
# --8<-- [end:ports]

# --8<-- [start:pods]
# 5. The Pods: STATUS, READY, RESTARTS; then the details and the events of one Pod.
kubectl -n "$NS" get pods -l "$APP_LABEL" -o wide
POD=$(kubectl -n "$NS" get pods -l "$APP_LABEL" -o jsonpath='{.items[0].metadata.name}')
kubectl -n "$NS" describe pod "$POD"
# --8<-- [end:pods]

# --8<-- [start:events]
# 6. What happened, oldest first (kubectl events sorts by time by itself).
kubectl -n "$NS" get events --sort-by=.metadata.creationTimestamp
kubectl -n "$NS" events --for "pod/$POD"
# --8<-- [end:events]

if [[ "$REAL_CONTAINERS" == yes ]]; then
# --8<-- [start:logs]
# 7. The container's output. -c picks a container; --previous reads the last crashed one.
kubectl -n "$NS" logs "$POD" -c nginx --tail=20
kubectl -n "$NS" logs deployment/web --all-containers --tail=5
kubectl -n "$NS" logs "$POD" -c nginx --previous --tail=20 \
  || echo "no previous container: it has not restarted"
# --8<-- [end:logs]

# --8<-- [start:connect]
# 8. Test the Service from inside the cluster, as a client would.
kubectl -n "$NS" run probe-client --rm -i --restart=Never --image=busybox:1.37.0 \
  -- wget -qO- -T 3 "http://$SERVICE" | grep '<title>'
# --8<-- [end:connect]
fi
