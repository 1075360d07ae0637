# discgrad - build, test, examples.  `make test` runs the whole test matrix.
CC      ?= cc
CLANG   ?= clang
CXX_GNU ?= g++
STRICT   = -Wall -Wextra -pedantic -Werror
OPT      = -O2
BUILD    = build
LDLIBS   = -lm

# The test matrix: name, then how that binary is built (see the rules below).
MATRIX   = gcc-c99 clang-c99 gxx-cxx11 gcc-float gcc-static gcc-2tu gcc-bigdim gcc-methods
TEST_SRC = tests/all.c tests/common.h tests/test.h tests/reference.h $(wildcard tests/test_*.c) discgrad.h

.PHONY: all test test-build examples clean
all: test-build examples

$(BUILD):
	mkdir -p $(BUILD)

$(BUILD)/test-gcc-c99: $(TEST_SRC) | $(BUILD)
	gcc -std=c99 $(STRICT) -Wstack-usage=65536 $(OPT) -DDGT_LABEL='"gcc-c99"' tests/all.c -o $@ $(LDLIBS)
$(BUILD)/test-clang-c99: $(TEST_SRC) | $(BUILD)
	$(CLANG) -std=c99 $(STRICT) $(OPT) -DDGT_LABEL='"clang-c99"' tests/all.c -o $@ $(LDLIBS)
$(BUILD)/test-gxx-cxx11: $(TEST_SRC) | $(BUILD)
	$(CXX_GNU) -std=c++11 -x c++ $(STRICT) -Wstack-usage=65536 $(OPT) -DDGT_LABEL='"gxx-cxx11"' tests/all.c -o $@ $(LDLIBS)
$(BUILD)/test-gcc-float: $(TEST_SRC) | $(BUILD)
	gcc -std=c99 $(STRICT) -Wstack-usage=65536 $(OPT) -DDG_REAL=float -DDGT_LABEL='"gcc-float"' tests/all.c -o $@ $(LDLIBS)
$(BUILD)/test-gcc-static: $(TEST_SRC) | $(BUILD)
	gcc -std=c99 $(STRICT) -Wstack-usage=65536 $(OPT) -DDISCGRAD_STATIC -DDGT_LABEL='"gcc-static"' tests/all.c -o $@ $(LDLIBS)
$(BUILD)/test-gcc-2tu: $(TEST_SRC) tests/impl.c | $(BUILD)
	gcc -std=c99 $(STRICT) -Wstack-usage=65536 $(OPT) -DDGT_SEPARATE_IMPL -DDGT_LABEL='"gcc-2tu"' tests/all.c tests/impl.c -o $@ $(LDLIBS)
# Large limits: problems of more than one group of rows (DG_MAX_DIM > 1024) and rows of up to
# 2048 classes. The header's stack grows with DG_MAX_K, so no -Wstack-usage here.
$(BUILD)/test-gcc-bigdim: $(TEST_SRC) | $(BUILD)
	gcc -std=c99 $(STRICT) $(OPT) -DDG_MAX_DIM=4096 -DDG_MAX_K=2048 -DDGT_LABEL='"gcc-bigdim"' tests/all.c -o $@ $(LDLIBS)

# DG_METHODS: a build of three methods against a build of all (tests/methods.c); nm shows the
# left-out methods' code gone from the three's object (REBAR/RELAX, ARM/ARS, IndeCateR, the set
# methods, MuProp, ReinMax), and present in the full one's, so the check can fail.
METHODS_GONE = dg__(cv|net|ars|at|ic|set|beam|mp|rm)_
$(BUILD)/test-gcc-methods: tests/methods.c tests/methods_impl.c tests/methods_lib.h tests/test.h discgrad.h | $(BUILD)
	gcc -std=c99 $(STRICT) $(OPT) -DDGT_METHODS_LIB=dgt_all_methods -c tests/methods_impl.c -o $(BUILD)/methods-all.o
	gcc -std=c99 $(STRICT) $(OPT) -DDGT_SUBSET -DDGT_METHODS_LIB=dgt_three_methods -c tests/methods_impl.c \
	    -o $(BUILD)/methods-three.o
	@all=$$(nm $(BUILD)/methods-all.o | grep -cE '$(METHODS_GONE)'); \
	    three=$$(nm $(BUILD)/methods-three.o | grep -E '$(METHODS_GONE)' | tr '\n' ' '); \
	    if [ "$$all" -lt 5 ] || [ -n "$$three" ]; then \
	        echo "DG_METHODS: the full object has $$all of the left-out methods' functions;" \
	             "the three's still has: $$three"; exit 1; fi
	gcc -std=c99 $(STRICT) $(OPT) tests/methods.c $(BUILD)/methods-all.o $(BUILD)/methods-three.o -o $@ $(LDLIBS)

test-build: $(addprefix $(BUILD)/test-,$(MATRIX))

# Builds the matrix two at a time, runs it two at a time, prints each run's output and one
# closing line for the whole matrix.
# A DG_REAL wider than double (long double on x86) must be refused at compile time.
test:
	@$(MAKE) --no-print-directory -j2 test-build
	@$(CC) -std=c99 -fsyntax-only -DDG_REAL='long double' tests/impl.c 2>&1 | \
	    grep -q dg__check_real_is_float_or_double || { echo "DG_REAL=long double was not refused"; exit 1; }
	@sh tests/run-matrix.sh $(addprefix $(BUILD)/test-,$(MATRIX))

EXAMPLES = $(patsubst examples/%.c,$(BUILD)/%,$(wildcard examples/*.c))
examples: $(EXAMPLES)
$(BUILD)/%: examples/%.c discgrad.h | $(BUILD)
	$(CC) -std=c99 $(STRICT) $(OPT) -I. $< -o $@ $(LDLIBS)

clean:
	rm -rf $(BUILD)

# ---------------------------------------------------------------------------------------------
# Reliability: sanitizers, valgrind, allocation guard, stack bound, threads, fuzzing.
#   make sanitize     the whole suite under ASan + UBSan with gcc and with clang (no recovery)
#   make valgrind     memcheck over the cheap tests of every test file (tests/valgrind.sh;
#                     DGT_VALGRIND_BUDGET=seconds of native CPU per file, default 0.3; inf = all)
#   make alloc-guard  the whole suite with malloc/calloc/realloc/free wrapped: aborts if the
#                     library allocates; a probe proves the guard fires; nm finds no allocator
#                     symbol in the library's object
#   make stack        every frame <= STACK_FRAME_MAX, the deepest chain <= STACK_CHAIN_MAX
#   make threads      two threads with their own estimators == serial runs, bit for bit (also
#                     under ThreadSanitizer)
#   make fuzz         libFuzzer harness for FUZZ_TIME seconds from the seed corpus
#   make api-coverage every public function appears in test_errors.c and fuzz_estimate.c
#   make reliability  all of the above
# ---------------------------------------------------------------------------------------------
SAN_FLAGS       = -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all \
                  -fno-omit-frame-pointer -g -O1
SAN_ENV         = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1 \
                  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# stack-use-after-return detection costs the fuzzer most of its speed: the suite keeps it
FUZZ_ENV        = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
STACK_FRAME_MAX ?= 16384
STACK_CHAIN_MAX ?= 32768
FUZZ_TIME       ?= 60
FUZZ_FLAGS       = -std=c99 $(STRICT) -g -O1 -fsanitize=fuzzer,address,undefined,float-cast-overflow \
                  -fno-sanitize-recover=all
ALLOC_WRAP       = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free
ALLOC_RENAME     = -Dmalloc=dgt_test_malloc -Dcalloc=dgt_test_calloc -Drealloc=dgt_test_realloc \
                  -Dfree=dgt_test_free
ALLOCATORS       = malloc calloc realloc free aligned_alloc posix_memalign memalign valloc \
                  pvalloc reallocarray strdup strndup alloca __libc_malloc

.PHONY: sanitize valgrind alloc-guard stack threads fuzz fuzz-build api-coverage reliability

$(BUILD)/test-asan-gcc: $(TEST_SRC) | $(BUILD)
	gcc -std=c99 $(STRICT) $(SAN_FLAGS) -DDGT_LABEL='"asan-gcc"' tests/all.c -o $@ $(LDLIBS)
$(BUILD)/test-asan-clang: $(TEST_SRC) | $(BUILD)
	$(CLANG) -std=c99 $(STRICT) $(SAN_FLAGS) -DDGT_LABEL='"asan-clang"' tests/all.c -o $@ $(LDLIBS)
sanitize:
	@$(MAKE) --no-print-directory -j2 $(BUILD)/test-asan-gcc $(BUILD)/test-asan-clang
	@$(SAN_ENV) sh tests/run-matrix.sh $(BUILD)/test-asan-gcc $(BUILD)/test-asan-clang

$(BUILD)/test-valgrind: $(TEST_SRC) | $(BUILD)
	gcc -std=c99 $(STRICT) -O2 -g -DDGT_LABEL='"valgrind"' tests/all.c -o $@ $(LDLIBS)
valgrind: $(BUILD)/test-valgrind
	@command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 1; }
	sh tests/valgrind.sh $(BUILD)/test-valgrind

$(BUILD)/alloc-impl.o: discgrad.h tests/impl.c | $(BUILD)
	gcc -std=c99 $(STRICT) -O2 -c tests/impl.c -o $@
$(BUILD)/test-alloc-guard: $(TEST_SRC) $(BUILD)/alloc-impl.o tests/alloc_guard.c | $(BUILD)
	gcc -std=c99 $(STRICT) -O2 -c $(ALLOC_RENAME) -DDGT_SEPARATE_IMPL -DDGT_LABEL='"alloc-guard"' \
	    tests/all.c -o $(BUILD)/alloc-tests.o
	gcc -std=c99 $(STRICT) -O2 -c tests/alloc_guard.c -o $(BUILD)/alloc-guard.o
	gcc $(ALLOC_WRAP) $(BUILD)/alloc-tests.o $(BUILD)/alloc-impl.o $(BUILD)/alloc-guard.o -o $@ $(LDLIBS)
$(BUILD)/alloc-probe: tests/alloc_probe.c tests/alloc_guard.c | $(BUILD)
	gcc -std=c99 $(STRICT) -O2 $(ALLOC_WRAP) tests/alloc_probe.c tests/alloc_guard.c -o $@
alloc-guard: $(BUILD)/test-alloc-guard $(BUILD)/alloc-probe
	@if $(BUILD)/alloc-probe >/dev/null 2>&1; then echo "alloc-guard: the probe allocated unnoticed"; exit 1; fi
	@echo "alloc-guard: the probe's malloc was caught"
	@bad=$$(nm -u $(BUILD)/alloc-impl.o | awk '{print $$NF}' | grep -xE '$(subst $(eval) ,|,$(strip $(ALLOCATORS)))' || true); \
	    if [ -n "$$bad" ]; then echo "alloc-guard: the library references $$bad"; exit 1; fi
	@echo "alloc-guard: the library's object references no allocator"
	$(BUILD)/test-alloc-guard

stack:
	sh tests/stack_check.sh $(STACK_FRAME_MAX) $(STACK_CHAIN_MAX) gcc -std=c99 -O2
	sh tests/stack_check.sh $(STACK_FRAME_MAX) $(STACK_CHAIN_MAX) gcc -std=c99 -O0
	sh tests/stack_check.sh $(STACK_FRAME_MAX) $(STACK_CHAIN_MAX) gcc -std=c99 -O2 -DDG_REAL=float
	sh tests/stack_check.sh $(STACK_FRAME_MAX) $(STACK_CHAIN_MAX) $(CLANG) -std=c99 -O2

$(BUILD)/threads: tests/threads.c discgrad.h | $(BUILD)
	gcc -std=c99 $(STRICT) -O2 -pthread tests/threads.c -o $@ $(LDLIBS)
$(BUILD)/threads-tsan: tests/threads.c discgrad.h | $(BUILD)
	$(CLANG) -std=c99 $(STRICT) -O1 -g -fsanitize=thread -pthread tests/threads.c -o $@ $(LDLIBS)
threads: $(BUILD)/threads $(BUILD)/threads-tsan
	$(BUILD)/threads
	TSAN_OPTIONS=halt_on_error=1 $(BUILD)/threads-tsan 20

$(BUILD)/fuzz_estimate: tests/fuzz_estimate.c discgrad.h | $(BUILD)
	$(CLANG) $(FUZZ_FLAGS) tests/fuzz_estimate.c -o $@ $(LDLIBS)
$(BUILD)/fuzz-standalone: tests/fuzz_estimate.c discgrad.h | $(BUILD)
	gcc -std=c99 $(STRICT) $(SAN_FLAGS) -DFUZZ_STANDALONE tests/fuzz_estimate.c -o $@ $(LDLIBS)
fuzz-build: $(BUILD)/fuzz_estimate
# The seed corpus is copied so the committed one stays as it is; new inputs go to build/.
fuzz: $(BUILD)/fuzz_estimate $(BUILD)/fuzz-standalone
	$(SAN_ENV) $(BUILD)/fuzz-standalone tests/fuzz_corpus/*
	rm -rf $(BUILD)/fuzz-work && mkdir -p $(BUILD)/fuzz-work
	$(FUZZ_ENV) $(BUILD)/fuzz_estimate -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix=$(BUILD)/ $(BUILD)/fuzz-work tests/fuzz_corpus

api-coverage:
	sh tests/api_coverage.sh

reliability: api-coverage sanitize valgrind alloc-guard stack threads fuzz

# ---------------------------------------------------------------------------------------------
# Mutation testing (dev only, Python 3): tests/mutation.py samples COUNT mutants of the
# implementation section of discgrad.h with SEED, builds and runs the suite on each (clang -O1,
# JOBS at a time; survivors again as one unit with the white-box tests, with DG_REAL=float and
# with the large limits), prints the score, the survivors and a table per section, and writes
# build/mutation.csv. tests/mutation-equivalent.txt lists the mutants no test can kill, with the
# reason; they are not scored. tests/mutation.py --help for the rest (--ids, --rescore).
#   make mutation SEED=1 COUNT=400 JOBS=2   the full run (about 40 minutes of two idle cores);
#                                           SANITIZE=1 runs survivors under ASan + UBSan too
#   make mutation-ci                        30 mutants of a fixed seed; fails below 90%
# ---------------------------------------------------------------------------------------------
SEED        ?= 1
COUNT       ?= 400
JOBS        ?= 2
MUTATION_CC ?= clang
CI_SEED     ?= 2026
CI_COUNT    ?= 30
.PHONY: mutation mutation-ci
mutation:
	python3 tests/mutation.py --seed $(SEED) --count $(COUNT) --jobs $(JOBS) --cc $(MUTATION_CC) \
	    $(if $(SANITIZE),--sanitize) --csv $(BUILD)/mutation.csv
mutation-ci:
	python3 tests/mutation.py --seed $(CI_SEED) --count $(CI_COUNT) --jobs $(JOBS) \
	    --cc $(MUTATION_CC) --min-score 90 --csv $(BUILD)/mutation-ci.csv

# Score-function and antithetic estimators: each one's measured variance on the one-Bernoulli
# toy next to the closed forms of docs/math.md.
.PHONY: variance variance-d200
variance: $(BUILD)/variance
	./$(BUILD)/variance
# The same estimators at matched f-call cost on D = 200 Bernoulli variables, an additive and a
# coupled f (examples/variance_d200.c).
variance-d200: $(BUILD)/variance_d200
	./$(BUILD)/variance_d200

# ---------------------------------------------------------------------------------------------
# Installation, quick start check, toy problems and their plots.
#   make install PREFIX=/opt/x   installs include/discgrad.h, share/pkgconfig/discgrad.pc and the
#                                CMake package share/cmake/discgrad (target discgrad::discgrad);
#                                DESTDIR stages the files for packaging, as usual
#   make uninstall PREFIX=/opt/x removes those files again
#   make install-test            installs into a temporary prefix and builds the quick start
#                                against it through pkg-config and through CMake
#   make check-quickstart        README's first ```c block == examples/quickstart.c, builds, runs
#   make check-docs              the C programs of README.md and docs/*.md (as C and C++, their
#                                printed output), the README's pkg-config and CMake snippets as
#                                written, every relative link of README.md and docs/*.md, and
#                                the docs figures' structure against short runs of make plots
#                                and make vae-plots (the latter when the data is installed)
#   make plots                   regenerates the toy figures in docs/ (10,000 steps like the RELAX
#                                paper, 5 seeds; about 20 s); the CSV files and the table it
#                                prints stay in build/plots. PLOT_DIR=dir writes them elsewhere
#   make vae-plots               regenerates docs/vae-*.svg from short runs of 3 seeds (about
#                                35 minutes on a shared 2-core machine; needs the data: make data)
#   make toy-check               a very short toy run (CI): its files, and its start against
#                                the closed forms of docs/math.md
# ---------------------------------------------------------------------------------------------
PREFIX       ?= /usr/local
INCLUDEDIR   ?= $(PREFIX)/include
DATADIR      ?= $(PREFIX)/share
PKGCONFIGDIR ?= $(DATADIR)/pkgconfig
CMAKEDIR     ?= $(DATADIR)/cmake/discgrad
INSTALL      ?= install
DG_VERSION   := $(shell awk '/^\#define DISCGRAD_VERSION_(MAJOR|MINOR|PATCH)/ { v = v sep $$3; sep = "." } \
                         END { print v }' discgrad.h)

# The header needs nothing but libm, so the package is only an include path and -lm. The CMake
# files name the include directory absolutely; DESTDIR only stages them, so those paths stay right.
define DG_PC_FILE
prefix=$(PREFIX)
includedir=$(INCLUDEDIR)

Name: discgrad
Description: gradient estimators for discrete latent variables (single header)
Version: $(DG_VERSION)
Cflags: -I$${includedir}
Libs: -lm
endef

define DG_CMAKE_CONFIG
# find_package(discgrad) defines the INTERFACE target discgrad::discgrad: the include directory
# of discgrad.h and libm. Define DISCGRAD_IMPLEMENTATION in exactly one source file.
if(NOT TARGET discgrad::discgrad)
  add_library(discgrad::discgrad INTERFACE IMPORTED)
  set_target_properties(discgrad::discgrad PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "$(INCLUDEDIR)")
  if(UNIX)
    set_property(TARGET discgrad::discgrad PROPERTY INTERFACE_LINK_LIBRARIES m)
  endif()
endif()
set(discgrad_VERSION "$(DG_VERSION)")
endef

# Compatible when the major version matches (and, before 1.0, the minor too) and the installed
# version is at least the requested one.
define DG_CMAKE_VERSION
set(PACKAGE_VERSION "$(DG_VERSION)")
set(PACKAGE_VERSION_COMPATIBLE FALSE)
string(REPLACE "." ";" _dg_parts "$${PACKAGE_VERSION}")
list(GET _dg_parts 0 _dg_major)
list(GET _dg_parts 1 _dg_minor)
if(NOT PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION
   AND "$${PACKAGE_FIND_VERSION_MAJOR}" STREQUAL "$${_dg_major}"
   AND (NOT _dg_major STREQUAL "0" OR "$${PACKAGE_FIND_VERSION_MINOR}" STREQUAL "$${_dg_minor}"))
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
endif()
if(PACKAGE_FIND_VERSION VERSION_EQUAL PACKAGE_VERSION)
  set(PACKAGE_VERSION_EXACT TRUE)
endif()
endef

.PHONY: install uninstall install-test check-quickstart check-docs plots vae-plots toy-check cartpole cartpole-check

# Regenerated on every install: the files depend on PREFIX and the directories, not just on
# sources. Written while make expands the recipe (so also under make -n), hence the $(shell mkdir).
install:
	$(shell mkdir -p $(BUILD)/pkg)
	$(file >$(BUILD)/pkg/discgrad.pc,$(DG_PC_FILE))
	$(file >$(BUILD)/pkg/discgrad-config.cmake,$(DG_CMAKE_CONFIG))
	$(file >$(BUILD)/pkg/discgrad-config-version.cmake,$(DG_CMAKE_VERSION))
	$(INSTALL) -d "$(DESTDIR)$(INCLUDEDIR)" "$(DESTDIR)$(PKGCONFIGDIR)" "$(DESTDIR)$(CMAKEDIR)"
	$(INSTALL) -m 644 discgrad.h "$(DESTDIR)$(INCLUDEDIR)/discgrad.h"
	$(INSTALL) -m 644 $(BUILD)/pkg/discgrad.pc "$(DESTDIR)$(PKGCONFIGDIR)/discgrad.pc"
	$(INSTALL) -m 644 $(BUILD)/pkg/discgrad-config.cmake $(BUILD)/pkg/discgrad-config-version.cmake \
		"$(DESTDIR)$(CMAKEDIR)/"

uninstall:
	rm -f "$(DESTDIR)$(INCLUDEDIR)/discgrad.h" "$(DESTDIR)$(PKGCONFIGDIR)/discgrad.pc" \
		"$(DESTDIR)$(CMAKEDIR)/discgrad-config.cmake" "$(DESTDIR)$(CMAKEDIR)/discgrad-config-version.cmake"
	rmdir "$(DESTDIR)$(CMAKEDIR)" 2>/dev/null || true

install-test:
	sh tests/install-test.sh

check-quickstart:
	sh tests/check-quickstart.sh

check-docs:
	sh tests/check-docs.sh

$(BUILD)/toy: examples/svgplot.h examples/plotstyle.h
$(BUILD)/plotcurves: examples/svgplot.h examples/plotstyle.h examples/method_names.h
PLOT_DIR  ?= docs
TOY_STEPS ?= 10000
TOY_EVERY ?= 50
TOY_SEEDS ?= 5
plots: $(BUILD)/toy
	mkdir -p $(BUILD)/plots $(PLOT_DIR)
	$(BUILD)/toy --steps $(TOY_STEPS) --every $(TOY_EVERY) --seeds $(TOY_SEEDS) --out $(BUILD)/plots \
	    > $(BUILD)/plots/toy-table.txt
	grep -v '^wrote ' $(BUILD)/plots/toy-table.txt
	cp $(BUILD)/plots/toy-t0.45-loss.svg $(BUILD)/plots/toy-t0.45-logvar.svg \
	   $(BUILD)/plots/toy-t0.499-loss.svg $(BUILD)/plots/toy-t0.499-logvar.svg $(PLOT_DIR)/

toy-check: $(BUILD)/toy
	sh tests/toy-check.sh $(BUILD)/toy

# CartPole-v1 through ask, tell and commit (examples/cartpole.c). `make cartpole` prints the
# episodes to solve for seeds 1-5 of each estimator; `make cartpole-check` (CI) requires seed 1
# to solve within a bound: measured 1038 episodes (nvil) and 603 (loo), bounds about twice that.
cartpole: $(BUILD)/cartpole
	@for est in nvil loo; do for s in 1 2 3 4 5; do $(BUILD)/cartpole $$est $$s; done; done
cartpole-check: $(BUILD)/cartpole
	$(BUILD)/cartpole nvil 1 2000
	$(BUILD)/cartpole loo 1 1200

# The VAE figures: short runs (the full study takes hours), several seeds, REBAR and RELAX tuned.
# Each run's CSV, SVG and printed table stay in build/vae-runs, so the figures are redrawn
# without training again until build/vae changes; make -j2 runs two at a time.
VAE_SEEDS       ?= 1 2 3
VAE_BERN_STEPS  ?= 200
VAE_CAT_STEPS   ?= 100
VAE_TEST_N      ?= 500
VAE_RUNS         = $(BUILD)/vae-runs
VAE_BERN_METHODS = reinforce,rloo,arm,disarm,gumbel-softmax,straight-through,gumbel-rao,reinmax,muprop,rebar,relax
VAE_CAT_METHODS  = reinforce,rloo,arm,gumbel-softmax,straight-through,gumbel-rao,reinmax,muprop,rebar,relax
VAE_CAPTION      = test -ELBO: one sample on each of $(VAE_TEST_N) test images
dg_comma := ,
dg_space := $(eval) $(eval)
VAE_SEED_LIST    = $(subst $(dg_space),$(dg_comma) ,$(strip $(VAE_SEEDS)))
$(VAE_RUNS)/bernoulli-%.csv: $(BUILD)/vae | data
	mkdir -p $(VAE_RUNS)
	$(BUILD)/vae --model bernoulli --steps $(VAE_BERN_STEPS) --eval-every 20 --test-n $(VAE_TEST_N) \
	    --tune --seed $* --methods $(VAE_BERN_METHODS) --data $(BUILD)/data \
	    --csv $@ --svg $(VAE_RUNS)/bernoulli-$*.svg > $(VAE_RUNS)/bernoulli-$*.txt
$(VAE_RUNS)/categorical-%.csv: $(BUILD)/vae | data
	mkdir -p $(VAE_RUNS)
	$(BUILD)/vae --model categorical --steps $(VAE_CAT_STEPS) --eval-every 10 --test-n $(VAE_TEST_N) \
	    --tune --seed $* --methods $(VAE_CAT_METHODS) --data $(BUILD)/data \
	    --csv $@ --svg $(VAE_RUNS)/categorical-$*.svg > $(VAE_RUNS)/categorical-$*.txt
vae-plots: $(BUILD)/plotcurves $(foreach s,$(VAE_SEEDS),$(VAE_RUNS)/bernoulli-$(s).csv $(VAE_RUNS)/categorical-$(s).csv)
	mkdir -p $(PLOT_DIR)
	$(BUILD)/plotcurves --out $(PLOT_DIR)/vae-bernoulli.svg --ylabel "test -ELBO (nats)" \
	    --title "Bernoulli VAE (200 latents) on Fashion-MNIST: test -ELBO" \
	    --caption "seeds $(VAE_SEED_LIST); a short run of $(VAE_BERN_STEPS) steps, batch 50, Adam 1e-3; REBAR and RELAX tuned;\nlinear encoder 784-200 and decoder 200-784; $(VAE_CAPTION); REBAR's line runs under RELAX's" \
	    $(foreach s,$(VAE_SEEDS),$(VAE_RUNS)/bernoulli-$(s).csv)
	$(BUILD)/plotcurves --out $(PLOT_DIR)/vae-categorical.svg --ylabel "test -ELBO (nats)" \
	    --title "Categorical VAE (20 x 10 classes) on Fashion-MNIST: test -ELBO" \
	    --caption "seeds $(VAE_SEED_LIST); a short run of $(VAE_CAT_STEPS) steps, batch 50, Adam 1e-3; REBAR and RELAX tuned;\nencoder 784-512-256-(20x10), decoder mirrored, ReLU; $(VAE_CAPTION)" \
	    $(foreach s,$(VAE_SEEDS),$(VAE_RUNS)/categorical-$(s).csv)

# ---------------------------------------------------------------------------------------------
# Other targets: make cross (tests/cross.sh; .ci/run installs the compilers and qemu-user)
#   the test suite built -std=c99 -O2 -static -Werror for aarch64 (double, float), s390x
#   big-endian (double, float), i386 with x87 math (double, float) and armhf (float), run under
#   qemu-user; the header compiled warning-free for arm-none-eabi (Cortex-M4F), tcc, g++
#   -std=c++98 and -std=c++20; tcc's build of the suite; no double math in a Cortex-M4F float
#   build outside dg_exact and dg_stats; -ffast-math refused.
#   make cross-suite / make cross-headers run either half.
# ---------------------------------------------------------------------------------------------
# make mcu: examples/mcu/ built for a Cortex-M4F (arm-none-eabi-gcc, newlib-nano) and run on
# QEMU's mps2-an386 board over semihosting; prints the gradients and the flash/RAM footprint.
.PHONY: cross cross-suite cross-headers mcu
mcu:
	sh examples/mcu/run.sh
cross:
	sh tests/cross.sh suite headers
cross-suite:
	sh tests/cross.sh suite
cross-headers:
	sh tests/cross.sh headers

# --- Performance: microbenchmark of the hot core paths (noise, relaxation, its backward) ---
# `make microbench` times each case (-O3 -march=native: double, float, and double with libm);
# `make microbench-ir` counts instructions per logit under callgrind (valgrind cannot run
# AVX-512, so those builds stop at AVX2): -O3 and -O2 with AVX2, and plain -O2 (x86-64 SSE2).
MB_SRC    = tests/microbench.c discgrad.h
MB_NATIVE = -O3 -march=native
MB_AVX2   = -O3 -mavx2 -mfma
MB_AVX2O2 = -O2 -mavx2 -mfma
MB_BASE   = -O2
$(BUILD)/mb-native-double: $(MB_SRC) | $(BUILD)
	gcc -std=c99 $(STRICT) $(MB_NATIVE) tests/microbench.c -o $@ $(LDLIBS)
$(BUILD)/mb-native-float: $(MB_SRC) | $(BUILD)
	gcc -std=c99 $(STRICT) $(MB_NATIVE) -DDG_REAL=float tests/microbench.c -o $@ $(LDLIBS)
$(BUILD)/mb-native-libm: $(MB_SRC) | $(BUILD)
	gcc -std=c99 $(STRICT) $(MB_NATIVE) -DDG_USE_LIBM tests/microbench.c -o $@ $(LDLIBS)
$(BUILD)/mb-avx2-double: $(MB_SRC) | $(BUILD)
	gcc -std=c99 $(STRICT) $(MB_AVX2) tests/microbench.c -o $@ $(LDLIBS)
$(BUILD)/mb-avx2-float: $(MB_SRC) | $(BUILD)
	gcc -std=c99 $(STRICT) $(MB_AVX2) -DDG_REAL=float tests/microbench.c -o $@ $(LDLIBS)
$(BUILD)/mb-avx2o2-double: $(MB_SRC) | $(BUILD)
	gcc -std=c99 $(STRICT) $(MB_AVX2O2) tests/microbench.c -o $@ $(LDLIBS)
$(BUILD)/mb-base-double: $(MB_SRC) | $(BUILD)
	gcc -std=c99 $(STRICT) $(MB_BASE) tests/microbench.c -o $@ $(LDLIBS)
$(BUILD)/mb-base-float: $(MB_SRC) | $(BUILD)
	gcc -std=c99 $(STRICT) $(MB_BASE) -DDG_REAL=float tests/microbench.c -o $@ $(LDLIBS)
$(BUILD)/mb-clang-avx2-double: $(MB_SRC) | $(BUILD)
	$(CLANG) -std=c99 $(STRICT) $(MB_AVX2) tests/microbench.c -o $@ $(LDLIBS)

.PHONY: microbench microbench-ir
microbench: $(BUILD)/mb-native-double $(BUILD)/mb-native-float $(BUILD)/mb-native-libm
	@for b in $^; do echo "$$b"; ./$$b; done
microbench-ir: $(BUILD)/mb-avx2-double $(BUILD)/mb-avx2-float $(BUILD)/mb-avx2o2-double \
               $(BUILD)/mb-base-double $(BUILD)/mb-base-float $(BUILD)/mb-clang-avx2-double
	@sh tests/microbench-ir.sh $(addprefix ./,$^)

# The test suite built the way the vectorised paths run (-O3 -march=native; the default matrix
# builds for plain x86-64, where the double kernels give way to libm), double and float. No
# -Werror: -O3 makes gcc's maybe-uninitialized analysis report false positives in the tests.
$(BUILD)/test-native-double: $(TEST_SRC) | $(BUILD)
	gcc -std=c99 -Wall -Wextra -pedantic -Wno-maybe-uninitialized -O3 -march=native -DDGT_LABEL='"native-double"' tests/all.c -o $@ $(LDLIBS)
$(BUILD)/test-native-float: $(TEST_SRC) | $(BUILD)
	gcc -std=c99 -Wall -Wextra -pedantic -Wno-maybe-uninitialized -O3 -march=native -DDG_REAL=float -DDGT_LABEL='"native-float"' tests/all.c -o $@ $(LDLIBS)
.PHONY: test-native
test-native: $(BUILD)/test-native-double $(BUILD)/test-native-float
	@sh tests/run-matrix.sh $^

# --- Benchmarks and the examples that need their own flags (VAE, parallel, bench) ---
# make bench          throughput of every estimator, -O3 -march=native, double: single problems
#                     (dg_estimate) and batches of 64 (dg_ask/dg_tell/dg_commit), with the
#                     arithmetic floors of Gumbel-softmax and REINFORCE timed in the same run
# make bench-portable the same with plain -O2 (no -march)
# make bench-float    the same as make bench with DG_REAL=float
# make bench-torch    PyTorch float64 and float32 against make bench's, make bench-float's and
#                     make bench-portable's binaries, in one run, with the goal ratios
# make bench-ir       instructions per estimate of every cell under callgrind (examples/bench-ir.sh),
#                     -O3 -mavx2 -mfma (valgrind cannot run AVX-512), double and float; JOBS=2
#                     runs two valgrinds at a time
BENCH_TIME ?= 0.25
BENCH_DIM   = -DDG_MAX_DIM=65536
.PHONY: bench bench-portable bench-float bench-torch bench-ir
$(BUILD)/bench: examples/bench.c examples/method_names.h discgrad.h | $(BUILD)
	$(CC) -std=c99 $(STRICT) -O3 -march=native $(BENCH_DIM) -DBENCH_FLAGS='"-O3 -march=native"' -I. $< -o $@ $(LDLIBS)
$(BUILD)/bench-portable: examples/bench.c examples/method_names.h discgrad.h | $(BUILD)
	$(CC) -std=c99 $(STRICT) -O2 $(BENCH_DIM) -DBENCH_FLAGS='"-O2"' -I. $< -o $@ $(LDLIBS)
$(BUILD)/bench-float: examples/bench.c examples/method_names.h discgrad.h | $(BUILD)
	$(CC) -std=c99 $(STRICT) -O3 -march=native $(BENCH_DIM) -DDG_REAL=float -DBENCH_FLAGS='"-O3 -march=native"' -I. $< -o $@ $(LDLIBS)
bench: $(BUILD)/bench
	$(BUILD)/bench --time $(BENCH_TIME)
bench-portable: $(BUILD)/bench-portable
	$(BUILD)/bench-portable --time $(BENCH_TIME)
bench-float: $(BUILD)/bench-float
	$(BUILD)/bench-float --time $(BENCH_TIME)
bench-torch: $(BUILD)/bench $(BUILD)/bench-float $(BUILD)/bench-portable
	/usr/bin/python3 examples/bench_torch.py --bench $(BUILD)/bench --bench-float $(BUILD)/bench-float \
	    --bench-portable $(BUILD)/bench-portable --time $(BENCH_TIME)
$(BUILD)/bench-ir-double: examples/bench.c examples/method_names.h discgrad.h | $(BUILD)
	$(CC) -std=c99 $(STRICT) $(MB_AVX2) $(BENCH_DIM) -I. $< -o $@ $(LDLIBS)
$(BUILD)/bench-ir-float: examples/bench.c examples/method_names.h discgrad.h | $(BUILD)
	$(CC) -std=c99 $(STRICT) $(MB_AVX2) $(BENCH_DIM) -DDG_REAL=float -I. $< -o $@ $(LDLIBS)
bench-ir: $(BUILD)/bench-ir-double $(BUILD)/bench-ir-float
	@for b in $^; do echo "# $$b"; JOBS=$(JOBS) sh examples/bench-ir.sh ./$$b; done

# make data       Fashion-MNIST IDX files into build/data, from Debian's dataset-fashion-mnist;
#                 when that is absent it says how to install it, or installs it with DG_INSTALL=1
# make vae-short  a short VAE run that must lower the test -ELBO by 50 nats (part of CI)
# Nothing here installs system packages unless DG_INSTALL=1 is given (CI gives it): then
# examples/get-data.sh and examples/bench_torch.py run apt-get for what they lack.
DG_INSTALL ?= 0
export DG_INSTALL
.PHONY: data vae-short
$(BUILD)/vae: examples/method_names.h examples/svgplot.h examples/plotstyle.h
data: $(BUILD)/data/train-images-idx3-ubyte
$(BUILD)/data/train-images-idx3-ubyte: examples/get-data.sh
	sh examples/get-data.sh $(BUILD)/data
vae-short: $(BUILD)/vae data
	$(BUILD)/vae --steps 300 --eval-every 100 --test-n 500 --methods disarm,reinforce,gumbel-softmax \
	    --require-improvement 50 --data $(BUILD)/data --svg $(BUILD)/vae-short.svg
$(BUILD)/parallel: examples/parallel.c examples/method_names.h discgrad.h | $(BUILD)
	$(CC) -std=c99 $(STRICT) $(OPT) -pthread -I. $< -o $@ $(LDLIBS) -lpthread
