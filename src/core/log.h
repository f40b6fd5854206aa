/* log.h - the -d log categories and the -D log file. */
#ifndef BT86_CORE_LOG_H
#define BT86_CORE_LOG_H

#include <stdbool.h>
#include <stdio.h>

/* X-macro: name, description. -d takes a comma-separated list of names. */
#define LOG_CATEGORIES(X)                                          \
    X(int, "interrupts and exceptions delivered to the guest")     \
    X(cpu, "CPU state before each block or instruction (slow)")    \
    X(in_asm, "guest code as it is executed or translated")        \
    X(out_asm, "host code produced by the translator")             \
    X(unimp, "unimplemented instructions and device registers")    \
    X(guest_errors, "guest actions that are invalid on real hardware") \
    X(ioport, "port I/O accesses")                                 \
    X(stats, "statistics counters, printed at exit")

enum log_cat {
#define X(n, d) LOG_##n,
    LOG_CATEGORIES(X)
#undef X
    LOG_COUNT
};

extern unsigned log_mask;   /* bit (1u << LOG_x) set when category x is on */
extern FILE *log_file;      /* stderr unless -D FILE */

static inline bool log__on(enum log_cat c) { return log_mask & (1u << c); }

/* Parse a -d list; returns 0, or -1 with *bad pointing at a static copy of
 * the unknown name. "help" is accepted by the caller, not here. */
int log__parse(const char *list, const char **bad);
/* Print the category table (for -d help). */
void log__help(FILE *f);
/* Open the -D file; returns 0 or -errno. */
int log__open(const char *path);

#define LOG(cat, ...) \
    do { if (log__on(LOG_##cat)) fprintf(log_file, __VA_ARGS__); } while (0)

#endif
