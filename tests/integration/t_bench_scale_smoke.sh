#!/usr/bin/env bash
# The scale benchmark works (a smoke test, not a benchmark): bench/scale at its smallest (2
# clusters on a 3-server ensemble, 2-s windows, a tiny load-generator sweep, one failover) exits 0
# and its report carries every figure as a number: the write capacity and its latencies, the
# per-agent ZooKeeper writes and requests, ensemble and agent CPU, agent memory, the failover of
# one cluster, and the extrapolation to 1,000 clusters; plus the plot.
# tests/run: serial
# (its load generator saturates the ensemble for a moment, and it starts 5 JVMs and 6 mysqld)
source "$(dirname "$0")/lib.sh"

OUTD=$(mktemp -d /tmp/fo-scale-smoke.XXXXXX)
trap 'rm -rf "$OUTD"' EXIT

log "bench/scale --clusters 2 --window-s 2 --zkload-s 1 --zkload-sweep 2x2 --failover-trials 1"
if ! BENCH_BIN="$OUTD/bin" timeout -k 5 150 "$ROOT/bench/scale" --clusters 2 --window-s 2 --zkload-s 1 \
    --zkload-sweep 2x2 --failover-trials 1 --out "$OUTD" >"$OUTD/run.log" 2>&1; then
    tail -n 30 "$OUTD/run.log"
    fail "bench/scale exited non-zero (expected 0; output above)"
fi
cat "$OUTD/run.log"

isnum() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; }
# col FILE ROW-KEY-COLUMN VALUE COLUMN
col() {
    awk -F'\t' -v m="$2" -v v="$3" -v k="$4" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        $c[m] == v { print $c[k]; exit }' "$OUTD/data/$1"
}
expect_num() {   # expect_num WHAT VALUE
    isnum "$2" || fail "$1: expected a number, saw '$2'"
}

cap="$OUTD/data/scale_capacity.tsv"
expect_eq "load-generator points (1 write-only + 1 read mix)" 2 "$(($(wc -l <"$cap") - 1))"
for k in writes_per_s write_p50_ms write_p99_ms zk_txn_per_s ensemble_cpu_pct; do
    expect_num "capacity $k (2x2)" "$(col scale_capacity.tsv clients 2 "$k")"
done
w=$(col scale_capacity.tsv clients 2 writes_per_s)
awk -v w="$w" 'BEGIN { exit !(w > 0) }' || fail "capacity: expected writes/s > 0 at 2x2, saw $w"
expect_eq "errors of the load generator at 2x2" 0 "$(col scale_capacity.tsv clients 2 errors)"
expect_num "reads/s of the read mix" "$(awk -F'\t' 'NR > 1 && $3 > 0 { print $6 }' "$cap")"

for load in idle writes; do
    for k in zk_txn_per_s zk_writes_per_s_per_agent zk_requests_per_s_per_agent ensemble_cpu_pct agent_cpu_mean_pct \
        agent_cpu_max_pct agent_rss_mean_kb agent_rss_max_kb agent_pss_mean_kb agent_pss_max_kb mysqld_pss_mean_kb \
        host_cpu_busy_pct zk_avg_latency_ms; do
        expect_num "$load window $k" "$(col scale_windows.tsv load "$load" "$k")"
    done
    expect_eq "$load window agents" 6 "$(col scale_windows.tsv load "$load" agents)"
done
r=$(col scale_windows.tsv load idle zk_requests_per_s_per_agent)
awk -v r="$r" 'BEGIN { exit !(r > 0) }' || fail "idle requests per agent: expected > 0 (sessions ping), saw $r"
expect_num "ensemble CPU with no client" "$(col scale_windows.tsv load none ensemble_cpu_pct)"

for k in gap_ms ro_off_ms repointed_ms total_ms; do
    expect_num "failover $k" "$(col scale_failover.tsv trial 1 "$k")"
done
expect_eq "failover outcome" success "$(col scale_failover.tsv trial 1 outcome)"

md="$OUTD/RESULTS.md"
[ -s "$md" ] || fail "expected $md"
grep -q '^<!-- bench/scale: begin' "$md" && grep -q '^<!-- bench/scale: end -->' "$md" ||
    fail "RESULTS.md: expected the Scale section between its markers"
# The extrapolation: every figure a number.
line=$(grep -F 'of the measured capacity' "$md" | head -n 1)
[[ $line =~ \*\*([0-9]+)\ writes/s\ =\ ([0-9.]+)\ %\ of\ the\ measured\ capacity\*\*\ \(([0-9]+)\ writes/s\) ]] ||
    fail "RESULTS.md: expected '**N writes/s = P % of the measured capacity** (C writes/s)', saw: $line"
grep -Eq '^  \*\*([0-9]+|unbounded) clusters\*\* under writes' "$md" ||
    fail "RESULTS.md: expected the number of clusters that fit under 10 % of the capacity"
bad=$(sed -n '/^<!-- bench\/scale: begin/,/^<!-- bench\/scale: end/p' "$md" | grep -Ew 'NA|nan|inf|\?' | head -n 3)
[ -z "$bad" ] || fail "RESULTS.md: the Scale section holds NA, nan, inf or ? where a figure should be: $bad"
[ "$(head -c 4 "$OUTD/scale.png" | tail -c 3)" = PNG ] || fail "scale.png: expected a PNG file"
grep -q 'write capacity: [0-9]* writes/s' "$OUTD/run.log" || fail "the printed table: expected the write capacity line"
log "PASS"
