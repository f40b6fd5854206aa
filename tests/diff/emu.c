/* emu.c - run one test instruction on bt86's interpreter in a machine set
 * up like the host's compatibility-mode process (flat CPL 3, paging off). */
#include "difftest.h"

#include <stdio.h>
#include <string.h>

#include "core/machine.h"
#include "interp/interp.h"

static struct machine emu_machine;

/* A cached descriptor: present, DPL 3, 32-bit, accessed. */
static void emu__seg(struct cpu *cpu, int s, uint16_t sel, uint32_t base, uint32_t limit, uint16_t type)
{
    cpu->seg[s].sel = sel;
    cpu->seg[s].base = base;
    cpu->seg[s].limit = limit;
    cpu->seg[s].attr = (uint16_t)(type | DESC_S | DESC_P | DESC_A | (3 << DESC_DPL_SHIFT) | DESC_DB |
                                  (limit > 0xfffff ? DESC_G : 0));
}

int emu__init(void)
{
    struct machine *m = &emu_machine;
    int err = guest_ram__init(&m->ram, GUEST_RAM_SIZE);
    if (err) {
        fprintf(stderr, "difftest: guest RAM: %s\n", strerror(-err));
        return err;
    }
    bus__init(&m->bus);
    m->cpu.m = m;
    cpu__reset(&m->cpu);
    interp__init();

    /* Like Linux, an IDT whose gates for #BP and #OF have DPL 3, so INT3
     * and INTO pass the gate check; here the gates are not present, so the
     * interpreter stops right after the check with #NP(vector*8+2), which
     * emu__run reports as the vector itself (what the host shows). */
    uint8_t *idt = m->ram.host + IDT_BASE;
    for (int v = EXC_BP; v <= EXC_OF; v++) {
        uint32_t hi = 0x00000e00u | (3u << 13); /* 32-bit interrupt gate, DPL 3, P=0 */
        memcpy(idt + v * 8 + 4, &hi, 4);
    }
    /* A 32-bit TSS whose I/O map base lies past its limit: every IN/OUT at
     * CPL 3 > IOPL raises #GP(0), as in a Linux process without ioperm. */
    uint16_t iomap = 0x68;
    memcpy(m->ram.host + TSS_BASE + 0x66, &iomap, 2);
    return 0;
}

/* x87 tag of an 80-bit value (SDM vol. 1, 8.1.7). */
static int emu__tag(const uint8_t b[10])
{
    uint64_t mant;
    uint16_t exp;
    memcpy(&mant, b, 8);
    memcpy(&exp, b + 8, 2);
    exp &= 0x7fff;
    if (exp == 0x7fff || (exp == 0 && mant) || (exp && !(mant >> 63)))
        return 2;
    return exp == 0 ? 1 : 0;
}

/* FXSAVE image -> the interpreter's x87 state, and back. ST(i) lives in
 * physical register (TOP + i) mod 8; the abridged tag is per physical
 * register. */
static void emu__fpu_load(struct fpu_state *f, const struct fxsave *x)
{
    int top = (x->fsw >> 11) & 7;
    f->fcw = x->fcw;
    f->fsw = x->fsw;
    f->ftw = 0;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
    f->mxcsr = x->mxcsr;
    for (int i = 0; i < 8; i++) {
        struct fpreg *p = &f->st_phys[(top + i) & 7];
        memset(p, 0, sizeof(*p));
        memcpy(&p->mant, x->st[i].b, 8);
        memcpy(&p->sexp, x->st[i].b + 8, 2);
    }
    for (int p = 0; p < 8; p++) {
        int i = (p - top) & 7;
        int tag = (x->ftw >> p & 1) ? emu__tag(x->st[i].b) : 3;
        f->ftw |= (uint16_t)(tag << (2 * p));
    }
}

static void emu__fpu_save(const struct fpu_state *f, struct fxsave *x)
{
    int top = (f->fsw >> 11) & 7;
    memset(x, 0, sizeof(*x));
    x->fcw = f->fcw;
    x->fsw = f->fsw;
    x->mxcsr = f->mxcsr;
    for (int p = 0; p < 8; p++)
        if (((f->ftw >> (2 * p)) & 3) != 3)
            x->ftw |= (uint8_t)(1 << p);
    for (int i = 0; i < 8; i++) {
        const struct fpreg *p = &f->st_phys[(top + i) & 7];
        memcpy(x->st[i].b, &p->mant, 8);
        memcpy(x->st[i].b + 8, &p->sexp, 2);
    }
}

void emu__run(const struct instance *in, struct outcome *out)
{
    struct machine *m = &emu_machine;
    struct cpu *cpu = &m->cpu;
    uint8_t *ram = m->ram.host;

    memset(ram + CODE_BASE, 0xf4, CODE_SIZE);
    memcpy(ram + INSN_ADDR, in->code, in->len);
    memcpy(ram + DATA_BASE, in->data, DATA_SIZE);

    memcpy(cpu->gpr, in->gpr, sizeof(cpu->gpr));
    cpu->eip = INSN_ADDR;
    cpu->eflags = in->eflags;
    /* Linux runs user code with CR0.PE, NE, ET, WP, AM (and PG, which the
     * flat identity layout makes unnecessary here); CR4.OSFXSR. */
    cpu->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_AM;
    cpu->cr4 = CR4_OSFXSR;
    cpu->cpl = 3;
    if (in->code16) {
        emu__seg(cpu, S_CS, layout.code16_sel, 0, 0xffff, DESC_CODE | DESC_R);
        cpu->seg[S_CS].attr &= (uint16_t)~DESC_DB;
    } else {
        emu__seg(cpu, S_CS, layout.code_sel, 0, 0xffffffffu, DESC_CODE | DESC_R);
    }
    emu__seg(cpu, S_SS, SEL_FLAT, 0, 0xffffffffu, DESC_W);
    emu__seg(cpu, S_DS, SEL_FLAT, 0, 0xffffffffu, DESC_W);
    emu__seg(cpu, S_ES, SEL_FLAT, 0, 0xffffffffu, DESC_W);
    emu__seg(cpu, S_GS, layout.gs_sel, layout.gs_base, layout.gs_limit, DESC_W);
    /* FS holds a null selector: unusable (no memory forms use it). */
    memset(&cpu->seg[S_FS], 0, sizeof(cpu->seg[S_FS]));
    cpu->idtr.base = IDT_BASE;
    cpu->idtr.limit = 256 * 8 - 1;
    cpu->seg[S_TR].base = TSS_BASE;
    cpu->seg[S_TR].limit = 0x67;
    cpu->halted = false;
    cpu->inhibit_irq = false;
    cpu->exc_nesting = 0;

    if (in->uses_fpu)
        emu__fpu_load(&cpu->fpu, &in->fpu);
    else {
        struct fxsave init = { .fcw = 0x37f, .mxcsr = 0x1f80 };
        emu__fpu_load(&cpu->fpu, &init);
    }

    /* A repeated string instruction may retire one element per call. */
    int v = -1;
    for (int n = 0; n < 0x10000; n++) {
        v = interp__exec_one(cpu);
        if (v >= 0 || !in->rep || cpu->eip != INSN_ADDR)
            break;
    }

    memcpy(out->gpr, cpu->gpr, sizeof(out->gpr));
    out->eip = cpu->eip;
    out->eflags = cpu->eflags;
    out->vector = v;
    out->error = v >= 0 && cpu->exc.has_error ? cpu->exc.error : 0;
    if (v == EXC_NP && (out->error == EXC_BP * 8 + 2 || out->error == EXC_OF * 8 + 2)) {
        out->vector = (int)(out->error >> 3); /* INT3/INTO reached their gate */
        out->error = 0;
    }
    emu__fpu_save(&cpu->fpu, &out->fpu);
    memcpy(out->data, ram + DATA_BASE, DATA_SIZE);
}
