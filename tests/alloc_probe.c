/* Proves the allocation guard is armed: built like the library (no renaming) and linked with
   tests/alloc_guard.c and the --wrap flags, its malloc call must abort. `make alloc-guard` fails
   if this program exits normally. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    void *p = malloc(16);
    printf("alloc probe: malloc returned %p without the guard firing\n", p);
    return 0;
}
