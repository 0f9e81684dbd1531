#!/usr/bin/env bash
# Installs what building and testing Strata needs, from Debian 12's packages. Idempotent and
# quick when everything is present (no apt-get update then). Run as root on a fresh machine.
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build g++ pkg-config make
  # libraries
  libsqlite3-dev libpq-dev libssl-dev libfmt-dev libcli11-dev libcurl4-openssl-dev libfuse3-dev
  # the Python package (pybind11 extension for Debian's python3)
  pybind11-dev python3-dev python3-numpy python3-pytest
  # tests and checks
  libgtest-dev libgmock-dev clang-format clang-tidy sqlite3 bc
  # the mount (FUSE), and the tools its tests run on it
  fuse3 rsync git tar python3-torch
  # the fuzz targets (libFuzzer comes with clang's runtime)
  clang libclang-rt-14-dev openssl
  # a real S3 server for the store tests (tests/support/s3_server.sh)
  radosgw ceph-mon ceph-osd ceph-common curl python3
  # PostgreSQL for the shared-metadata tests (tests/support/pg_server.sh); namespaces and
  # bridges for the cluster test (tests/support/cluster_env.sh)
  postgresql postgresql-client iproute2
  # the Files page's browser test: Debian's Chromium driven by playwright-core from npm
  chromium nodejs npm
)

# playwright-core for tests/browser, from the npm registry at the version package-lock.json pins
# (it never downloads a browser: the test uses Debian's /usr/bin/chromium).
install_browser_test_deps() {
  local dir
  dir="$(dirname "$0")/../tests/browser"
  [ -d "$dir/node_modules/playwright-core" ] && return 0
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  # A Node.js from elsewhere (e.g. NodeSource's, which bundles npm) serves as well as Debian's.
  if [ "$pkg" = nodejs ] || [ "$pkg" = npm ]; then
    command -v "${pkg/nodejs/node}" >/dev/null && continue
  fi
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  install_browser_test_deps
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install_deps: missing packages (${missing[*]}); run as root or install them" >&2
  exit 1
fi
echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_browser_test_deps
