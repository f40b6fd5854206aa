/* undef.c - the EFLAGS bits the SDM leaves undefined for an instance, or
 * where the host deviates from the SDM, which the comparison masks (the
 * table is in docs/undefined-flags.md). */
#include "difftest.h"

/* Shifts and rotates (SDM vol. 2, SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR,
 * SHLD, SHRD): the count is masked to 5 bits; a masked count of 0 leaves
 * every flag alone. Otherwise OF is defined only for 1-bit shifts, AF is
 * undefined for SHL/SHR/SAR/SHLD/SHRD, and CF is undefined for SHL/SHR
 * when the count reaches the operand width. A 16-bit SHLD/SHRD by more
 * than 16 leaves everything undefined; the result is still compared,
 * since bt86 reproduces what Zen stores there. */
static uint32_t undef_shift(const struct spec *s, const struct instance *in)
{
    unsigned count = in->count & 31;
    unsigned bits = in->opsize * 8u;
    bool dshift = s->op >= 0x1a4;
    int kind = dshift ? 4 : s->reg; /* 0-3 rotates, 4-7 shifts */
    uint32_t u = 0;

    if (count == 0)
        return 0;
    if (dshift && count > bits)
        return F_ARITH; /* 16-bit SHLD/SHRD by 17-31: every flag (and the result) */
    if (count != 1)
        u |= F_OF;
    if (kind >= 4)
        u |= F_AF;
    if (!dshift && (kind == 4 || kind == 5 || kind == 6) && count >= bits)
        u |= F_CF;
    return u;
}

static bool is_shift(const struct spec *s)
{
    return s->op == 0xc0 || s->op == 0xc1 || (s->op >= 0xd0 && s->op <= 0xd3) ||
           s->op == 0x1a4 || s->op == 0x1a5 || s->op == 0x1ac || s->op == 0x1ad;
}

/* FCOMI FCOMIP FUCOMI FUCOMIP (DB/DF E8-F7) that raised an unmasked
 * invalid-operation exception: the SDM (FCOMI pseudo-code) sets ZF PF CF
 * to 111 only when IM=1, so they stay unchanged, as bt86 does; this AMD
 * host sets them to 111 anyway (docs/undefined-flags.md, "Host
 * deviations from the SDM"). An IE flag already set on entry hides
 * whether the instruction raised one, so that case stays compared. */
static bool fcomi_unmasked_ie(const struct spec *s, const struct instance *in,
                              const struct outcome *host)
{
    const uint16_t ie = 0x0001; /* FSW.IE and FCW.IM */
    int reg = (in->modrm >> 3) & 7;

    if ((s->op != 0xdb && s->op != 0xdf) || in->mem || (reg != 5 && reg != 6))
        return false;
    return !(in->fpu.fcw & ie) && !(in->fpu.fsw & ie) && (host->fpu.fsw & ie);
}

uint32_t spec__undef_mask(const struct instance *in, const struct outcome *host)
{
    const struct spec *s = &spec_table[in->spec];
    uint32_t u = s->undef;

    if (is_shift(s))
        u |= undef_shift(s, in);
    if (fcomi_unmasked_ie(s, in, host))
        u |= F_ZF | F_PF | F_CF;
    /* RF: the host reports EFLAGS as pushed by the #GP of the HLT that
     * stops it, where the CPU sets RF; it is not the instruction's. */
    u |= F_RF;
    return u;
}
