/* stats.c - statistics counters, printed by -d stats with the rates derived
 * from them, bt86's host memory and the engine's own report. */
#include "stats.h"

#include <inttypes.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "engine.h"
#include "machine.h"

struct stats stats;

#define MIB (1024.0 * 1024.0)

/* Bytes of the guest RAM mapping resident in host memory now (mincore);
 * -1 when unknown. */
static int64_t stats__guest_resident(const struct guest_ram *ram)
{
    const size_t page = 4096;
    size_t npages = ram->size / page;
    unsigned char *vec = malloc(npages ? npages : 1);
    int64_t bytes = -1;
    if (vec && ram->host && mincore(ram->host, ram->size, vec) == 0) {
        bytes = 0;
        for (size_t i = 0; i < npages; i++)
            bytes += (vec[i] & 1) ? (int64_t)page : 0;
    }
    free(vec);
    return bytes;
}

/* bt86's own host memory (issue: under 64 MiB beyond the guest RAM it
 * touches): the peak resident set minus the guest RAM resident at exit.
 * Guest RAM pages, once touched, stay resident in its memfd, so the RAM
 * resident at exit is the most the guest ever had. Under -accel trap the
 * guest's pages are mapped twice (the RAM and its mirror at the guest's
 * linear addresses) and count twice in the RSS. */
static void stats__print_memory(FILE *f, const struct machine *m)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return;
    double peak = (double)ru.ru_maxrss * 1024.0 / MIB; /* ru_maxrss is in KiB (VmHWM) */
    int64_t guest = m ? stats__guest_resident(&m->ram) : -1;
    fprintf(f, "  host memory (MiB):\n");
    fprintf(f, "  %-18s %14.1f  peak resident set of bt86 (VmHWM)\n", "rss_peak", peak);
    if (guest < 0)
        return;
    fprintf(f, "  %-18s %14.1f  guest RAM resident at exit (mincore)\n", "guest_ram",
            (double)guest / MIB);
    fprintf(f, "  %-18s %14.1f  bt86's own: peak RSS minus guest RAM\n", "own",
            peak - (double)guest / MIB);
    /* bt's memory windows map guest pages a second time: they count twice
     * in the RSS, and so in "own" (an overstatement, at most this much). */
    if (stats.bt_window_peak)
        fprintf(f, "  %-18s %14.1f  of which guest RAM mapped again in bt's memory windows (their peak)\n",
                "windows", (double)stats.bt_window_peak * 4096.0 / MIB);
}

void stats__print(FILE *f, struct machine *m)
{
    fprintf(f, "bt86 statistics:\n");
#define X(n, d) fprintf(f, "  %-18s %14" PRIu64 "  %s\n", #n, stats.n, d);
    STATS_COUNTERS(X)
#undef X
    fprintf(f, "  rates:\n");
#define R(n, hits, misses, d)                                                             \
    if (stats.hits + stats.misses)                                                        \
        fprintf(f, "  %-18s %13.2f%%  %s\n", #n,                                          \
                100.0 * (double)stats.hits / (double)(stats.hits + stats.misses), d);
    STATS_RATES(R)
#undef R
    stats__print_memory(f, m);
    if (m && m->engine && m->engine->print_stats)
        m->engine->print_stats(m, f);
}
