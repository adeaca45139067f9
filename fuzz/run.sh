#!/bin/sh
# fuzz/run.sh MODE FUZZER SECONDS WORKDIR — runs one libFuzzer harness
# (docs/fuzzing.md).
#   MODE test: what `make test` runs (a ctest per harness): a fresh scratch
#     corpus in WORKDIR/<name>/, seeded read-only from fuzz/corpus/<name>/,
#     a per-input timeout of 20 s; the committed corpus is never written.
#   MODE fuzz: what `make fuzz` runs: the scratch corpus in WORKDIR/<name>/
#     is kept between runs (it grows), a per-input timeout of 10 s, and the
#     commands to fold new inputs into the committed corpus are printed.
# Either way a crash, a sanitizer report, a leak or a timeout fails with the
# reproducer's path and the command that replays it.
set -u
mode=$1 fuzzer=$2 seconds=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
name=$(basename "$fuzzer")
target=${name#fuzz_}
seeds=$here/corpus/$target
out=$work/$target
case $mode in
  test) rm -rf "$out"; timeout=20 ;;
  fuzz) timeout=10 ;;
  *) echo "run.sh: mode must be test or fuzz" >&2; exit 2 ;;
esac
mkdir -p "$out/corpus" "$out/artifacts"
set -- -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$out/artifacts/"
[ -f "$here/dict/$target.dict" ] && set -- "$@" -dict="$here/dict/$target.dict"
[ -d "$seeds" ] || { echo "run.sh: no seed corpus $seeds" >&2; exit 2; }
: "${ASAN_OPTIONS:=detect_leaks=1}" "${UBSAN_OPTIONS:=print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS UBSAN_OPTIONS
# libFuzzer writes new inputs into the first corpus folder only
(cd "$out" && "$fuzzer" "$@" "$out/corpus" "$seeds") >"$out/fuzz.log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
  tail -n 80 "$out/fuzz.log"
  echo "FAIL $name (exit $rc); log: $out/fuzz.log"
  for f in "$out"/artifacts/*; do
    [ -e "$f" ] || continue
    echo "reproducer: $f"
    echo "replay:     $fuzzer $f"
  done
  exit 1
fi
# the summary: libFuzzer's last status line and its final stats
grep -E '^#[0-9]+[[:space:]]+DONE' "$out/fuzz.log" | tail -n 1
grep -E '^stat::' "$out/fuzz.log"
n=$(ls "$out/corpus" | wc -l)
echo "$name: $seconds s, $(ls "$seeds" | wc -l) seeds, $n new inputs in $out/corpus"
if [ "$mode" = fuzz ] && [ "$n" -gt 0 ]; then
  echo "  to fold the new inputs into the committed corpus (only those adding coverage):"
  echo "    $fuzzer -merge=1 $seeds $out/corpus"
fi
