/* bt_fixture.h - the interpreter fixture plus the bt engine on its machine:
 * run a piece of guest code to its HLT under bt or under the interpreter. */
#ifndef BT86_TESTS_BT_FIXTURE_H
#define BT86_TESTS_BT_FIXTURE_H

#include "core/engine.h"
#include "core/stats.h"
#include "interp_fixture.h"

static const struct engine *bt_eng;

static inline void bt_setup(void)
{
    fix_setup();
    bt_eng = engine__find("bt");
    ck_assert_ptr_nonnull(bt_eng);
    ck_assert_int_eq(bt_eng->init(fix_m), 0);
}

static inline void bt_teardown(void)
{
    bt_eng->destroy(fix_m);
    fix_teardown();
}

/* Run until the CPU halts (the code ends with HLT and IF = 0) or about
 * `limit` instructions retired. Returns the instructions retired. */
static inline uint64_t bt_run_to_hlt(const struct engine *e, uint64_t limit)
{
    uint64_t start = fix_cpu->icount;
    fix_cpu->halted = false;
    while (!fix_cpu->halted && fix_cpu->icount - start < limit)
        e->run(fix_m, limit - (fix_cpu->icount - start));
    return fix_cpu->icount - start;
}

#endif
