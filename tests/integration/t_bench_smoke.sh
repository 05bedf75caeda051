#!/usr/bin/env bash
# The failover benchmark works (a smoke test, not a benchmark): one mysqld-crash trial of
# bench/failover --quick, written to a temp dir, yields a sane recovery time (0 < t < 30 s), a
# history record with phase timings, zero lost acknowledged rows, a report and a plot.
# Semi-sync is on because only then is "no acknowledged row lost" a promise (DESIGN.md, inv. 3).
source "$(dirname "$0")/lib.sh"

OUTD=$(mktemp -d /tmp/fo-bench-smoke.XXXXXX)
trap 'rm -rf "$OUTD"' EXIT

log "bench/failover --trials 1 --scenarios mysqld-crash --configs tuned --quick --semi-sync"
if ! BENCH_BIN="$OUTD/bin" timeout -k 5 120 "$ROOT/bench/failover" --trials 1 --scenarios mysqld-crash \
    --configs tuned --quick --footprint-s 1 --semi-sync --out "$OUTD" >"$OUTD/run.log" 2>&1; then
    tail -n 30 "$OUTD/run.log"
    fail "bench/failover exited non-zero (expected 0; output above)"
fi
cat "$OUTD/run.log"

tsv="$OUTD/data/trials.tsv"
[ -s "$tsv" ] || fail "expected $tsv with one trial, found none"
expect_eq "trial rows in trials.tsv" 1 "$(($(wc -l <"$tsv") - 1))"
col() { awk -F'\t' -v k="$1" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print $c[k] }' "$tsv"; }

gap=$(col gap_ms)
log "writes blocked ${gap} ms, every replica repointed after $(col repointed_ms) ms"
awk -v g="$gap" 'BEGIN { exit !(g ~ /^[0-9.]+$/ && g > 0 && g < 30000) }' ||
    fail "writes blocked: expected a number of ms in (0, 30000), saw '$gap'"
rep=$(col repointed_ms)
awk -v g="$rep" 'BEGIN { exit !(g ~ /^[0-9.]+$/ && g > 0 && g < 30000) }' ||
    fail "time to every replica repointed: expected a number of ms in (0, 30000), saw '$rep'"
acked=$(col acked)
[ "$acked" -gt 0 ] 2>/dev/null || fail "acknowledged rows: expected some, saw '$acked'"
expect_eq "lost acknowledged rows (semi-sync)" 0 "$(col lost)"
expect_eq "history record outcome" success "$(col outcome)"
[[ $(col total_ms) =~ ^[0-9]+$ ]] || fail "history record phases_ms.total: expected a number, saw '$(col total_ms)'"

[ -s "$OUTD/RESULTS.md" ] || fail "expected $OUTD/RESULTS.md"
grep -q "mysqld-crash" "$OUTD/RESULTS.md" || fail "RESULTS.md does not mention the mysqld-crash scenario"
[ "$(head -c 4 "$OUTD/recovery.png" | tail -c 3)" = PNG ] || fail "recovery.png: expected a PNG file"
log "PASS"
