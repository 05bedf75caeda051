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

sb_up --replicas 1
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
fill() { sed -e "s/{{ \$labels.node }}/$1/g" -e "s/{{ \$labels.cluster }}//g"; }
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
            scrape "$n" | grep -v '^#' | sed -E "s/^([a-z_]+)\{(.*)\} (.*)$/      - series: '\1{\2,job=\"failoverd\",instance=\"$n\"}'\n        values: '\3x40'/"
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
            # NODE: a per-node alert; "-": one aggregated by (job, cluster), with no cluster here.
            local labels="job: failoverd" node=$want
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
paused_on() { scrape "$1" | grep -qx "failoverd_paused{node=\"$1\"} 1"; }
for n in $NODES; do wait_for 10 "$n reports failoverd_paused 1" paused_on "$n"; done
held_test paused "FailoverdPausedTooLong -"
"$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" resume >/dev/null || fail "failoverctl resume"
unpaused_on() { scrape "$1" | grep -qx "failoverd_paused{node=\"$1\"} 0"; }
for n in $NODES; do wait_for 10 "$n reports failoverd_paused 0" unpaused_on "$n"; done

sql node2 "STOP SLAVE SQL_THREAD" || fail "stop node2's SQL thread"
lag_unknown() { scrape node2 | grep -qx 'failoverd_replication_lag_seconds{node="node2"} -1'; }
wait_for 10 "node2 reports lag -1" lag_unknown
held_test replica_stopped "FailoverdReplicaNotReplicating node2"
sql node2 "START SLAVE SQL_THREAD"
log "PASS"
