/* emit.c - host code for block exits and for the inline lookup that turns
 * a guest linear address into a host address (register conventions in
 * stubs.c). */
#include "translator/emit.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "core/cpu.h"
#include "core/stats.h"

_Static_assert(sizeof(struct tlb_entry) == 64, "the lookup scales the TLB index by 64");
_Static_assert(TLB_SIZE == 1024, "the lookup masks the page number with 1023");
_Static_assert(_Alignof(struct block) >= 8, "exit words and callouts pack bits below a block's address");

#define TLB_FIELD(f) ((uint32_t)(offsetof(struct cpu, tlb) + offsetof(struct tlb_entry, f)))

/* The TLB entry i of the page of the linear address in r14d, as reg =
 * 8 * i (entry i at r13 + tlb + 8 * reg): reg is r15 for the lookup, r14
 * itself for the indirect-branch probe. The rotate brings the page
 * number's low 10 bits to bits 3..12 (the bits it wraps round are masked):
 *   rorx reg, r14d, 9; and reg, 8 * 1023 */
static void tlb_index(struct emit *e, bool ibl)
{
    static const uint8_t lookup[] = { 0xc4, 0x43, 0x7b, 0xf0, 0xfe, 0x09, 0x41, 0x81, 0xe7, 0xf8, 0x1f, 0, 0 };
    static const uint8_t branch[] = { 0xc4, 0x43, 0x7b, 0xf0, 0xf6, 0x09, 0x41, 0x81, 0xe6, 0xf8, 0x1f, 0, 0 };
    _Static_assert(sizeof(lookup) == sizeof(branch), "one length");
    emit__bytes(e, ibl ? branch : lookup, sizeof(lookup));
}

void emit__bytes(struct emit *e, const void *b, size_t n)
{
    memcpy(e->p, b, n);
    e->p += n;
}

static void emit32(struct emit *e, uint32_t v)
{
    emit__bytes(e, &v, 4);
}

/* rel32 of a jump whose field is at rel, to the current position. */
static void patch_here(uint8_t *rel, const uint8_t *to)
{
    uint32_t d = (uint32_t)(to - (rel + 4));
    memcpy(rel, &d, 4);
}

/* A jcc rel32 to a miss stub: returns the field to patch. */
static uint8_t *jcc_miss(struct emit *e, unsigned cc)
{
    emit__bytes(e, (const uint8_t[]){ 0x0f, (uint8_t)(0x80 | cc) }, 2);
    uint8_t *rel = e->p;
    e->p += 4;
    return rel;
}

enum { CC_Z = 4, CC_NZ = 5 };

static void emit64(struct emit *e, uint64_t v)
{
    emit__bytes(e, &v, 8);
}

/* lea r9, [r9 + d]: the budget, without touching flags (|d| <= 64). */
static void budget_add(struct emit *e, int d)
{
    if (d)
        emit__bytes(e, (const uint8_t[]){ 0x4d, 0x8d, 0x49, (uint8_t)(int8_t)d }, 4);
}

/* mov dword [r13 + eip], next */
static void store_eip(struct emit *e, uint32_t next)
{
    emit__bytes(e, (const uint8_t[]){ 0x41, 0xc7, 0x45, (uint8_t)offsetof(struct cpu, eip) }, 4);
    emit32(e, next);
}

/* mov r10, word; jmp exit stub */
static void leave(struct emit *e, uint64_t word)
{
    if (word >> 32) {
        emit__bytes(e, (const uint8_t[]){ 0x49, 0xba }, 2);
        emit64(e, word);
    } else {
        emit__bytes(e, (const uint8_t[]){ 0x41, 0xba }, 2);
        emit32(e, (uint32_t)word);
    }
    emit__bytes(e, (const uint8_t[]){ 0xe9 }, 1);
    emit32(e, (uint32_t)(e->stubs + STUB_EXIT_OFFSET - (e->p + 4)));
}

/*
 * The event check on entry, flag-free (the guest's flags are live here):
 *   lea r9, [r9 - n]           take the block's instructions from the budget
 *   shrx r15, r9, r11          r11 = 63: r15 = 1 when the budget went below 0
 *   xchg rcx, r15; jrcxz ok    (guest ECX parked in r15 for the test)
 *   xchg rcx, r15; lea r9, [r9 + n]; exit before the block
 *   ok: xchg rcx, r15
 * Interrupts, the stop latch and timers are the C loop's business: nothing
 * translated code does raises them, and the budget ends the run at the
 * slice's end, where the machine fires timers; so a chained loop still
 * takes an interrupt at most one slice late, as the interpreter does.
 */
void emit__prologue(struct emit *e, uint32_t eip)
{
    static const uint8_t test[] = { 0xc4, 0x42, 0xa3, 0xf7, 0xf9,   /* shrx r15, r9, r11 */
                                    0x4c, 0x87, 0xf9,               /* xchg rcx, r15 */
                                    0xe3, 0x00 };                   /* jrcxz ok (patched) */
    static const uint8_t *const xchg = test + 5;
    budget_add(e, -(int)e->ninsns);
    emit__bytes(e, test, sizeof(test));
    uint8_t *rel8 = e->p - 1;
    emit__bytes(e, xchg, 3);
    budget_add(e, (int)e->ninsns);
    store_eip(e, eip);
    leave(e, 0);
    *rel8 = (uint8_t)(e->p - (rel8 + 1));
    emit__bytes(e, xchg, 3);
}

static void exit_with(struct emit *e, uint32_t next, uint32_t count, uint64_t word)
{
    budget_add(e, (int)(e->ninsns - count));
    store_eip(e, next);
    leave(e, word);
}

/*
 * The guest's arithmetic flags kept in R10 while host code compares:
 *   save:    xchg rax, r10; seto al; lahf; xchg rax, r10
 *   restore: xchg rax, r10; cmp al, 0x81; sahf; xchg rax, r10
 * (AH gets SF ZF AF PF CF, AL OF; AL - 0x81 = AL + 0x7f overflows
 * exactly when OF was set, then SAHF sets the rest. The compare leaves
 * R10 as saved, for the next restore: flags_in_r10.) Guest EAX lives in
 * RAX, hence the exchanges. About 4 times cheaper than PUSHFQ/POPFQ,
 * whose POPFQ costs some 50 cycles on the host.
 */
static void flags_save(struct emit *e)
{
    emit__bytes(e, (const uint8_t[]){ 0x49, 0x92, 0x0f, 0x90, 0xc0, 0x9f, 0x49, 0x92 }, 8);
}

static void flags_restore(struct emit *e)
{
    emit__bytes(e, (const uint8_t[]){ 0x49, 0x92, 0x3c, 0x81, 0x9e, 0x49, 0x92 }, 7);
}

/*
 * The indirect branch's probe (r8d = target EIP; the guest flags are live):
 *   save the flags (R10)
 *   mov r15d, r8d; and r15d, size-1; lea r15, [r15 + r15*2]; shl r15, 3
 *   mov r14, table; add r15, r14           r15 = the entry (24 bytes)
 *   cmp r8d, [r15 + eip]; jne miss
 *   cmp dword [r15 + tag], context + 1; jne miss    the same key
 *   lea r14d, [r8 + CS base]; the TLB entry of the target (tlb_index)
 *   test byte [entry + rights], fetch right at the block's CPL; jz miss
 *   mov r14, [entry]; cmp r14, [r15 + map]; jne miss   mapped as then
 *   mov r14, &stats.bt_ibl_hits; inc qword [r14]
 *   restore the flags; jmp [r15 + host]    to the target block's entry
 *   miss: restore the flags; mov [r13 + eip], r8d; exit (BT_EXIT_INDIRECT)
 * A block whose context has no id (cache__context) always exits.
 */
void emit__exit_indirect(struct emit *e)
{
    _Static_assert(sizeof(struct ibl_entry) == 24, "the probe scales the index by 24");
    _Static_assert(offsetof(struct tlb_entry, lin_page) == 0 && offsetof(struct tlb_entry, phys_page) == 4,
                   "an entry's map is the TLB entry's first 8 bytes");
    uint8_t *miss[4] = { NULL };
    if (e->b->ctx >= 0) {
        unsigned cpl = (e->b->key.mode >> BLOCK_MODE_CPL_SHIFT) & 3;
        flags_save(e);
        emit__bytes(e, (const uint8_t[]){ 0x45, 0x89, 0xc7, 0x41, 0x81, 0xe7 }, 6);      /* mov r15d, r8d; and r15d, */
        emit32(e, CACHE_IBL_SIZE - 1);
        emit__bytes(e, (const uint8_t[]){ 0x4f, 0x8d, 0x3c, 0x7f, 0x49, 0xc1, 0xe7, 0x03, /* lea r15, [r15+r15*2]; shl r15, 3 */
                                          0x49, 0xbe }, 10);                             /* mov r14, */
        emit64(e, (uintptr_t)e->ibl);
        emit__bytes(e, (const uint8_t[]){ 0x4d, 0x01, 0xf7, 0x45, 0x3b, 0x07 }, 6);      /* add r15, r14; cmp r8d, [r15] */
        miss[0] = jcc_miss(e, CC_NZ);
        emit__bytes(e, (const uint8_t[]){ 0x41, 0x81, 0x7f, 0x04 }, 4);                  /* cmp dword [r15+4], imm32 */
        emit32(e, (uint32_t)e->b->ctx + 1);
        miss[1] = jcc_miss(e, CC_NZ);
        emit__bytes(e, (const uint8_t[]){ 0x45, 0x8d, 0xb0 }, 3);                        /* lea r14d, [r8+d32] */
        emit32(e, e->b->key.cs_base);
        tlb_index(e, true);
        emit__bytes(e, (const uint8_t[]){ 0x43, 0xf6, 0x84, 0xf5 }, 4);                  /* test byte [r13+r14*8+d32], */
        emit32(e, TLB_FIELD(rights));
        emit__bytes(e, (const uint8_t[]){ cpl == 3 ? TLB_USER_R : TLB_SUP_R }, 1);
        miss[2] = jcc_miss(e, CC_Z);
        emit__bytes(e, (const uint8_t[]){ 0x4f, 0x8b, 0xb4, 0xf5 }, 4);                  /* mov r14, [r13+r14*8+d32] */
        emit32(e, TLB_FIELD(lin_page));
        emit__bytes(e, (const uint8_t[]){ 0x4d, 0x3b, 0x77, 0x10 }, 4);                  /* cmp r14, [r15+16] */
        miss[3] = jcc_miss(e, CC_NZ);
        emit__bytes(e, (const uint8_t[]){ 0x49, 0xbe }, 2);                              /* mov r14, &hits */
        emit64(e, (uintptr_t)&stats.bt_ibl_hits);
        emit__bytes(e, (const uint8_t[]){ 0x49, 0xff, 0x06 }, 3);                        /* inc qword [r14] */
        flags_restore(e);
        emit__bytes(e, (const uint8_t[]){ 0x41, 0xff, 0x67, 0x08 }, 4);                  /* jmp [r15+8] */
        for (int i = 0; i < 4; i++)
            patch_here(miss[i], e->p);
        flags_restore(e);                                                               /* miss */
    }
    /* mov [r13 + eip], r8d */
    emit__bytes(e, (const uint8_t[]){ 0x45, 0x89, 0x45, (uint8_t)offsetof(struct cpu, eip) }, 4);
    leave(e, BT_EXIT_INDIRECT);
}

/* The unchained tail of chainable exit idx (where its jump goes until
 * the C loop chains it). */
static void chain_tail(struct emit *e, unsigned idx, uint32_t next)
{
    e->b->exit_tail[idx] = e->p;
    store_eip(e, next);
    leave(e, (uintptr_t)e->b | BT_EXIT_CHAIN | idx << 2);
}

void emit__exit_chain(struct emit *e, unsigned idx, uint32_t next)
{
    emit__bytes(e, (const uint8_t[]){ 0xe9, 0, 0, 0, 0 }, 5); /* jmp tail (rel32 0) */
    e->b->exit_rel[idx] = e->p - 4;
    chain_tail(e, idx, next);
}

void emit__jcc(struct emit *e, unsigned cc, uint32_t taken, uint32_t fall)
{
    emit__bytes(e, (const uint8_t[]){ 0x0f, (uint8_t)(0x80 | cc) }, 2);
    uint8_t *rel = e->p;
    e->p += 4;
    emit__exit_chain(e, 0, fall);
    /* The taken exit is chained by patching the Jcc itself. */
    e->b->exit_rel[1] = rel;
    patch_here(rel, e->p);
    chain_tail(e, 1, taken);
}


/*
 * The lookup (a QEMU-softmmu-like fast path; r14d = linear address):
 *   save the flags (R10)              the guest flags, for a miss (unless
 *                                     R10 holds them still: flags_in_r10)
 *   lea r8d, [r14 + size-1]           the last byte
 *   the entry's index (tlb_index); and r8d, ~0xfff
 *   cmp r8d, [entry + tag[k]]; jne    k: the right the access needs
 *   add r14, [entry + addend]         host address (addend = host - page)
 *   resume: restore the flags, where a guest flag is live here
 * One compare checks the page, the crossing (the entry of the first
 * byte's page never holds the next page) and the right: tag[k] is the
 * entry's page when its fast-path rights (tlb_entry.perm) have bit k,
 * else a value no page equals (tlb_entry__sync in core/cpu.h keeps it).
 * The fast-path rights are those the guest PTEs grant (writes once the
 * dirty bit is set), none for MMIO (and for pages under a data
 * breakpoint, which never meet translated code: the engine steps with
 * the interpreter while DR7 enables any), and no writes to pages holding
 * code the interpreter decoded or this engine translated
 * (interp/code_wp.c). A store they refuse calls out to C (out of line,
 * "wp"), when the entry holds the page of both ends:
 *   wp: cmp r8d, [entry + lin_page]; jne miss
 *       mov r8, block | size-1; call the stub at STUB_WP_OFFSET
 *       test r14, r14; jnz resume      r14 = host address from C
 *   miss: restore the flags; exit before the instruction
 * C invalidates the code the store overwrites (translations, decoded
 * instructions) and returns the host address; the copied instruction then
 * stores inline. Only a store into the running block's own bytes (or to
 * MMIO, or one the guest's PTEs do not allow yet) leaves the block, so
 * that the interpreter does it and the new bytes are what runs next.
 * The miss exit restores the flags and leaves the block before the
 * instruction, which the interpreter then runs (walking the page tables,
 * raising #PF, doing MMIO or the page-crossing access exactly); its next
 * run hits.
 */
/* The lookup's core, from r14d = the first byte's linear address and
 * r8d = the last byte's (flags saved): the TLB entry's index (r15), its
 * tag for the right `need` against the last byte's page (returns the
 * jump taken when it differs), and the host address of the first byte
 * into r14. */
static uint8_t *probe(struct emit *e, unsigned need)
{
    tlb_index(e, false);
    emit__bytes(e, (const uint8_t[]){ 0x41, 0x81, 0xe0, 0x00, 0xf0, 0xff, 0xff }, 7); /* and r8d, ~0xfff */
    emit__bytes(e, (const uint8_t[]){ 0x47, 0x3b, 0x84, 0xfd }, 4);                   /* cmp r8d, [r13+r15*8+d32] */
    emit32(e, TLB_FIELD(tag) + 4 * (uint32_t)__builtin_ctz(need));
    uint8_t *tag = jcc_miss(e, CC_NZ);
    emit__bytes(e, (const uint8_t[]){ 0x4f, 0x03, 0xb4, 0xfd }, 4);                   /* add r14, [r13+r15*8+d32] */
    emit32(e, TLB_FIELD(addend));
    return tag;
}

void emit__lookup(struct emit *e, const struct mem_access *a)
{
    assert(e->naccess < EMIT_MAX_MISSES);
    unsigned need = (a->user ? TLB_USER_R : TLB_SUP_R) << a->write;
    if (!a->flags_in_r10)
        flags_save(e);
    emit__bytes(e, (const uint8_t[]){ 0x45, 0x8d, 0x46, (uint8_t)(a->size - 1) }, 4); /* lea r8d, [r14+size-1] */
    uint8_t *tag = probe(e, need);
    uint8_t *resume = e->p;
    if (a->save_flags)
        flags_restore(e);
    e->access[e->naccess++] = (typeof(e->access[0])){ a->write ? NULL : tag, a->write ? tag : NULL,
                                                        resume, a->size, a->eip, a->count };
}

/* lea reg32, [r12 + d32] (ESP), or [rbp + d32] (EBP) for a frame run;
 * reg is r8 or r14, given as ModRM reg bits (reg & 7) << 3. */
static void lea_from_run_reg(struct emit *e, bool frame, uint8_t reg_bits, int32_t d)
{
    if (frame)
        emit__bytes(e, (const uint8_t[]){ 0x44, 0x8d, (uint8_t)(0x85 | reg_bits) }, 3);
    else
        emit__bytes(e, (const uint8_t[]){ 0x45, 0x8d, (uint8_t)(0x84 | reg_bits), 0x24 }, 4);
    emit32(e, (uint32_t)d);
}

/*
 * The stack run's base (r12d = guest ESP), kept in the host stack's spare
 * slot [rsp] (the entry stub's alignment pad; calls from the block push
 * below it):
 *   save the flags (unless R10 holds them still)
 *   lea r14d, [r12 + lo]; lea r8d, [r12 + hi]   (the guest's 32-bit wrap)
 *   the probe: one TLB entry whose page holds both ends, with the rights
 *   every access of the run needs (a refused one leaves the block before
 *   the run's first access, for the interpreter)
 *   lea r14, [r14 - lo]; mov [rsp], r14     host address of [ESP + d] =
 *                                           [rsp] + d
 *   restore the flags, where live
 * Nothing in a block changes the TLB entry's page or takes rights away
 * (the callout only gives write rights back), so the run's accesses need
 * no check of their own: each becomes mov r14, [rsp]; lea r14, [r14 + d],
 * or only a LEA from the previous one's address when nothing has changed
 * R14 since (the base leaves R14 at [ESP + 0]); translate.c folds d into
 * the displacement of a copied instruction that can take one instead.
 * A frame run does the same from EBP (host RBP), its base in [rsp + 8].
 */
void emit__stack_base(struct emit *e, const struct stack_run *r)
{
    assert(e->naccess < EMIT_MAX_MISSES && r->hi - r->lo < 0x1000);
    unsigned need = (r->user ? TLB_USER_R : TLB_SUP_R) << r->write;
    if (!r->flags_in_r10)
        flags_save(e);
    lea_from_run_reg(e, r->frame, 0x30, r->lo); /* lea r14d, [base + lo] */
    lea_from_run_reg(e, r->frame, 0x00, r->hi); /* lea r8d, [base + hi] */
    uint8_t *tag = probe(e, need);
    if (r->lo) {
        emit__bytes(e, (const uint8_t[]){ 0x4d, 0x8d, 0xb6 }, 3);                     /* lea r14, [r14+d32] */
        emit32(e, (uint32_t)-r->lo);
    }
    emit__bytes(e, (const uint8_t[]){ 0x4c, 0x89, 0x74, 0x24, r->frame ? 8 : 0 }, 5); /* mov [rsp+d8], r14 */
    if (r->save_flags)
        flags_restore(e);
    e->access[e->naccess++] = (typeof(e->access[0])){ tag, NULL, NULL, 0, r->eip, r->count };
}

void emit__stack_access(struct emit *e, bool frame, int32_t disp, const int32_t *r14_at)
{
    if (r14_at && *r14_at == disp)
        return;
    if (r14_at)
        disp -= *r14_at;
    else
        emit__bytes(e, (const uint8_t[]){ 0x4c, 0x8b, 0x74, 0x24, frame ? 8 : 0 }, 5); /* mov r14, [rsp+d8] */
    if (disp) {
        emit__bytes(e, (const uint8_t[]){ 0x4d, 0x8d, 0xb6 }, 3);                     /* lea r14, [r14+d32] */
        emit32(e, (uint32_t)disp);
    }
}

static void patch_all(uint8_t *const *rel, int n, const uint8_t *to)
{
    for (int j = 0; j < n; j++)
        if (rel[j])
            patch_here(rel[j], to);
}

void emit__misses(struct emit *e)
{
    for (int i = 0; i < e->naccess; i++) {
        typeof(e->access[0]) *a = &e->access[i];
        uint8_t *other_page = NULL;
        if (a->wp_rel) {
            patch_here(a->wp_rel, e->p);
            emit__bytes(e, (const uint8_t[]){ 0x47, 0x3b, 0x84, 0xfd }, 4);           /* cmp r8d, [r13+r15*8+d32] */
            emit32(e, TLB_FIELD(lin_page));
            other_page = jcc_miss(e, CC_NZ);
            emit__bytes(e, (const uint8_t[]){ 0x49, 0xb8 }, 2);                       /* mov r8, block | size-1 */
            emit64(e, (uintptr_t)e->b | (a->size - 1));
            emit__bytes(e, (const uint8_t[]){ 0xe8 }, 1);                             /* call wp stub */
            emit32(e, (uint32_t)(e->stubs + STUB_WP_OFFSET - (e->p + 4)));
            emit__bytes(e, (const uint8_t[]){ 0x4d, 0x85, 0xf6, 0x0f, 0x85 }, 5);     /* test r14, r14; jnz resume */
            emit32(e, (uint32_t)(a->resume - (e->p + 4)));
        }
        if (a->rel)
            patch_here(a->rel, e->p);
        if (other_page)
            patch_here(other_page, e->p);
        flags_restore(e);
        exit_with(e, a->eip, a->count, BT_EXIT_MISS);
    }
    for (int i = 0; i < e->nsite; i++) {
        e->site[i].exit = (uint16_t)(e->p - e->b->host);
        if (e->site[i].flags_in_r10)
            flags_restore(e);
        exit_with(e, e->site[i].eip, e->site[i].count, BT_EXIT_MISS);
    }
    for (int i = 0; i < e->nmiss; i++) {
        patch_all(e->miss[i].rel, 4, e->p);
        emit__bytes(e, (const uint8_t[]){ 0x9d }, 1); /* popfq */
        exit_with(e, e->miss[i].eip, e->miss[i].count, BT_EXIT_MISS);
    }
    e->naccess = 0;
    e->nmiss = 0;
}

void emit__window_site(struct emit *e, uint32_t eip, uint32_t count, bool flags_in_r10)
{
    assert(e->nsite < EMIT_MAX_MISSES);
    e->site[e->nsite++] = (typeof(e->site[0])){ (uint16_t)(e->p - e->b->host), 0, eip, count, flags_in_r10 };
}

void emit__sites(struct emit *e)
{
    if (!e->nsite)
        return;
    e->p += (uintptr_t)e->p & 1;
    uint16_t *t = (uint16_t *)(void *)e->p;
    for (int i = 0; i < e->nsite; i++) {
        t[2 * i] = e->site[i].at;
        t[2 * i + 1] = e->site[i].exit;
    }
    e->b->sites = t;
    e->b->nsites = (uint16_t)e->nsite;
    e->p += 4u * (unsigned)e->nsite;
    e->nsite = 0;
}
