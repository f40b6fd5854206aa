/* demo.h - `bt86 demo popek-goldberg`: one guest of probes of the sensitive
 * x86 instructions, run under each engine and shown side by side. */
#ifndef BT86_CLI_DEMO_H
#define BT86_CLI_DEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct engine;

/* The `demo` subcommand: argv[0] is "demo". Returns the exit status. */
int demo__main(int argc, char **argv);

/* How a probe's 32-bit result reads. */
enum demo_kind {
    DK_BASE,   /* a table base address */
    DK_SEL,    /* a selector */
    DK_WORD,   /* a 16-bit machine status word */
    DK_FLAGS,  /* EFLAGS.IF and IOPL */
    DK_ZF,     /* 1 when the instruction set ZF */
    DK_LOADED, /* a selector's rights or limit, or 0x0bad0000 when refused */
    DK_VALUE,  /* a plain value */
    DK_VENDOR, /* four characters of the CPUID vendor string */
    DK_DONE,   /* 1: the control transfer arrived */
};

/* One row of the table: a probe of probes.asm, in the same order. */
struct demo_probe {
    const char *key;      /* short name for JSON and the tests */
    const char *insn;     /* the instruction as a person would name it */
    int ring;             /* guest CPL it runs at */
    enum demo_kind kind;
    const char *differs;  /* why trap-and-emulate gets it wrong (when it does) */
    const char *agrees;   /* why it gets it right (when it does) */
};

extern const struct demo_probe demo_probes[];
extern const int demo_nprobes;

/* Format result v of probe p (exceptions as #GP…). */
void demo__format(const struct demo_probe *p, uint32_t v, char *buf, size_t len);

#define DEMO_MAX_PROBES 64
#define DEMO_LOOPS 20000 /* iterations of each timing loop (probes.asm LOOPS) */

/* What one engine's run of the probe guest gave. */
struct demo_result {
    bool ran;              /* false: see error */
    char error[320];
    bool reported[DEMO_MAX_PROBES];
    uint32_t value[DEMO_MAX_PROBES];
    uint64_t clock_ns[3];  /* [1]: DEMO_LOOPS MOV EAX,CR0; [2]: DEMO_LOOPS MOV EAX,EBX */
};

/* Run the probe guest under engine e in a child process (each engine has
 * the process to itself: trap installs signal handlers, a seccomp filter
 * and LDT entries). With show_translation, the child's -d in_asm,out_asm
 * log goes to stderr. */
void demo__run(const struct engine *e, bool show_translation, struct demo_result *r);

#endif
