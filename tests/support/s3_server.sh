#!/usr/bin/env bash
# A real S3 server for tests and benchmarks: a one-node Ceph cluster (one monitor, one OSD on the
# in-memory memstore backend, auth off inside the cluster) with radosgw in front, on loopback.
#
#   s3_server.sh start DIR [MEMSTORE_BYTES]  # starts it; writes DIR/env (sourceable) and prints it
#   s3_server.sh stop DIR                    # stops every daemon it started and removes DIR
#
# DIR/env sets S3_ENDPOINT, S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and
# STRATA_TEST_S3_URL (an s3:// store URL of a fresh, empty bucket). Ports are picked free at start,
# so several servers (the release and the sanitizer test runs) can run at once.
set -euo pipefail

die() { echo "s3_server: $*" >&2; exit 1; }

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() {  # url, seconds
  local deadline=$((SECONDS + $2))
  until curl -s -o /dev/null "$1"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

start() {
  local dir=$1 bytes=${2:-4294967296}
  for tool in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph; do
    command -v "$tool" >/dev/null || die "$tool not found (scripts/install_deps.sh installs radosgw, ceph-mon, ceph-osd)"
  done
  stop "$dir"  # the leftovers of a run that was killed
  mkdir -p "$dir"/{run,log,mon,osd,rgw}
  dir=$(cd "$dir" && pwd)
  local fsid mon_port rgw_port
  fsid=$(cat /proc/sys/kernel/random/uuid)
  mon_port=$(free_port)
  rgw_port=$(free_port)
  cat >"$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_port]
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
client mount timeout = 30
# radosgw asks for "secure" connection mode to the monitor, which auth "none" cannot give; crc can.
ms mon client mode = crc
ms client mode = crc
ms mon cluster mode = crc
ms mon service mode = crc
ms cluster mode = crc
ms service mode = crc
auth allow insecure global id reclaim = true
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = $bytes
run dir = $dir/run
log file = $dir/log/\$name.log
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
mon data = $dir/mon/\$name
osd data = $dir/osd/\$name
rgw data = $dir/rgw/\$name
keyring = $dir/keyring
rgw dns name = localhost
rgw enable usage log = false
rgw thread pool size = 64
CONF
  local conf=(-c "$dir/ceph.conf")
  monmaptool --create --add a "127.0.0.1:$mon_port" --fsid "$fsid" "$dir/monmap" >/dev/null
  ceph-mon "${conf[@]}" -i a --mkfs --monmap "$dir/monmap" >/dev/null 2>&1 || die "ceph-mon --mkfs failed"
  ceph-mon "${conf[@]}" -i a 2>>"$dir/log/startup.log" || die "ceph-mon did not start (see $dir/log)"
  local osd_uuid osd_id
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  osd_id=$(timeout 60 ceph "${conf[@]}" osd new "$osd_uuid") || die "ceph osd new failed"
  mkdir -p "$dir/osd/osd.$osd_id"
  ceph-osd "${conf[@]}" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >/dev/null 2>&1 || die "ceph-osd --mkfs failed"
  ceph-osd "${conf[@]}" -i "$osd_id" 2>>"$dir/log/startup.log" || die "ceph-osd did not start (see $dir/log)"
  # Out of the box radosgw spends its time in page faults; these malloc settings triple its
  # throughput (../shared/testenv.md).
  GLIBC_TUNABLES=glibc.malloc.mmap_threshold=67108864:glibc.malloc.trim_threshold=4294967296 \
    radosgw "${conf[@]}" -n client.rgw --rgw-frontends="beast endpoint=127.0.0.1:$rgw_port" \
    || die "radosgw did not start (see $dir/log)"
  wait_http "http://127.0.0.1:$rgw_port/" 90 || die "radosgw did not answer in 90 s (see $dir/log)"
  local access secret
  access=$(head -c 10 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
  secret=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
  timeout 60 radosgw-admin "${conf[@]}" user create --uid=test --display-name=test \
    --access-key="$access" --secret="$secret" >/dev/null || die "radosgw-admin user create failed"
  local endpoint="http://127.0.0.1:$rgw_port" bucket="strata-test"
  # Create the bucket with a signed request, the same way any client would.
  curl -sf -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" --user "$access:$secret" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$endpoint/$bucket" >/dev/null \
    || die "creating bucket $bucket failed"
  cat >"$dir/env" <<ENV
export S3_ENDPOINT=$endpoint
export S3_BUCKET=$bucket
export AWS_ACCESS_KEY_ID=$access
export AWS_SECRET_ACCESS_KEY=$secret
export AWS_REGION=us-east-1
export STRATA_TEST_S3_URL='s3://$bucket?endpoint=$endpoint&region=us-east-1'
ENV
  cat "$dir/env"
}

stop() {
  local dir=$1
  [ -d "$dir" ] || return 0
  for pidfile in "$dir"/run/*.pid; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  # Give them a moment, then make sure.
  for _ in $(seq 50); do
    local alive=0
    for pidfile in "$dir"/run/*.pid; do
      [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && alive=1
    done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  for pidfile in "$dir"/run/*.pid; do
    [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null || true
  done
  rm -rf "$dir"
}

case "${1:-}" in
  start) [ $# -ge 2 ] || die "usage: $0 start DIR [MEMSTORE_BYTES]"; start "$2" "${3:-}" ;;
  stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
  *) die "usage: $0 start DIR [MEMSTORE_BYTES] | stop DIR" ;;
esac
