/* insn_table.c - how the translator treats each guest instruction, by
 * Zydis mnemonic: copied, a block-ending branch, or left to the
 * interpreter (everything not listed). */
#include "translator/insn_table.h"

static uint8_t kind_of[ZYDIS_MNEMONIC_MAX_VALUE + 1];
static bool ready;

/* Instructions whose 64-bit host form computes exactly the guest's result
 * and flags on the low 32 bits of the registers (the host is of the AMD
 * Zen family, whose undefined flags and results the interpreter follows:
 * docs/undefined-flags.md, e.g. BSF/BSR with a zero source, 16-bit SHLD
 * counts above 16, BSWAP r16). Some are refused in some forms or get
 * a host form of their own, in translate.c's copy_insn (BT* m, r; AH..BH
 * beside memory; CLD/STD, LEAVE, string instructions). */
static const ZydisMnemonic copied[] = {
    ZYDIS_MNEMONIC_MOV, ZYDIS_MNEMONIC_MOVZX, ZYDIS_MNEMONIC_MOVSX,
    ZYDIS_MNEMONIC_ADD, ZYDIS_MNEMONIC_OR, ZYDIS_MNEMONIC_ADC, ZYDIS_MNEMONIC_SBB,
    ZYDIS_MNEMONIC_AND, ZYDIS_MNEMONIC_SUB, ZYDIS_MNEMONIC_XOR, ZYDIS_MNEMONIC_CMP,
    ZYDIS_MNEMONIC_TEST, ZYDIS_MNEMONIC_INC, ZYDIS_MNEMONIC_DEC, ZYDIS_MNEMONIC_NEG,
    ZYDIS_MNEMONIC_NOT, ZYDIS_MNEMONIC_LEA, ZYDIS_MNEMONIC_SHL, ZYDIS_MNEMONIC_SHR,
    ZYDIS_MNEMONIC_SAR, ZYDIS_MNEMONIC_ROL, ZYDIS_MNEMONIC_ROR, ZYDIS_MNEMONIC_XCHG,
    ZYDIS_MNEMONIC_SETB, ZYDIS_MNEMONIC_SETBE, ZYDIS_MNEMONIC_SETL, ZYDIS_MNEMONIC_SETLE,
    ZYDIS_MNEMONIC_SETNB, ZYDIS_MNEMONIC_SETNBE, ZYDIS_MNEMONIC_SETNL, ZYDIS_MNEMONIC_SETNLE,
    ZYDIS_MNEMONIC_SETNO, ZYDIS_MNEMONIC_SETNP, ZYDIS_MNEMONIC_SETNS, ZYDIS_MNEMONIC_SETNZ,
    ZYDIS_MNEMONIC_SETO, ZYDIS_MNEMONIC_SETP, ZYDIS_MNEMONIC_SETS, ZYDIS_MNEMONIC_SETZ,
    ZYDIS_MNEMONIC_CMOVB, ZYDIS_MNEMONIC_CMOVBE, ZYDIS_MNEMONIC_CMOVL, ZYDIS_MNEMONIC_CMOVLE,
    ZYDIS_MNEMONIC_CMOVNB, ZYDIS_MNEMONIC_CMOVNBE, ZYDIS_MNEMONIC_CMOVNL, ZYDIS_MNEMONIC_CMOVNLE,
    ZYDIS_MNEMONIC_CMOVNO, ZYDIS_MNEMONIC_CMOVNP, ZYDIS_MNEMONIC_CMOVNS, ZYDIS_MNEMONIC_CMOVNZ,
    ZYDIS_MNEMONIC_CMOVO, ZYDIS_MNEMONIC_CMOVP, ZYDIS_MNEMONIC_CMOVS, ZYDIS_MNEMONIC_CMOVZ,
    ZYDIS_MNEMONIC_CBW, ZYDIS_MNEMONIC_CWDE, ZYDIS_MNEMONIC_CWD, ZYDIS_MNEMONIC_CDQ,
    ZYDIS_MNEMONIC_NOP, ZYDIS_MNEMONIC_CLC, ZYDIS_MNEMONIC_STC, ZYDIS_MNEMONIC_CMC,
    ZYDIS_MNEMONIC_MUL, ZYDIS_MNEMONIC_IMUL, ZYDIS_MNEMONIC_BT, ZYDIS_MNEMONIC_BTS,
    ZYDIS_MNEMONIC_BTR, ZYDIS_MNEMONIC_BTC, ZYDIS_MNEMONIC_BSF, ZYDIS_MNEMONIC_BSR,
    ZYDIS_MNEMONIC_SHLD, ZYDIS_MNEMONIC_SHRD, ZYDIS_MNEMONIC_RCL, ZYDIS_MNEMONIC_RCR,
    ZYDIS_MNEMONIC_XADD, ZYDIS_MNEMONIC_CMPXCHG, ZYDIS_MNEMONIC_BSWAP,
    ZYDIS_MNEMONIC_LAHF, ZYDIS_MNEMONIC_SAHF, ZYDIS_MNEMONIC_PAUSE,
    /* F3 0F BC/BD: BSF/BSR with an ignored prefix on this CPU (no BMI1) */
    ZYDIS_MNEMONIC_TZCNT, ZYDIS_MNEMONIC_LZCNT,
    /* DF is virtual: an inline update of cpu->eflags, not a copy */
    ZYDIS_MNEMONIC_CLD, ZYDIS_MNEMONIC_STD,
    /* a load from the stack through the inline lookup */
    ZYDIS_MNEMONIC_LEAVE,
    /* behind a check that leaves a #DE to the interpreter (div_guard.c) */
    ZYDIS_MNEMONIC_DIV,
    /* without REP, byte and dword: string_ops.c */
    ZYDIS_MNEMONIC_LODSB, ZYDIS_MNEMONIC_LODSD, ZYDIS_MNEMONIC_STOSB, ZYDIS_MNEMONIC_STOSD,
    ZYDIS_MNEMONIC_SCASB, ZYDIS_MNEMONIC_SCASD,
};

static const ZydisMnemonic jcc[] = {
    ZYDIS_MNEMONIC_JB, ZYDIS_MNEMONIC_JBE, ZYDIS_MNEMONIC_JL, ZYDIS_MNEMONIC_JLE,
    ZYDIS_MNEMONIC_JNB, ZYDIS_MNEMONIC_JNBE, ZYDIS_MNEMONIC_JNL, ZYDIS_MNEMONIC_JNLE,
    ZYDIS_MNEMONIC_JNO, ZYDIS_MNEMONIC_JNP, ZYDIS_MNEMONIC_JNS, ZYDIS_MNEMONIC_JNZ,
    ZYDIS_MNEMONIC_JO, ZYDIS_MNEMONIC_JP, ZYDIS_MNEMONIC_JS, ZYDIS_MNEMONIC_JZ,
};

/* Shifts and rotates leave the flags alone when the masked count is 0,
 * so they never count as writing flags (liveness). */
static const ZydisMnemonic count_dependent[] = {
    ZYDIS_MNEMONIC_SHL, ZYDIS_MNEMONIC_SHR, ZYDIS_MNEMONIC_SAR,
    ZYDIS_MNEMONIC_ROL, ZYDIS_MNEMONIC_ROR, ZYDIS_MNEMONIC_RCL, ZYDIS_MNEMONIC_RCR,
    ZYDIS_MNEMONIC_SHLD, ZYDIS_MNEMONIC_SHRD,
};

static void insn_table__init(void)
{
    for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++)
        kind_of[copied[i]] = K_COPY;
    for (size_t i = 0; i < sizeof(jcc) / sizeof(jcc[0]); i++)
        kind_of[jcc[i]] = K_JCC;
    kind_of[ZYDIS_MNEMONIC_JMP] = K_JMP;
    kind_of[ZYDIS_MNEMONIC_PUSH] = K_PUSH;
    kind_of[ZYDIS_MNEMONIC_POP] = K_POP;
    kind_of[ZYDIS_MNEMONIC_CALL] = K_CALL;
    kind_of[ZYDIS_MNEMONIC_RET] = K_RET;
    for (size_t i = 0; i < sizeof(count_dependent) / sizeof(count_dependent[0]); i++)
        kind_of[count_dependent[i]] |= K_FLAGS_MAYBE;
    ready = true;
}

unsigned insn_table__kind(ZydisMnemonic m)
{
    if (!ready)
        insn_table__init();
    return kind_of[m];
}
