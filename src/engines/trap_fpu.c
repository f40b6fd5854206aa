/* trap_fpu.c - the guest's x87/MMX/SSE state to and from the FXSAVE image a
 * signal frame holds, so native code and the interpreter share one FPU. */
#include <string.h>

#include "core/cpu.h"
#include "engines/trap.h"
#include "interp/fpu.h"

/* FXSAVE layout, 32-bit form (SDM vol. 1, 10.5.1, table 10-2). */
enum {
    FX_FCW = 0, FX_FSW = 2, FX_FTW = 4, FX_FOP = 6, FX_FIP = 8, FX_FCS = 12,
    FX_FDP = 16, FX_FDS = 20, FX_MXCSR = 24, FX_ST = 32, FX_XMM = 160,
};

static void put(uint8_t *img, int off, const void *v, size_t n) { memcpy(img + off, v, n); }
static void get(const uint8_t *img, int off, void *v, size_t n) { memcpy(v, img + off, n); }

void trap_fpu__save(const struct cpu *cpu, uint8_t img[TRAP_FX_BYTES])
{
    const struct fpu_state *f = &cpu->fpu;
    uint8_t tag = fpu__tag_abridged(cpu);
    int top = fpu__top(cpu);

    memset(img, 0, TRAP_FX_BYTES);
    put(img, FX_FCW, &f->fcw, 2);
    put(img, FX_FSW, &f->fsw, 2);
    put(img, FX_FTW, &tag, 1);
    put(img, FX_FOP, &f->fop, 2);
    put(img, FX_FIP, &f->fip, 4);
    put(img, FX_FCS, &f->fcs, 2);
    put(img, FX_FDP, &f->fdp, 4);
    put(img, FX_FDS, &f->fds, 2);
    uint32_t mxcsr = f->mxcsr & 0xffff;
    put(img, FX_MXCSR, &mxcsr, 4);
    for (int i = 0; i < 8; i++) {
        const struct fpreg *r = &f->st_phys[(top + i) & 7]; /* ST(i) */
        put(img, FX_ST + 16 * i, &r->mant, 8);
        put(img, FX_ST + 16 * i + 8, &r->sexp, 2);
    }
    put(img, FX_XMM, f->xmm, sizeof(f->xmm));
}

void trap_fpu__load(struct cpu *cpu, const uint8_t img[TRAP_FX_BYTES])
{
    struct fpu_state *f = &cpu->fpu;
    uint8_t tag;

    get(img, FX_FCW, &f->fcw, 2);
    get(img, FX_FSW, &f->fsw, 2);
    get(img, FX_FTW, &tag, 1);
    get(img, FX_FOP, &f->fop, 2);
    get(img, FX_FIP, &f->fip, 4);
    get(img, FX_FCS, &f->fcs, 2);
    get(img, FX_FDP, &f->fdp, 4);
    get(img, FX_FDS, &f->fds, 2);
    get(img, FX_MXCSR, &f->mxcsr, 4);
    int top = fpu__top(cpu);
    for (int i = 0; i < 8; i++) {
        struct fpreg *r = &f->st_phys[(top + i) & 7];
        get(img, FX_ST + 16 * i, &r->mant, 8);
        get(img, FX_ST + 16 * i + 8, &r->sexp, 2);
    }
    get(img, FX_XMM, f->xmm, sizeof(f->xmm));
    f->ftw = fpu__tag_expand(cpu, tag);
}
