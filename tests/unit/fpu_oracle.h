/* fpu_oracle.h - run an x87/MMX instruction sequence both natively on the
 * host and through the interpreter, and compare the resulting FPU state,
 * EFLAGS and data memory. Shared by test_fpu.c and test_mmx.c. */
#ifndef BT86_TESTS_FPU_ORACLE_H
#define BT86_TESTS_FPU_ORACLE_H

#include <stdio.h>
#include <sys/mman.h>

#include "interp_fixture.h"

/*
 * x87 and MMX encodings with [ebx+disp] operands mean the same in 64-bit
 * mode ([rbx+disp]), so a program runs unchanged in both worlds:
 *   native: push rbx; mov rbx,rdi; EFLAGS=2; PROLOGUE; program; fnsave [rsi];
 *           pushfq; pop rax; pop rbx; ret     (a C-callable function)
 *   guest:  PROLOGUE; program; fnsave [ebx+ORACLE_SAVE]   at FIX_CODE
 * with EBX/RBX pointing at ORACLE_DATA bytes of identical data.
 * PROLOGUE = FNINIT, 8 x FLDZ, FNINIT: every register holds +0 and is
 * empty, so even empty registers compare equal.
 * The program must not run a waiting x87 instruction after one that
 * raised an unmasked exception (the host would deliver SIGFPE).
 */
#define ORACLE_DATA 0x800 /* bytes compared */
#define ORACLE_SAVE 0x800 /* guest FNSAVE image offset (after the data) */
#define ORACLE_MAX 200

struct oracle_result {
    uint8_t save[108];
    uint32_t eflags;
    uint8_t data[ORACLE_DATA];
};

static uint8_t *oracle_code;
/* EFLAGS bits not compared (documented host/P6 differences). */
static uint32_t oracle_eflags_ignore;

static const uint8_t oracle_prologue[] = {
    0xdb, 0xe3, 0xd9, 0xee, 0xd9, 0xee, 0xd9, 0xee, 0xd9, 0xee,
    0xd9, 0xee, 0xd9, 0xee, 0xd9, 0xee, 0xd9, 0xee, 0xdb, 0xe3,
};

static inline void oracle_native(const uint8_t *prog, size_t n, const uint8_t *data,
                                 struct oracle_result *r)
{
    static uint8_t buf[ORACLE_DATA + 64] __attribute__((aligned(16)));
    if (!oracle_code) {
        oracle_code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ck_assert(oracle_code != MAP_FAILED);
    }
    uint8_t *p = oracle_code;
    memcpy(p, "\x53\x48\x89\xfb\x6a\x02\x9d", 7), p += 7; /* …; push 2; popfq */
    memcpy(p, oracle_prologue, sizeof oracle_prologue), p += sizeof oracle_prologue;
    memcpy(p, prog, n), p += n;
    memcpy(p, "\xdd\x36\x9c\x58\x5b\xc3", 6); /* fnsave [rsi]; pushfq; pop rax; pop rbx; ret */
    memcpy(buf, data, ORACLE_DATA);
    uint64_t (*fn)(void *, void *) = (uint64_t (*)(void *, void *))(void *)oracle_code;
    r->eflags = (uint32_t)fn(buf, r->save);
    memcpy(r->data, buf, ORACLE_DATA);
    /* FNSAVE reinitialised the host FPU; restore its own control word. */
    __asm__ volatile("fninit");
}

/* Returns -1, or the vector of the first exception. */
static inline int oracle_interp(const uint8_t *prog, size_t n, const uint8_t *data,
                                uint32_t eflags, struct oracle_result *r)
{
    uint8_t code[ORACLE_MAX + 64];
    size_t len = 0;
    memcpy(code, oracle_prologue, sizeof oracle_prologue), len += sizeof oracle_prologue;
    memcpy(code + len, prog, n), len += n;
    memcpy(code + len, "\xdd\xb3\x00\x08\x00\x00", 6), len += 6; /* fnsave [ebx+0x800] */
    fix_code(code, len);
    fix_poke(FIX_DATA, data, ORACLE_DATA);
    fix_cpu->gpr[R_EBX] = FIX_DATA;
    fix_cpu->eflags = eflags;
    int vec = -1;
    while (fix_cpu->eip != FIX_CODE + len && (vec = fix_step()) == -1)
        ;
    memcpy(r->save, fix_m->ram.host + FIX_DATA + ORACLE_SAVE, 108);
    memcpy(r->data, fix_m->ram.host + FIX_DATA, ORACLE_DATA);
    r->eflags = fix_cpu->eflags;
    return vec;
}

static inline uint16_t oracle_w(const uint8_t *save, int off)
{
    uint16_t v;
    memcpy(&v, save + off, 2);
    return v;
}

/* Compare; on a mismatch print what differs (with label) and return false. */
static inline bool oracle_same(const char *label, const struct oracle_result *a,
                               const struct oracle_result *b)
{
    bool ok = true;
    static const int words[] = { 0, 4, 8 };
    static const char *names[] = { "FCW", "FSW", "FTW" };
    for (int i = 0; i < 3; i++)
        if (oracle_w(a->save, words[i]) != oracle_w(b->save, words[i])) {
            fprintf(stderr, "%s: %s native %04x interp %04x\n", label, names[i],
                    oracle_w(a->save, words[i]), oracle_w(b->save, words[i]));
            ok = false;
        }
    /* FOP: a host context switch between the instruction and FNSAVE loses
     * it on AMD (its XRSTOR restores FOP only with an exception pending),
     * so a native 0 is not compared. */
    if ((oracle_w(a->save, 18) & 0x7ff) &&
        (oracle_w(a->save, 18) & 0x7ff) != (oracle_w(b->save, 18) & 0x7ff)) {
        fprintf(stderr, "%s: FOP native %03x interp %03x\n", label,
                oracle_w(a->save, 18) & 0x7ff, oracle_w(b->save, 18) & 0x7ff);
        ok = false;
    }
    for (int i = 0; i < 8; i++)
        if (memcmp(a->save + 28 + 10 * i, b->save + 28 + 10 * i, 10)) {
            uint64_t ma, mb;
            memcpy(&ma, a->save + 28 + 10 * i, 8);
            memcpy(&mb, b->save + 28 + 10 * i, 8);
            fprintf(stderr, "%s: ST%d native %04x:%016llx interp %04x:%016llx\n", label, i,
                    oracle_w(a->save, 36 + 10 * i), (unsigned long long)ma,
                    oracle_w(b->save, 36 + 10 * i), (unsigned long long)mb);
            ok = false;
        }
    uint32_t fl = (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF) & ~oracle_eflags_ignore;
    if ((a->eflags & fl) != (b->eflags & fl)) {
        fprintf(stderr, "%s: EFLAGS native %03x interp %03x\n", label, a->eflags & fl,
                b->eflags & fl);
        ok = false;
    }
    for (int i = 0; i < ORACLE_DATA; i++)
        if (a->data[i] != b->data[i]) {
            fprintf(stderr, "%s: data[%#x] native %02x interp %02x\n", label, i, a->data[i],
                    b->data[i]);
            ok = false;
            break;
        }
    return ok;
}

/* Run prog both ways with the given data; the program's first instructions
 * set whatever EFLAGS it depends on (SAHF, STC…). Returns success. */
static inline bool oracle_check(const char *label, const uint8_t *prog, size_t n,
                                const uint8_t *data)
{
    struct oracle_result nat, emu;
    oracle_native(prog, n, data, &nat);
    int vec = oracle_interp(prog, n, data, F_FIXED1, &emu);
    if (vec != -1) {
        fprintf(stderr, "%s: interpreter raised vector %d at %#x\n", label, vec, fix_cpu->eip);
        return false;
    }
    return oracle_same(label, &nat, &emu);
}

#endif
