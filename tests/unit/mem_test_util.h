/* mem_test_util.h - helpers for the memory/segmentation unit tests: run one
 * access and catch the exception it raises, build page tables and
 * descriptors in guest RAM. */
#ifndef BT86_TESTS_MEM_TEST_UTIL_H
#define BT86_TESTS_MEM_TEST_UTIL_H

#include <setjmp.h>

#include "interp_fixture.h"
#include "interp/mem_fast.h"

static jmp_buf mt_jb;
static volatile int mt_r;
/* Results of the accesses under test live in globals, which longjmp
 * cannot clobber. */
static uint32_t mt_v;
static uint64_t mt_q __attribute__((unused));

/* Evaluate stmt; yields -1, or the vector of the exception it raised. */
#define MT_TRY(stmt) ({                                  \
        mt_r = -1;                                       \
        fix_cpu->exc_jmp = &mt_jb;                       \
        if (setjmp(mt_jb) == 0) {                        \
            stmt;                                        \
        } else {                                         \
            mt_r = fix_cpu->exc.vector;                  \
        }                                                \
        fix_cpu->exc_jmp = NULL;                         \
        mt_r;                                            \
    })

/* Expect exception vec with error code err from stmt. */
#define MT_FAULT(stmt, vec, err) do {                    \
        ck_assert_int_eq(MT_TRY(stmt), (vec));           \
        ck_assert_uint_eq(fix_cpu->exc.error, (err));    \
    } while (0)

static inline void mt_poke32(uint32_t paddr, uint32_t v) { fix_poke(paddr, &v, 4); }

/* An 8-byte code/data descriptor: base, byte limit (G set when > 1 MiB),
 * access byte (P DPL S type) and flags nibble (G D/B). */
static inline void mt_desc(uint32_t table, uint16_t sel, uint32_t base, uint32_t limit,
                           uint8_t access, uint8_t flags)
{
    if (limit > 0xfffff) {
        limit >>= 12;
        flags |= 0x8;
    }
    uint32_t lo = (base << 16) | (limit & 0xffff);
    uint32_t hi = (base & 0xff000000u) | ((base >> 16) & 0xff) | (limit & 0xf0000)
                | ((uint32_t)access << 8) | ((uint32_t)flags << 20);
    mt_poke32(table + (sel & ~7u), lo);
    mt_poke32(table + (sel & ~7u) + 4, hi);
}

/* A call gate (type 0xC, or 0x4 when !gate32) to sel:off. */
static inline void mt_gate(uint32_t table, uint16_t gsel, uint16_t sel, uint32_t off,
                           int dpl, int count, bool gate32)
{
    uint32_t lo = ((uint32_t)sel << 16) | (off & 0xffff);
    uint32_t hi = (off & 0xffff0000u) | 0x8000 | (dpl << 13) | ((gate32 ? 0xc : 0x4) << 8) | count;
    mt_poke32(table + (gsel & ~7u), lo);
    mt_poke32(table + (gsel & ~7u) + 4, hi);
}

static inline uint32_t mt_hi(uint32_t table, uint16_t sel) { return fix_peek(table + (sel & ~7u) + 4, 4); }

#endif
