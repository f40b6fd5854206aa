/* main.c - bt86-difftest: random instructions run on the host CPU and on
 * the interpreter, compared register for register (issue 2, item 7). */
#include "difftest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct options {
    uint64_t count, seed, index;
    bool one;              /* only instance --index */
    int op;                /* only this opcode (-1: all) */
    int max_print;         /* mismatches printed per opcode-table entry */
    bool list;
    bool show_escapes;     /* print instances the host could not finish in the layout */
    bool undef_stats;      /* print how often undefined flags match the host */
};

struct tally {
    uint64_t run, failed, escaped;
    uint64_t faulted;                /* the host raised an exception */
    uint64_t undef_checked;          /* retired instances with undefined flags */
    uint64_t undef_differ[12];       /* … where the interpreter differs from the host, per bit */
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bt86-difftest [--count N] [--seed S] [--index I] [--op HEX] [--max-print N]\n"
            "                     [--list] [--show-escapes] [--undef-stats]\n"
            "  --count N      instances to run (default 100000)\n"
            "  --seed S       random seed (default 1); instance I of seed S is reproducible\n"
            "  --index I      run only instance I of the seed (to reproduce a mismatch)\n"
            "  --op HEX       only this opcode: d3, 0fa5…\n"
            "  --max-print N  mismatches printed per opcode-table entry (default: all)\n"
            "  --list         print the opcode table and what is excluded\n"
            "  --show-escapes print instances the host ended outside the test layout\n"
            "  --undef-stats  print how often the masked undefined flags match the host\n");
}

static int parse(int argc, char **argv, struct options *o)
{
    *o = (struct options){ .count = 100000, .seed = 1, .op = -1, .max_print = -1 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--list")) { o->list = true; continue; }
        if (!strcmp(a, "--show-escapes")) { o->show_escapes = true; continue; }
        if (!strcmp(a, "--undef-stats")) { o->undef_stats = true; continue; }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); exit(0); }
        if (!v) { fprintf(stderr, "difftest: unknown or incomplete option %s\n", a); return -1; }
        i++;
        if (!strcmp(a, "--count")) o->count = strtoull(v, NULL, 0);
        else if (!strcmp(a, "--seed")) o->seed = strtoull(v, NULL, 0);
        else if (!strcmp(a, "--index")) { o->index = strtoull(v, NULL, 0); o->one = true; }
        else if (!strcmp(a, "--op")) o->op = (int)strtol(v, NULL, 16);
        else if (!strcmp(a, "--max-print")) o->max_print = atoi(v);
        else { fprintf(stderr, "difftest: unknown option %s\n", a); return -1; }
    }
    if (o->op >= 0x0f00) /* "0fa5" -> 0x1a5 */
        o->op = 0x100 | (o->op & 0xff);
    return 0;
}

/* Instance i of seed s gets its own generator state (splitmix64). */
static struct rng rng_for(uint64_t seed, uint64_t i)
{
    uint64_t z = seed * 0x9e3779b97f4a7c15ull + i + 1;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (struct rng){ z ? z : 1 };
}

/* The arguments that rerun instance i alone. */
static const char *repro_args(const struct options *o, uint64_t i)
{
    static char buf[96];
    int n = snprintf(buf, sizeof(buf), "--seed %llu --index %llu", (unsigned long long)o->seed,
                     (unsigned long long)i);
    if (o->op >= 0)
        snprintf(buf + n, sizeof(buf) - (size_t)n, " --op %s%02x", o->op >= 0x100 ? "0f" : "",
                 o->op & 0xff);
    return buf;
}

/* Count how often the masked (undefined) flags still agree with the host:
 * bt86 means to produce what AMD Zen produces there too. */
static void tally_undef(struct tally *t, const struct instance *in, const struct outcome *h,
                        const struct outcome *e)
{
    uint32_t u = spec__undef_mask(in, h) & F_ARITH;
    if (!u || h->vector >= 0)
        return;
    t->undef_checked++;
    for (int b = 0; b < 12; b++)
        if ((u >> b & 1) && ((h->eflags ^ e->eflags) >> b & 1))
            t->undef_differ[b]++;
}

static void print_undef(const struct tally *tally)
{
    static const char *const flag[12] = { "CF", "", "PF", "", "AF", "", "ZF", "SF", "", "", "", "OF" };
    printf("\nundefined flags: instances where the interpreter differs from this host (masked):\n");
    for (int i = 0; i < spec_count; i++) {
        const struct tally *t = &tally[i];
        if (!t->undef_checked)
            continue;
        printf("  %s%02x", spec_table[i].op >= 0x100 ? "0f " : "", spec_table[i].op & 0xff);
        if (spec_table[i].reg >= 0)
            printf("/%d", spec_table[i].reg);
        printf(" %-18s %7llu:", spec_table[i].name, (unsigned long long)t->undef_checked);
        for (int b = 0; b < 12; b++)
            if (t->undef_differ[b])
                printf(" %s %llu", flag[b], (unsigned long long)t->undef_differ[b]);
        printf("\n");
    }
}

static void print_excluded(void)
{
    printf("not generated (see docs/undefined-flags.md):\n");
    for (int i = 0; spec_excluded[i]; i++)
        printf("  - %s\n", spec_excluded[i]);
}

static void list_table(void)
{
    for (int i = 0; i < spec_count; i++) {
        const struct spec *s = &spec_table[i];
        printf("%s%02x", s->op >= 0x100 ? "0f " : "", s->op & 0xff);
        if (s->reg >= 0)
            printf(" /%d", s->reg);
        printf("\t%s\tundefined flags %03x\n", s->name, s->undef);
    }
    printf("%d entries.\n", spec_count);
    print_excluded();
}

int main(int argc, char **argv)
{
    static struct instance in;
    static struct outcome host, emu;
    static struct tally tally[1024];
    struct options o;
    int picks[1024], npicks = 0;

    if (parse(argc, argv, &o))
        return 2;
    if (o.list) {
        list_table();
        return 0;
    }
    for (int i = 0; i < spec_count; i++)
        if (o.op < 0 || spec_table[i].op == o.op)
            picks[npicks++] = i;
    if (!npicks) {
        fprintf(stderr, "difftest: no opcode %x in the table\n", o.op);
        return 2;
    }
    if (native__init() || emu__init())
        return 1;

    uint64_t passed = 0, failed = 0, escaped = 0;
    uint64_t first = o.one ? o.index : 0, end = o.one ? o.index + 1 : o.count;
    clock_t t0 = clock();
    for (uint64_t i = first; i < end; i++) {
        if (i && i % 100000 == 0 && !o.one)
            fprintf(stderr, "difftest: %llu/%llu instances, %llu failed\n", (unsigned long long)i,
                    (unsigned long long)o.count, (unsigned long long)failed);
        struct rng r = rng_for(o.seed, i);
        int spec = picks[rng__below(&r, (uint32_t)npicks)];
        gen__instance(&r, spec, &in);
        struct tally *t = &tally[spec];
        t->run++;
        if (native__run(&in, &host) != 0) {
            t->escaped++;
            escaped++;
            if (o.show_escapes)
                report__escape(stdout, repro_args(&o, i), &in, &host);
            continue;
        }
        emu__run(&in, &emu);
        t->faulted += host.vector >= 0;
        if (report__same(&in, &host, &emu)) {
            passed++;
            tally_undef(t, &in, &host, &emu);
            continue;
        }
        failed++;
        if (o.max_print < 0 || t->failed < (uint64_t)o.max_print || o.one)
            report__mismatch(stdout, repro_args(&o, i), &in, &host, &emu);
        t->failed++;
    }
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;

    printf("\nper opcode (instances / of which the host raised an exception / failed / escaped):\n");
    for (int i = 0; i < spec_count; i++) {
        const struct tally *t = &tally[i];
        if (!t->run)
            continue;
        printf("  %s%02x", spec_table[i].op >= 0x100 ? "0f " : "", spec_table[i].op & 0xff);
        if (spec_table[i].reg >= 0)
            printf("/%d", spec_table[i].reg);
        printf(" %-18s %7llu %7llu %7llu %5llu%s\n", spec_table[i].name, (unsigned long long)t->run,
               (unsigned long long)t->faulted, (unsigned long long)t->failed,
               (unsigned long long)t->escaped,
               t->failed ? "  <- FAIL" : "");
    }
    if (o.undef_stats)
        print_undef(tally);
    print_excluded();
    printf("seed %llu, %.1f s, %llu instances escaped the test layout (not counted)\n",
           (unsigned long long)o.seed, secs, (unsigned long long)escaped);
    printf("%llu passed, %llu failed\n", (unsigned long long)passed, (unsigned long long)failed);
    if (escaped * 100 > end - first) {
        /* The layout is broken on this host (e.g. no 32-bit code segment):
         * an empty comparison must not count as a success. */
        printf("difftest: more than 1%% of the instances escaped the test layout\n");
        return 1;
    }
    return failed ? 1 : 0;
}
