# discgrad - build, test, examples.  `make test` runs the whole test matrix.
CC      ?= cc
CLANG   ?= clang
CXX_GNU ?= g++
STRICT   = -Wall -Wextra -pedantic -Werror
OPT      = -O2
BUILD    = build
LDLIBS   = -lm

# The test matrix: name, then how that binary is built (see the rules below).
MATRIX   = gcc-c99 clang-c99 gxx-cxx11 gcc-float gcc-static gcc-2tu
TEST_SRC = tests/all.c tests/common.h tests/test.h $(wildcard tests/test_*.c) discgrad.h

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

test-build: $(addprefix $(BUILD)/test-,$(MATRIX))

# Builds the matrix two at a time, runs it two at a time, prints each run's output and one
# closing line for the whole matrix.
test:
	@$(MAKE) --no-print-directory -j2 test-build
	@sh tests/run-matrix.sh $(addprefix $(BUILD)/test-,$(MATRIX))

EXAMPLES = $(patsubst examples/%.c,$(BUILD)/%,$(wildcard examples/*.c))
examples: $(EXAMPLES)
$(BUILD)/%: examples/%.c discgrad.h | $(BUILD)
	$(CC) -std=c99 $(STRICT) $(OPT) -I. $< -o $@ $(LDLIBS)

clean:
	rm -rf $(BUILD)

# Score-function and antithetic estimators: each one's measured variance on the one-Bernoulli
# toy next to the closed forms of MATH.md.
.PHONY: variance
variance: $(BUILD)/variance
	./$(BUILD)/variance

# --- Benchmarks and the examples that need their own flags (VAE, parallel, bench) ---
# make bench          throughput of every estimator, -O3 -march=native, double
# make bench-portable the same with plain -O2 (no -march)
# make bench-float    the same as make bench with DG_REAL=float
# make bench-torch    PyTorch against make bench's binary, in one run, with the goal ratios
BENCH_TIME ?= 0.25
BENCH_DIM   = -DDG_MAX_DIM=65536
.PHONY: bench bench-portable bench-float bench-torch
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
bench-torch: $(BUILD)/bench
	/usr/bin/python3 examples/bench_torch.py --bench $(BUILD)/bench --time $(BENCH_TIME)

# make data       Fashion-MNIST IDX files into build/data (installs dataset-fashion-mnist if absent)
# make vae-short  a short VAE run that must lower the test -ELBO by 50 nats (part of CI)
.PHONY: data vae-short
$(BUILD)/vae: examples/method_names.h
data: $(BUILD)/data/train-images-idx3-ubyte
$(BUILD)/data/train-images-idx3-ubyte: examples/get-data.sh
	sh examples/get-data.sh $(BUILD)/data
vae-short: $(BUILD)/vae data
	$(BUILD)/vae --steps 300 --eval-every 100 --test-n 500 --methods disarm,reinforce,gumbel-softmax \
	    --require-improvement 50 --data $(BUILD)/data --svg $(BUILD)/vae-short.svg
$(BUILD)/parallel: examples/parallel.c examples/method_names.h discgrad.h | $(BUILD)
	$(CC) -std=c99 $(STRICT) $(OPT) -pthread -I. $< -o $@ $(LDLIBS) -lpthread
