#!/usr/bin/env bash
# Times Symbiomap's partner search (`symbiomap bench`: the screen; `symbiomap bench --engine`:
# the full import and the matching engine) against the GIS peers of bench-peers/ on the same
# generated folders, alternating the programs so that they share the machine's state, and prints one
# table per size with medians and the ratio to the fastest peer (see BENCHMARKS.md).
#
#   tools/compare_peers.sh [SIZE...]          sizes: 10k 100k 1M (default: 10k 100k)
#
# Environment:
#   PEERS_DIR=../shared/bench-peers   where gen.py and the peers are; its .venv must exist
#                                     (run its setup.sh once; it needs root for apt-get)
#   DATA_DIR=$PEERS_DIR/data          where the generated folders go (gen.py writes them)
#   PEERS="sklearn_balltree shapely_strtree"   also: postgis (slow: 27 s at 100k, 15 min at 1M)
#   PATH_RUN=symbiomap-path           the whole path a user runs (import, then match --csv);
#                                     set it empty to leave it out (it is slow at 1M)
#   PEER_CSV=1                        also run each peer writing its pairs CSV (`PEER+csv`:
#                                     --pairs-csv, its 4 columns), to set beside the path
#   PY=$PEERS_DIR/.venv/bin/python    the peers' Python
#   REPS=3                            runs of each program per size (1 at 1M unless set)
#   OUT=target/bench-results.csv      every run, one row each
# Needs `cargo build --release` first.
set -euo pipefail
cd "$(dirname "$0")/.."

peers_dir=${PEERS_DIR:-../shared/bench-peers}
data_dir=${DATA_DIR:-$peers_dir/data}
peers=${PEERS:-"sklearn_balltree shapely_strtree"}
out=${OUT:-target/bench-results.csv}
py=${PY:-$peers_dir/.venv/bin/python}
bin=target/release/symbiomap
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 1; }
[ -x "$py" ] || { echo "no $py: run $peers_dir/setup.sh first" >&2; exit 1; }
[ $# -gt 0 ] || set -- 10k 100k

echo "program,size,run,pairs,checksum,load_s,index_s,query_s,total_s,wall_s" > "$out"
result_row() { # program size run wall < RESULT line
    "$py" -c '
import json, sys
line = next(l for l in sys.stdin if l.startswith("RESULT "))
r = json.loads(line[7:])
print(",".join(str(x) for x in [sys.argv[1], sys.argv[2], sys.argv[3], r["pairs"], r["checksum"],
      r["load_s"], r["index_s"], r["query_s"], r.get("total_s", r["load_s"] + r["index_s"] + r["query_s"]),
      sys.argv[4]]))' "$@"
}

for size in "$@"; do
    case "${size,,}" in
        *k) n=$(( ${size%[kK]} * 1000 )) ;;
        *m) n=$(( ${size%[mM]} * 1000000 )) ;;
        *) n=$size ;;
    esac
    dir=$data_dir/n${n}_s42
    if [ ! -f "$dir/streams.csv" ]; then
        echo "generating $dir ..." >&2
        "$py" "$peers_dir/gen.py" --facilities "$n" --seed 42 --out "$dir" >&2
    fi
    reps=${REPS:-$([ "$n" -ge 1000000 ] && echo 1 || echo 3)}
    for run in $(seq 1 "$reps"); do
        csv_peers=""
        if [ -n "${PEER_CSV:-}" ]; then
            for p in $peers; do csv_peers="$csv_peers $p+csv"; done
        fi
        for program in symbiomap symbiomap-engine ${PATH_RUN-symbiomap-path} $peers $csv_peers; do
            echo "== $size run $run: $program" >&2
            start=$(date +%s.%N)
            if [ "$program" = symbiomap ]; then
                text=$("$bin" bench "$dir")
            elif [ "$program" = symbiomap-engine ]; then
                text=$("$bin" bench --engine "$dir")
            elif [ "$program" = symbiomap-path ]; then
                # What a user runs: import to a region file, then match with every candidate
                # explained in a CSV; the whole process of both is timed.
                tmp=$(mktemp -d)
                t0=$(date +%s.%N)
                "$bin" import "$dir" -o "$tmp/region.json" >/dev/null 2>&1
                t1=$(date +%s.%N)
                "$bin" match "$tmp/region.json" --csv "$tmp/pairs.csv" >/dev/null 2>&1
                t2=$(date +%s.%N)
                rows=$(( $(wc -l < "$tmp/pairs.csv") - 1 ))
                rm -rf "$tmp"
                # printf: bc writes .95 for 0.95, which is not JSON.
                text="RESULT {\"pairs\": $rows, \"checksum\": \"path\", \"load_s\": $(printf %.3f "$(echo "$t1 - $t0" | bc)"), \"index_s\": 0, \"query_s\": $(printf %.3f "$(echo "$t2 - $t1" | bc)")}"
            elif [ "${program%+csv}" != "$program" ]; then
                # The peer with its pairs written: its RESULT line's times stop before the
                # CSV; the wall time covers it.
                tmp=$(mktemp -d)
                text=$("$py" "$peers_dir/peer_${program%+csv}.py" "$dir" --pairs-csv "$tmp/pairs.csv")
                rm -rf "$tmp"
            else
                text=$("$py" "$peers_dir/peer_$program.py" "$dir")
            fi
            wall=$(echo "$(date +%s.%N) - $start" | bc)
            echo "$text" | result_row "$program" "$size" "$run" "$wall" >> "$out"
        done
    done
done

"$py" - "$out" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for size in dict.fromkeys(r["size"] for r in rows):
    mine = [r for r in rows if r["size"] == size]
    progs = list(dict.fromkeys(r["program"] for r in mine))
    med = {p: {k: statistics.median(float(r[k]) for r in mine if r["program"] == p)
               for k in ("load_s", "index_s", "query_s", "total_s", "wall_s")} for p in progs}
    # The whole path's row counts its CSV's rows and has no checksum.
    answers = {(r["pairs"], r["checksum"]) for r in mine if r["program"] != "symbiomap-path"}
    path_rows = {r["pairs"] for r in mine if r["program"] == "symbiomap-path"}
    if path_rows and path_rows != {a for a, _ in answers}:
        print(f"symbiomap-path wrote {sorted(path_rows)} rows, not the pair count")
        answers.add(("path", "rows"))
    peers = [p for p in progs if not p.startswith("symbiomap")]
    fastest = min(peers, key=lambda p: med[p]["total_s"]) if peers else None
    print(f"\n{size}: {'all agree' if len(answers) == 1 else 'DISAGREE'} on "
          + "; ".join(f"{a} pairs, checksum {b}" for a, b in sorted(answers)))
    fastest_wall = min(peers, key=lambda p: med[p]["wall_s"]) if peers else None
    print("| program | runs | load s | index s | query s | total s | wall s | total vs fastest peer | wall vs fastest peer |")
    print("|---|---|---|---|---|---|---|---|---|")
    for p in progs:
        m = med[p]
        ratio = med[fastest]["total_s"] / m["total_s"] if fastest else float("nan")
        runs = sum(1 for r in mine if r["program"] == p)
        print(f"| {p} | {runs} | {m['load_s']:.3f} | {m['index_s']:.3f} | {m['query_s']:.3f} | "
              f"{m['total_s']:.3f} | {m['wall_s']:.2f} | {ratio:.2f}x | "
              f"{med[fastest_wall]['wall_s'] / m['wall_s'] if fastest_wall else float('nan'):.2f}x |")
    if len(answers) != 1:
        sys.exit(1)
PY
