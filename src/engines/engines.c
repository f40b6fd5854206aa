/* engines.c - the registry of execution engines, looked up by -accel name. */
#include <stdio.h>
#include <string.h>

#include "core/engine.h"

extern const struct engine interp_engine;
extern const struct engine bt_engine;
extern const struct engine trap_engine;

static const struct engine *const engines[] = {
    &interp_engine,
    &bt_engine,
    &trap_engine,
};

const struct engine *engine__find(const char *name)
{
    for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++)
        if (strcmp(engines[i]->name, name) == 0)
            return engines[i];
    return NULL;
}

const char *engine__names(void)
{
    static char names[64];

    if (!names[0])
        for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
            size_t len = strlen(names);
            snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "", engines[i]->name);
        }
    return names;
}
