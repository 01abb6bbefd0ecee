#!/bin/sh
# The cluster demo's one-shot init: makes the nodes one Redis Cluster (the first third
# masters, each of the others a replica: --cluster-replicas 1), then waits until it
# serves every slot with every replica attached. A cluster that exists already (the
# nodes' volumes survived a `down` or a `stop`) is left as it is: only the wait runs.
#
# Environment: REDIS_CLUSTER_NODES (comma-separated host:port, the services' seeds
# too), REDISCLI_AUTH (the admin password; redis-cli reads it).
set -eu
: "${REDIS_CLUSTER_NODES:?comma-separated host:port of every node}"
: "${REDISCLI_AUTH:?the admin password}"
nodes=$(printf '%s' "$REDIS_CLUSTER_NODES" | tr ',' ' ')
count=$(printf '%s\n' $nodes | wc -l)

at() {
  address=$1
  shift
  redis-cli --no-auth-warning -h "${address%:*}" -p "${address##*:}" "$@" | tr -d '\r'
}
field() { awk -F: -v name="$1" '$1 == name { print $2 }'; }

created=no
for node in $nodes; do
  known=$(at "$node" CLUSTER INFO | field cluster_known_nodes)
  [ "${known:-1}" -gt 1 ] && created=yes
done

if [ "$created" = yes ]; then
  echo "create-cluster: the nodes already form a cluster; nothing to create"
else
  # CLUSTER MEET (which --cluster create sends) takes IP addresses, not names.
  addresses=""
  for node in $nodes; do
    ip=$(getent hosts "${node%:*}" | awk '{ print $1; exit }')
    addresses="$addresses $ip:${node##*:}"
  done
  echo "create-cluster: creating a cluster of$addresses"
  # shellcheck disable=SC2086 # one argument per address
  redis-cli --no-auth-warning --cluster create $addresses --cluster-replicas 1 --cluster-yes
fi

# Ready: every node sees the cluster ok and all its nodes, every slot is served
# (3 masters with slots), and each replica's link to its master is up.
ready() {
  replicas=0
  for node in $nodes; do
    info=$(at "$node" CLUSTER INFO)
    [ "$(printf '%s\n' "$info" | field cluster_state)" = ok ] || return 1
    [ "$(printf '%s\n' "$info" | field cluster_known_nodes)" = "$count" ] || return 1
    [ "$(printf '%s\n' "$info" | field cluster_slots_assigned)" = 16384 ] || return 1
    replication=$(at "$node" INFO replication)
    if [ "$(printf '%s\n' "$replication" | field role)" = slave ]; then
      [ "$(printf '%s\n' "$replication" | field master_link_status)" = up ] || return 1
      replicas=$((replicas + 1))
    fi
  done
  [ "$replicas" -eq $((count / 2)) ]
}

attempt=0
until ready; do
  attempt=$((attempt + 1))
  if [ "$attempt" -ge 120 ]; then
    echo "create-cluster: the cluster is not ready after 60 s" >&2
    for node in $nodes; do at "$node" CLUSTER NODES >&2 || true; done
    exit 1
  fi
  sleep 0.5
done
echo "create-cluster: ready, $count nodes, $((count / 2)) replicas attached"
at "${nodes%% *}" CLUSTER NODES
