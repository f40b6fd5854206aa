/* fpu_env.c - x87 control instructions: FLDCW/FSTCW/FSTSW/FCLEX/FINIT and
 * the environment and state images of FLDENV/FSTENV/FRSTOR/FSAVE. */
#include "interp/fpu.h"

#include <string.h>

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Real-address and V86 mode use the real-mode layouts (SDM vol. 1, 8.1.10). */
static bool env_real_layout(const struct cpu *cpu)
{
    return !cpu__pmode(cpu) || cpu__v86(cpu);
}

/* The linear address of a pointer recorded as selector:offset in real
 * mode (selector * 16 + offset). */
static uint32_t real_linear(uint16_t sel, uint32_t off)
{
    return ((uint32_t)sel << 4) + off;
}

/*
 * Write the environment into img (SDM vol. 1, figures 8-9 to 8-12) and
 * return its size: 28 bytes with a 32-bit operand size, 14 with 16-bit.
 * 32-bit layouts fill the reserved upper halves with 1s, as the host and
 * Intel parts do. The tag word is re-derived from the register contents.
 */
static unsigned env_store(const struct cpu *cpu, int opsize, uint8_t *img)
{
    const struct fpu_state *f = &cpu->fpu;
    bool real = env_real_layout(cpu);
    uint32_t ip = real ? real_linear(f->fcs, f->fip) : f->fip;
    uint32_t dp = real ? real_linear(f->fds, f->fdp) : f->fdp;
    uint16_t tw = fpu__tag_word(cpu);

    if (opsize == 4) {
        put32(img + 0, 0xffff0000u | f->fcw);
        put32(img + 4, 0xffff0000u | f->fsw);
        put32(img + 8, 0xffff0000u | tw);
        if (real) {
            put32(img + 12, 0xffff0000u | (ip & 0xffff));
            put32(img + 16, ((ip >> 16) << 12) | (f->fop & 0x7ff));
            put32(img + 20, 0xffff0000u | (dp & 0xffff));
            put32(img + 24, (dp >> 16) << 12);
        } else {
            put32(img + 12, ip);
            put32(img + 16, ((uint32_t)(f->fop & 0x7ff) << 16) | f->fcs);
            put32(img + 20, dp);
            put32(img + 24, 0xffff0000u | f->fds);
        }
        return 28;
    }
    put16(img + 0, f->fcw);
    put16(img + 2, f->fsw);
    put16(img + 4, tw);
    put16(img + 6, (uint16_t)ip);
    put16(img + 10, (uint16_t)dp);
    if (real) {
        put16(img + 8, (uint16_t)(((ip >> 16) & 0xf) << 12 | (f->fop & 0x7ff)));
        put16(img + 12, (uint16_t)(((dp >> 16) & 0xf) << 12));
    } else {
        put16(img + 8, f->fcs);
        put16(img + 12, f->fds);
    }
    return 14;
}

/* Load the environment from img (the inverse of env_store). In the real
 * layouts the pointers are linear: they are kept with selector 0. */
static void env_load(struct cpu *cpu, int opsize, const uint8_t *img)
{
    struct fpu_state *f = &cpu->fpu;
    bool real = env_real_layout(cpu);

    if (opsize == 4) {
        f->fcw = fpu__fcw_canon(get16(img + 0));
        f->fsw = get16(img + 4);
        f->ftw = get16(img + 8);
        if (real) {
            f->fip = (get32(img + 12) & 0xffff) | ((get32(img + 16) >> 12 & 0xffff) << 16);
            f->fop = get32(img + 16) & 0x7ff;
            f->fdp = (get32(img + 20) & 0xffff) | ((get32(img + 24) >> 12 & 0xffff) << 16);
            f->fcs = f->fds = 0;
        } else {
            f->fip = get32(img + 12);
            f->fcs = get16(img + 16);
            f->fop = (get32(img + 16) >> 16) & 0x7ff;
            f->fdp = get32(img + 20);
            f->fds = get16(img + 24);
        }
    } else {
        f->fcw = fpu__fcw_canon(get16(img + 0));
        f->fsw = get16(img + 2);
        f->ftw = get16(img + 4);
        f->fip = get16(img + 6);
        f->fdp = get16(img + 10);
        if (real) {
            f->fip |= (uint32_t)(get16(img + 8) >> 12) << 16;
            f->fop = get16(img + 8) & 0x7ff;
            f->fdp |= (uint32_t)(get16(img + 12) >> 12) << 16;
            f->fcs = f->fds = 0;
        } else {
            f->fcs = get16(img + 8);
            f->fds = get16(img + 12);
        }
    }
    fpu__update_es(cpu);
}

void fpu_env__ldenv(struct cpu *cpu, struct insn *in)
{
    uint8_t img[28];
    vmem_read_bytes(cpu, in->seg, in->ea, img, in->opsize == 4 ? 28 : 14);
    env_load(cpu, in->opsize, img);
}

/* FNSTENV stores, then masks every exception (SDM FSTENV). */
void fpu_env__stenv(struct cpu *cpu, struct insn *in)
{
    uint8_t img[28];
    unsigned n = env_store(cpu, in->opsize, img);
    vmem_write_bytes(cpu, in->seg, in->ea, img, n);
    cpu->fpu.fcw |= FCW_MASKS;
}

/* FRSTOR: environment, then ST(0)..ST(7) as 80-bit values. */
void fpu_env__rstor(struct cpu *cpu, struct insn *in)
{
    uint8_t img[108];
    unsigned n = in->opsize == 4 ? 28 : 14;
    vmem_read_bytes(cpu, in->seg, in->ea, img, n + 80);
    env_load(cpu, in->opsize, img);
    int top = fpu__top(cpu);
    for (int i = 0; i < 8; i++) {
        struct fpreg *r = &cpu->fpu.st_phys[(top + i) & 7];
        memset(r, 0, sizeof(*r));
        memcpy(r, img + n + 10 * i, 10);
    }
}

/* FNSAVE: FNSTENV's image plus the registers, then FNINIT. */
void fpu_env__save(struct cpu *cpu, struct insn *in)
{
    uint8_t img[108];
    unsigned n = env_store(cpu, in->opsize, img);
    int top = fpu__top(cpu);
    for (int i = 0; i < 8; i++)
        memcpy(img + n + 10 * i, &cpu->fpu.st_phys[(top + i) & 7], 10);
    vmem_write_bytes(cpu, in->seg, in->ea, img, n + 80);
    fpu__init(cpu);
}

void fpu_env__ldcw(struct cpu *cpu, struct insn *in)
{
    cpu->fpu.fcw = fpu__fcw_canon((uint16_t)vmem_read(cpu, in->seg, in->ea, 2));
    fpu__update_es(cpu);
}

void fpu_env__stcw(struct cpu *cpu, struct insn *in)
{
    vmem_write(cpu, in->seg, in->ea, 2, cpu->fpu.fcw);
}

void fpu_env__stsw(struct cpu *cpu, struct insn *in)
{
    vmem_write(cpu, in->seg, in->ea, 2, cpu->fpu.fsw);
}

void fpu_env__stsw_ax(struct cpu *cpu, struct insn *in)
{
    reg_set(cpu, R_EAX, 2, cpu->fpu.fsw);
}

/* FNCLEX clears the exception flags, SF, ES and B; C0-C3 are left alone
 * (the SDM says undefined; the host keeps them). */
void fpu_env__clex(struct cpu *cpu, struct insn *in)
{
    cpu->fpu.fsw &= (uint16_t)~(FSW_EXC | FSW_SF | FSW_ES | FSW_B);
}

void fpu_env__init(struct cpu *cpu, struct insn *in)
{
    fpu__init(cpu);
}

/* 8087/287 leftovers FNENI, FNDISI, FNSETPM: ignored by the 387 and later. */
void fpu_env__nop(struct cpu *cpu, struct insn *in)
{
}
