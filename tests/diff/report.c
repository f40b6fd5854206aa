/* report.c - compare the host's and the interpreter's outcomes of one
 * instance, and print a mismatch with everything needed to reproduce it. */
#include "difftest.h"

#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

static const char *const reg_name[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };

static bool fpu_equal(const struct fxsave *a, const struct fxsave *b)
{
    if (a->fcw != b->fcw || a->fsw != b->fsw || a->ftw != b->ftw)
        return false;
    for (int i = 0; i < 8; i++)
        if (memcmp(a->st[i].b, b->st[i].b, 10))
            return false;
    return true;
}

bool report__same(const struct instance *in, const struct outcome *h, const struct outcome *e)
{
    uint32_t mask = ~spec__undef_mask(in, h);
    if (h->vector != e->vector || h->error != e->error || h->eip != e->eip)
        return false;
    if (memcmp(h->gpr, e->gpr, sizeof(h->gpr)) || ((h->eflags ^ e->eflags) & mask))
        return false;
    if (memcmp(h->data, e->data, DATA_SIZE))
        return false;
    return !in->uses_fpu || fpu_equal(&h->fpu, &e->fpu);
}

static void print_disasm(FILE *f, const struct instance *in)
{
    static csh cs;
    static bool cs_ready;
    cs_insn *insn;

    if (!cs_ready && cs_open(CS_ARCH_X86, CS_MODE_32, &cs) == CS_ERR_OK)
        cs_ready = true;
    for (int i = 0; i < in->len; i++)
        fprintf(f, "%02x ", in->code[i]);
    if (cs_ready)
        cs_option(cs, CS_OPT_MODE, in->code16 ? CS_MODE_16 : CS_MODE_32);
    if (cs_ready && cs_disasm(cs, in->code, in->len, INSN_ADDR, 1, &insn) == 1) {
        fprintf(f, "  %s %s", insn->mnemonic, insn->op_str);
        cs_free(insn, 1);
    } else {
        fprintf(f, "  (capstone: not decodable)");
    }
}

static void print_vector(FILE *f, const char *who, const struct outcome *o)
{
    if (o->vector < 0)
        fprintf(f, "  %-6s retired, eip=%08x eflags=%08x\n", who, o->eip, o->eflags);
    else
        fprintf(f, "  %-6s exception %d (error %#x), eip=%08x eflags=%08x\n", who, o->vector,
                o->error, o->eip, o->eflags);
}

static void print_st(FILE *f, const char *who, int i, const struct fxsave *x)
{
    uint64_t mant;
    uint16_t sexp;
    memcpy(&mant, x->st[i].b, 8);
    memcpy(&sexp, x->st[i].b + 8, 2);
    fprintf(f, "      %s st%d=%04x:%016llx\n", who, i, sexp, (unsigned long long)mant);
}

static void print_fpu_diff(FILE *f, const struct fxsave *h, const struct fxsave *e)
{
    if (h->fcw != e->fcw) fprintf(f, "    fcw    host=%04x interp=%04x\n", h->fcw, e->fcw);
    if (h->fsw != e->fsw) fprintf(f, "    fsw    host=%04x interp=%04x\n", h->fsw, e->fsw);
    if (h->ftw != e->ftw) fprintf(f, "    ftw    host=%02x interp=%02x (abridged)\n", h->ftw, e->ftw);
    for (int i = 0; i < 8; i++)
        if (memcmp(h->st[i].b, e->st[i].b, 10)) {
            print_st(f, "host  ", i, h);
            print_st(f, "interp", i, e);
        }
}

void report__mismatch(FILE *f, const char *repro, const struct instance *in,
                      const struct outcome *h, const struct outcome *e)
{
    const struct spec *s = &spec_table[in->spec];
    uint32_t mask = spec__undef_mask(in, h);

    fprintf(f, "MISMATCH %s%s: ", s->name, in->code16 ? " (16-bit code)" : "");
    print_disasm(f, in);
    fprintf(f, "\n  reproduce: %s\n", repro);
    fprintf(f, "  in:   ");
    for (int r = 0; r < 8; r++)
        fprintf(f, "%s=%08x%s", reg_name[r], in->gpr[r], r == 3 ? "\n        " : " ");
    fprintf(f, "eflags=%08x\n", in->eflags);
    if (in->uses_fpu) {
        fprintf(f, "  in fpu: fcw=%04x fsw=%04x ftw=%02x\n", in->fpu.fcw, in->fpu.fsw, in->fpu.ftw);
        for (int i = 0; i < 8; i++)
            print_st(f, "in    ", i, &in->fpu);
    }
    print_vector(f, "host", h);
    print_vector(f, "interp", e);
    for (int r = 0; r < 8; r++)
        if (h->gpr[r] != e->gpr[r])
            fprintf(f, "    %-6s host=%08x interp=%08x\n", reg_name[r], h->gpr[r], e->gpr[r]);
    if ((h->eflags ^ e->eflags) & ~mask)
        fprintf(f, "    eflags host=%08x interp=%08x differ in %08x (masked as undefined: %08x)\n",
                h->eflags, e->eflags, (h->eflags ^ e->eflags) & ~mask, mask);
    int shown = 0;
    for (uint32_t i = 0; i < DATA_SIZE && shown < 16; i++)
        if (h->data[i] != e->data[i]) {
            fprintf(f, "    mem[%08x] host=%02x interp=%02x (was %02x)\n", DATA_BASE + i,
                    h->data[i], e->data[i], in->data[i]);
            shown++;
        }
    if (in->uses_fpu)
        print_fpu_diff(f, &h->fpu, &e->fpu);
}

void report__escape(FILE *f, const char *repro, const struct instance *in,
                    const struct outcome *h)
{
    fprintf(f, "ESCAPE %s: ", spec_table[in->spec].name);
    print_disasm(f, in);
    fprintf(f, "\n  reproduce: %s; host stopped at eip=%08x by trap %d, cr2=%08x\n", repro,
            h->eip, h->vector, h->error);
}
