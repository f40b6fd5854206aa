/* demo_report.c - print the Popek-Goldberg table (text, Markdown or JSON) from
 * the results of each engine's run of the probe guest. */
#include <stdio.h>
#include <string.h>

#include "cli/demo_report.h"

static const char *cell(const struct demo_column *c, int i, char *buf, size_t len)
{
    if (!c->r.ran)
        return c->missing;
    if (!c->r.reported[i])
        return "(no report)";
    demo__format(&demo_probes[i], c->r.value[i], buf, len);
    return buf;
}

bool demo__same(const struct demo_column *a, const struct demo_column *b, int i)
{
    return a->r.ran && b->r.ran && a->r.reported[i] && b->r.reported[i] &&
           a->r.value[i] == b->r.value[i];
}

/* Why the trap column has this value: the probe's explanation for a
 * difference or an agreement. */
static const char *trap_why(const struct demo_column *ref, const struct demo_column *trap, int i)
{
    if (!ref || !trap || !trap->r.ran || !ref->r.ran)
        return "";
    const struct demo_probe *p = &demo_probes[i];
    const char *why = demo__same(ref, trap, i) ? p->agrees : p->differs;
    return *why ? why : (demo__same(ref, trap, i) ? "agrees" : "differs");
}

static void print_text(const struct demo_table *t)
{
    char buf[64];
    printf("Popek-Goldberg on x86: the same guest under each engine\n\n");
    for (int i = 0; i < demo_nprobes; i++) {
        const struct demo_probe *p = &demo_probes[i];
        printf("%-44s ring %d\n", p->insn, p->ring);
        for (int c = 0; c < t->ncols; c++) {
            const struct demo_column *col = &t->cols[c];
            bool differs = t->ref && col != t->ref && col->r.ran && !demo__same(t->ref, col, i);
            printf("  %-7s %-26s%s", col->name, cell(col, i, buf, sizeof(buf)),
                   differs ? "  DIFFERS" : "");
            if (col->is_trap && t->ref)
                printf("  %s", trap_why(t->ref, col, i));
            printf("\n");
        }
    }
}

static void print_md(const struct demo_table *t)
{
    char buf[64];
    printf("| Instruction | Ring |");
    for (int c = 0; c < t->ncols; c++) {
        printf(" %s%s |", t->cols[c].name, t->cols[c].is_ref ? " (what the guest should see)" : "");
        if (t->cols[c].is_trap && t->ref)
            printf(" why (trap) |");
    }
    printf("\n|---|---|");
    for (int c = 0; c < t->ncols; c++)
        printf(t->cols[c].is_trap && t->ref ? "---|---|" : "---|");
    printf("\n");
    for (int i = 0; i < demo_nprobes; i++) {
        printf("| %s | %d |", demo_probes[i].insn, demo_probes[i].ring);
        for (int c = 0; c < t->ncols; c++) {
            const struct demo_column *col = &t->cols[c];
            bool differs = t->ref && col != t->ref && col->r.ran && !demo__same(t->ref, col, i);
            printf(differs ? " **%s** |" : " %s |", cell(col, i, buf, sizeof(buf)));
            if (col->is_trap && t->ref)
                printf(" %s |", trap_why(t->ref, col, i));
        }
        printf("\n");
    }
}

/* A JSON string (the texts here have no control characters). */
static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            putchar('\\');
        putchar(*s);
    }
    putchar('"');
}

static void print_json(const struct demo_table *t)
{
    char buf[64];
    printf("{\n  \"engines\": {");
    for (int c = 0; c < t->ncols; c++) {
        const struct demo_column *col = &t->cols[c];
        printf("%s\n    ", c ? "," : "");
        json_str(col->name);
        printf(": {\"ran\": %s, \"error\": ", col->r.ran ? "true" : "false");
        json_str(col->r.ran ? "" : col->missing);
        printf(", \"ns_per_privileged\": %.1f, \"ns_per_plain\": %.1f}",
               (double)col->r.clock_ns[1] / DEMO_LOOPS, (double)col->r.clock_ns[2] / DEMO_LOOPS);
    }
    printf("\n  },\n  \"rows\": [");
    for (int i = 0; i < demo_nprobes; i++) {
        const struct demo_probe *p = &demo_probes[i];
        printf("%s\n    {\"key\": ", i ? "," : "");
        json_str(p->key);
        printf(", \"insn\": ");
        json_str(p->insn);
        printf(", \"ring\": %d", p->ring);
        for (int c = 0; c < t->ncols; c++) {
            const struct demo_column *col = &t->cols[c];
            printf(", ");
            json_str(col->name);
            if (!col->r.ran || !col->r.reported[i]) {
                printf(": null");
                continue;
            }
            printf(": {\"value\": %u, \"text\": ", col->r.value[i]);
            json_str(cell(col, i, buf, sizeof(buf)));
            if (t->ref && col != t->ref)
                printf(", \"agrees\": %s", demo__same(t->ref, col, i) ? "true" : "false");
            if (col->is_trap && t->ref) {
                printf(", \"why\": ");
                json_str(trap_why(t->ref, col, i));
            }
            printf("}");
        }
        printf("}");
    }
    printf("\n  ]\n}\n");
}

/* The cost of one privileged instruction (MOV EAX,CR0) under each engine,
 * beside an ordinary one, from the timing loops of the same run. */
static void print_costs(const struct demo_table *t, bool md)
{
    if (md)
        printf("\n| Engine | ns per MOV EAX,CR0 | ns per MOV EAX,EBX |\n|---|---|---|\n");
    else
        printf("\nCost per instruction, %d-iteration loops timed by the host:\n", DEMO_LOOPS);
    for (int c = 0; c < t->ncols; c++) {
        const struct demo_column *col = &t->cols[c];
        if (!col->r.ran)
            continue;
        double priv = (double)col->r.clock_ns[1] / DEMO_LOOPS;
        double plain = (double)col->r.clock_ns[2] / DEMO_LOOPS;
        printf(md ? "| %s | %.1f | %.1f |\n" : "  %-7s MOV EAX,CR0 %9.1f ns   MOV EAX,EBX %7.1f ns\n",
               col->name, priv, plain);
    }
}

void demo__print(const struct demo_table *t, enum demo_format f)
{
    switch (f) {
    case DEMO_TEXT:
        print_text(t);
        print_costs(t, false);
        break;
    case DEMO_MD:
        print_md(t);
        print_costs(t, true);
        break;
    case DEMO_JSON:
        print_json(t);
        return;
    }
    for (int c = 0; c < t->ncols; c++)
        if (!t->cols[c].r.ran)
            printf("\n%s: %s", t->cols[c].name, t->cols[c].missing);
    printf("\n");
}
