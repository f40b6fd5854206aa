/* demo_report.h - the demo's table: columns (one per engine) and output formats. */
#ifndef BT86_CLI_DEMO_REPORT_H
#define BT86_CLI_DEMO_REPORT_H

#include "cli/demo.h"

enum demo_format { DEMO_TEXT, DEMO_MD, DEMO_JSON };

struct demo_column {
    const char *name;       /* engine name */
    bool is_ref, is_trap;   /* interp: the reference; trap: gets the "why" column */
    const char *missing;    /* shown when it did not run ("not built yet", the error) */
    struct demo_result r;
};

struct demo_table {
    struct demo_column cols[3];
    int ncols;
    const struct demo_column *ref; /* the interp column, when run */
};

/* Whether columns a and b have the same value on row i. */
bool demo__same(const struct demo_column *a, const struct demo_column *b, int i);
void demo__print(const struct demo_table *t, enum demo_format f);

#endif
