#!/usr/bin/env bash
# Installs what building and testing Strata needs, from Debian 12's packages. Idempotent and
# quick when everything is present (no apt-get update then). Run as root on a fresh machine.
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build g++ pkg-config make
  # libraries
  libsqlite3-dev libpq-dev libssl-dev libfmt-dev libcli11-dev libcurl4-openssl-dev libfuse3-dev
  libcpp-httplib-dev
  # the Python package (pybind11 extension for Debian's python3)
  pybind11-dev python3-dev python3-numpy python3-pytest
  # tests and checks
  libgtest-dev libgmock-dev clang-format sqlite3 bc
  # the mount (FUSE), and the tools its tests run on it
  fuse3 rsync git tar python3-torch
  # the fuzz targets (libFuzzer comes with clang's runtime)
  clang libclang-rt-14-dev openssl
  # a real S3 server for the store tests (tests/support/s3_server.sh)
  radosgw ceph-mon ceph-osd ceph-common curl python3
  # PostgreSQL for the shared-metadata tests (tests/support/pg_server.sh); namespaces and
  # bridges for the cluster test (tests/support/cluster_env.sh)
  postgresql postgresql-client iproute2
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install_deps: missing packages (${missing[*]}); run as root or install them" >&2
  exit 1
fi
echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
