#!/usr/bin/env bash
# Fuzzes every reader of Symbiomap for SECONDS each (default 60): the region file, the CSV
# import of each of its three files, the screen's reader (against the import) and the GeoJSON
# import. Targets and what each checks: fuzz/fuzz_targets/*.rs; seeds: fuzz/seeds/<target>/.
#
#   tools/fuzz.sh [SECONDS]
#
# Needs a nightly toolchain and cargo-fuzz (`rustup toolchain install nightly`,
# `cargo install cargo-fuzz`). Inputs the fuzzer finds interesting go to fuzz/corpus/<target>
# (not committed); a failing input is saved under fuzz/artifacts/<target>/ and the script
# stops with its path: turn it into a regular test, fix the reader, and keep the test.
# The crate denies unsafe code, so the targets run without a sanitizer (`-s none`).
# FUZZ_TARGET_DIR sets the build folder (default fuzz/target).
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

for t in "${targets[@]}"; do
  echo "== $t for ${seconds} s"
  corpus="fuzz/corpus/$t"
  mkdir -p "$corpus"
  log="$(mktemp)"
  if ! cargo +nightly fuzz run -s none --target-dir "$target_dir" "$t" "$corpus" "fuzz/seeds/$t" -- \
      -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
      >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz target $t failed; the input is under fuzz/artifacts/$t/"
    exit 1
  fi
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
  echo "$t: $runs executions in ${seconds} s, no failure"
  rm -f "$log"
done
echo "fuzzing done in $(($(date +%s) - started)) s"
