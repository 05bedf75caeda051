#!/usr/bin/env bash
# The shipped alert rules and Grafana dashboard (etc/prometheus, etc/grafana) against real agents:
# promtool accepts the rules and their unit tests pass; every metric either file queries is one a
# real agent exports; and the rules, fed with what real agents export (healthy, paused, a replica
# whose SQL thread stopped), fire exactly the alerts those states call for.
source "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || fail "promtool missing (Debian package prometheus; scripts/install-deps)"
RULES=$ROOT/etc/prometheus/failoverd-alerts.yml
DASH=$ROOT/etc/grafana/failoverd-dashboard.json
T=$(mktemp -d /tmp/fo-prom.XXXXXX)
CLEANUP_PATHS+=("$T")

out=$(promtool check rules "$RULES" 2>&1) || fail "promtool check rules: $out"
out=$(promtool test rules "$ROOT/tests/prometheus/failoverd-alerts.test.yml" 2>&1) || fail "promtool test rules: $out"
jq -e '.panels | length > 0' "$DASH" >/dev/null || fail "$DASH: expected valid JSON with panels"
# used-metrics must see a name it has never heard of (else an empty answer would pass below).
sed 's/failoverd_diverged == 1/failoverd_no_such_metric == 1/' "$RULES" >"$T/mut.yml"
"$ROOT/tests/prometheus/used-metrics" "$T/mut.yml" "$DASH" | grep -qx failoverd_no_such_metric ||
    fail "used-metrics: expected it to list failoverd_no_such_metric from a mutated rule file"

sb_up --replicas 1 --set failover.anti_flap_s=300
wait_for 40 "bootstrap settled" cluster_settled
scrape() { curl -sf "http://$(host_of "$1"):$(v="${1^^}_HTTP_PORT"; echo "${!v}")/metrics"; }
for n in $NODES; do
    scrape "$n" >"$T/$n.prom" || fail "GET /metrics on $n"
    out=$(promtool check metrics <"$T/$n.prom" 2>&1) || fail "promtool check metrics on $n's /metrics: $out"
done
# `up` is Prometheus's own series for every scrape target, not in any /metrics.
{ echo up; cat "$T"/*.prom | grep -v '^#' | sed -E 's/[{ ].*//'; } | sort -u >"$T/exported"
"$ROOT/tests/prometheus/used-metrics" >"$T/used"
[ "$(wc -l <"$T/used")" -ge 5 ] || fail "used-metrics: expected the names the rules and dashboard use, saw: $(cat "$T/used")"
missing=$(comm -23 "$T/used" "$T/exported")
[ -z "$missing" ] || fail "the rules or the dashboard query metrics no agent exports: $missing (exported: $(tr '\n' ' ' <"$T/exported"))"
log "rules and dashboard use $(wc -l <"$T/used") metrics, all exported"

# A promtool test whose input is what the agents export now, held for 40 minutes; each alert of
# the rule file must fire exactly as listed ("ALERT NODE", "ALERT -" for a cluster-wide one).
ALERTS=$(sed -nE 's/^[[:space:]]*- alert:[[:space:]]*//p' "$RULES")
rule_field() { sed -n "/- alert: $1\$/,/$2:/s/^ *$2: \"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p" "$RULES"; }
fill() { sed -e "s/{{ \$labels.node }}/$1/g" -e "s/{{ \$labels.cluster }}/$CLUSTER/g"; }
held_test() { # NAME "ALERT NODE|-"...
    local name=$1 f=$T/$1.test.yml a n
    shift
    {
        echo "rule_files: ['$RULES']"
        echo "evaluation_interval: 1m"
        echo "tests:"
        echo "  - interval: 1m"
        echo "    input_series:"
        for n in $NODES; do
            # NaN (unknown) is no sample for promtool's input: "_".
            scrape "$n" | grep -v '^#' | sed -E -e 's/ NaN$/ _/' -e "s/^([a-z_]+)\{(.*)\} (.*)$/      - series: '\1{\2,job=\"failoverd\",instance=\"$n\"}'\n        values: '\3x40'/"
            echo "      - series: 'up{job=\"failoverd\",instance=\"$n\"}'"
            echo "        values: '1x40'"
        done
        echo "    alert_rule_test:"
        for a in $ALERTS; do
            echo "      - eval_time: 35m"
            echo "        alertname: $a"
            local want=""
            for e in "$@"; do [ "${e%% *}" = "$a" ] && want="${e#* }"; done
            if [ -z "$want" ]; then echo "        exp_alerts: []"; continue; fi
            echo "        exp_alerts:"
            # NODE: a per-node alert; "-": one aggregated by (job, cluster).
            local labels="job: failoverd, cluster: $CLUSTER" node=$want
            [ "$want" = - ] && node="" || labels="$labels, instance: $want, node: $want"
            echo "          - exp_labels: {severity: $(rule_field "$a" severity), $labels}"
            echo "            exp_annotations:"
            echo "              summary: \"$(rule_field "$a" summary | fill "$node")\""
            echo "              description: \"$(rule_field "$a" description | fill "$node")\""
        done
    } >"$f"
    out=$(promtool test rules "$f" 2>&1) || fail "$name: the rules on real agents' metrics: $out"
    log "$name: alerts as expected (${*:-none})"
}
held_test healthy

"$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" pause >/dev/null || fail "failoverctl pause"
paused_on() { scrape "$1" | grep -qx "failoverd_paused{cluster=\"$CLUSTER\",node=\"$1\"} 1"; }
for n in $NODES; do wait_for 10 "$n reports failoverd_paused 1" paused_on "$n"; done
held_test paused "FailoverdPausedTooLong -"
"$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" resume >/dev/null || fail "failoverctl resume"
unpaused_on() { scrape "$1" | grep -qx "failoverd_paused{cluster=\"$CLUSTER\",node=\"$1\"} 0"; }
for n in $NODES; do wait_for 10 "$n reports failoverd_paused 0" unpaused_on "$n"; done

sql node2 "STOP SLAVE SQL_THREAD" || fail "stop node2's SQL thread"
lag_unknown() { scrape node2 | grep -qx "failoverd_replication_lag_seconds{cluster=\"$CLUSTER\",node=\"node2\"} NaN" &&
    scrape node2 | grep -qx "failoverd_replication_running{cluster=\"$CLUSTER\",node=\"node2\"} 0"; }
wait_for 10 "node2 reports its lag unknown (NaN), replication not running" lag_unknown
held_test replica_stopped "FailoverdReplicaNotReplicating node2"
sql node2 "START SLAVE SQL_THREAD"

# Issue 9 point 5: every series has cluster and node labels, unknown is NaN (never 0 or -1), the
# build is named, moves are counted by reason and outcome, and the hold and the time since the
# last failover show.
for n in $NODES; do
    bad=$(scrape "$n" | grep -v '^#' | grep -v "{cluster=\"$CLUSTER\",node=\"$n\"[,}]")
    [ -z "$bad" ] || fail "$n's /metrics: series without cluster and node labels: $bad"
    scrape "$n" | grep -qx "failoverd_build_info{cluster=\"$CLUSTER\",node=\"$n\",version=\"[0-9.]*\"} 1" ||
        fail "$n's /metrics: no failoverd_build_info"
done
scrape node1 | grep -qx "failoverd_replication_lag_seconds{cluster=\"$CLUSTER\",node=\"node1\"} NaN" ||
    fail "the primary node1's lag: expected NaN (it is no replica), saw $(scrape node1 | grep '^failoverd_replication_lag_seconds')"
metric_sum() { # NAME LABELS: the sum over every node of NAME{cluster,node,LABELS}
    local n t=0 v
    for n in $NODES; do
        v=$(scrape "$n" | sed -n "s/^$1{cluster=\"$CLUSTER\",node=\"$n\"$2} //p")
        t=$((t + ${v:-0}))
    done
    echo "$t"
}
"$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" switchover --to node2 --yes >/dev/null || fail "switchover to node2"
switchovers_counted() { is_eq "$(metric_sum failoverd_failovers_total ',reason="switchover",outcome="success"')" 1; }
wait_for 10 "failoverd_failovers_total{reason=switchover,outcome=success} 1 (summed over the agents)" switchovers_counted
log "kill node2's mysqld: a failover, then the anti-flap hold"
"$SANDBOX" kill-mysqld "$SB" node2 KILL
wait_for 20 "the failover to node1" epoch_is 3
failovers_counted() { is_eq "$(metric_sum failoverd_failovers_total ',reason="failover",outcome="success"')" 1; }
wait_for 10 "failoverd_failovers_total{reason=failover,outcome=success} 1" failovers_counted
held() { for n in $NODES; do scrape "$n" | grep -qx "failoverd_anti_flap_hold{cluster=\"$CLUSTER\",node=\"$n\"} 1" || return 1; done; }
wait_for 10 "failoverd_anti_flap_hold 1 on every agent" held
scrape node1 | grep -qE "^failoverd_seconds_since_last_failover\{cluster=\"$CLUSTER\",node=\"node1\"\} [0-9]+(\.[0-9]+)?$" ||
    fail "seconds since the last failover: expected a number, saw $(scrape node1 | grep '^failoverd_seconds_since')"
for m in read_only replicas_connected replication_lag_seconds; do
    scrape node2 | grep -qx "failoverd_$m{cluster=\"$CLUSTER\",node=\"node2\"} NaN" ||
        fail "node2's mysqld is down: failoverd_$m expected NaN, saw $(scrape node2 | grep "^failoverd_$m")"
done
for n in $NODES; do
    out=$(scrape "$n" | promtool check metrics 2>&1) || fail "promtool check metrics on $n after the failover: $out"
done
log "PASS"
