/* engine.h - the interface every execution engine (interp, bt, trap) implements. */
#ifndef BT86_CORE_ENGINE_H
#define BT86_CORE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct machine;

struct engine {
    const char *name;
    /* Prepare engine state for m. Returns 0 or -errno. */
    int (*init)(struct machine *m);
    /* Run guest code on m->cpu until about `budget` guest instructions have
     * retired, the CPU halts, or m->stop is set. Returns the number retired. */
    uint64_t (*run)(struct machine *m, uint64_t budget);
    void (*destroy)(struct machine *m);
    /* Optional (NULL: nothing): print what -d stats should add for this
     * engine, after the shared counters, while its state is still alive. */
    void (*print_stats)(struct machine *m, FILE *f);
};

/* Look an engine up by its -accel name; NULL when unknown. */
const struct engine *engine__find(const char *name);
/* Comma-separated list of the engines this build has, for messages. */
const char *engine__names(void);

#endif
