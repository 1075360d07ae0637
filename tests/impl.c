/* The implementation's own translation unit, for the two-translation-unit build. */
#define DISCGRAD_IMPLEMENTATION
#include "../discgrad.h"
