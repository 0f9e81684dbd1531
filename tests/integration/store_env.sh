# Sourced by the crash tests: with STRATA_TEST_S3_ENV set (the env file tests/support/s3_server.sh
# writes), the volume's chunks go to that S3 server under a prefix of their own; with
# STRATA_TEST_PG_ENV set (tests/support/pg_server.sh), the metadata goes to a fresh database on
# that PostgreSQL server; otherwise both stay under STRATA_HOME.
use_test_store() {  # NAME
  unset STRATA_META STRATA_STORE STRATA_CACHE_DIR
  if [ -n "${STRATA_TEST_S3_ENV:-}" ]; then
    # shellcheck disable=SC1090
    source "$STRATA_TEST_S3_ENV"
    export STRATA_STORE="s3://$S3_BUCKET/$1-$$-$RANDOM?endpoint=$S3_ENDPOINT&region=us-east-1"
    echo "$1: store $STRATA_STORE"
  fi
  if [ -n "${STRATA_TEST_PG_ENV:-}" ]; then
    # shellcheck disable=SC1090
    source "$STRATA_TEST_PG_ENV"
    local db="${1//-/_}_$$_$RANDOM"
    psql -q "$STRATA_TEST_PG_URL" -c "CREATE DATABASE $db" >/dev/null
    export STRATA_META="${STRATA_TEST_PG_URL%/*}/$db"
    echo "$1: metadata $STRATA_META"
  fi
}
