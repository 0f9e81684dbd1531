# Sourced by the benchmarks that run against the test S3 server (after sourcing its env file).

now() { date +%s.%N; }
# A cold read must not be served from memory (root only; says so otherwise).
drop_caches() {
  sync
  echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || echo "bench: cannot drop the page cache (not root?)" >&2
}
# An rclone remote section for the S3 server at ENDPOINT, with the server's credentials.
rclone_remote() {  # NAME ENDPOINT
  cat <<CONF
[$1]
type = s3
provider = Other
endpoint = $2
access_key_id = $AWS_ACCESS_KEY_ID
secret_access_key = $AWS_SECRET_ACCESS_KEY
region = us-east-1
force_path_style = true

CONF
}
