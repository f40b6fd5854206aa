/* engines.c - the registry of execution engines, looked up by -accel name. */
#include <string.h>

#include "core/engine.h"

extern const struct engine interp_engine;

static const struct engine *const engines[] = {
    &interp_engine,
};

/* Engines the design has but this build does not have yet. */
static const char *const planned[] = { "bt", "trap" };

const struct engine *engine__find(const char *name)
{
    for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++)
        if (strcmp(engines[i]->name, name) == 0)
            return engines[i];
    return NULL;
}

bool engine__planned(const char *name)
{
    for (size_t i = 0; i < sizeof(planned) / sizeof(planned[0]); i++)
        if (strcmp(planned[i], name) == 0)
            return true;
    return false;
}

const char *engine__names(void)
{
    return "interp";
}
