/* decode_table.c - the one- and two-byte opcode maps as decoder attributes
 * (ModRM, immediate kind, LOCK), and the legacy prefixes. */
#include "interp/decode_table.h"

#define M  A_MODRM
#define LK A_LOCK(0xff)

/* Opcodes 00-3F: the eight ALU rows Eb,Gb Ev,Gv Gb,Eb Gv,Ev AL,Ib eAX,Iz;
 * the memory-destination forms are lockable except for CMP. */
#define ALU_ROW(b, lock) \
    [b] = M | (lock), [b + 1] = M | (lock), [b + 2] = M, [b + 3] = M, \
    [b + 4] = IMM_B, [b + 5] = IMM_Z

const uint16_t decode__op_attr[OP_COUNT] = {
    ALU_ROW(0x00, LK), ALU_ROW(0x08, LK), ALU_ROW(0x10, LK), ALU_ROW(0x18, LK),
    ALU_ROW(0x20, LK), ALU_ROW(0x28, LK), ALU_ROW(0x30, LK), ALU_ROW(0x38, 0),
    [0x62] = M, [0x63] = M, [0x68] = IMM_Z, [0x69] = M | IMM_Z,
    [0x6a] = IMM_B, [0x6b] = M | IMM_B,
    [0x70 ... 0x7f] = IMM_B,
    [0x80] = M | IMM_B | A_LOCK(0x7f), [0x81] = M | IMM_Z | A_LOCK(0x7f),
    [0x82] = M | IMM_B | A_LOCK(0x7f), [0x83] = M | IMM_B | A_LOCK(0x7f),
    [0x84 ... 0x85] = M, [0x86 ... 0x87] = M | LK, [0x88 ... 0x8f] = M,
    [0x9a] = IMM_AP,
    [0xa0 ... 0xa3] = IMM_MOFFS, [0xa8] = IMM_B, [0xa9] = IMM_Z,
    [0xb0 ... 0xb7] = IMM_B, [0xb8 ... 0xbf] = IMM_Z,
    [0xc0 ... 0xc1] = M | IMM_B, [0xc2] = IMM_W, [0xc4 ... 0xc5] = M,
    [0xc6] = M | IMM_B, [0xc7] = M | IMM_Z, [0xc8] = IMM_WB, [0xca] = IMM_W,
    [0xcd] = IMM_B,
    [0xd0 ... 0xd3] = M, [0xd4 ... 0xd5] = IMM_B, [0xd8 ... 0xdf] = M,
    [0xe0 ... 0xe7] = IMM_B, [0xe8 ... 0xe9] = IMM_Z, [0xea] = IMM_AP,
    [0xeb] = IMM_B,
    [0xf6 ... 0xf7] = M | IMM_GRP3 | A_LOCK(0x0c),
    [0xfe ... 0xff] = M | A_LOCK(0x03),

    [OP_0F + 0x00 ... OP_0F + 0x03] = M,
    [OP_0F + 0x10 ... OP_0F + 0x1f] = M,
    [OP_0F + 0x20 ... OP_0F + 0x23] = M | A_REGONLY,
    [OP_0F + 0x28 ... OP_0F + 0x2f] = M,
    [OP_0F + 0x40 ... OP_0F + 0x6f] = M,
    [OP_0F + 0x70 ... OP_0F + 0x73] = M | IMM_B,
    [OP_0F + 0x74 ... OP_0F + 0x76] = M, [OP_0F + 0x78 ... OP_0F + 0x7f] = M,
    [OP_0F + 0x80 ... OP_0F + 0x8f] = IMM_Z,
    [OP_0F + 0x90 ... OP_0F + 0x9f] = M,
    [OP_0F + 0xa3] = M, [OP_0F + 0xa4] = M | IMM_B, [OP_0F + 0xa5] = M,
    [OP_0F + 0xab] = M | LK, [OP_0F + 0xac] = M | IMM_B,
    [OP_0F + 0xad ... OP_0F + 0xaf] = M,
    [OP_0F + 0xb0 ... OP_0F + 0xb1] = M | LK, [OP_0F + 0xb2] = M,
    [OP_0F + 0xb3] = M | LK, [OP_0F + 0xb4 ... OP_0F + 0xb9] = M,
    [OP_0F + 0xba] = M | IMM_B | A_LOCK(0xe0), [OP_0F + 0xbb] = M | LK,
    [OP_0F + 0xbc ... OP_0F + 0xbf] = M,
    [OP_0F + 0xc0 ... OP_0F + 0xc1] = M | LK, [OP_0F + 0xc2] = M | IMM_B,
    [OP_0F + 0xc3] = M, [OP_0F + 0xc4 ... OP_0F + 0xc6] = M | IMM_B,
    [OP_0F + 0xc7] = M | A_LOCK(0x02),
    [OP_0F + 0xd0 ... OP_0F + 0xff] = M,
};

const uint8_t decode__prefix_kind[256] = {
    [0x26] = P_SEG + S_ES, [0x2e] = P_SEG + S_CS, [0x36] = P_SEG + S_SS,
    [0x3e] = P_SEG + S_DS, [0x64] = P_SEG + S_FS, [0x65] = P_SEG + S_GS,
    [0x66] = P_OPSIZE, [0x67] = P_ADDRSIZE, [0xf0] = P_LOCK,
    [0xf2] = P_REP, [0xf3] = P_REP,
};

