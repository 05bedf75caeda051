/* failoverd-protocol.pml -- a Promela model of failoverd's failover protocol (failoverd-protocol(7)),
 * checked by spin for "never two writable mysqld" and "no promotion before fence" (tests/model/run).
 *
 * What is modelled (each part names the code it stands for):
 *   - a ZooKeeper leader: sessions and their expiry, /primary {name, epoch, fencing}, the nodes'
 *     registrations with fence_ack; and one follower F that can be cut off together with a host
 *     and then answers plain reads from its stale local state (issue 10, case 2);
 *   - three hosts, each a mysqld (alive, read_only, stalled, IO thread source/running) and its agent
 *     (src/failoverd/session.c, local.c): heartbeat, fencing deadline, /primary belief, fence,
 *     fence_ack, lift, repoint, the failsafe round trip (issue 10, case 1);
 *   - a coordinator (src/failoverd/coord.c move_steps): fence flag, wait for the ack or the old
 *     session's expiry, with failsafe: stop reachable IO threads and outwait the evidence, promote;
 *   - faults, any number, in any order: a host partitioned (optionally with F), heal, mysqld
 *     crash/restart, SIGSTOP/SIGCONT of mysqld, agent crash (restarted by systemd), coordinator
 *     crash (its move state is lost, ZooKeeper's is kept), ZooKeeper losing its quorum and back.
 * Time is a discrete clock: the process `clock` ticks and every timer is a countdown, so the state
 * space is finite and the search covers unbounded runs. T = 4 ticks session timeout, deadline T/2.
 *
 * Switches: -DBUG_FOLLOWER_HEARTBEAT (the heartbeat is a plain read a cut-off follower answers),
 * -DBUG_LINGERING_EVIDENCE (failsafe evidence = the primary's Binlog Dump threads), -DFAILSAFE=0,
 * -DBUG_BELIEF_GRACE (today's fencer trigger, see obliged()), -DMAXF=n (fault budget), -DREACH_EPOCH3
 * (asserts epoch never reaches 3: spin must refute it, proving the depth covers two failovers).
 */

#define N      3        /* hosts 0..2; host 0 starts as primary */
#define NONE   3        /* no node / no partition / no belief */
#define T      4        /* session timeout granted by ZooKeeper, in ticks */
#define HALF   2        /* fence_deadline_ms(): send time + T/2 */
#define TTL    2        /* failsafe_evidence_ttl_ms() */
#define MARGIN 1        /* one tick: the time a fence itself takes (see the vouch hold and lapse wait) */
#define MAXE   3        /* epochs 1..3: two failovers */
#ifndef MAXF
#define MAXF   3        /* fault budget: injected faults per run (recoveries are free) */
#endif
#ifndef FAILSAFE
#define FAILSAFE 1
#endif

/* ---- ZooKeeper leader (A6: linearizable, expires a session no earlier than T after its last
 * touch; during a quorum loss nothing is written or expired, and a new leader restarts every
 * session's timeout) ------------------------------------------------------------------------- */
bit  zkdown;            /* no quorum: leader election or ensemble down */
byte pname = 0;         /* /primary name */
byte pepoch = 1;        /* /primary epoch */
bit  pfencing;          /* /primary fencing flag (coord.c set_fencing) */
bit  zs[N];             /* node i's session alive at the leader = its registration nodes/i exists */
byte zexp[N];           /* ticks before the leader may expire it (countdown from T at each touch) */
bit  ack[N];            /* nodes/i says fence_ack */
bit  ackcur[N];         /* ... for the /primary version now current (the ack names the version it
                         * answers; every write of /primary makes older acks stale) */

/* ---- network: at most one host cut off at a time, possibly together with follower F -------- */
byte iso = NONE;        /* the isolated host */
bit  fcut;              /* F is on the isolated side, cut from the leader */

/* ---- mysqld ---------------------------------------------------------------------------------- */
bit  alive[N];
bit  ro[N];             /* read_only (a dead mysqld restarts read-only: A3, the start hook) */
bit  stalled[N];        /* SIGSTOPped: SET read_only blocks, pending commits land when continued */
byte src[N];            /* IO thread's configured source, NONE = not a replica */
bit  iorun[N];            /* IO thread running */

/* ---- agents ---------------------------------------------------------------------------------- */
bit  hasS[N];           /* the agent holds a session handle it believes in */
byte dl[N];             /* ticks left before its fencing deadline (0 = passed: fencer acts) */
byte bname[N];          /* /primary as last read in this session; NONE = not read */
bit  bfenc[N];
bit  bcur[N];           /* that read saw the current /primary version */
byte ev[N];             /* ticks left of its failsafe evidence */
byte vh[N];             /* vouch hold: ticks before it may become writable */
#ifdef BUG_LINGERING_EVIDENCE
bit  linger[N*N];       /* linger[k*N+j]: k still shows a Binlog Dump thread of j over a dead link */
#endif

/* ---- coordinator (coord.c move_steps) -------------------------------------------------------- */
#define C_IDLE    0
#define C_FENCING 1     /* step 1: fencing=true written, waiting for the ack or the expiry */
#define C_LAPSE   2     /* step 2: IO threads stopped, outwaiting failsafe evidence */
#define C_READY   3     /* fenced: may promote */
byte cphase = C_IDLE;
byte cold;              /* the node being moved away from */
byte cw;                /* lapse wait countdown */
bit  cexp;              /* this move saw the old session expired at the leader */

byte nf = MAXF;         /* faults left to inject */
byte k, j;              /* loop indices; always N between steps */

#define writable(i)    (alive[i] && !ro[i])
#define link(a,b)      (iso == NONE || (iso != (a) && iso != (b)))
#define reachL(i)      (!zkdown && iso != (i))          /* leader-ordered ops possible */
#define viaF(i)        (iso == (i) && fcut)             /* only the stale follower answers */
#define live(i)        (hasS[i] && dl[i] > 0)           /* session_alive in agent.h */
#define connected(a,b) (iorun[a] && src[a] == (b) && alive[b] && link(a,b))
#define held(i)        (FAILSAFE && ev[i] > 0)
/* The agent's duty (local.c fencer_main, reconcile): a writable mysqld needs a live session AND a
 * /primary read in this session naming it without fencing, or valid failsafe evidence; without
 * either it is fenced at once. Time may not advance past that: A5, the fence (or the kill it
 * escalates to) completes within the margin; it is modelled as done before the next tick.
 * -DBUG_BELIEF_GRACE is today's code: only the deadline wakes the fencer, so a restarted agent,
 * or one with a new session and no /primary read yet, leaves mysqld as it is (G2's grace, G8). */
#define justified(i)   ((live(i) && bname[i] == i && !bfenc[i]) || held(i))
#ifdef BUG_BELIEF_GRACE
#define obliged(i)     (writable(i) && dl[i] == 0 && !held(i))
#else
#define obliged(i)     (writable(i) && !justified(i))
#endif

/* Every write of /primary bumps its version: beliefs and acks read or written before are stale. */
#define pwrite()       for (k : 0 .. N-1) { bcur[k] = 0; ackcur[k] = 0 }

#define dec(x)         if :: x > 0 -> x-- :: else -> skip fi

/* Invariant 1 (DESIGN.md): never two writable mysqld. Spin runs this in every reachable state. */
proctype monitor()
{
    assert(!(writable(0) && writable(1)) && !(writable(0) && writable(2)) &&
           !(writable(1) && writable(2)))
}

proctype clock()
{
    do
    :: atomic { !obliged(0) && !obliged(1) && !obliged(2) ->
           for (k : 0 .. N-1) {
               dec(dl[k]); dec(ev[k]); dec(vh[k]);
               if :: !zkdown -> dec(zexp[k]) :: else -> skip fi
           }
           dec(cw) }
    od
}

/* The ZooKeeper leader expires a session once T has passed since its last touch. */
proctype zkleader()
{
    do
    :: atomic { !zkdown && zs[0] && zexp[0] == 0 -> zs[0] = 0; ack[0] = 0; ackcur[0] = 0 }
    :: atomic { !zkdown && zs[1] && zexp[1] == 0 -> zs[1] = 0; ack[1] = 0; ackcur[1] = 0 }
    :: atomic { !zkdown && zs[2] && zexp[2] == 0 -> zs[2] = 0; ack[2] = 0; ackcur[2] = 0 }
    od
}

proctype agent(byte i)
{
    do
    /* session.c on_heartbeat/on_wake. Fixed: zoo_async (sync) then a read, ordered by the
     * leader, which touches the session; deadline = send time + T/2. Send, touch and answer are
     * one step: the leader seeing it no sooner than it was sent is the worst case for the margin. */
    :: atomic { hasS[i] && zs[i] && reachL(i) -> zexp[i] = T; dl[i] = HALF }
#ifdef BUG_FOLLOWER_HEARTBEAT
    /* Old session.c: zoo_aexists("/") answered by a follower cut off from the leader, from its
     * local state: the deadline moves although the leader never heard of it (issue 10, case 2). */
    :: atomic { hasS[i] && viaF(i) -> dl[i] = HALF }
#endif
    /* session.c session_expired(): drop leadership and belief, fence now (not desired primary). */
    :: atomic { hasS[i] && !zs[i] && reachL(i) ->
           hasS[i] = 0; bname[i] = NONE; bfenc[i] = 0; bcur[i] = 0; dl[i] = 0; ev[i] = 0 }
    /* session.c new_session(): a new session, no belief until it has synced and read. The model
     * keeps one registration per node, so the new one waits until the old one has expired. */
    :: atomic { !hasS[i] && !zs[i] && reachL(i) ->
           zs[i] = 1; zexp[i] = T; ack[i] = 0; ackcur[i] = 0; hasS[i] = 1; dl[i] = HALF;
           bname[i] = NONE; bfenc[i] = 0; bcur[i] = 0 }
    /* local.c read_desired(): sync then read /primary (leader-ordered). */
    :: atomic { hasS[i] && zs[i] && reachL(i) -> bname[i] = pname; bfenc[i] = pfencing;
           bcur[i] = 1 }
    /* local.c reconcile/fence_local and fencer_main: fence when /primary names another node or
     * names this one with fencing, or the deadline passed without failsafe evidence. Fence-or-kill:
     * a stalled mysqld cannot take SET read_only; at fence_timeout_ms the agent SIGKILLs it. */
    :: atomic { writable(i) &&
                (obliged(i) || (bname[i] != NONE && (bname[i] != i || bfenc[i]))) ->
           if :: !stalled[i] -> ro[i] = 1
              :: else -> alive[i] = 0; stalled[i] = 0
           fi }
    /* The acknowledgement: published only after read_only was SEEN on, or mysqld seen gone, and
     * naming the /primary version it answers (republished when it read a newer one). */
    :: atomic { hasS[i] && zs[i] && reachL(i) && bname[i] == i && bfenc[i] && !writable(i) &&
                !(ack[i] && ackcur[i] == bcur[i]) -> ack[i] = 1; ackcur[i] = bcur[i] }
    :: atomic { hasS[i] && zs[i] && reachL(i) && ack[i] && !(bname[i] == i && bfenc[i]) ->
           ack[i] = 0 }
    /* local.c reconcile(), promotion: detach, then lift, only with a live session, a /primary read
     * in this session naming this node without fencing, and no vouch hold. As in the code, the
     * withdrawal of fence_ack is published after the lift: the versioned ack makes that safe (G4). Failsafe never lifts: once fenced in a session-loss episode, only
     * a live session and a fresh /primary naming this node lift again. */
    :: atomic { live(i) && bname[i] == i && !bfenc[i] && vh[i] == 0 && alive[i] &&
                !stalled[i] && ro[i] -> src[i] = NONE; iorun[i] = 0; ro[i] = 0 }
    /* local.c reconcile(): a replica follows /primary; replicas hold still while it is fencing. */
    :: atomic { bname[i] != NONE && bname[i] != i && !bfenc[i] && alive[i] &&
                !(src[i] == bname[i] && iorun[i]) -> src[i] = bname[i]; iorun[i] = 1 }
#ifndef BUG_LINGERING_EVIDENCE
    /* Failsafe (fixed, Patroni's rule): a round trip from this agent to every replica; each says
     * yes only if its IO thread is connected to this node now AND its own agent lost ZooKeeper
     * too, and then holds itself from becoming writable for TTL (+ the fence margin). Valid for
     * TTL from the send time; one step = the answer arriving at once, the worst case for both. */
    :: atomic { FAILSAFE && writable(i) && dl[i] == 0 ->
           ev[i] = TTL;
           for (k : 0 .. N-1) {
               if
               :: k != i && link(i, k) && connected(k, i) && !live(k) -> vh[k] = TTL + MARGIN
               :: k != i && !(link(i, k) && connected(k, i) && !live(k)) -> ev[i] = 0
               :: else -> skip
               fi
           } }
#else
    /* Old local.c update_evidence(): "every expected replica has a Binlog Dump thread here", as
     * this mysqld sees it; a thread lingers on a dead link (issue 10, case 1). */
    :: atomic { FAILSAFE && writable(i) && dl[i] == 0 ->
           ev[i] = TTL;
           for (k : 0 .. N-1) {
               if
               :: k != i && !connected(k, i) && !linger[i*N+k] -> ev[i] = 0
               :: else -> skip
               fi
           } }
#endif
    od
}

proctype coordinator()
{
    byte c;
    do
    /* move_steps step 1 (or a new coordinator resuming a move whose flag is still set). */
    :: atomic { cphase == C_IDLE && !zkdown && pepoch < MAXE -> cold = pname;
                if :: !pfencing -> pfencing = 1; pwrite() :: else -> skip fi;
                cexp = 0; cphase = C_FENCING }
    /* step 1, fenced_ack() (a): the old agent acknowledged, having seen read_only or the kill. */
    :: atomic { cphase == C_FENCING && !zkdown && pfencing && zs[cold] && ack[cold] &&
                ackcur[cold] ->
                cphase = C_READY }
    /* step 1 (b): its session expired at the leader; with failsafe, step 2: stop the IO thread
     * of every replica the coordinator reaches, and wait longer than the evidence TTL. */
    :: atomic { cphase == C_FENCING && !zkdown && pfencing && !zs[cold] -> cexp = 1;
                if
                :: FAILSAFE ->
                    for (k : 0 .. N-1) {
                        if :: k != cold && iso != k -> iorun[k] = 0 :: else -> skip fi
                    }
                    cw = TTL + MARGIN; cphase = C_LAPSE
                :: else -> cphase = C_READY
                fi }
    :: atomic { cphase == C_LAPSE && cw == 0 -> cphase = C_READY }
    /* step 5: promote a reachable, probed candidate (guarded write: leadership + version). */
    :: atomic { cphase == C_READY && !zkdown && pfencing ->
                if
                :: c = (cold + 1) % N
                :: c = (cold + 2) % N
                fi;
                iso != c && alive[c] && !stalled[c];
                /* Invariant 2: no promotion before the old primary is fenced: read-only or dead
                 * now, or its session seen expired in this move (then, with failsafe, the
                 * candidate may still be on a vouch hold while the old agent fences). */
                assert(ro[cold] || !alive[cold] || cexp);
#if !FAILSAFE
                assert(!writable(cold)); /* without failsafe, expiry implies fenced */
#endif
                pname = c; pepoch++; pfencing = 0; pwrite(); cphase = C_IDLE; cexp = 0; c = 0 }
    /* The move is abandoned (the old primary answers again, a switchover times out, no
     * candidate): clear the flag and (move_primary) start the IO threads it stopped. */
    :: atomic { cphase != C_IDLE && !zkdown ->
                for (k : 0 .. N-1) {
                    if :: cphase >= C_LAPSE && k != cold && iso != k -> iorun[k] = 1
                       :: else -> skip fi
                }
                pfencing = 0; pwrite(); cphase = C_IDLE }
    /* A new coordinator that finds the flag set and the old primary answering clears it. */
    :: atomic { cphase == C_IDLE && !zkdown && pfencing -> pfencing = 0; pwrite() }
    /* The coordinator crashes; another takes over with nothing but ZooKeeper's state. */
    :: atomic { nf > 0 && cphase != C_IDLE -> nf--; cphase = C_IDLE; cw = 0 }
    od
}

proctype faults()
{
    do
    /* Partition one host, optionally with follower F (its clients there get stale reads). */
    :: atomic { nf > 0 && iso == NONE -> nf--;
           if :: iso = 0 :: iso = 1 :: iso = 2 fi;
           if :: fcut = 0 :: fcut = 1 fi
#ifdef BUG_LINGERING_EVIDENCE
           ; for (k : 0 .. N-1) {
                 for (j : 0 .. N-1) {
                     linger[k*N+j] = (k != j && (k == iso || j == iso) && iorun[j] && src[j] == k &&
                                      alive[k])
                 }
             }
#endif
       }
    :: atomic { iso != NONE -> iso = NONE; fcut = 0
#ifdef BUG_LINGERING_EVIDENCE
           ; for (k : 0 .. N*N-1) { linger[k] = 0 }
#endif
       }
    :: atomic { nf > 0 && alive[0] -> nf--; alive[0] = 0; stalled[0] = 0 }
    :: atomic { nf > 0 && alive[1] -> nf--; alive[1] = 0; stalled[1] = 0 }
    :: atomic { nf > 0 && alive[2] -> nf--; alive[2] = 0; stalled[2] = 0 }
    :: atomic { !alive[0] -> alive[0] = 1; ro[0] = 1 }
    :: atomic { !alive[1] -> alive[1] = 1; ro[1] = 1 }
    :: atomic { !alive[2] -> alive[2] = 1; ro[2] = 1 }
    :: atomic { nf > 0 && alive[0] && !stalled[0] -> nf--; stalled[0] = 1 }
    :: atomic { nf > 0 && alive[1] && !stalled[1] -> nf--; stalled[1] = 1 }
    :: atomic { nf > 0 && alive[2] && !stalled[2] -> nf--; stalled[2] = 1 }
    :: stalled[0] -> stalled[0] = 0
    :: stalled[1] -> stalled[1] = 0
    :: stalled[2] -> stalled[2] = 0
    /* Agent crash, restarted at once by systemd: every belief lost; the first deadline runs
     * from its start (session.c session_start, G2). The old session lives on until expiry. */
    :: atomic { nf > 0 && true -> nf--; if :: k = 0 :: k = 1 :: k = 2 fi;
           hasS[k] = 0; bname[k] = NONE; bfenc[k] = 0; bcur[k] = 0; dl[k] = HALF; ev[k] = 0; k = N }
    /* ZooKeeper loses its quorum; a new leader restarts every session's timeout. */
    :: atomic { nf > 0 && !zkdown -> nf--; zkdown = 1 }
    :: atomic { zkdown -> zkdown = 0; zexp[0] = T; zexp[1] = T; zexp[2] = T }
    od
}

#ifdef REACH_EPOCH3
proctype reach() { assert(pepoch < MAXE) }
#endif

init
{
    atomic {
        for (k : 0 .. N-1) {
            alive[k] = 1; ro[k] = 1; src[k] = 0; iorun[k] = 1;
            zs[k] = 1; zexp[k] = T; hasS[k] = 1; dl[k] = HALF; bname[k] = 0; bfenc[k] = 0; bcur[k] = 1
        }
        ro[0] = 0; src[0] = NONE; iorun[0] = 0; k = N; j = N
    }
    atomic {
        run monitor(); run clock(); run zkleader(); run coordinator(); run faults();
#ifdef REACH_EPOCH3
        run reach();
#endif
        run agent(0); run agent(1); run agent(2)
    }
}
