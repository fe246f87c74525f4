#!/usr/bin/env bash
# Fuzzes every reader of Symbiomap for SECONDS each (default 60), one target per core at a
# time: the region file, the CSV import of each of its three files, the screen's reader
# (against the import) and the GeoJSON import. Targets and what each checks:
# fuzz/fuzz_targets/*.rs; seeds: fuzz/seeds/<target>/.
#
#   tools/fuzz.sh [SECONDS]
#
# Needs a nightly toolchain and cargo-fuzz (`rustup toolchain install nightly`,
# `cargo install cargo-fuzz`). Inputs the fuzzer finds interesting go to fuzz/corpus/<target>
# (not committed); a failing input is saved under fuzz/artifacts/<target>/ and the script
# stops with its path: turn it into a regular test, fix the reader, and keep the test.
# The crate denies unsafe code, so the targets run without a sanitizer (`-s none`).
# FUZZ_TARGET_DIR sets the build folder (default fuzz/target), FUZZ_JOBS the targets run at
# once (default: the cores).
#
# Measured on the 2-core build machine under a load average of 5 (another build and a
# 100 000-facility match running): a cold build 7 min 38 s, then 30 s each in 94 s.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
targets=(region_file csv_facilities csv_streams csv_materials screen geojson)
target_dir="${FUZZ_TARGET_DIR:-fuzz/target}"

# The targets never call the HiGHS solver: build it unoptimised (fuzz/highs-unoptimised.cmake).
export CMAKE_TOOLCHAIN_FILE="${CMAKE_TOOLCHAIN_FILE:-$PWD/fuzz/highs-unoptimised.cmake}"

echo "== building the fuzz targets"
started=$(date +%s)
cargo +nightly fuzz build -s none --target-dir "$target_dir"
echo "built in $(($(date +%s) - started)) s"

# One target per core at a time (FUZZ_JOBS to change): each still runs SECONDS.
jobs="${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}"
logs="$(mktemp -d)"
run() {
  local t="$1"
  local corpus="fuzz/corpus/$t"
  mkdir -p "$corpus"
  if cargo +nightly fuzz run -s none --target-dir "$target_dir" "$t" "$corpus" "fuzz/seeds/$t" -- \
      -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
      >"$logs/$t.log" 2>&1; then
    local runs
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$logs/$t.log" | grep -Eo '[0-9]+$' || echo "?")
    echo "$t: $runs executions in ${seconds} s, no failure"
  else
    tail -n 60 "$logs/$t.log"
    echo "fuzz target $t failed; the input is under fuzz/artifacts/$t/"
    return 1
  fi
}
failed=0
for ((i = 0; i < ${#targets[@]}; i += jobs)); do
  batch=("${targets[@]:i:jobs}")
  echo "== ${batch[*]} for ${seconds} s"
  pids=()
  for t in "${batch[@]}"; do
    run "$t" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do
    wait "$pid" || failed=1
  done
  [ "$failed" -eq 0 ] || exit 1
done
rm -rf "$logs"
echo "fuzzing done in $(($(date +%s) - started)) s"
