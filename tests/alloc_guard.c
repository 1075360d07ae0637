/* Allocation guard for the test suite.

   The guarded binary links with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free, so
   every call of those from its objects lands in the __wrap_ functions here, which report the
   call and abort. The test suite's own translation unit (tests/all.c) is compiled with
   -Dmalloc=dgt_test_malloc (and likewise calloc, realloc, free): the tests may allocate through
   the dgt_test_ functions below, which forward to the real allocator. So what is left calling
   malloc is the library's translation unit (tests/impl.c): only allocations made inside the
   library are caught. tests/alloc_probe.c checks that the guard fires. */
#include <stdio.h>
#include <stdlib.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *ptr, size_t size);
void __real_free(void *ptr);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *ptr, size_t size);
void __wrap_free(void *ptr);
void *dgt_test_malloc(size_t size);
void *dgt_test_calloc(size_t count, size_t size);
void *dgt_test_realloc(void *ptr, size_t size);
void dgt_test_free(void *ptr);

static void dgt_guard_fire(const char *what, size_t bytes)
{
    fprintf(stderr, "alloc guard: the library called %s (%lu bytes)\n", what, (unsigned long)bytes);
    fflush(stderr);
    abort();
}

void *__wrap_malloc(size_t size) { dgt_guard_fire("malloc", size); return NULL; }
void *__wrap_calloc(size_t count, size_t size) { dgt_guard_fire("calloc", count * size); return NULL; }
void *__wrap_realloc(void *ptr, size_t size) { (void)ptr; dgt_guard_fire("realloc", size); return NULL; }
void __wrap_free(void *ptr) { (void)ptr; dgt_guard_fire("free", 0); }

void *dgt_test_malloc(size_t size) { return __real_malloc(size); }
void *dgt_test_calloc(size_t count, size_t size) { return __real_calloc(count, size); }
void *dgt_test_realloc(void *ptr, size_t size) { return __real_realloc(ptr, size); }
void dgt_test_free(void *ptr) { __real_free(ptr); }
