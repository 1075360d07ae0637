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
