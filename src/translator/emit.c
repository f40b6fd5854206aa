/* emit.c - host code for block exits and for the inline lookup that turns
 * a guest linear address into a host address (register conventions in
 * stubs.c). */
#include "translator/emit.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "core/cpu.h"

_Static_assert(sizeof(struct tlb_entry) == 24, "the lookup scales the TLB index by 24");
_Static_assert(TLB_SIZE == 1024, "the lookup masks the page number with 1023");

#define TLB_FIELD(f) ((uint32_t)(offsetof(struct cpu, tlb) + offsetof(struct tlb_entry, f)))

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

void emit__exit(struct emit *e, uint32_t next, uint32_t count)
{
    /* mov dword [r13 + eip], next */
    emit__bytes(e, (const uint8_t[]){ 0x41, 0xc7, 0x45, (uint8_t)offsetof(struct cpu, eip) }, 4);
    emit32(e, next);
    emit__bytes(e, (const uint8_t[]){ 0x41, 0xba }, 2);       /* mov r10d, count */
    emit32(e, count);
    emit__bytes(e, (const uint8_t[]){ 0xe9 }, 1);             /* jmp exit stub */
    emit32(e, (uint32_t)(e->exit_stub - (e->p + 4)));
}

void emit__exit_r8(struct emit *e, uint32_t count)
{
    /* mov [r13 + eip], r8d */
    emit__bytes(e, (const uint8_t[]){ 0x45, 0x89, 0x45, (uint8_t)offsetof(struct cpu, eip) }, 4);
    emit__bytes(e, (const uint8_t[]){ 0x41, 0xba }, 2);       /* mov r10d, count */
    emit32(e, count);
    emit__bytes(e, (const uint8_t[]){ 0xe9 }, 1);             /* jmp exit stub */
    emit32(e, (uint32_t)(e->exit_stub - (e->p + 4)));
}

void emit__jcc(struct emit *e, unsigned cc, uint32_t taken, uint32_t fall, uint32_t count)
{
    emit__bytes(e, (const uint8_t[]){ 0x0f, (uint8_t)(0x80 | cc) }, 2);
    uint8_t *rel = e->p;
    e->p += 4;
    emit__exit(e, fall, count);
    patch_here(rel, e->p);
    emit__exit(e, taken, count);
}

/* A jcc rel32 to a miss stub: returns the field to patch. */
static uint8_t *jcc_miss(struct emit *e, unsigned cc)
{
    emit__bytes(e, (const uint8_t[]){ 0x0f, (uint8_t)(0x80 | cc) }, 2);
    uint8_t *rel = e->p;
    e->p += 4;
    return rel;
}

enum { CC_B = 2, CC_Z = 4, CC_NZ = 5 };

/*
 * The lookup (a QEMU-softmmu-like fast path; r14d = linear address):
 *   pushfq                            the guest flags, for a miss
 *   mov r15d, r14d; shr r15d, 12; and r15d, 1023
 *   lea r15, [r15 + r15*2]; shl r15, 3; add r15, r13      &cpu->tlb[i] - tlb
 *   lea r8d, [r14 + size-1]; and r8d, ~0xfff
 *   cmp r8d, [r15 + lin_page]; jne miss    other page, or the access crosses
 *   test byte [r15 + rights], need; jz miss  what the guest PTEs grant
 *   [lea r8d, [r14 + size-1 - block_lin]; cmp r8d, block_len + size-1; jb miss]
 *                                          a store into this block's own code
 *   and r14d, 0xfff; mov r15, [r15 + host]; test r15, r15; jz miss   MMIO
 *   add r14, r15
 *   popfq, or lea rsp, [rsp+8] when no guest flag is live here
 * The rights, not the TLB's fast-path permissions (tlb_entry.perm), are
 * tested: perm also withholds writes to pages holding code the
 * interpreter decoded (interp/code_wp.c), which would send every store to
 * data sharing a page with code out of the block. That is sound because
 * the interpreter forgets its decoded code on every entry (code_wp.c), and
 * translated code runs only between such entries; this engine's own
 * translations are validated by content, and a store into the running
 * block's own bytes leaves the block (the range check above). Data
 * breakpoints never meet translated code: the engine steps with the
 * interpreter while DR7 enables any.
 * The miss stub pops the flags and leaves the block before the instruction,
 * which the interpreter then runs (walking the page tables, raising #PF,
 * doing MMIO or the page-crossing access exactly); its next run hits.
 */
void emit__lookup(struct emit *e, const struct mem_access *a)
{
    assert(e->nmiss < EMIT_MAX_MISSES);
    unsigned need = (a->user ? TLB_USER_R : TLB_SUP_R) << a->write;
    emit__bytes(e, (const uint8_t[]){ 0x9c }, 1);
    static const uint8_t index[] = {
        0x45, 0x89, 0xf7,                   /* mov r15d, r14d */
        0x41, 0xc1, 0xef, 0x0c,             /* shr r15d, 12 */
        0x41, 0x81, 0xe7, 0xff, 0x03, 0, 0, /* and r15d, 1023 */
        0x4f, 0x8d, 0x3c, 0x7f,             /* lea r15, [r15 + r15*2] */
        0x49, 0xc1, 0xe7, 0x03,             /* shl r15, 3 */
        0x4d, 0x01, 0xef,                   /* add r15, r13 */
    };
    emit__bytes(e, index, sizeof(index));
    emit__bytes(e, (const uint8_t[]){ 0x45, 0x8d, 0x46, (uint8_t)(a->size - 1) }, 4); /* lea r8d, [r14+size-1] */
    emit__bytes(e, (const uint8_t[]){ 0x41, 0x81, 0xe0, 0x00, 0xf0, 0xff, 0xff }, 7); /* and r8d, ~0xfff */
    emit__bytes(e, (const uint8_t[]){ 0x45, 0x3b, 0x87 }, 3);                         /* cmp r8d, [r15+d32] */
    emit32(e, TLB_FIELD(lin_page));
    uint8_t *r1 = jcc_miss(e, CC_NZ);
    emit__bytes(e, (const uint8_t[]){ 0x41, 0xf6, 0x87 }, 3);                         /* test byte [r15+d32], imm8 */
    emit32(e, TLB_FIELD(rights));
    emit__bytes(e, (const uint8_t[]){ (uint8_t)need }, 1);
    uint8_t *r2 = jcc_miss(e, CC_Z);
    uint8_t *r3 = NULL;
    if (a->write) {
        emit__bytes(e, (const uint8_t[]){ 0x45, 0x8d, 0x86 }, 3);                     /* lea r8d, [r14+d32] */
        emit32(e, a->size - 1 - a->block_lin);
        emit__bytes(e, (const uint8_t[]){ 0x41, 0x81, 0xf8 }, 3);                     /* cmp r8d, imm32 */
        emit32(e, a->block_len + a->size - 1);
        r3 = jcc_miss(e, CC_B);
    }
    emit__bytes(e, (const uint8_t[]){ 0x41, 0x81, 0xe6, 0xff, 0x0f, 0, 0 }, 7);       /* and r14d, 0xfff */
    emit__bytes(e, (const uint8_t[]){ 0x4d, 0x8b, 0xbf }, 3);                         /* mov r15, [r15+d32] */
    emit32(e, TLB_FIELD(host));
    emit__bytes(e, (const uint8_t[]){ 0x4d, 0x85, 0xff }, 3);                         /* test r15, r15 */
    uint8_t *r4 = jcc_miss(e, CC_Z);
    emit__bytes(e, (const uint8_t[]){ 0x4d, 0x01, 0xfe }, 3);                         /* add r14, r15 */
    if (a->save_flags)
        emit__bytes(e, (const uint8_t[]){ 0x9d }, 1);
    else
        emit__bytes(e, (const uint8_t[]){ 0x48, 0x8d, 0x64, 0x24, 0x08 }, 5); /* lea rsp, [rsp+8] */
    e->miss[e->nmiss++] = (typeof(e->miss[0])){ { r1, r2, r3, r4 }, a->eip, a->count };
}

void emit__misses(struct emit *e)
{
    for (int i = 0; i < e->nmiss; i++) {
        for (int j = 0; j < 4; j++)
            if (e->miss[i].rel[j])
                patch_here(e->miss[i].rel[j], e->p);
        emit__bytes(e, (const uint8_t[]){ 0x9d }, 1); /* popfq */
        emit__exit(e, e->miss[i].eip, e->miss[i].count | BT_EXIT_MISS);
    }
    e->nmiss = 0;
}
