#!/bin/sh
# Starts one Redis Cluster node of the cluster demo: infra/redis/start.sh (the ACL
# users of the standalone demo, from the same template and passwords, and
# infra/redis/redis.conf) plus cluster.conf, announcing the node's compose service name.
set -eu
: "${REDIS_NODE_HOSTNAME:?the compose service name this node announces}"
: "${REDIS_ADMIN_PASSWORD:?the admin password, which replicas also replicate with}"

# A replica authenticates to its master as the admin user (`default`, +@all, which
# includes PSYNC and REPLCONF): the ACL file has no narrower user for replication. The
# password goes into a file only Redis reads, not onto the command line (`ps` shows it).
umask 077
replication=/tmp/replication.conf
printf 'masteruser default\nmasterauth "%s"\n' "$REDIS_ADMIN_PASSWORD" >"$replication"

# The cluster bus finds peers by the IP addresses in nodes.conf. Docker gives a
# recreated container (`down` without -v, then `up`) a new address, so the known peers'
# addresses are refreshed from their names first; a peer not up yet is left as it
# was: it refreshes its own address when it comes up, and gossip spreads it.
/usr/local/etc/redis-cluster/refresh-peers.sh /data/nodes.conf

exec /usr/local/etc/redis/start.sh \
  --include /usr/local/etc/redis-cluster/cluster.conf \
  --include "$replication" \
  --cluster-announce-hostname "$REDIS_NODE_HOSTNAME"
