# Makefile -- builds failoverd and failoverctl, runs the tests, the demo and the benchmark.
# `make demo` and `make check` install missing Debian packages first (scripts/install-deps).

# Install paths (make install / uninstall, with DESTDIR for staging; debian/rules sets PREFIX=/usr).
PREFIX   ?= /usr/local
SBINDIR  ?= $(PREFIX)/sbin
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share/failoverd
SYSCONFDIR ?= /etc
LIBEXECDIR ?= $(PREFIX)/libexec/failoverd
SYSTEMDDIR ?= /etc/systemd/system
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
# snprintf into fixed buffers truncates on purpose (names, messages); gcc's guesswork about it is
# noise. Only passed where the compiler knows the flag (clang 14 does not).
WARN     += $(shell $(CC) -Werror -Wno-format-truncation -x c -c -o /dev/null /dev/null 2>/dev/null && echo -Wno-format-truncation)
BUILD    ?= build

MYSQL_CFLAGS := $(shell mysql_config --cflags 2>/dev/null)
MYSQL_LIBS   := $(shell mysql_config --libs 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

ALL_CPPFLAGS := -Iinclude -D_GNU_SOURCE -DTHREADED $(MYSQL_CFLAGS) $(CPPFLAGS)
ALL_CFLAGS   := -std=gnu11 $(WARN) -pthread $(CFLAGS)
LIBS         := -lzookeeper_mt $(MYSQL_LIBS) -lev -ljansson -linih -lsystemd -lmicrohttpd -lpthread -lm

LIB_SRC   := $(sort $(wildcard src/lib/*.c))
AGENT_SRC := $(sort $(wildcard src/failoverd/*.c))
CTL_SRC   := $(sort $(wildcard src/failoverctl/*.c))
UNIT_SRC  := $(sort $(wildcard tests/unit/check_*.c))

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
AGENT_OBJ := $(AGENT_SRC:%.c=$(BUILD)/%.o)
CTL_OBJ   := $(CTL_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps check unit integration demo install uninstall clean format lint bench chaos model

all: failoverd failoverctl

$(BUILD)/%.o: %.c $(wildcard include/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libfo.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

failoverd: $(AGENT_OBJ) $(BUILD)/libfo.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# The agent built into BUILD too, so a sanitized one can sit beside the normal one.
$(BUILD)/failoverd: $(AGENT_OBJ) $(BUILD)/libfo.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

failoverctl: $(CTL_OBJ) $(BUILD)/libfo.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/failoverctl: $(CTL_OBJ) $(BUILD)/libfo.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# Each unit-test binary links its test and, from the archive, only the modules it pulls in.
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libfo.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(CHECK_CFLAGS) $(ALL_CFLAGS) -o $@ $< $(filter %.o,$^) $(BUILD)/libfo.a $(CHECK_LIBS) $(LIBS)

# The agent's hook runner is pure process handling: tested on its own, without servers.
$(BUILD)/tests/check_hooks: $(BUILD)/src/failoverd/hooks.o

deps:
	@scripts/install-deps

unit: $(UNIT_BIN)

# The whole suite: unit tests (also under ASan/UBSan), then integration tests on real servers.
#   make check             what CI runs: the unit tests plain and sanitized, and the agent under
#                          ASan/UBSan in t_asan_agent (a whole sanitized run takes longer than CI's
#                          20 minutes allow)
#   make check SANITIZE=1  every integration test with the ASan/UBSan builds of failoverd and
#                          failoverctl (build-asan/): a memory error or undefined behaviour aborts
#                          the process, so the test fails; leaks are checked by the sanitized unit
#                          tests and t_asan_agent
SANITIZE ?=
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer
SAN_ENV = $(if $(SANITIZE),FAILOVERD=$(abspath build-asan)/failoverd FAILOVERCTL=$(abspath build-asan)/failoverctl ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)
check: deps
	$(MAKE) all unit lint $(BUILD)/chaos-workload $(BUILD)/wallshift.so $(BUILD)/threadstop
	$(MAKE) BUILD=build-clang CC=clang build-clang/failoverd build-clang/tests/check_decide
	$(MAKE) BUILD=build-asan CFLAGS="$(SAN_FLAGS)" unit build-asan/failoverd $(if $(SANITIZE),build-asan/failoverctl)
	tests/model/run
	$(MAKE) fuzz-smoke
	$(SAN_ENV) tests/run $(BUILD) build-asan

integration: all $(BUILD)/threadstop
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" build-asan/failoverd
	tests/run --integration-only $(BUILD)

demo: deps
	$(MAKE) all
	scripts/demo

# The failover benchmark (~25-30 min on 2 cores): writes bench/RESULTS.md and bench/recovery.png.
# Its writer is built here (bench/failover only rebuilds it when writer.c is newer), so that a
# change to bench/follow_primary.h, which the chaos workload shares, rebuilds it too.
bench: deps
	$(MAKE) all $(BUILD)/bench/writer
	BENCH_BIN=$(abspath $(BUILD))/bench bench/failover

$(BUILD)/bench/writer: bench/writer.c bench/follow_primary.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -o $@ $< -lzookeeper_mt $(MYSQL_LIBS) -ljansson -lpthread

# The scale benchmark (issue 8; ~10 min on 2 cores): a 3-server ZooKeeper ensemble's write capacity
# (bench/scale_zkload), then 20 clusters of 3 on it, idle and under writes, and failovers of one of
# them while the others run: the Scale section of bench/RESULTS.md, bench/scale.png and a table.
#   make bench-scale [SCALE_ARGS="--clusters 30 --window-s 120"]   (bench/scale -h lists them)
SCALE_ARGS ?=
.PHONY: bench-scale
bench-scale: deps
	$(MAKE) all $(BUILD)/bench/writer $(BUILD)/bench/scale_zkload
	BENCH_BIN=$(abspath $(BUILD))/bench bench/scale $(SCALE_ARGS)

$(BUILD)/bench/scale_zkload: bench/scale_zkload.c
	@mkdir -p $(dir $@)
	$(CC) -D_GNU_SOURCE -DTHREADED $(ALL_CFLAGS) -o $@ $< -lzookeeper_mt -lpthread

# The chaos suite's workload (tests/chaos/workload.c): the application the scenarios write with.
# It follows /primary with the benchmark writer's code (bench/follow_primary.h).
$(BUILD)/chaos-workload: tests/chaos/workload.c bench/follow_primary.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -o $@ $< -lzookeeper_mt $(MYSQL_LIBS) -ljansson -lpthread

# A test tool: preloaded into an agent, it moves that process's wall clock only (scripts/sandbox
# up --clock-shift, then `sandbox clock`), as an NTP step would.
$(BUILD)/wallshift.so: tests/tools/wallshift.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -shared -fPIC -o $@ $< -ldl

# A test tool: stops one thread of a process for a while (ptrace), the others running on
# (t_loop_stall: the agent's event loop stalled, its fencer and local worker not).
$(BUILD)/threadstop: tests/tools/threadstop.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

# The chaos suite (tests/chaos/run), each run on a fresh 3-node cluster with a 3-server
# ZooKeeper ensemble, hosts in network namespaces; JSON histories and a summary table under
# build/chaos/. Not part of `make check` beyond its smoke (tests/integration/t_chaos_smoke.sh).
#   make chaos MIX=100 [SEED=S]  100 runs of mixed faults: each run a scenario drawn at random
#                                (shuffled and dealt: every scenario at least once when MIX is at
#                                least their number); the seed is printed and recorded in every
#                                run's history, SEED=S deals the same runs again (~25-30 s a run)
#   make chaos [ROUNDS=N]        N rounds of every scenario, in table order (default 1)
#   SCENARIOS="a b"              only these (tests/chaos/run --list names them)
ROUNDS ?= 1
MIX ?=
SEED ?=
SCENARIOS ?=
chaos: deps
	$(MAKE) all $(BUILD)/chaos-workload $(BUILD)/wallshift.so
	tests/chaos/run $(if $(MIX),--mix $(MIX) $(if $(SEED),--seed $(SEED)),--rounds $(ROUNDS)) $(if $(SCENARIOS),--scenarios "$(SCENARIOS)") --build $(BUILD)

# The unit, the init script and the start-hook drop-in name /usr/local paths; they are rewritten
# to the ones installed. Hooks: every file of scripts/hooks, executable or not as in the tree;
# the drop-in, the HAProxy example, alert rules and dashboard go to DATADIR.
# The example config is mode 0600: a copy keeps it, and failoverd refuses a config holding a
# password that others can read. uninstall removes what install put, and the directories only
# when left empty (never a config).
MAN_PAGES := $(wildcard man/*.5 man/*.7 man/*.8)
HOOKS     := $(wildcard scripts/hooks/*)
EXTRAS    := scripts/systemd/mariadb-read-only.conf scripts/haproxy/haproxy.cfg.example \
	$(wildcard etc/prometheus/*.yml etc/grafana/*.json)
EXAMPLE   := $(SYSCONFDIR)/failoverd/failoverd.conf.example
SED_PATHS := sed -e 's|/usr/local/sbin/failoverd|$(SBINDIR)/failoverd|g' \
	-e 's|/usr/local/libexec/failoverd|$(LIBEXECDIR)|g'

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR) \
		$(DESTDIR)$(SYSTEMDDIR) $(DESTDIR)$(SYSCONFDIR)/init.d $(DESTDIR)$(SYSCONFDIR)/failoverd \
		$(addprefix $(DESTDIR)$(MANDIR)/man,5 7 8)
	install -m 755 failoverd $(DESTDIR)$(SBINDIR)/failoverd
	install -m 755 failoverctl $(DESTDIR)$(BINDIR)/failoverctl
	for m in $(MAN_PAGES); do install -m 644 "$$m" "$(DESTDIR)$(MANDIR)/man$${m##*.}/" || exit 1; done
	install -m 755 scripts/mysqld-start-hook $(DESTDIR)$(LIBEXECDIR)/mysqld-start-hook
	$(SED_PATHS) scripts/systemd/failoverd@.service >$(DESTDIR)$(SYSTEMDDIR)/failoverd@.service
	chmod 644 $(DESTDIR)$(SYSTEMDDIR)/failoverd@.service
	$(SED_PATHS) scripts/init.d/failoverd >$(DESTDIR)$(SYSCONFDIR)/init.d/failoverd
	chmod 755 $(DESTDIR)$(SYSCONFDIR)/init.d/failoverd
	for f in $(EXTRAS); do $(SED_PATHS) "$$f" >"$(DESTDIR)$(DATADIR)/$${f##*/}" && \
		chmod 644 "$(DESTDIR)$(DATADIR)/$${f##*/}" || exit 1; done
	$(if $(HOOKS),install -d $(DESTDIR)$(LIBEXECDIR)/hooks)
	for h in $(HOOKS); do [ -f "$$h" ] || continue; mode=644; [ -x "$$h" ] && mode=755; \
		install -m $$mode "$$h" "$(DESTDIR)$(LIBEXECDIR)/hooks/" || exit 1; done
	install -m 600 etc/failoverd.conf $(DESTDIR)$(EXAMPLE)

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/failoverd $(DESTDIR)$(BINDIR)/failoverctl \
		$(DESTDIR)$(LIBEXECDIR)/mysqld-start-hook $(DESTDIR)$(SYSTEMDDIR)/failoverd@.service \
		$(DESTDIR)$(SYSCONFDIR)/init.d/failoverd $(DESTDIR)$(EXAMPLE) \
		$(foreach m,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m))) \
		$(foreach f,$(EXTRAS),$(DESTDIR)$(DATADIR)/$(notdir $(f))) \
		$(foreach h,$(HOOKS),$(DESTDIR)$(LIBEXECDIR)/hooks/$(notdir $(h)))
	rmdir $(DESTDIR)$(LIBEXECDIR)/hooks $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR) \
		$(DESTDIR)$(SYSCONFDIR)/failoverd 2>/dev/null || true

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability -Iinclude src
	@! grep -nE '\b(strcpy|strcat|sprintf|gets)\s*\(' src/*/*.c || { echo "banned call above"; exit 1; }

format:
	clang-format -i src/*/*.c include/*.h tests/unit/*.c

# libFuzzer targets (tests/fuzz/fuzz_*.c) with ASan/UBSan, built with clang into build/fuzz.
#   make fuzz [FUZZ_SECONDS=600] [FUZZ_TARGETS="fuzz_config ..."]  long runs, one target at a time
#   make fuzz-smoke                                                  4 s each from the seeds (make check)
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= $(sort $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
.PHONY: fuzz fuzz-build fuzz-smoke

$(BUILD)/bin/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/libfo.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/libfo.a $(LIBS)

fuzz-build:
	$(MAKE) BUILD=build/fuzz CC=clang CFLAGS="$(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link" $(FUZZ_TARGETS:%=build/fuzz/bin/%)

fuzz: fuzz-build
	tests/fuzz/run --seconds $(FUZZ_SECONDS) --build build/fuzz $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	tests/fuzz/run --smoke --seconds 4 --build build/fuzz $(FUZZ_TARGETS)

# The spin model of the protocol (man/failoverd-protocol.pml), also run by `make check` (about 90 s
# on 2 cores): an exhaustive search of every run with one fault, a partial one with two, and the
# bug variants it must find (tests/model/run says which search each check is; protocol(7), TESTS).
model:
	tests/model/run

clean:
	rm -rf build build-asan build-clang failoverd failoverctl
