/* interp_fixture.h - a machine with RAM for interpreter unit tests: flat
 * 32-bit protected mode or real mode, code placed in RAM, one-instruction
 * steps. */
#ifndef BT86_TESTS_INTERP_FIXTURE_H
#define BT86_TESTS_INTERP_FIXTURE_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "interp/code_wp.h"
#include "interp/internal.h"
#include "interp/interp.h"

#define FIX_RAM_SIZE (4u << 20)
#define FIX_CODE 0x1000u  /* where test code goes */
#define FIX_DATA 0x20000u /* scratch data */
#define FIX_STACK 0x30000u

static struct machine *fix_m;
static struct cpu *fix_cpu;

static inline void fix_seg(int s, uint16_t sel, uint32_t base, uint32_t limit, uint16_t attr)
{
    fix_cpu->seg[s] = (struct seg_cache){ .sel = sel, .attr = attr, .base = base, .limit = limit };
}

/* Flat 32-bit protected mode at CPL 0: CS 0x08, data 0x10, base 0, limit 4G. */
static inline void fix_flat32(void)
{
    fix_cpu->cr0 |= CR0_PE;
    fix_seg(S_CS, 0x08, 0, 0xffffffffu,
            DESC_P | DESC_S | DESC_CODE | DESC_R | DESC_A | DESC_DB | DESC_G);
    for (int s = S_ES; s <= S_GS; s++)
        if (s != S_CS)
            fix_seg(s, 0x10, 0, 0xffffffffu, DESC_P | DESC_S | DESC_W | DESC_A | DESC_DB | DESC_G);
    fix_cpu->cpl = 0;
    fix_cpu->eflags = F_FIXED1;
    fix_cpu->eip = FIX_CODE;
    fix_cpu->gpr[R_ESP] = FIX_STACK;
    tlb__flush(fix_cpu, true);
}

/* Real mode with every segment at 0. */
static inline void fix_real(void)
{
    fix_cpu->cr0 &= ~CR0_PE;
    fix_seg(S_CS, 0, 0, 0xffff, DESC_P | DESC_S | DESC_CODE | DESC_R | DESC_A);
    for (int s = S_ES; s <= S_GS; s++)
        if (s != S_CS)
            fix_seg(s, 0, 0, 0xffff, DESC_P | DESC_S | DESC_W | DESC_A);
    fix_cpu->eflags = F_FIXED1;
    fix_cpu->eip = FIX_CODE;
    fix_cpu->gpr[R_ESP] = 0xfff0;
    tlb__flush(fix_cpu, true);
}

static inline void fix_setup(void)
{
    interp__init();
    fix_m = calloc(1, sizeof *fix_m);
    ck_assert_ptr_nonnull(fix_m);
    ck_assert_int_eq(guest_ram__init(&fix_m->ram, FIX_RAM_SIZE), 0);
    bus__init(&fix_m->bus);
    fix_cpu = &fix_m->cpu;
    fix_cpu->m = fix_m;
    cpu__reset(fix_cpu);
    fix_flat32();
}

static inline void fix_teardown(void)
{
    guest_ram__destroy(&fix_m->ram);
    free(fix_m);
}

/* A write to RAM from outside the CPU: code_wp must see it (code_wp.c). */
static inline void fix_poke(uint32_t paddr, const void *bytes, size_t n)
{
    memcpy(fix_m->ram.host + paddr, bytes, n);
    code_wp__write_range(paddr, (uint32_t)n);
}

static inline uint32_t fix_peek(uint32_t paddr, int size)
{
    uint32_t v = 0;
    memcpy(&v, fix_m->ram.host + paddr, size);
    return v;
}

/* Place code at FIX_CODE, point EIP at it. */
static inline void fix_code(const void *bytes, size_t n)
{
    fix_poke(FIX_CODE, bytes, n);
    fix_cpu->eip = FIX_CODE;
}

#define FIX_CODE_BYTES(...) do { \
        static const uint8_t code_[] = { __VA_ARGS__ }; \
        fix_code(code_, sizeof code_); \
    } while (0)

/* Run one instruction; returns -1 or the exception vector. */
static inline int fix_step(void)
{
    return interp__exec_one(fix_cpu);
}

#endif
