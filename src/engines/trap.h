/* trap.h - the contract between the parts of the trap-and-emulate engine (-accel trap). */
#ifndef BT86_ENGINES_TRAP_H
#define BT86_ENGINES_TRAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cpu;
struct machine;

/*
 * How -accel trap works
 * ---------------------
 * trap_native.c  runs guest code on the host CPU: a 32-bit code segment
 *                of the host LDT (modify_ldt), host CPL 3, entered and
 *                left through signals (the guest's registers are written
 *                into a signal frame that sigreturn loads; any fault of
 *                the guest comes back as a signal whose frame is read).
 * trap_map.c     mirrors guest linear memory at the same host addresses
 *                in the low 4 GiB, page by page, from the guest's page
 *                tables, on the host page faults it causes.
 * trap_fpu.c     the guest's FPU state in and out of the signal frame.
 * trap_engine.c  the engine: decides what may run natively, emulates each
 *                faulting instruction with the interpreter, delivers
 *                interrupts, counts everything.
 */

/* Why native execution stopped. */
enum trap_exit_kind {
    TRAP_EXIT_FAULT,   /* a CPU exception in guest code (trapno, err, cr2) */
    TRAP_EXIT_SYSCALL, /* INT 0x80 / SYSCALL stopped by the seccomp filter */
    TRAP_EXIT_TIMER,   /* the host interval timer: time to look at the machine */
};

/* Native selectors for the guest's segment registers (host LDT selectors,
 * or 0 for a null one). */
struct trap_sels {
    uint16_t cs, ss, ds, es, fs, gs;
};

struct trap_exit {
    enum trap_exit_kind kind;
    int sig;           /* host signal */
    int trapno;        /* host exception vector (FAULT) */
    uint32_t err;      /* its error code */
    uint32_t cr2;      /* faulting linear address of a #PF */
    struct trap_sels sels; /* the segment registers as the guest left them */
    uint64_t ns;       /* host nanoseconds in guest code since the last entry */
    bool handled;      /* the exit callback handled it already */
};

/* Set up the host side once per process: signal handlers on their own
 * stack, the seccomp filter that stops the guest's system calls from
 * reaching the host kernel, the interval timer. Returns 0 or -errno. */
int trap_native__init(void);
/* Stop the interval timer (the engine is destroyed). */
void trap_native__stop_timer(void);
/* Write host LDT entry idx: a flat 4 GiB 32-bit code or data segment, or
 * (kind TRAP_SEG_NONE) an expand-down data segment no access fits, so
 * every use faults. Entries are written only when they change. Returns 0
 * or -errno. */
enum trap_seg_kind { TRAP_SEG_UNUSED, TRAP_SEG_CODE, TRAP_SEG_DATA, TRAP_SEG_NONE };
int trap_native__set_ldt(unsigned idx, enum trap_seg_kind kind);
/* Called on the signal stack for each exit with the guest's state
 * already in the cpu: returns true to go on natively with the selectors
 * it writes to *next (it has handled the exit), false to return from
 * trap_native__run (it sets x->handled when it did handle it). */
typedef bool (*trap_exit_fn)(void *opaque, struct trap_exit *x, struct trap_sels *next);
/* Run cpu's guest code natively with these selectors until it faults, makes
 * a system call, or the timer ticks and on_exit does not go on; registers,
 * EIP, the arithmetic flags and the FPU go back into cpu. */
void trap_native__run(struct cpu *cpu, const struct trap_sels *sels, struct trap_exit *out,
                      trap_exit_fn on_exit, void *opaque);

/* The guest's FPU state as the legacy FXSAVE image of a signal frame
 * (trap_fpu.c): the part of the frame the guest's FPU lives in. */
#define TRAP_FX_BYTES 288 /* x87, MXCSR, XMM0-7 */
void trap_fpu__save(const struct cpu *cpu, uint8_t img[TRAP_FX_BYTES]);
void trap_fpu__load(struct cpu *cpu, const uint8_t img[TRAP_FX_BYTES]);

/* Guest memory mirror (trap_map.c). init returns 0 or -EEXIST (with a
 * message in buf) when the low 4 GiB of the host process is not free. */
int trap_map__init(char *buf, size_t len);
/* Map the page of guest linear address lin for the current CPL as the
 * guest's page tables allow (write: map it writable, setting the dirty
 * bit). Returns true when mapped; false when the access must be emulated
 * (no translation, MMIO, page 0, or the guest's rights refuse it). */
bool trap_map__fault(struct cpu *cpu, uint32_t lin, bool write);
/* Forget every mapping (CR3/CR0/CR4 change, INVLPG, CPL change). */
void trap_map__flush(void);

#endif
