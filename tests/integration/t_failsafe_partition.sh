#!/usr/bin/env bash
# Regression (issue 10, case 1): failsafe = on must not keep a partitioned primary writable.
# The primary's host is cut off from ZooKeeper and from every other host. Before the fix the
# failsafe evidence was the count of Binlog Dump threads on the primary, which linger on a dead
# link for as long as the kernel keeps the socket: the isolated primary stayed writable while a
# new primary was promoted (two writable nodes; acknowledged rows lost on heal), and a fenced
# primary lifted read_only again during the same outage. Now the evidence is a round trip the
# primary's agent makes to every replica's agent, each vouching that its IO thread is connected
# to this primary right now and that it has lost ZooKeeper too; the cut-off primary cannot ask,
# so it fences before its session can expire, and stays fenced. The assertions are
# t_partition.sh's: node1 read-only before any other node is writable, never two writable
# nodes, node1 read-only throughout after its fence, every acknowledged row on the new primary.
PARTITION_UP_ARGS="--set failover.failsafe=on" exec "$(dirname "$0")/t_partition.sh"
