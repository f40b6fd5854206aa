/* block_log.c - -d in_asm,out_asm for translated blocks: Capstone listings
 * of each guest block and of its host code, with jumps into the monitor
 * named (block_log.h).
 *
 * A listing, as -d in_asm,out_asm prints it (host code abridged):
 *   IN: linear 0x00100140 (EIP 0x00100140, 32-bit, CPL 0), 2 instructions
 *   0x00100140:  83 c6 04                add esi, 4
 *   0x00100143:  eb e6                   jmp 0x10012b
 *   OUT: host 0x7f5b87e02570, 74 bytes
 *     +0x0000  lea     r9, [r9 - 2]
 *     ...
 *     +0x002b  add     esi, 4
 *     +0x002e  jmp     +0x0033 <chain slot 0: to the monitor until chained>
 *     +0x0033  mov     dword ptr [r13 + 0x20], 0x10012b         ; cpu.eip
 *     +0x003b  movabs  r10, 0x7f20af7ffda2    ; exit word: chain slot 0: to the ...
 *     +0x0045  jmp     <exit stub>
 * Guest addresses in operands are CS offsets (EIP), as the guest code
 * means them; the line addresses are linear. Host addresses inside the
 * block are offsets from its start. Jumps and calls are named from the
 * names registered (block_log__name); a jump inside the block to
 * out-of-line code is named by where that code goes: the exit word it
 * loads before jumping to the exit stub (stubs.c's convention: R10,
 * BT_EXIT_* in translator.h), or the named code it calls.
 */
#include "translator/block_log.h"

#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/stats.h"
#include "translator/translator.h"

/* ---- names of monitor code ----------------------------------------------- */

struct host_name {
    const uint8_t *addr;
    char name[48];
};

static struct host_name *names;
static size_t nnames, names_cap;

static struct host_name *name__find(uint64_t addr)
{
    for (size_t i = 0; i < nnames; i++)
        if ((uint64_t)(uintptr_t)names[i].addr == addr)
            return &names[i];
    return NULL;
}

void block_log__name(const void *host_addr, const char *name)
{
    if (!log__on(LOG_out_asm))
        return;
    struct host_name *e = name__find((uint64_t)(uintptr_t)host_addr);
    if (!e) {
        if (nnames == names_cap) {
            size_t cap = names_cap ? 2 * names_cap : 32;
            struct host_name *v = realloc(names, cap * sizeof(*v));
            if (!v)
                return; /* the listing just shows the address */
            names = v;
            names_cap = cap;
        }
        e = &names[nnames++];
        e->addr = host_addr;
    }
    snprintf(e->name, sizeof(e->name), "%s", name);
}

/* Forget the names inside [lo, hi): the stubs of a block just listed. */
static void name__forget(const uint8_t *lo, const uint8_t *hi)
{
    for (size_t i = 0; i < nnames;)
        if (names[i].addr >= lo && names[i].addr < hi)
            names[i] = names[--nnames];
        else
            i++;
}

/* ---- Capstone ------------------------------------------------------------- */

enum { DIS_16, DIS_32, DIS_64 };

/* A Capstone handle for the mode (with operand details), opened once; 0
 * when Capstone cannot open it. */
static csh dis__handle(int which)
{
    static const cs_mode modes[] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };
    static csh h[3];
    static bool tried[3];
    if (!tried[which]) {
        tried[which] = true;
        if (cs_open(CS_ARCH_X86, modes[which], &h[which]) == CS_ERR_OK)
            cs_option(h[which], CS_OPT_DETAIL, CS_OPT_ON);
        else
            h[which] = 0;
    }
    return h[which];
}

static void print_bytes(FILE *f, const uint8_t *p, size_t n, int width)
{
    int col = 0;
    for (size_t i = 0; i < n; i++)
        col += fprintf(f, "%s%02x", i ? " " : "", p[i]);
    if (width) /* pad to the next column, at least one space */
        fprintf(f, "%*s", col < width ? width - col : 1, "");
}

/* ---- the guest side (in_asm) --------------------------------------------- */

static void print_guest(FILE *f, const struct block *b)
{
    const struct block_key *k = &b->key;
    bool code32 = k->mode & BLOCK_MODE_CODE32;
    uint32_t eip = k->lin - k->cs_base;
    fprintf(f, "IN: linear 0x%08" PRIx32 " (EIP 0x%08" PRIx32 ", %d-bit, CPL %u), ", k->lin, eip,
            code32 ? 32 : 16, ((unsigned)k->mode >> BLOCK_MODE_CPL_SHIFT) & 3);
    if (b->ninsns)
        fprintf(f, "%u instruction%s\n", b->ninsns, b->ninsns == 1 ? "" : "s");
    else
        fprintf(f, "not translated: the interpreter runs this instruction\n");

    csh h = dis__handle(code32 ? DIS_32 : DIS_16);
    cs_insn *insn = NULL;
    size_t want = b->ninsns ? b->ninsns : 1;
    size_t n = h && b->nbytes ? cs_disasm(h, b->guest, b->nbytes, eip, want, &insn) : 0;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "0x%08" PRIx32 ":  ", k->lin + (uint32_t)off);
        print_bytes(f, b->guest + off, insn[i].size, 24);
        fprintf(f, "%s%s%s\n", insn[i].mnemonic, *insn[i].op_str ? " " : "", insn[i].op_str);
        off += insn[i].size;
    }
    if (n)
        cs_free(insn, n);
    if (off < b->nbytes && n < want) {
        fprintf(f, "0x%08" PRIx32 ":  ", k->lin + (uint32_t)off);
        print_bytes(f, b->guest + off, b->nbytes - off, 24);
        fprintf(f, "(not decodable)\n");
    } else if (!b->nbytes) {
        fprintf(f, "0x%08" PRIx32 ":  (no instruction decoded: the interpreter raises the "
                   "fault the CPU would)\n", k->lin);
    }
}

/* ---- the host side (out_asm) --------------------------------------------- */

/* What translated code keeps at [r13 + disp] (struct cpu, stubs.c). */
static void cpu_field(int64_t disp, char *buf, size_t len)
{
    static const char *const gpr[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
    if (disp >= 0 && disp < (int64_t)sizeof(((struct cpu *)0)->gpr) && disp % 4 == 0)
        snprintf(buf, len, "cpu.%s", gpr[disp / 4]);
    else if (disp == (int64_t)offsetof(struct cpu, eip))
        snprintf(buf, len, "cpu.eip");
    else if (disp == (int64_t)offsetof(struct cpu, eflags))
        snprintf(buf, len, "cpu.eflags");
    else
        snprintf(buf, len, "cpu+0x%" PRIx64, (uint64_t)disp);
}

/* The statistics counter at addr (translated code counts some events
 * itself), or NULL. */
static const char *stats_counter(uint64_t addr)
{
#define X(n, d)                                                  \
    if (addr == (uint64_t)(uintptr_t)&stats.n)                   \
        return "stats." #n;
    STATS_COUNTERS(X)
#undef X
    return NULL;
}

/* Where an exit with this word goes, in words. */
static void exit_word_name(uint64_t w, char *buf, size_t len)
{
    if (w & BT_EXIT_CHAIN)
        snprintf(buf, len, "chain slot %u: to the monitor until chained", (unsigned)(w >> 2) & 1);
    else if (w == BT_EXIT_MISS)
        snprintf(buf, len, "miss -> interpreter");
    else if (w == BT_EXIT_INDIRECT)
        snprintf(buf, len, "indirect branch -> monitor");
    else if (w == 0)
        snprintf(buf, len, "exit to the monitor");
    else
        snprintf(buf, len, "exit word 0x%" PRIx64, w);
}

/* The host code of one block, disassembled. */
struct listing {
    const struct block *b;
    csh h;
    const cs_insn *insn;
    size_t n;
};

static bool is_branch(const struct listing *l, const cs_insn *in)
{
    return cs_insn_group(l->h, in, CS_GRP_JUMP) || cs_insn_group(l->h, in, CS_GRP_CALL)
        || cs_insn_group(l->h, in, CS_GRP_RET);
}

/* The exit word instruction i loads: stubs.c's convention is that an exit
 * loads it into R10 and jumps to the exit stub (BT_EXIT_*, translator.h);
 * R10 loaded before anything else (a callout's argument) is no exit. */
static bool exit_word(const struct listing *l, size_t i, uint64_t *word)
{
    const cs_insn *in = &l->insn[i];
    const cs_x86 *x = &in->detail->x86;
    if ((in->id != X86_INS_MOV && in->id != X86_INS_MOVABS) || x->op_count != 2
        || x->operands[0].type != X86_OP_REG || x->operands[1].type != X86_OP_IMM
        || (x->operands[0].reg != X86_REG_R10 && x->operands[0].reg != X86_REG_R10D)
        || i + 1 >= l->n || l->insn[i + 1].id != X86_INS_JMP)
        return false;
    *word = (uint64_t)x->operands[1].imm;
    return true;
}

/* What the out-of-line code at t in the block leads to, when its run up
 * to the first branch ends in an exit (that exit, in words) or in a jump
 * or call to named monitor code (that name). */
static bool local_exit(const struct listing *l, uint64_t t, char *buf, size_t len)
{
    size_t i = 0;
    while (i < l->n && l->insn[i].address != t)
        i++;
    while (i < l->n && !is_branch(l, &l->insn[i]))
        i++;
    if (i == l->n)
        return false;
    uint64_t w;
    const cs_x86 *x = &l->insn[i].detail->x86;
    const struct host_name *e = x->op_count == 1 && x->operands[0].type == X86_OP_IMM
                                    ? name__find((uint64_t)x->operands[0].imm) : NULL;
    if (i > 0 && exit_word(l, i - 1, &w))
        exit_word_name(w, buf, len);
    else if (e)
        snprintf(buf, len, "%s", e->name);
    else
        return false;
    return true;
}

/* A branch target as the listing names it: a named monitor entry point,
 * or an offset in this block with the exit it leads to; false when it is
 * neither (the raw address stays). */
static bool target_name(const struct listing *l, uint64_t t, char *buf, size_t len)
{
    uint64_t start = (uint64_t)(uintptr_t)l->b->host;
    const struct host_name *e = name__find(t);
    char what[64];
    if (e)
        snprintf(buf, len, "<%s>", e->name);
    else if (t >= start && t < start + l->b->host_len && local_exit(l, t, what, sizeof(what)))
        snprintf(buf, len, "+0x%04" PRIx64 " <%s>", t - start, what);
    else if (t >= start && t < start + l->b->host_len)
        snprintf(buf, len, "+0x%04" PRIx64, t - start);
    else
        return false;
    return true;
}

static void print_host_insn(FILE *f, const struct listing *l, size_t idx)
{
    const cs_insn *in = &l->insn[idx];
    const cs_x86 *x = &in->detail->x86;
    bool branch = is_branch(l, in);
    char ops[160], note[96] = "";
    uint64_t word;
    snprintf(ops, sizeof(ops), "%s", in->op_str);
    if (exit_word(l, idx, &word)) {
        snprintf(note, sizeof(note), "exit word: ");
        exit_word_name(word, note + strlen(note), sizeof(note) - strlen(note));
    }
    for (int i = 0; i < x->op_count; i++) {
        const cs_x86_op *op = &x->operands[i];
        char name[96];
        if (op->type == X86_OP_IMM && branch && target_name(l, (uint64_t)op->imm, name, sizeof(name)))
            snprintf(ops, sizeof(ops), "%s", name);
        else if (op->type == X86_OP_IMM && name__find((uint64_t)op->imm))
            snprintf(note, sizeof(note), "<%s>", name__find((uint64_t)op->imm)->name);
        else if (op->type == X86_OP_IMM && stats_counter((uint64_t)op->imm))
            snprintf(note, sizeof(note), "&%s", stats_counter((uint64_t)op->imm));
        else if (op->type == X86_OP_MEM && op->mem.base == X86_REG_R13 && op->mem.index == X86_REG_INVALID)
            cpu_field(op->mem.disp, note, sizeof(note));
    }
    int col = fprintf(f, "  +0x%04" PRIx64 "  %s", in->address - (uint64_t)(uintptr_t)l->b->host,
                      in->mnemonic);
    int pad = (int)strlen(in->mnemonic) < 8 ? 8 - (int)strlen(in->mnemonic) : 1;
    if (*ops)
        col += fprintf(f, "%*s%s", pad, "", ops);
    if (*note)
        fprintf(f, "%*s; %s", col < 60 ? 60 - col : 1, "", note);
    fputc('\n', f);
}

/* The host code of b; with_guest when the in_asm part was not printed. */
static void print_host(FILE *f, const struct block *b, bool with_guest)
{
    if (!b->ninsns) {
        if (with_guest)
            fprintf(f, "OUT: block at linear 0x%08" PRIx32 ": none, the interpreter runs this "
                       "instruction\n", b->key.lin);
        return;
    }
    fprintf(f, "OUT: ");
    if (with_guest)
        fprintf(f, "block at linear 0x%08" PRIx32 ": ", b->key.lin);
    fprintf(f, "host %p, %" PRIu32 " bytes\n", (const void *)b->host, b->host_len);
    csh h = dis__handle(DIS_64);
    cs_insn *insn = NULL;
    size_t n = h ? cs_disasm(h, b->host, b->host_len, (uint64_t)(uintptr_t)b->host, 0, &insn) : 0;
    struct listing l = { .b = b, .h = h, .insn = insn, .n = n };
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        print_host_insn(f, &l, i);
        off += insn[i].size;
    }
    if (n)
        cs_free(insn, n);
    if (off < b->host_len) {
        fprintf(f, "  +0x%04zx  .byte   ", off);
        print_bytes(f, b->host + off, b->host_len - off, 0);
        fputc('\n', f);
    }
}

void block_log__block(const struct block *b)
{
    bool in_asm = log__on(LOG_in_asm), out_asm = log__on(LOG_out_asm);
    if (in_asm)
        print_guest(log_file, b);
    if (out_asm)
        print_host(log_file, b, !in_asm);
    name__forget(b->host, b->host + b->host_len);
}
