/* failoverd-protocol.pml -- a Promela model of failoverd's failover protocol (failoverd-protocol(7)),
 * checked by spin in `make check` (tests/model/run) for invariant 1, never two writable mysqld
 * (asserted at every lift, the only step that makes a mysqld writable), and invariant 2, no
 * promotion before the old primary is fenced (asserted at every promotion).
 *
 * What is modelled, and the code each part stands for:
 *   - the ZooKeeper leader: sessions, expired T after the last touch it ordered; /primary
 *     {name, epoch, fencing} and its version; the registrations nodes/NAME (ephemeral, owned by
 *     one session, carrying fence_ack and the /primary version it answers); quorum loss; and a
 *     follower F that can be cut off together with a host and then answers that host's plain
 *     reads from its frozen state, but no sync (A10; issue 10, case 2);
 *   - three hosts, each a mysqld (alive, read_only, SIGSTOPped, replication source) and its agent:
 *     session.c (heartbeat sync, fencing deadline, expiry, new session), local.c local_iteration()
 *     and reconcile() (read /primary, fence-or-kill, lift, repoint, fence_ack), fencer_main(),
 *     decide.c writable_decision(), failsafe.c (round trip, vouch hold), lease.c (a restarted
 *     agent keeps its predecessor's deadline);
 *   - the coordinator (coord.c check_primary, move_steps, move_primary), run by the agent of one of
 *     the hosts, chosen by an election among the agents whose session is alive: each of its
 *     ZooKeeper operations needs its own host to reach the leader and its session to be alive
 *     there (guarded writes, leader_confirmed()); its MySQL side effects (probes, stopping IO
 *     threads) reach only the hosts its host can reach; it dies with its agent or its session;
 *   - faults, at most MAXF per run, in any order: one host cut off (from the ZooKeeper ensemble
 *     only, or from everything; with or without F), a mysqld crash, a SIGSTOP of mysqld, an agent
 *     crash (restarted at once by systemd), an agent's loop thread stalled while its other
 *     threads run (a log write blocked on journald: no heartbeat sent, no session event handled,
 *     but the ZooKeeper client's own pings still touch the session), ZooKeeper losing its quorum.
 *     Recoveries are free: heal, mysqld restarted read-only (A3), SIGCONT, the loop running
 *     again, quorum back.
 *
 * Time is a discrete clock (proctype clock): every timer is a countdown, so the state space is
 * finite and a search can be exhaustive. The leader expires a session T = 3 ticks after the last
 * touch it ordered; the agent's deadline is HALF = 2 ticks after its last answered sync was sent,
 * so one tick is the margin for the fence: the clock does not tick while a fencer has work
 * (fwork). Failsafe evidence lives TTL = 1 tick from its round's send; the coordinator's lapse
 * wait and a replica's vouch hold are LAPSE = 2 ticks (the evidence, then the fence).
 *
 * Where the model is stricter than the code, these are assumptions (failoverd-protocol(7),
 * ASSUMPTIONS): a fence, or the kill it escalates to, completes within the margin (A1, A5); an
 * agent that reaches the leader has a heartbeat answered every tick (heartbeats come every T/8),
 * so a session lapses only through a fault; a restarted agent's first probe comes within the tick
 * (lease.c: its fencer acts on the first probe that sees mysqld writable); the coordinator reads
 * what the leader has (ZooKeeper's order per client: its reads follow its own writes).
 * Everywhere else the model lets more happen than the code does (which is sound for safety):
 * the coordinator may start a move at any time (every false detection, every switchover); an
 * agent may act on an old /primary read at any time, and its publications lag; a replica vouches
 * on its configured source whatever its IO thread and mysqld do (its probe may be 2C old), and
 * epochs are not compared; the fencer fences whenever mysqld is writable, and a deposed
 * coordinator's last IO thread restart is ignored (the vouch does not look at IO threads).
 * Not modelled: the frozen host of A4 (a known gap), two hosts cut off at once, delayed rather
 * than cut links, GTIDs and semi-sync (invariant 3), detection itself (invariant 4).
 *
 * Switches (tests/model/run):
 *   -DMAXF=n         fault budget (1: the exhaustive checks);
 *   -DFAILSAFE=0     failsafe = off;
 *   -DREACH_EPOCH3   asserts that epoch 3 is never reached: spin must refute it, showing that the
 *                    search covers two failovers;
 *   -DINV1_ONLY      only invariant 1 (so a bug variant's trail goes on to two writable mysqld);
 *   bug variants, each one of today's fixes removed:
 *   -DBUG_REG_GAP    a registration can be absent while mysqld is writable (the code before G12
 *                    was closed): a restarted agent opens a new session and deletes its
 *                    predecessor's registration before it creates its own (it could not resume
 *                    the old session), and an agent in a new session lifts read_only before it
 *                    registers. The coordinator's fenced_ack() takes the absent registration for
 *                    a fence: spin finds two writable mysqld with one fault. Today a restarted
 *                    agent resumes its predecessor's session (id and password kept in the lease
 *                    file, lease.c), lifts read_only only once registered in its session
 *                    (local.c reconcile()), and only a confirmed ZNONODE counts as absent
 *                    (coord.c refresh()). Not modelled: a restart that cannot resume (no lease
 *                    file, another boot): that agent fences mysqld before it replaces the
 *                    registration (ensure_registered()), so the absence it causes is a fence.
 *   -DBUG_FOLLOWER_HEARTBEAT  the heartbeat is a plain read, which a cut-off follower answers;
 *   -DBUG_LINGERING_EVIDENCE  failsafe evidence = the primary's Binlog Dump threads;
 *   -DBUG_RESTART_GRACE       a restarted agent's first deadline is its start + T/2;
 *   -DBUG_LOOP_STALL          the deadline is kept by the loop's timer alone (the code before
 *                             4e105b4): while the loop thread is stalled, a passed deadline
 *                             leaves session_alive set and the fencer asleep, so the local
 *                             worker still lifts and the fencer does not fence; spin finds two
 *                             writable mysqld with two faults (the stall and a cut). Today the
 *                             fencer waits for the deadline itself and every decision asks
 *                             session_live() (the flag and the clock): live() below;
 *   -DBUG_NO_VOUCH_HOLD       a replica that vouched for the old primary's failsafe may be made
 *                             writable at once (no vouched_until_ms); with the lapse wait alone
 *                             the model stays safe (check lapse-alone);
 *   -DBUG_PLANNED_NO_LAPSE    a switchover whose old primary's registration is gone skips the
 *                             failsafe lapse wait (G13, the code before it was closed). Spin
 *                             finds no violation with it, not even without the vouch hold: an
 *                             agent that can be promoted has reached the leader, so it no longer
 *                             vouches, and the evidence it gave ends within TTL, which the
 *                             model's tick does not separate from the promotion.
 */

#define N      3        /* hosts 0..2; host 0 starts as primary */
#define NONE   3        /* no node / no partition / no belief */
#define T      3        /* session timeout at the leader, in ticks */
#define HALF   2        /* fence_deadline_ms(): send time + T/2: one tick before expiry */
#define TTL    1        /* failsafe_evidence_ttl_ms() */
#define LAPSE  2        /* failsafe_lapse_wait_ms(): TTL + re-check + fence budget + margin */
#define MAXE   3        /* epochs 1..3: two failovers */
#ifndef MAXF
#define MAXF   1
#endif
#ifndef FAILSAFE
#define FAILSAFE 1
#endif

/* ---- ZooKeeper leader (A6: linearizable; a session expires no earlier than T after the last
 * touch; with no quorum nothing is written or expired, and a new leader restarts every session's
 * timeout) ------------------------------------------------------------------------------------ */
bit  zkdown;            /* no quorum */
byte pname = 0;         /* /primary: name */
byte pepoch = 1;        /* /primary: epoch */
bit  pfencing;          /* /primary: fencing flag */
bit  zs[N];             /* the agent's current session is alive at the leader */
byte zexp[N];           /* ticks before the leader may expire it */
bit  zoa[N];            /* an older session of this node (its agent crashed) is still alive */
byte zold[N];           /* ticks before the leader may expire that one */
byte reg[N];            /* registration nodes/i: 0 absent, 1 owned by the current session, 2 by the
                         * older session (a restarted agent deletes it, then creates its own) */
bit  ack[N];            /* nodes/i says fence_ack */
bit  ackcur[N];         /* ... naming the /primary version now current (every write of /primary
                         * makes older acknowledgements stale: G4) */

/* ---- network: at most one host cut off at a time, possibly together with follower F -------- */
byte iso = NONE;        /* the isolated host */
bit  hcut;              /* ... from the other hosts too (else from the ZooKeeper ensemble only) */
bit  fcut;              /* F is on the isolated side: it answers plain reads from what it had */
byte fpn;               /* F's /primary name and fencing flag, frozen at the cut */
bit  fpf;

/* ---- mysqld ---------------------------------------------------------------------------------- */
bit  alive[N];
bit  ro[N];             /* read_only (a restarted mysqld is read-only: A3) */
bit  stalled[N];        /* SIGSTOPped: SET read_only blocks, so the fence escalates to the kill */
byte src[N];            /* replication source, NONE = not a replica */
#ifdef BUG_LINGERING_EVIDENCE
bit  iorun[N];          /* IO thread running: only the Binlog Dump evidence of this variant looks
                         * at it (a vouch takes it from the replica's last probe, which may predate
                         * the coordinator's STOP SLAVE, so the model does not look at it there) */
#define setio(i, v)    iorun[i] = v
#else
#define setio(i, v)    skip
#endif

/* ---- agents ---------------------------------------------------------------------------------- */
bit  hasS[N];           /* the agent holds a session (after an expiry it noticed, or a restart:
                         * none until it reaches the leader) */
byte dl[N];             /* ticks before its fencing deadline; 0 = passed (by the clock) */
bit  ls[N];             /* its loop thread is stalled (the other threads run) */
#ifdef BUG_LOOP_STALL
bit  sf[N];             /* the deadline passed while the loop was stalled: session_alive is still
                         * set and on_fence_timer has not run */
#endif
byte bname[N];          /* /primary as read in this session (local.c L->desired); NONE: none */
bit  bfenc[N];
bit  bcur[N];           /* that read saw the /primary version now current */
byte rx[N];             /* bit mask: the nodes registered at that read (failsafe's peers) */
byte ev[N];             /* ticks left of its failsafe evidence */
byte vh[N];             /* vouch hold: ticks before it may be made writable (vouched_until_ms) */
bit  ef[N];             /* episode_fenced */
bit  fl[N];             /* the fencer is in its 100 ms re-check loop (failsafe kept it writable) */
bit  fq[N];             /* a fence request (on_fence_timer, session_expired) not handled yet: at once
                         * by a sleeping fencer, on leaving its loop by a looping one */
#ifdef BUG_LINGERING_EVIDENCE
bit  linger[N*N];       /* linger[k*N+j]: k still shows a Binlog Dump thread of j over a dead link */
#endif

/* ---- coordinator ------------------------------------------------------------------------------ */
#define C_DEAD    0     /* no coordinator: the last one died or was deposed; an election follows */
#define C_IDLE    1
#define C_FENCING 2     /* step 1: fencing=true written, waiting for the ack or the absence */
#define C_LAPSE   3     /* step 2: IO threads stopped, outwaiting failsafe evidence */
#define C_READY   4     /* may promote */
byte cphase = C_DEAD;
byte ch;                /* the coordinator's host (meaningless while C_DEAD) */
byte cold;              /* the node being moved away from */
bit  cplan;             /* planned (switchover): a live primary's acknowledgement is waited for */
byte cw;                /* lapse wait countdown */

byte nf = MAXF;         /* faults left */
byte k;                 /* loop index; N between steps */

#define writable(i)    (alive[i] && !ro[i])
#define link(a,b)      (iso == NONE || !hcut || (iso != (a) && iso != (b)))
#define reachL(i)      (!zkdown && iso != (i))          /* leader-ordered ops possible */
#define viaF(i)        (iso == (i) && fcut)             /* only the stale follower answers */
#ifndef BUG_LOOP_STALL
#define live(i)        (hasS[i] && dl[i] > 0)           /* session_live(): flag and clock */
#define dpassed(i)     (dl[i] == 0)                     /* the fencer's timed wait ran out */
#else
#define live(i)        (hasS[i] && (dl[i] > 0 || sf[i])) /* the flag alone */
#define dpassed(i)     (dl[i] == 0 && !sf[i])           /* on_fence_timer ran */
#endif
#define held(i)        (FAILSAFE && ev[i] > 0)          /* valid failsafe evidence */
#define bdes(i)        (bname[i] == (i) && !bfenc[i])   /* is_desired_primary */
#define indoubt(i)     (!hasS[i] || dl[i] < HALF)       /* zk_in_doubt(): no sync answered lately */
/* writable_decision() says fence (rules 2-6; rule 1, diverged, is not modelled). */
#define dfence(i, des) (!(des) || ef[i] || (!live(i) && !held(i)))
/* The coordinator's ZooKeeper operations: its session alive at the leader, reachable. */
#define cok            (cphase != C_DEAD && zs[ch] && reachL(ch))
#ifndef BUG_REG_GAP
#define regok(i)       (reg[i] == 1)    /* acts on /primary only once registered in this session */
#else
#define regok(i)       true
#endif
/* A move ends (its state is reset, so that states differ only in what matters). */
#define cidle()        cphase = C_IDLE; cold = 0; cplan = 0; cw = 0
#define cdead()        cphase = C_DEAD; ch = 0; cold = 0; cplan = 0; cw = 0
#define answers(i)     (link(ch, i) && alive[i] && !stalled[i])   /* its probe of mysqld i */

/* The fencer (local.c fencer_main) has work before the next tick: asleep, with a request
 * (on_fence_timer, session_expired), or with a passed deadline, no session live and mysqld
 * writable (local_iteration()'s check: a restarted agent, or a lift on failsafe evidence); in
 * its loop, the session is live again or writable_decision() says fence. */
#define fwork(i)       ((!fl[i] && (fq[i] || (dpassed(i) && writable(i)))) || \
                        (fl[i] && (live(i) || dfence(i, 1))))

/* Every write of /primary bumps its version: beliefs and acknowledgements before it are stale. */
#define pwrite()       for (k : 0 .. N-1) { bcur[k] = 0; ackcur[k] = 0 }

#define dec(x)         if :: x > 0 -> x-- :: else -> skip fi

/* fence_or_kill(): SET read_only, or SIGKILL when it cannot take effect (a stalled mysqld);
 * episode_fenced when the session is not live. */
#define fence(i)       if :: stalled[i] -> alive[i] = 0; stalled[i] = 0 \
                          :: else -> ro[i] = 1 fi; \
                       if :: !live(i) -> ef[i] = 1 :: else -> skip fi

/* Invariant 1 (DESIGN.md): never two writable mysqld. Only a lift makes a mysqld writable (a
 * restarted one is read-only: A3), so it is checked at every lift. */
#define lift(i)        assert(!writable((i + 1) % N) && !writable((i + 2) % N)); ro[i] = 0

/* The leader expires a session: its ephemerals go (the registration, if it still owns it; the
 * coordinator's election znode, which deposes it). */
inline expire(i)
{
    zs[i] = 0;
    if :: reg[i] == 1 -> reg[i] = 0; ack[i] = 0; ackcur[i] = 0 :: else -> skip fi;
    if :: ch == i -> cdead() :: else -> skip fi
}
inline expire_old(i)
{
    zoa[i] = 0;
    if :: reg[i] == 2 -> reg[i] = 0; ack[i] = 0; ackcur[i] = 0 :: else -> skip fi
}

/* One tick: every countdown moves; the leader expires the sessions whose time is up; every agent
 * that reaches the leader has its heartbeat answered (heartbeats come every T/8, several per
 * tick, so a session lapses only through a fault: a partition, a quorum loss, an agent crash).
 * The clock waits while a fencer has work (fwork): the fence completes within the margin. */
proctype clock()
{
    do
    :: d_step { !fwork(0) && !fwork(1) && !fwork(2) ->
           for (k : 0 .. N-1) {
               /* The deadline passes: the fencer, waiting for it (and on_fence_timer), acts; a
                * session that becomes live before it does does not take the request back.
                * (With mysqld not writable the request changes nothing: a later lift with no
                * session live is caught by local_iteration()'s check, see fwork.) */
               if :: dl[k] == 1 -> dl[k] = 0;
#ifdef BUG_LOOP_STALL
                     /* only the loop's timer marks it: not while the loop is stalled */
                     if :: ls[k] -> sf[k] = 1
                        :: else -> if :: writable(k) -> fq[k] = 1 :: else -> skip fi
                     fi
#else
                     if :: writable(k) -> fq[k] = 1 :: else -> skip fi
#endif
                  :: else -> dec(dl[k]) fi;
               dec(ev[k]); dec(vh[k]);
               if
               :: !zkdown ->
                   dec(zexp[k]); dec(zold[k]);
                   if :: zs[k] && zexp[k] == 0 -> expire(k) :: else -> skip fi;
                   if :: zoa[k] && zold[k] == 0 -> expire_old(k) :: else -> skip fi
               :: else -> skip
               fi;
               /* session.c on_heartbeat: a sync (zoo_async), ordered by the leader, which
                * touches the session; deadline = its send time + T/2. */
               if
               :: hasS[k] && zs[k] && reachL(k) && !ls[k] -> zexp[k] = T; dl[k] = HALF
               /* A stalled loop sends no sync; the client library's pings touch the session. */
               :: hasS[k] && zs[k] && reachL(k) && ls[k] -> zexp[k] = T
#ifdef BUG_FOLLOWER_HEARTBEAT
               /* Old session.c: zoo_aexists("/"), answered by a follower cut off from the
                * leader from its own state: the deadline moves although the leader never
                * heard of it (issue 10, case 2). */
               :: hasS[k] && viaF(k) -> dl[k] = HALF
#endif
               :: else -> skip
               fi
           }
           dec(cw); k = N }
    od
}

proctype agent(byte i)
{
    do
    /* session_expired(), noticed on reaching the leader, and new_session(): leadership and the
     * /primary belief end with the session; the fencer is asked to act (fence_requested) and
     * reads is_desired_primary when it wakes: a fencer in its loop sees it only on leaving it.
     * The new session syncs at once (live), but has no belief until it reads. */
    :: atomic { hasS[i] && !zs[i] && reachL(i) && !ls[i] ->
           bname[i] = NONE; bfenc[i] = 0; bcur[i] = 0; rx[i] = 0; fq[i] = 1;
           zs[i] = 1; zexp[i] = T; dl[i] = HALF }
#ifndef BUG_REG_GAP
    /* A restarted agent resumes its predecessor's session (saved id and password). */
    :: atomic { !hasS[i] && zs[i] && reachL(i) && !ls[i] -> hasS[i] = 1; zexp[i] = T; dl[i] = HALF }
    :: atomic { !hasS[i] && !zs[i] && reachL(i) && !ls[i] ->
           hasS[i] = 1; zs[i] = 1; zexp[i] = T; dl[i] = HALF }
#else
    /* A restarted agent opens a new session (ensure_registered() then replaces the registration
     * its predecessor's session still holds). */
    :: atomic { !hasS[i] && reachL(i) && !ls[i] -> hasS[i] = 1; zs[i] = 1; zexp[i] = T; dl[i] = HALF }
#endif
    /* ensure_registered(): create nodes/i; one held by an older session of this node is deleted
     * first (two operations: between them the coordinator finds no registration). In the code it
     * comes after the iteration's read and reconcile; the model lets it come at any time. */
    :: atomic { hasS[i] && zs[i] && reachL(i) && reg[i] != 1 ->
           if
           :: reg[i] == 2 -> reg[i] = 0; ack[i] = 0; ackcur[i] = 0
           :: reg[i] == 0 -> reg[i] = 1; ack[i] = 0; ackcur[i] = 0
           fi }
    /* local_iteration(): re-read /primary and the registrations (the first read of a session
     * after a sync; a later one is a plain read, which a cut-off follower F answers from its
     * state), end_fence_episode() once live and read; then reconcile() on that belief. */
    :: atomic { true ->
           if
           :: hasS[i] && zs[i] && reachL(i) && regok(i) ->
               bname[i] = pname; bfenc[i] = pfencing; bcur[i] = 1;
               rx[i] = (reg[0] != 0) + 2 * (reg[1] != 0) + 4 * (reg[2] != 0);
               if :: live(i) -> ef[i] = 0 :: else -> skip fi
           :: hasS[i] && viaF(i) && bname[i] != NONE && regok(i) ->
               bname[i] = fpn; bfenc[i] = fpf; bcur[i] = 0;
               if :: live(i) -> ef[i] = 0 :: else -> skip fi
           :: true -> skip     /* no re-read (no watch fired yet): reconcile on the belief it has */
           fi;
           if
           :: bname[i] == i && bfenc[i] ->
               /* answer_fence_request(): fence-or-kill, even when the probe failed (a stalled
                * mysqld is killed, read-only or not). */
               if :: alive[i] && (!ro[i] || stalled[i]) -> fence(i) :: else -> skip fi
           :: bname[i] != NONE && bname[i] != i && alive[i] && !stalled[i] ->
               /* Another node named: fence; then follow it (replicas hold still while it has
                * fencing; one already pointed at it is left alone, IO thread running or not: G7). */
               if :: !ro[i] -> fence(i) :: else -> skip fi;
               if :: (!bfenc[i] || src[i] == NONE) && src[i] != bname[i] ->
                      src[i] = bname[i]; setio(i, 1)
                  :: else -> skip fi
           :: bdes(i) && alive[i] && !stalled[i] ->
               /* Named without fencing: writable_decision() (fenced in this episode, or no
                * live session and no evidence: fence); if it allows, detach, and once the vouch
                * hold is over lift read_only. */
               if
               :: dfence(i, 1) -> if :: !ro[i] -> fence(i) :: else -> skip fi
               :: else -> src[i] = NONE; setio(i, 0);
                          if :: vh[i] == 0 && ro[i] -> lift(i) :: else -> skip fi
               fi
           :: else -> skip      /* no /primary read in this session: change nothing */
           fi }
    /* publish(): fence_ack, only once the fence took effect (read_only seen, or mysqld gone),
     * naming the /primary version it answers; withdrawn once no longer asked. A publication can
     * lag behind the state it reports (it is its own step). */
    :: atomic { hasS[i] && zs[i] && reachL(i) && reg[i] == 1 && bname[i] == i && bfenc[i] &&
                !writable(i) && !stalled[i] && !(ack[i] && ackcur[i] == bcur[i]) ->
           ack[i] = 1; ackcur[i] = bcur[i] }
    :: atomic { hasS[i] && zs[i] && reachL(i) && reg[i] == 1 && ack[i] &&
                !(bname[i] == i && bfenc[i]) -> ack[i] = 0; ackcur[i] = 0 }
    /* fencer_main(): see fwork(). Woken by a request (expiry) or a passed deadline with mysqld
     * writable, it applies writable_decision() with is_desired_primary as it is then; if failsafe
     * allows, it loops every 100 ms on that decision until the session is live again (then it
     * handles a request that came meanwhile) or the decision says fence. */
    :: atomic { fwork(i) ->
           if
           :: !fl[i] ->
               fq[i] = 0;
               if :: dfence(i, bdes(i)) -> if :: writable(i) -> fence(i) :: else -> skip fi
                  :: else -> if :: !live(i) -> fl[i] = 1 :: else -> skip fi
               fi
           :: fl[i] && live(i) -> fl[i] = 0
           :: fl[i] && !live(i) && dfence(i, 1) ->
               fl[i] = 0; fq[i] = 0;
               if :: writable(i) -> fence(i) :: else -> ef[i] = 1 fi
           fi }
#ifndef BUG_LINGERING_EVIDENCE
    /* failsafe.c failsafe_round(), while ZooKeeper is in doubt and this node is the desired
     * primary not fenced in this episode: every peer registered at its last read must vouch
     * (failsafe_vouch(): reachable over HTTP, ZooKeeper in doubt for it too, /primary as it last
     * read it names the asker, mysqld answering, replicating from the asker). The replica judges
     * its IO thread by its last probe, which may predate the coordinator's STOP SLAVE: so the
     * model does not look at iorun here (an over-approximation). A peer that vouches holds itself
     * from being made writable for the lapse wait. Evidence lives TTL from the send; one refusal
     * ends it. Send and answers are one step, the worst case for both. */
    :: atomic { FAILSAFE && bdes(i) && !ef[i] && indoubt(i) && rx[i] != 0 ->
           ev[i] = TTL;
           for (k : 0 .. N-1) {
               if
               :: k != i && (rx[i] & (1 << k)) && ev[i] > 0 ->
                   if
#ifndef BUG_NO_VOUCH_HOLD
                   :: link(i, k) && indoubt(k) && bname[k] == i && src[k] == i -> vh[k] = LAPSE
#else
                   :: link(i, k) && indoubt(k) && bname[k] == i && src[k] == i -> skip
#endif
                   :: else -> ev[i] = 0
                   fi
               :: else -> skip
               fi
           }
           if :: rx[i] == (1 << i) -> ev[i] = 0 :: else -> skip fi; k = N }
#else
    /* Old local.c update_evidence(): "every expected replica has a Binlog Dump thread here", as
     * this mysqld sees it; a thread lingers on a dead link (issue 10, case 1). No vouch hold. */
    :: atomic { FAILSAFE && bdes(i) && !ef[i] && indoubt(i) && writable(i) ->
           ev[i] = TTL;
           for (k : 0 .. N-1) {
               if
               :: k != i && !(iorun[k] && src[k] == i && link(i, k)) && !linger[i*N+k] -> ev[i] = 0
               :: else -> skip
               fi
           }; k = N }
#endif
    od
}

proctype coordinator()
{
    byte c;
    do
    /* Election: the lowest live candidate leads (any agent whose session is alive). */
    :: atomic { cphase == C_DEAD && !zkdown &&
                ((zs[0] && hasS[0]) || (zs[1] && hasS[1]) || (zs[2] && hasS[2])) ->
           if :: zs[0] && hasS[0] -> ch = 0 :: zs[1] && hasS[1] -> ch = 1
              :: zs[2] && hasS[2] -> ch = 2 fi;
           cphase = C_IDLE }
    /* Step 1 (a detected loss, a switchover; or resuming a move whose flag is still set): set
     * fencing (guarded write). A switchover needs the primary to answer. */
    :: atomic { cphase == C_IDLE && cok && pepoch < MAXE -> cold = pname;
           if :: cplan = 0 :: answers(cold) -> cplan = 1 fi;
           if :: !pfencing -> pfencing = 1; pwrite() :: else -> skip fi;
           cphase = C_FENCING }
    /* fenced_ack(): the old agent acknowledged this version, having seen read_only or the kill;
     * or its registration is absent (taken for a session that ended after the agent fenced). */
    :: atomic { cphase == C_FENCING && cok && reg[cold] != 0 && ack[cold] && ackcur[cold] ->
           cphase = C_READY }
    :: atomic { cphase == C_FENCING && cok && reg[cold] == 0 ->
           if
#ifdef BUG_PLANNED_NO_LAPSE
           :: FAILSAFE && !cplan ->
#else
           :: FAILSAFE ->
#endif
               /* Step 2: leader_confirmed(), stop the IO thread of every other node it reaches,
                * sleep the lapse wait; a switchover too (G13). */
               for (k : 0 .. N-1) {
                   if :: k != cold && link(ch, k) && alive[k] -> setio(k, 0) :: else -> skip fi
               }; k = N;
               cw = LAPSE; cphase = C_LAPSE
           :: else -> cphase = C_READY
           fi }
    :: atomic { cphase == C_LAPSE && cw == 0 -> cphase = C_READY }
    /* Step 5: promote a registered replica it probed (guarded write: leadership + version). */
    :: atomic { cphase == C_READY && cok ->
           if :: c = (cold + 1) % N :: c = (cold + 2) % N fi;
           if
           :: answers(c) && reg[c] != 0 && src[c] != NONE ->
               /* Invariant 2: no promotion before the old primary is fenced: read-only or dead,
                * or (failsafe) kept writable only by valid evidence, whose vouchers hold. */
#ifndef INV1_ONLY
               assert(!writable(cold) || held(cold));
#endif
               pname = c; pepoch++; pfencing = 0; pwrite(); cidle();
#ifdef REACH_EPOCH3
               assert(pepoch < MAXE);   /* spin must find a run that violates this */
#endif
               skip
           :: else -> skip
           fi; c = 0 }
    /* The move fails (no candidate, a refused write, a planned move not acknowledged in time):
     * a planned one clears the flag; IO threads it stopped are started again (no leadership
     * check: move_primary()). */
    :: atomic { (cphase == C_FENCING && cplan) || cphase == C_READY ->
           if :: cphase == C_READY && FAILSAFE ->
                  for (k : 0 .. N-1) {
                      if :: k != cold && link(ch, k) && alive[k] && src[k] != NONE -> setio(k, 1)
                         :: else -> skip fi
                  }; k = N
              :: else -> skip fi;
           if :: cplan && cok && pfencing -> pfencing = 0; pwrite() :: else -> skip fi;
           cidle() }
    /* check_primary(): the primary answers the coordinator's probe: a flag left set is cleared. */
    :: atomic { (cphase == C_IDLE || (cphase == C_FENCING && !cplan)) && cok && pfencing &&
                answers(pname) ->
           pfencing = 0; pwrite(); cidle() }
    od
}

proctype faults()
{
    do
    /* Partition one host, optionally with follower F (its clients there get stale reads). */
    :: atomic { nf > 0 && iso == NONE -> nf--;
           if :: iso = 0 :: iso = 1 :: iso = 2 fi;
           if :: hcut = 0 :: hcut = 1 fi;
           if :: fcut = 0 :: fcut = 1; fpn = pname; fpf = pfencing fi
#ifdef BUG_LINGERING_EVIDENCE
           ; for (k : 0 .. N*N-1) {
                 linger[k] = (hcut && (k / N) != (k % N) && ((k / N) == iso || (k % N) == iso) &&
                              iorun[k % N] && src[k % N] == (k / N) && alive[k / N])
             }; k = N
#endif
       }
    :: atomic { iso != NONE -> iso = NONE; hcut = 0; fcut = 0; fpn = 0; fpf = 0
#ifdef BUG_LINGERING_EVIDENCE
           ; for (k : 0 .. N*N-1) { linger[k] = 0 }; k = N
#endif
       }
    /* mysqld crash, and restart (read-only: A3). */
    :: atomic { nf > 0 && (alive[0] || alive[1] || alive[2]) -> nf--;
           if :: alive[0] -> k = 0 :: alive[1] -> k = 1 :: alive[2] -> k = 2 fi;
           alive[k] = 0; stalled[k] = 0; k = N }
    :: atomic { !alive[0] -> alive[0] = 1; ro[0] = 1 }
    :: atomic { !alive[1] -> alive[1] = 1; ro[1] = 1 }
    :: atomic { !alive[2] -> alive[2] = 1; ro[2] = 1 }
    /* SIGSTOP of mysqld, and SIGCONT. */
    :: atomic { nf > 0 && ((alive[0] && !stalled[0]) || (alive[1] && !stalled[1]) ||
                           (alive[2] && !stalled[2])) -> nf--;
           if :: alive[0] && !stalled[0] -> k = 0 :: alive[1] && !stalled[1] -> k = 1
              :: alive[2] && !stalled[2] -> k = 2 fi;
           stalled[k] = 1; k = N }
    :: atomic { stalled[0] -> stalled[0] = 0 }
    :: atomic { stalled[1] -> stalled[1] = 0 }
    :: atomic { stalled[2] -> stalled[2] = 0 }
    /* Agent crash (SIGKILL, OOM, watchdog), restarted at once by systemd: every in-memory state
     * is lost (belief, evidence, vouch hold, episode_fenced, a coordinator's move); the session
     * lives on at the leader until it expires, its registration with it. The restarted agent's
     * first deadline is its predecessor's (lease.c: min(start + T/2, saved) = saved). */
    :: atomic { nf > 0 -> nf--;
           if :: k = 0 :: k = 1 :: k = 2 fi;
#ifdef BUG_REG_GAP
           if :: zs[k] -> zs[k] = 0; if :: !zoa[k] || zold[k] < zexp[k] -> zold[k] = zexp[k]
                                        :: else -> skip fi; zoa[k] = 1
              :: else -> skip fi;
           if :: reg[k] == 1 -> reg[k] = 2 :: else -> skip fi;
#endif
           if :: ch == k -> cdead() :: else -> skip fi;
           hasS[k] = 0; bname[k] = NONE; bfenc[k] = 0; bcur[k] = 0; rx[k] = 0; ev[k] = 0;
           vh[k] = 0; ef[k] = 0; fl[k] = 0; fq[k] = 0; ls[k] = 0;
#ifdef BUG_LOOP_STALL
           sf[k] = 0;
#endif
#ifdef BUG_RESTART_GRACE
           dl[k] = HALF;        /* today's session_start(): start + T/2 */
#endif
           k = N }
    /* An agent's loop thread stalls (its fencer and local worker run on), and runs again: the
     * deadline timer it missed fires at once. */
    :: atomic { nf > 0 -> nf--;
           if :: k = 0 :: k = 1 :: k = 2 fi;
           ls[k] = 1; k = N }
#ifndef BUG_LOOP_STALL
    :: atomic { ls[0] -> ls[0] = 0 }
    :: atomic { ls[1] -> ls[1] = 0 }
    :: atomic { ls[2] -> ls[2] = 0 }
#else
    :: atomic { ls[0] -> ls[0] = 0; if :: sf[0] -> sf[0] = 0; if :: writable(0) -> fq[0] = 1 :: else -> skip fi :: else -> skip fi }
    :: atomic { ls[1] -> ls[1] = 0; if :: sf[1] -> sf[1] = 0; if :: writable(1) -> fq[1] = 1 :: else -> skip fi :: else -> skip fi }
    :: atomic { ls[2] -> ls[2] = 0; if :: sf[2] -> sf[2] = 0; if :: writable(2) -> fq[2] = 1 :: else -> skip fi :: else -> skip fi }
#endif
    /* ZooKeeper loses its quorum; a new leader restarts every session's timeout. */
    :: atomic { nf > 0 && !zkdown -> nf--; zkdown = 1 }
    :: atomic { zkdown -> zkdown = 0;
           for (k : 0 .. N-1) {
               if :: zs[k] -> zexp[k] = T :: else -> skip fi;
               if :: zoa[k] -> zold[k] = T :: else -> skip fi
           }; k = N }
    od
}

init
{
    atomic {
        for (k : 0 .. N-1) {
            alive[k] = 1; ro[k] = 1; src[k] = 0; setio(k, 1); zs[k] = 1; zexp[k] = T;
            reg[k] = 1; hasS[k] = 1; dl[k] = HALF; bname[k] = 0; bcur[k] = 1; rx[k] = 7
        }
        ro[0] = 0; src[0] = NONE; setio(0, 0); k = N;
        run clock(); run coordinator(); run faults();
        run agent(0); run agent(1); run agent(2)
    }
}

