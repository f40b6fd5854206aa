/* div_guard.c - unsigned DIV in translated code with a precise #DE.
 *
 * The host's DIV would fault in the host; instead the block checks first.
 * For an unsigned division of the double-width dividend HIGH:LOW by D, the
 * quotient fits the operand size exactly when HIGH < D (SDM vol. 2, DIV:
 * #DE when the divisor is 0 or the quotient is too large), and HIGH < D
 * also rules out D = 0. So:
 *   pushfq
 *   r8d = HIGH (AH, DX or EDX), r15d = D (zero-extended)
 *   cmp r8d, r15d; jae miss             the miss exit pops the flags and
 *   popfq                               leaves before the DIV: the
 *                                       interpreter raises #DE there
 * after which the copied DIV cannot fault, and gives the interpreter's
 * result and flags (Zen's, docs/undefined-flags.md). IDIV stays with the
 * interpreter (its overflow test needs the division itself).
 */
#include "translator/div_guard.h"

#include <assert.h>

/* r8d or r15d (dst 0 or 7) = the 8-bit register rm (AL..BH), zero-extended. */
static void load_byte_reg(struct emit *e, unsigned dst, unsigned rm)
{
    if (rm < 4) {
        emit__bytes(e, (const uint8_t[]){ 0x44, 0x0f, 0xb6, (uint8_t)(0xc0 | dst << 3 | rm) }, 4); /* movzx rXd, r8 */
        return;
    }
    /* AH..BH have no form beside a REX prefix: take the whole register. */
    emit__bytes(e, (const uint8_t[]){ 0x41, 0x89, (uint8_t)(0xc0 | (rm - 4) << 3 | dst) }, 3); /* mov rXd, e?x */
    emit__bytes(e, (const uint8_t[]){ 0x41, 0xc1, (uint8_t)(0xe8 | dst), 8 }, 4);            /* shr rXd, 8 */
    emit__bytes(e, (const uint8_t[]){ 0x45, 0x0f, 0xb6, (uint8_t)(0xc0 | dst << 3 | dst) }, 4); /* movzx rXd, rXb */
}

/* The divisor, zero-extended, into r15d. */
static void load_divisor(struct emit *e, unsigned width, bool mem, unsigned rm)
{
    unsigned host = rm == 4 ? 12 : rm; /* guest ESP/SP is R12 */
    if (mem) {
        if (width == 32)
            emit__bytes(e, (const uint8_t[]){ 0x45, 0x8b, 0x3e }, 3);              /* mov r15d, [r14] */
        else
            emit__bytes(e, (const uint8_t[]){ 0x45, 0x0f, (uint8_t)(width == 16 ? 0xb7 : 0xb6), 0x3e }, 4);
        return;
    }
    if (width == 8)
        load_byte_reg(e, 7, rm);
    else if (width == 16)                                                           /* movzx r15d, r16 */
        emit__bytes(e, (const uint8_t[]){ host >= 8 ? 0x45 : 0x44, 0x0f, 0xb7, (uint8_t)(0xf8 | (host & 7)) }, 4);
    else                                                                            /* mov r15d, r32 */
        emit__bytes(e, (const uint8_t[]){ host >= 8 ? 0x45 : 0x41, 0x89, (uint8_t)(0xc7 | (host & 7) << 3) }, 3);
}

/* A jae rel32 to the miss exit of (eip, count): the lookup's for this
 * instruction when it has a free jump slot, else a new one. */
static void jae_miss(struct emit *e, uint32_t eip, uint32_t count)
{
    emit__bytes(e, (const uint8_t[]){ 0x0f, 0x83 }, 2);
    uint8_t *rel = e->p;
    e->p += 4;
    if (e->nmiss > 0) {
        typeof(e->miss[0]) *m = &e->miss[e->nmiss - 1];
        for (int j = 0; j < 4 && m->eip == eip && m->count == count; j++)
            if (!m->rel[j]) {
                m->rel[j] = rel;
                return;
            }
    }
    assert(e->nmiss < EMIT_MAX_MISSES);
    e->miss[e->nmiss++] = (typeof(e->miss[0])){ .rel = { rel }, .eip = eip, .count = count };
}

void div_guard__emit(struct emit *e, const ZydisDecodedInstruction *in, bool mem, uint32_t eip, uint32_t count)
{
    unsigned width = in->operand_width;
    emit__bytes(e, (const uint8_t[]){ 0x9c }, 1);                                   /* pushfq */
    if (width == 8)
        load_byte_reg(e, 0, 4);                                                     /* r8d = AH */
    else if (width == 16)
        emit__bytes(e, (const uint8_t[]){ 0x44, 0x0f, 0xb7, 0xc2 }, 4);             /* movzx r8d, dx */
    else
        emit__bytes(e, (const uint8_t[]){ 0x41, 0x89, 0xd0 }, 3);                   /* mov r8d, edx */
    load_divisor(e, width, mem, in->raw.modrm.rm);
    emit__bytes(e, (const uint8_t[]){ 0x45, 0x39, 0xf8 }, 3);                       /* cmp r8d, r15d */
    jae_miss(e, eip, count);
    emit__bytes(e, (const uint8_t[]){ 0x9d }, 1);                                   /* popfq */
}
