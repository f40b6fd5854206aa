/* string_ops.h - private to the translator: the host form of LODS, STOS
 * and SCAS without a REP prefix (string_ops.c). */
#ifndef BT86_TRANSLATOR_STRING_OPS_H
#define BT86_TRANSLATOR_STRING_OPS_H

#include <Zydis/Zydis.h>
#include <stdbool.h>
#include <stdint.h>

/* The pieces translate.c places around the inline lookup. */
struct string_form {
    uint8_t lea[3];       /* the element's address into R14D */
    uint8_t host[15];     /* the element's access (through [R14]), then -DF into R15D */
    uint8_t host_len;
    uint8_t post[5];      /* ESI or EDI moves by +-size */
    unsigned size;        /* bytes accessed */
    bool write;
};

/* Whether m is one of the string instructions handled here. */
bool string_ops__is(ZydisMnemonic m);

/* The form of in (a LODS, STOS or SCAS), or false when it must go to the
 * interpreter: a REP prefix, 16-bit addressing or operands, or a segment
 * that is not flat (bit s of flat). */
bool string_ops__form(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops, uint8_t flat,
                      struct string_form *f);

#endif
