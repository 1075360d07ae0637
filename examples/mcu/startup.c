/* startup.c - the bare-metal start of the Cortex-M4F example: vector table, reset handler
   (.data copied from flash, .bss zeroed, FPU enabled, the free stack painted so that its peak
   use can be measured), and Arm semihosting for output and exit, so that the program needs
   neither newlib's stdio nor its start files. */
#include <stdint.h>

int main(void);
void dg_mcu_reset(void);

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];

#define DG_MCU_PAINT 0xa5a5a5a5u

/* Arm semihosting: operation in r0, argument in r1, bkpt 0xab; QEMU implements it when run with
   -semihosting. */
static int dg_mcu_semihost(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

/* SYS_WRITE0: a NUL-terminated string to the host's console. */
void dg_mcu_puts(const char *s) { dg_mcu_semihost(0x04, s); }

/* SYS_EXIT with ADP_Stopped_ApplicationExit (QEMU exits with status 0) or, for a nonzero
   status, ADP_Stopped_RunTimeErrorUnknown (QEMU exits with status 1). */
static void dg_mcu_exit(int status)
{
    dg_mcu_semihost(0x18, (const void *)(uintptr_t)(status == 0 ? 0x20026u : 0x20023u));
    for (;;) {}
}

/* Bytes of stack used so far at most: the painted words below the top that were overwritten. */
unsigned long dg_mcu_stack_peak(void)
{
    const uint32_t *p = _ebss;
    while (p < _estack && *p == DG_MCU_PAINT) ++p;
    return (unsigned long)((const char *)_estack - (const char *)p);
}

void dg_mcu_reset(void)
{
    uint32_t *dst = _sdata, *src = _sidata, *sp;
    while (dst < _edata) *dst++ = *src++;
    for (dst = _sbss; dst < _ebss; ++dst) *dst = 0;
    /* CPACR: full access to coprocessors 10 and 11, the FPU, before any floating-point code */
    *(volatile uint32_t *)0xe000ed88u |= 0xfu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    /* paint the free stack up to a little below the current stack pointer */
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (dst = _ebss; dst < sp - 16; ++dst) *dst = DG_MCU_PAINT;
    dg_mcu_exit(main());
}

static void dg_mcu_fault(void)
{
    dg_mcu_puts("mcu: fault\n");
    dg_mcu_exit(2);
}

/* Initial stack pointer, reset, NMI, hard fault, memory management, bus and usage faults. */
__attribute__((section(".vectors"), used)) static void (*const dg_mcu_vectors[7])(void) = {
    (void (*)(void))(uintptr_t)_estack, dg_mcu_reset, dg_mcu_fault, dg_mcu_fault,
    dg_mcu_fault, dg_mcu_fault, dg_mcu_fault};
