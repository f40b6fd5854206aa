/* demo.c - the `bt86 demo popek-goldberg` subcommand: options, the runs under
 * interp (the reference), trap and bt, the table and the exit status. */
#include <stdio.h>
#include <string.h>

#include "cli/demo.h"
#include "cli/demo_report.h"
#include "core/engine.h"

#define DEMO_USAGE                                                                      \
    "usage: bt86 demo popek-goldberg [--engine E] [--format md|text|json] "             \
    "[--show-translation]\n"                                                            \
    "Runs a built-in guest of probes of the sensitive x86 instructions under interp\n" \
    "(the reference: what a real CPU gives the guest), trap (trap-and-emulate) and bt\n" \
    "(binary translation, when built) and prints what each gave.\n"                    \
    "Exit status: 0 when bt agrees with interp on every row (bt not built: 0 when\n"   \
    "interp and trap ran); with --engine, 0 when that engine ran every probe; 1\n"     \
    "otherwise; 2 for a usage error.\n"

struct demo_opts {
    const char *engine;
    enum demo_format format;
    bool show_translation;
};

static int demo__usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "bt86 demo: %s%s\n%s", what, arg, DEMO_USAGE);
    return 2;
}

static int demo__parse(int argc, char **argv, struct demo_opts *o)
{
    if (argc < 2 || strcmp(argv[1], "popek-goldberg") != 0)
        return demo__usage_error("unknown or missing demo: ", argc < 2 ? "(none)" : argv[1]);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--show-translation")) {
            o->show_translation = true;
        } else if ((!strcmp(a, "--engine") || !strcmp(a, "--format")) && i + 1 < argc) {
            const char *v = argv[++i];
            if (a[2] == 'e') {
                o->engine = v;
            } else if (!strcmp(v, "md")) {
                o->format = DEMO_MD;
            } else if (!strcmp(v, "text")) {
                o->format = DEMO_TEXT;
            } else if (!strcmp(v, "json")) {
                o->format = DEMO_JSON;
            } else {
                return demo__usage_error("--format: md, text or json, not ", v);
            }
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(DEMO_USAGE, stdout);
            return -1;
        } else {
            return demo__usage_error("unknown option: ", a);
        }
    }
    return 0;
}

/* Add the column for engine name, running it when this build has it. */
static void demo__column(struct demo_table *t, const char *name, bool show_translation)
{
    struct demo_column *c = &t->cols[t->ncols++];
    const struct engine *e = engine__find(name);
    c->name = name;
    c->is_ref = !strcmp(name, "interp");
    c->is_trap = !strcmp(name, "trap");
    if (!e) {
        c->missing = "not built yet";
        return;
    }
    demo__run(e, show_translation, &c->r);
    c->missing = c->r.error;
}

int demo__main(int argc, char **argv)
{
    struct demo_opts o = { .format = DEMO_TEXT };
    int r = demo__parse(argc, argv, &o);
    if (r)
        return r < 0 ? 0 : r;

    struct demo_table t = { .ncols = 0 };
    if (o.engine) {
        if (!engine__find(o.engine))
            return demo__usage_error("--engine: not an engine of this build: ", o.engine);
        demo__column(&t, o.engine, o.show_translation);
        demo__print(&t, o.format);
        for (int i = 0; i < demo_nprobes; i++)
            if (!t.cols[0].r.reported[i])
                return 1;
        return t.cols[0].r.ran ? 0 : 1;
    }

    static const char *const names[] = { "interp", "trap", "bt" };
    for (int i = 0; i < 3; i++)
        demo__column(&t, names[i], o.show_translation);
    t.ref = t.cols[0].r.ran ? &t.cols[0] : NULL;
    demo__print(&t, o.format);

    const struct demo_column *bt = &t.cols[2];
    bool bt_built = engine__find("bt") != NULL;
    if (o.format != DEMO_JSON && !bt_built)
        printf("bt: not built yet, so the exit status only says that interp and trap ran "
               "(it compares bt with interp when bt exists).\n");
    if (!t.ref || !t.cols[1].r.ran)
        return 1;
    if (!bt_built)
        return 0;
    for (int i = 0; i < demo_nprobes; i++)
        if (!demo__same(t.ref, bt, i))
            return 1;
    return 0;
}
