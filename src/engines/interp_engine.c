/* interp_engine.c - the reference interpreter as an execution engine (-accel interp). */
#include "core/engine.h"
#include "core/machine.h"
#include "interp/interp.h"

static int interp_engine__init(struct machine *m)
{
    interp__init();
    return 0;
}

static void interp_engine__destroy(struct machine *m)
{
}

const struct engine interp_engine = {
    .name = "interp",
    .init = interp_engine__init,
    .run = interp__engine_run,
    .destroy = interp_engine__destroy,
};
