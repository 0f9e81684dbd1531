# Assertions for the end-to-end scripts: source it after setting WORK (a scratch directory);
# finish with `report NAME`, which prints the counts and fails if anything failed.

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
# The assertion in progress, for `watchdog` to name.
at() { echo "$1" >"$WORK/.last-assertion"; }
# check DESCRIPTION COMMAND...: the command must succeed.
check() { local d=$1; shift; at "$d"; if "$@" >/dev/null 2>"$WORK/err"; then pass; else fail "$d: $(cat "$WORK/err")"; fi; }
# refuse DESCRIPTION PATTERN COMMAND...: the command must fail with one line on stderr matching PATTERN.
refuse() {
  local d=$1 pattern=$2; shift 2
  at "$d"
  if "$@" >/dev/null 2>"$WORK/err"; then fail "$d: succeeded"; return; fi
  if [ "$(wc -l <"$WORK/err")" -ne 1 ]; then fail "$d: error is not one line: $(cat "$WORK/err")"; return; fi
  if grep -qiE "$pattern" "$WORK/err"; then pass; else fail "$d: '$(cat "$WORK/err")' lacks /$pattern/"; fi
}
# same DESCRIPTION EXPECTED ACTUAL
same() { at "$1"; if [ "$2" == "$3" ]; then pass; else fail "$1: expected [$2], got [$3]"; fi; }
# watchdog SECONDS [LOG]: a script still running after SECONDS names the last assertion it
# passed, prints the tail of LOG and ends with its children, before ctest's timeout would kill
# it silently. (The sleep holds no descriptor of ours, so a killed watchdog leaves nothing that
# keeps ctest's pipe open.)
watchdog() {
  local seconds=$1 log=${2:-} script=$$
  (
    sleep "$seconds" </dev/null >/dev/null 2>&1
    echo "STUCK after ${seconds}s; the last assertion: $(cat "$WORK/.last-assertion" 2>/dev/null)" >&2
    ps -o pid,etimes,args --ppid "$script" >&2 || true
    [ -n "$log" ] && [ -f "$log" ] && tail -n 30 "$log" >&2
    kill -TERM "$script" 2>/dev/null  # first: the children below include this watchdog
    pkill -TERM -P "$script" 2>/dev/null
  ) &
}
report() {
  echo "$1: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
