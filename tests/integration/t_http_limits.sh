#!/usr/bin/env bash
# The HTTP endpoint against hostile clients (issue 12): a request whose headers exceed 8 KiB
# gets 431, a request with a body 413, methods other than GET/HEAD 405, and one address may
# hold at most 8 connections: with 8 idle ones open a 9th request is turned away, and served
# again once they are closed. Every endpoint only reads.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 0
wait_for 30 "node1 settled as the writable primary" cluster_settled
URL="http://127.0.0.1:$NODE1_HTTP_PORT"
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
code_is() { is_eq "$(code "$URL/health")" "$1"; }
wait_for 10 "GET /health 200" code_is 200

pad=$(head -c 12000 /dev/zero | tr '\0' a)
expect_eq "GET /health with a 12000-byte header" 431 "$(code -H "X-Pad: $pad" "$URL/health")"
expect_eq "GET /health with a 3000-byte header" 200 "$(code -H "X-Pad: ${pad:0:3000}" "$URL/health")"
expect_eq "GET /primary with a body" 413 "$(code -X GET --data-binary "$pad" "$URL/primary")"
expect_eq "PUT /primary" 405 "$(code -X PUT --data-binary x "$URL/primary")"
expect_eq "DELETE /failsafe" 405 "$(code -X DELETE "$URL/failsafe")"

log "8 idle connections from 127.0.0.1"
for fd in 10 11 12 13 14 15 16 17; do
    eval "exec $fd<>/dev/tcp/127.0.0.1/$NODE1_HTTP_PORT" || fail "open idle connection $fd"
done
on_exit "for fd in 10 11 12 13 14 15 16 17; do eval \"exec \$fd>&-\"; done"
sleep 0.3 # the server thread accepts them
expect_eq "GET /health beside 8 idle connections of the same address" 000 "$(code "$URL/health")"
for fd in 10 11 12 13 14 15 16 17; do eval "exec $fd>&-"; done
wait_for 5 "GET /health 200 once the idle connections are closed" code_is 200
log "PASS"
