# A small datacenter on one machine, for tests/integration/cluster_test.sh and bench/cluster.sh:
# N "nodes", each a network namespace joined to a bridge in the root namespace (10.77.X.0/24,
# the root at .1, node i at .(10+i)). The object store (the S3 server of tests/support, bound to
# loopback) is reached through tests/support/shaping_proxy.py on the bridge — the object-store
# link, with latency and a bandwidth cap, counting the bytes it carries — and PostgreSQL through
# an unshaped forwarder. Source it, then:
#
#   cluster_up N LATENCY_MS PER_CONN_MBPS TOTAL_MBPS   # sets NODE_IP[i], STORE_URL, META_URL
#   on_node I COMMAND…                                 # runs COMMAND in node I's namespace
#   link_bytes                                         # bytes the store link has carried
#   cluster_down
#
# Needs root, `ip`, STRATA_TEST_S3_ENV and STRATA_TEST_PG_ENV (their fixtures' env files).

CLUSTER_ID=$(( ($$ % 200) + 20 ))
CLUSTER_BR="stb$CLUSTER_ID"
CLUSTER_NS=()
CLUSTER_PIDS=()
NODE_IP=()

cluster_free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cluster_up() {
  local n=$1 latency=$2 per_conn=$3 total=$4 here
  here=$(dirname "${BASH_SOURCE[0]}")
  # shellcheck disable=SC1090
  source "$STRATA_TEST_S3_ENV"
  # shellcheck disable=SC1090
  source "$STRATA_TEST_PG_ENV"
  local subnet="10.77.$CLUSTER_ID"
  ip link add "$CLUSTER_BR" type bridge
  ip addr add "$subnet.1/24" dev "$CLUSTER_BR"
  ip link set "$CLUSTER_BR" up
  for i in $(seq 1 "$n"); do
    local ns="stn$CLUSTER_ID-$i"
    ip netns add "$ns"
    ip link add "sv$CLUSTER_ID-$i" type veth peer name eth0 netns "$ns"
    ip link set "sv$CLUSTER_ID-$i" master "$CLUSTER_BR" up
    ip -n "$ns" addr add "$subnet.$((10 + i))/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    CLUSTER_NS[$i]=$ns
    NODE_IP[$i]="$subnet.$((10 + i))"
  done
  CLUSTER_LINK_COUNT=$(mktemp)
  local s3_port pg_port
  s3_port=$(cluster_free_port)
  /usr/bin/python3 "$here/shaping_proxy.py" "$s3_port" "${S3_ENDPOINT#http://}" \
    --listen-host "$subnet.1" --latency-ms "$latency" --per-conn-mbps "$per_conn" \
    --total-mbps "$total" --count-file "$CLUSTER_LINK_COUNT" >/dev/null 2>&1 &
  CLUSTER_PIDS+=($!)
  pg_port=$(cluster_free_port)
  local pg_target=${STRATA_TEST_PG_URL#postgres://*@}
  pg_target=${pg_target%%/*}
  /usr/bin/python3 "$here/shaping_proxy.py" "$pg_port" "$pg_target" --listen-host "$subnet.1" \
    --latency-ms 0 --per-conn-mbps 0 --total-mbps 0 >/dev/null 2>&1 &
  CLUSTER_PIDS+=($!)
  for _ in $(seq 100); do [ -s "$CLUSTER_LINK_COUNT" ] && break; sleep 0.1; done
  STORE_URL_PREFIX="s3://$S3_BUCKET"
  STORE_ENDPOINT="http://$subnet.1:$s3_port"
  META_HOST="$subnet.1:$pg_port"
}

# The metadata URL of a fresh database, as the nodes reach it.
cluster_new_database() {  # NAME
  psql -q "$STRATA_TEST_PG_URL" -c "CREATE DATABASE $1" >/dev/null
  echo "postgres://postgres@$META_HOST/$1"
}

on_node() {  # I COMMAND…
  local i=$1; shift
  ip netns exec "${CLUSTER_NS[$i]}" "$@"
}

link_bytes() { cat "$CLUSTER_LINK_COUNT"; }

cluster_down() {
  for p in "${CLUSTER_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for ns in "${CLUSTER_NS[@]}"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  ip link del "$CLUSTER_BR" 2>/dev/null || true
  rm -f "${CLUSTER_LINK_COUNT:-}"
}
