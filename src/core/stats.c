/* stats.c - statistics counters, printed by -d stats with the rates derived
 * from them, bt86's host memory and the engine's own report. */
#include "stats.h"

#include <inttypes.h>
#include <stdio.h>
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

/* bt86's own resident memory now, in KiB: its anonymous and file-backed
 * pages (heap, code cache, tables, its binary and libraries), not shared
 * memory, which is the guest RAM's memfd however often it is mapped (the
 * RAM itself, trap's mirror, bt's memory windows); -1 when unknown. */
static int64_t stats__own_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[128];
    int64_t anon = -1, file = -1;
    while (fgets(line, sizeof(line), f)) {
        long long v;
        if (sscanf(line, "RssAnon: %lld", &v) == 1)
            anon = v;
        else if (sscanf(line, "RssFile: %lld", &v) == 1)
            file = v;
    }
    fclose(f);
    return anon < 0 || file < 0 ? -1 : anon + file;
}

static int64_t own_peak_kib = -1;

void stats__sample_memory(void)
{
    int64_t own = stats__own_kib();
    if (own > own_peak_kib)
        own_peak_kib = own;
}

/* bt86's host memory (issue 4: its own under 64 MiB beyond the guest RAM
 * it touches): the peak resident set, the guest RAM resident at exit
 * (RAM pages, once touched, stay resident in its memfd, so that is the
 * most the guest ever had) and bt86's own memory, the peak of its
 * anonymous and file-backed resident pages (stats__sample_memory: the
 * machine samples it every 100 ms and at exit). The peak RSS minus the
 * guest RAM would overstate it where the guest's pages are mapped twice
 * (trap's mirror, bt's memory windows). */
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
    stats__sample_memory();
    if (own_peak_kib >= 0)
        fprintf(f, "  %-18s %14.1f  bt86's own: peak of its anonymous and file-backed resident memory\n", "own",
                (double)own_peak_kib * 1024.0 / MIB);
    if (stats.bt_window_peak)
        fprintf(f, "  %-18s %14.1f  guest RAM also mapped in bt's memory windows (their peak)\n", "windows",
                (double)stats.bt_window_peak * 4096.0 / MIB);
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
