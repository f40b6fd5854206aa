/* log.c - the -d log categories and the -D log file. */
#include "log.h"

#include <errno.h>
#include <string.h>

unsigned log_mask;
FILE *log_file;

__attribute__((constructor)) static void log__default_file(void)
{
    log_file = stderr;
}

static const char *const cat_names[] = {
#define X(n, d) #n,
    LOG_CATEGORIES(X)
#undef X
};

static const char *const cat_descs[] = {
#define X(n, d) d,
    LOG_CATEGORIES(X)
#undef X
};

int log__parse(const char *list, const char **bad)
{
    static char badname[64];
    unsigned mask = 0;
    const char *p = list;

    while (*p) {
        size_t len = strcspn(p, ",");
        int found = -1;
        for (int i = 0; i < LOG_COUNT; i++)
            if (strlen(cat_names[i]) == len && strncmp(cat_names[i], p, len) == 0)
                found = i;
        if (found < 0) {
            snprintf(badname, sizeof(badname), "%.*s", (int)len, p);
            *bad = badname;
            return -1;
        }
        mask |= 1u << found;
        p += len;
        if (*p == ',')
            p++;
    }
    log_mask |= mask;
    return 0;
}

void log__help(FILE *f)
{
    fprintf(f, "Log categories for -d (comma-separated):\n");
    for (int i = 0; i < LOG_COUNT; i++)
        fprintf(f, "  %-14s %s\n", cat_names[i], cat_descs[i]);
}

int log__open(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -errno;
    setvbuf(f, NULL, _IOLBF, 0);
    log_file = f;
    return 0;
}
