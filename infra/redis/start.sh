#!/bin/sh
# Starts Redis with one ACL user per service and one for operators (the retail
# CLI). The users come from users.acl.template (generated from the event catalog);
# their passwords from the environment, so no password is ever written into the
# repository or the image.
set -eu
template=/usr/local/etc/redis/users.acl.template
acl=/tmp/users.acl

# The operator user (the retail CLI) came after the compose file's passwords: a
# stack started without REDIS_OPERATOR_PASSWORD gets the demo one rather than no Redis.
: "${REDIS_OPERATOR_PASSWORD:=demo-operator-password}"
export REDIS_OPERATOR_PASSWORD

for name in $(grep -o '\${[A-Z_]*}' "$template" | tr -d '${}' | sort -u); do
  eval "value=\${$name:-}"
  if [ -z "$value" ]; then
    echo "start.sh: environment variable $name (a Redis password) is empty" >&2
    exit 1
  fi
done

# awk reads the values from its environment: no quoting issues with any character.
umask 077
# Redis ACL files allow no comments: the template's are dropped.
awk '/^#/ { next } {
  line = $0
  out = ""
  while (match(line, /\$\{[A-Z_]+\}/)) {
    out = out substr(line, 1, RSTART - 1) ENVIRON[substr(line, RSTART + 2, RLENGTH - 3)]
    line = substr(line, RSTART + RLENGTH)
  }
  print out line
}' "$template" >"$acl"

exec redis-server /usr/local/etc/redis/redis.conf --aclfile "$acl" "$@"
