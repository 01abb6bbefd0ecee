#!/bin/sh
# refresh-peers.sh <nodes.conf>: puts each known node's current address (its compose
# service name, resolved now) into nodes.conf before Redis reads it. Nothing to do on a
# node's first start (no nodes.conf yet).
set -eu
conf=$1
[ -f "$conf" ] || exit 0

# The names the nodes announce: the part after the comma in `ip:port@cport,hostname`.
names=$(awk '$2 ~ /,/ { split($2, address, ","); print address[2] }' "$conf" | sort -u)

# Peers start at the same time as this node: wait, a few seconds at most, until every
# name resolves; whatever does not by then keeps its old address.
attempt=0
while [ "$attempt" -lt 20 ]; do
  unresolved=0
  for name in $names; do getent hosts "$name" >/dev/null || unresolved=1; done
  [ "$unresolved" -eq 0 ] && break
  attempt=$((attempt + 1))
  sleep 0.5
done

map=$(mktemp)
for name in $names; do
  ip=$(getent hosts "$name" | awk '{ print $1; exit }') || true
  [ -n "$ip" ] && printf '%s %s\n' "$name" "$ip" >>"$map"
done
awk 'NR == FNR { ip[$1] = $2; next }
  $2 ~ /,/ { split($2, address, ","); if (address[2] in ip) sub(/^[^:]*/, ip[address[2]], $2) }
  { print }' "$map" "$conf" >"$conf.refreshed"
mv "$conf.refreshed" "$conf"
rm -f "$map"
