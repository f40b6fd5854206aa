/* refusals.c - a per-mnemonic count of the instructions the translator
 * leaves to the interpreter, to show what to translate next (-d stats),
 * followed by the callouts by kind (sys_callout.c). */
#include "translator/refusals.h"

#include <Zydis/Zydis.h>
#include <inttypes.h>
#include <string.h>

#include "cache/cache.h"
#include "core/log.h"
#include "translator/insn_table.h"
#include "translator/sys_callout.h"

#define NMNEM (ZYDIS_MNEMONIC_MAX_VALUE + 1)
#define REP_ATTRIBS (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE | ZYDIS_ATTRIB_HAS_REPNE)

/* Counts by mnemonic, then (at NMNEM + m) of string instructions with a
 * REP prefix, which cost the interpreter far more than one element. */
static uint64_t refused[2 * NMNEM];
/* Steps in blocks the translator made but could not write-protect (the
 * copy holds more than one instruction): not a refusal of the mnemonic. */
static uint64_t unprotected;
/* The last instruction counted under each, to show the form refused. */
static struct {
    uint8_t bytes[ZYDIS_MAX_INSTRUCTION_LENGTH];
    uint8_t len;
    bool code32;
    uint8_t flat;   /* the block key's flat segments, for the reason */
} sample[2 * NMNEM];

static void refusals__decoder(ZydisDecoder *dec, bool code32)
{
    ZydisDecoderInit(dec, code32 ? ZYDIS_MACHINE_MODE_LEGACY_32 : ZYDIS_MACHINE_MODE_LEGACY_16,
                     code32 ? ZYDIS_STACK_WIDTH_32 : ZYDIS_STACK_WIDTH_16);
}

void refusals__note(const struct block *b)
{
    if (!b || !log__on(LOG_stats))
        return;
    ZydisDecoder dec;
    ZydisDecodedInstruction in;
    bool code32 = b->key.mode & BLOCK_MODE_CODE32;
    refusals__decoder(&dec, code32);
    if (ZYAN_FAILED(ZydisDecoderDecodeInstruction(&dec, NULL, b->guest, b->nbytes, &in)))
        in = (ZydisDecodedInstruction){ .mnemonic = ZYDIS_MNEMONIC_INVALID };
    if (in.length && in.length < b->nbytes) {
        unprotected++;
        return;
    }
    size_t i = in.mnemonic + (in.attributes & REP_ATTRIBS ? NMNEM : 0);
    refused[i]++;
    memcpy(sample[i].bytes, b->guest, in.length);
    sample[i].len = in.length;
    sample[i].code32 = code32;
    sample[i].flat = b->key.flat;
}

/* The sample of counter i in assembly, into buf. */
static const char *refusals__sample(size_t i, char *buf, size_t cap)
{
    ZydisDecoder dec;
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    ZydisFormatter fmt;
    refusals__decoder(&dec, sample[i].code32);
    if (ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, sample[i].bytes, sample[i].len, &in, ops))
        || ZYAN_FAILED(ZydisFormatterInit(&fmt, ZYDIS_FORMATTER_STYLE_INTEL))
        || ZYAN_FAILED(ZydisFormatterFormatInstruction(&fmt, &in, ops, in.operand_count_visible, buf, cap, 0, NULL)))
        return "";
    return buf;
}

void refusals__print(FILE *f, unsigned n)
{
    uint64_t total = 0;
    for (size_t m = 0; m < 2 * NMNEM; m++)
        total += refused[m];
    if (unprotected)
        fprintf(f, "instructions of blocks bt could not write-protect (interpreted): %" PRIu64 "\n", unprotected);
    if (!total)
        return;
    fprintf(f, "instructions left to the interpreter, by mnemonic (refused by the translator: %" PRIu64
            "; * = translated in other forms):\n", total);
    bool shown[2 * NMNEM] = { false };
    for (unsigned i = 0; i < n; i++) {
        size_t best = 0;
        uint64_t most = 0;
        for (size_t m = 0; m < 2 * NMNEM; m++)
            if (!shown[m] && refused[m] > most) {
                best = m;
                most = refused[m];
            }
        if (!most)
            break;
        shown[best] = true;
        ZydisMnemonic mn = (ZydisMnemonic)(best % NMNEM);
        const char *name = mn == ZYDIS_MNEMONIC_INVALID ? "(not decoded)" : ZydisMnemonicGetString(mn);
        char text[96], hex[2 * ZYDIS_MAX_INSTRUCTION_LENGTH + 1] = "";
        for (unsigned j = 0; j < sample[best].len; j++)
            snprintf(hex + 2 * j, 3, "%02x", sample[best].bytes[j]);
        fprintf(f, "  %4s %-12s%c %14" PRIu64 "  %5.1f %%  e.g. %s [%s] (%d-bit code, flat segments %#x)\n",
                best >= NMNEM ? "rep" : "", name, insn_table__kind(mn) ? '*' : ' ', refused[best],
                100.0 * (double)refused[best] / (double)total, refusals__sample(best, text, sizeof(text)), hex,
                sample[best].code32 ? 32 : 16, sample[best].flat);
    }
}

void refusals__print_stats(struct machine *m, FILE *f)
{
    (void)m;
    refusals__print(f, 20);
    sys_callout__print(f);
}
