# Assertions for the end-to-end scripts: source it after setting WORK (a scratch directory);
# finish with `report NAME`, which prints the counts and fails if anything failed.

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
# check DESCRIPTION COMMAND...: the command must succeed.
check() { local d=$1; shift; if "$@" >/dev/null 2>"$WORK/err"; then pass; else fail "$d: $(cat "$WORK/err")"; fi; }
# refuse DESCRIPTION PATTERN COMMAND...: the command must fail with one line on stderr matching PATTERN.
refuse() {
  local d=$1 pattern=$2; shift 2
  if "$@" >/dev/null 2>"$WORK/err"; then fail "$d: succeeded"; return; fi
  if [ "$(wc -l <"$WORK/err")" -ne 1 ]; then fail "$d: error is not one line: $(cat "$WORK/err")"; return; fi
  if grep -qiE "$pattern" "$WORK/err"; then pass; else fail "$d: '$(cat "$WORK/err")' lacks /$pattern/"; fi
}
# same DESCRIPTION EXPECTED ACTUAL
same() { if [ "$2" == "$3" ]; then pass; else fail "$1: expected [$2], got [$3]"; fi; }
report() {
  echo "$1: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
