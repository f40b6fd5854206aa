/* string_ops.c - LODS, STOS and SCAS (byte and dword, no REP) as
 * translated code: one element through the inline lookup, then ESI or
 * EDI stepped by the virtual DF.
 *
 * The element is an ordinary access of [ESI] (LODS, through DS or its
 * override) or [EDI] (STOS, SCAS, through ES), so a miss or a fault
 * leaves the block before the instruction with nothing changed, and the
 * interpreter runs it (precise). DF is not in the host RFLAGS (stubs.c),
 * and the step must keep the guest's arithmetic flags (SCAS just set
 * them), so it is computed without touching flags (BMI2, which the
 * translator's budget test already needs):
 *   rorx r15d, [r13 + eflags], 11     DF (bit 10) into bit 31
 *   sarx r15d, r15d, r11d             r11 = 63 (stubs.c): r15d = -DF
 *   lea esi, [rsi + r15*2size + size] +size when DF = 0, -size when 1
 * (32-bit LEA: the register wraps as the guest's). REP forms stay with
 * the interpreter, whose REP loop copies whole page runs in C (the
 * fastest thing for long counts) and is budgeted and restartable; word
 * forms need a 66 prefix that leaves no room in the copied bytes.
 */
#include "translator/string_ops.h"

#include <stddef.h>
#include <string.h>

#include "core/cpu.h"

enum { HOST_ESI = 6, HOST_EDI = 7 };

bool string_ops__is(ZydisMnemonic m)
{
    return m == ZYDIS_MNEMONIC_LODSB || m == ZYDIS_MNEMONIC_LODSD || m == ZYDIS_MNEMONIC_STOSB
        || m == ZYDIS_MNEMONIC_STOSD || m == ZYDIS_MNEMONIC_SCASB || m == ZYDIS_MNEMONIC_SCASD;
}

bool string_ops__form(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops, uint8_t flat,
                      struct string_form *f)
{
    const ZydisDecodedOperand *mem = NULL;
    for (unsigned i = 0; i < in->operand_count; i++)
        if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
            mem = &ops[i];
    if (!mem || in->address_width != 32
        || (in->attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE | ZYDIS_ATTRIB_HAS_REPNE)))
        return false;
    int seg = (int)mem->mem.segment - ZYDIS_REGISTER_ES;
    if (seg < S_ES || seg > S_GS || !(flat & (1u << seg)))
        return false;
    bool lods = in->mnemonic == ZYDIS_MNEMONIC_LODSB || in->mnemonic == ZYDIS_MNEMONIC_LODSD;
    bool stos = in->mnemonic == ZYDIS_MNEMONIC_STOSB || in->mnemonic == ZYDIS_MNEMONIC_STOSD;
    f->size = mem->size / 8;
    f->write = stos;
    unsigned w = f->size == 4;
    unsigned reg = lods ? HOST_ESI : HOST_EDI;

    /* mov r14d, esi/edi */
    memcpy(f->lea, (const uint8_t[]){ 0x41, 0x89, (uint8_t)(0xc6 | reg << 3) }, 3);
    /* mov al/eax, [r14] | mov [r14], al/eax | cmp al/eax, [r14] */
    uint8_t op = (uint8_t)((lods ? 0x8a : stos ? 0x88 : 0x3a) | w);
    static const uint8_t minus_df[] = { 0xc4, 0x43, 0x7b, 0xf0, 0x7d, (uint8_t)offsetof(struct cpu, eflags), 11,
                                        0xc4, 0x42, 0x22, 0xf7, 0xff };
    memcpy(f->host, (const uint8_t[]){ 0x41, op, 0x06 }, 3);
    memcpy(f->host + 3, minus_df, sizeof(minus_df));
    f->host_len = 3 + sizeof(minus_df);
    /* lea esi/edi, [rsi/rdi + r15*(2*size) + size] */
    uint8_t scale = w ? 3 : 1;
    memcpy(f->post, (const uint8_t[]){ 0x42, 0x8d, (uint8_t)(0x44 | reg << 3), (uint8_t)(scale << 6 | 7 << 3 | reg),
                                       (uint8_t)f->size }, 5);
    return true;
}
