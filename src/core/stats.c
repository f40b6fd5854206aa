/* stats.c - statistics counters, printed by -d stats. */
#include "stats.h"

#include <inttypes.h>

struct stats stats;

void stats__print(FILE *f)
{
    fprintf(f, "bt86 statistics:\n");
#define X(n, d) fprintf(f, "  %-18s %14" PRIu64 "  %s\n", #n, stats.n, d);
    STATS_COUNTERS(X)
#undef X
}
