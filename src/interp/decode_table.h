/* decode_table.h - private to the decoder: the opcode attribute table and
 * the legacy-prefix table. */
#ifndef BT86_INTERP_DECODE_TABLE_H
#define BT86_INTERP_DECODE_TABLE_H

#include <stdint.h>

#include "interp/internal.h"

/*
 * Per-opcode attributes (SDM vol. 2, appendix A, tables ):
 * whether a ModRM byte follows, the kind of immediate, and which ModRM.reg
 * values accept a LOCK prefix (bit r of the lock mask; 0xff for opcodes
 * that are not groups). Two-byte opcodes are numbered OP_0F + second byte.
 */
enum imm_kind {
    IMM_NONE,
    IMM_B,     /* Ib, Jb */
    IMM_W,     /* Iw */
    IMM_Z,     /* Iz, Iv, Jz: 2 or 4 bytes by operand size */
    IMM_AP,    /* Ap: offset (Iz) then 16-bit selector (far JMP/CALL) */
    IMM_MOFFS, /* Ob/Ov: an offset of the address size (A0-A3) */
    IMM_WB,    /* ENTER: Iw then Ib */
    IMM_GRP3,  /* F6/F7: /0 and /1 (TEST) take Ib / Iz */
};

#define A_IMM     0x0007
#define A_MODRM   0x0008
#define A_REGONLY 0x0010 /* MOV CR/DR: ModRM.mod is ignored (always registers) */
#define A_LOCK(mask) ((uint16_t)(mask) << 8)

extern const uint16_t decode__op_attr[OP_COUNT];

/* Legacy prefixes (SDM vol. 2, 2.1.1): what each byte does, 0 if it is
 * not a prefix. Segment prefixes store 0x10 + the segment number. */
enum { P_OPSIZE = 1, P_ADDRSIZE, P_LOCK, P_REP, P_SEG = 0x10 };
extern const uint8_t decode__prefix_kind[256];

#endif
