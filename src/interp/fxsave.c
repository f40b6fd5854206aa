/* fxsave.c - 0F AE /0 FXSAVE and /1 FXRSTOR (the 512-byte FXSAVE area). */
#include "interp/fpu.h"

#include <string.h>

/*
 * Layout (SDM vol. 1, table 10-2, non-64-bit format): FCW, FSW, abridged
 * FTW, FOP, FIP, FCS, FDP, FDS, MXCSR, MXCSR_MASK, ST0-ST7 in 16-byte
 * slots at 32, XMM0-7 at 160. Bytes 464-511 are the software's and are
 * never written; the other reserved bytes are written as 0 (what the host
 * does). The other 0F AE forms (LDMXCSR, STMXCSR, fences, CLFLUSH) are SSE
 * or SSE2 and raise #UD on this CPU.
 */

/* MXCSR bits FXRSTOR accepts (no DAZ on this CPU); also what FXSAVE
 * reports as MXCSR_MASK. */
#define MXCSR_MASK 0xffbfu
#define FXAREA_WRITTEN 464

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Common checks: #UD for register forms, #NM (EM or TS), #GP(0) for an
 * area not aligned on 16 bytes (linear address, whatever the segment).
 * FXSAVE/FXRSTOR do not check for pending x87 exceptions. */
static void fx_check(struct cpu *cpu, struct insn *in)
{
    if (!in->is_mem)
        cpu__raise(cpu, EXC_UD);
    fpu__check_available(cpu, false);
    if ((cpu->seg[in->seg].base + in->ea) & 15)
        cpu__raise_err(cpu, EXC_GP, 0);
}

static void op_fxsave(struct cpu *cpu, struct insn *in)
{
    const struct fpu_state *f = &cpu->fpu;
    uint8_t img[FXAREA_WRITTEN];
    int top = fpu__top(cpu);

    fx_check(cpu, in);
    vmem_check_write(cpu, in->seg, in->ea, 512);
    memset(img, 0, sizeof(img));
    put16(img + 0, f->fcw);
    put16(img + 2, f->fsw);
    img[4] = fpu__tag_abridged(cpu);
    put16(img + 6, f->fop & 0x7ff);
    put32(img + 8, f->fip);
    put16(img + 12, f->fcs);
    put32(img + 16, f->fdp);
    put16(img + 20, f->fds);
    put32(img + 24, f->mxcsr);
    put32(img + 28, MXCSR_MASK);
    for (int i = 0; i < 8; i++)
        memcpy(img + 32 + 16 * i, &f->st_phys[(top + i) & 7], 10);
    memcpy(img + 160, f->xmm, sizeof(f->xmm));
    vmem_write_bytes(cpu, in->seg, in->ea, img, sizeof(img));
}

static void op_fxrstor(struct cpu *cpu, struct insn *in)
{
    struct fpu_state *f = &cpu->fpu;
    uint8_t img[512];

    fx_check(cpu, in);
    vmem_read_bytes(cpu, in->seg, in->ea, img, sizeof(img));
    uint32_t mxcsr = get32(img + 24);
    if (mxcsr & ~MXCSR_MASK)
        cpu__raise_err(cpu, EXC_GP, 0);
    f->fcw = fpu__fcw_canon(get16(img + 0));
    f->fsw = get16(img + 2);
    f->fop = get16(img + 6) & 0x7ff;
    f->fip = get32(img + 8);
    f->fcs = get16(img + 12);
    f->fdp = get32(img + 16);
    f->fds = get16(img + 20);
    f->mxcsr = mxcsr;
    int top = fpu__top(cpu);
    for (int i = 0; i < 8; i++) {
        struct fpreg *r = &f->st_phys[(top + i) & 7];
        memset(r, 0, sizeof(*r));
        memcpy(r, img + 32 + 16 * i, 10);
    }
    memcpy(f->xmm, img + 160, sizeof(f->xmm));
    f->ftw = fpu__tag_expand(cpu, img[4]);
    fpu__update_es(cpu);
}

static void op_0fae(struct cpu *cpu, struct insn *in)
{
    if (in->reg == 0)
        op_fxsave(cpu, in);
    else if (in->reg == 1)
        op_fxrstor(cpu, in);
    else
        cpu__raise_unimp(cpu, in);
}

void fxsave__register(void)
{
    interp__set_op(OP_0F + 0xae, op_0fae);
}
