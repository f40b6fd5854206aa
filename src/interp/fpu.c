/* fpu.c - x87 state shared by the FPU files: availability (#NM/#UD),
 * pending-exception delivery (#MF), reset/FNINIT and the tag word. */
#include "interp/fpu.h"

#include <string.h>

/*
 * Availability (SDM vol. 3, table 2-2 and 12.5): CR0.EM makes every x87
 * instruction raise #NM (so an emulator can take over) and every MMX
 * instruction #UD; CR0.TS makes both raise #NM (lazy FPU context switch).
 * WAIT is special and checks TS only together with MP (see op_wait).
 */
void fpu__check_available(struct cpu *cpu, bool is_mmx)
{
    if (cpu->cr0 & CR0_EM)
        cpu__raise(cpu, is_mmx ? EXC_UD : EXC_NM);
    if (cpu->cr0 & CR0_TS)
        cpu__raise(cpu, EXC_NM);
}

/*
 * A waiting instruction finds an unmasked exception recorded by an earlier
 * one (FSW.ES). With CR0.NE=1 it raises #MF before doing anything (SDM
 * vol. 1, 8.6). With CR0.NE=0 (MS-DOS compatible mode, SDM vol. 1, D.1)
 * the processor would instead assert FERR#, which the chipset routes to
 * IRQ13, and freeze until IGNNE#.
 * TODO(FERR#/IRQ13): no PIC exists yet, so with NE=0 the instruction just
 * proceeds as if IGNNE# were asserted; hook the IRQ13 raise here.
 */
void fpu__check_pending(struct cpu *cpu)
{
    if ((cpu->fpu.fsw & FSW_ES) && (cpu->cr0 & CR0_NE))
        cpu__raise(cpu, EXC_MF);
}

int fpu__classify(const struct fpreg *r)
{
    unsigned exp = r->sexp & 0x7fff;
    if (exp == 0x7fff)
        return TAG_SPECIAL;             /* infinity, NaN */
    if (exp == 0)
        return r->mant == 0 ? TAG_ZERO : TAG_SPECIAL; /* zero, denormal */
    if (!(r->mant >> 63))
        return TAG_SPECIAL;             /* unnormal: unsupported format */
    return TAG_VALID;
}

uint16_t fpu__tag_word(const struct cpu *cpu)
{
    uint16_t tw = 0;
    for (int i = 0; i < 8; i++) {
        int t = (cpu->fpu.ftw >> (2 * i)) & 3;
        if (t != TAG_EMPTY)
            t = fpu__classify(&cpu->fpu.st_phys[i]);
        tw |= (uint16_t)(t << (2 * i));
    }
    return tw;
}

uint8_t fpu__tag_abridged(const struct cpu *cpu)
{
    uint8_t a = 0;
    for (int i = 0; i < 8; i++)
        if (((cpu->fpu.ftw >> (2 * i)) & 3) != TAG_EMPTY)
            a |= (uint8_t)(1u << i);
    return a;
}

uint16_t fpu__tag_expand(const struct cpu *cpu, uint8_t abridged)
{
    uint16_t tw = 0;
    for (int i = 0; i < 8; i++) {
        int t = (abridged >> i) & 1 ? fpu__classify(&cpu->fpu.st_phys[i]) : TAG_EMPTY;
        tw |= (uint16_t)(t << (2 * i));
    }
    return tw;
}

void fpu__init(struct cpu *cpu)
{
    struct fpu_state *f = &cpu->fpu;
    f->fcw = FCW_INIT;
    f->fsw = 0;
    f->ftw = 0xffff;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
}

/*
 * Power-on/RESET state (SDM vol. 3, table 9-1, P6 family): FCW 0040H,
 * FSW 0, FTW 5555H (every register tagged zero), R0-R7 = +0.0, pointers 0,
 * MXCSR 1F80H. This is not the FNINIT state (FCW 037FH, all empty): the
 * BIOS or the OS executes FNINIT before using the FPU.
 */
void fpu__reset(struct cpu *cpu)
{
    struct fpu_state *f = &cpu->fpu;
    memset(f, 0, sizeof(*f));
    f->fcw = 0x0040;
    f->ftw = 0x5555;
    f->mxcsr = 0x1f80;
}
