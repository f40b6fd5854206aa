/* test_decode.c - the decoder: lengths, effective addresses, segments and
 * immediates for a table of encodings in 32- and 16-bit code, and the
 * decode-time faults (15-byte limit, LOCK). */
#include "check_main.h"
#include "interp_fixture.h"

/* Register values every case starts from. */
static const uint32_t regs[8] = {
    0x100, 0x200, 0x300, 0x400, 0x500, 0x600, 0x700, 0x800,
};

struct dcase {
    const char *text;  /* disassembly */
    uint8_t bytes[16];
    uint8_t n;         /* bytes given */
    uint8_t len;       /* expected length */
    bool mem;          /* expected is_mem */
    uint32_t ea;
    int seg;
    uint32_t imm, imm2;
};

/* Decode bytes at FIX_CODE; returns -1 or the vector raised. */
static int decode(const uint8_t *bytes, size_t n, struct insn *in)
{
    jmp_buf jb;
    jmp_buf *saved = fix_cpu->exc_jmp;
    fix_code(bytes, n);
    memcpy(fix_cpu->gpr, regs, sizeof regs);
    fix_cpu->exc_jmp = &jb;
    if (setjmp(jb)) {
        fix_cpu->exc_jmp = saved;
        return fix_cpu->exc.vector;
    }
    decode__insn(fix_cpu, in);
    fix_cpu->exc_jmp = saved;
    return -1;
}

static void check_cases(const struct dcase *c, size_t count)
{
    for (size_t i = 0; i < count; i++, c++) {
        struct insn in;
        ck_assert_msg(decode(c->bytes, c->n, &in) == -1, "%s: raised", c->text);
        ck_assert_msg(in.len == c->len, "%s: len %u, want %u", c->text, in.len, c->len);
        ck_assert_msg(in.next_eip == FIX_CODE + c->len, "%s: next_eip", c->text);
        ck_assert_msg(in.is_mem == c->mem, "%s: is_mem", c->text);
        if (c->mem) {
            ck_assert_msg(in.ea == c->ea, "%s: ea %x, want %x", c->text, in.ea, c->ea);
            ck_assert_msg(in.seg == c->seg, "%s: seg %d, want %d", c->text, in.seg, c->seg);
        }
        ck_assert_msg(in.imm == c->imm, "%s: imm %x, want %x", c->text, in.imm, c->imm);
        ck_assert_msg(in.imm2 == c->imm2, "%s: imm2 %x", c->text, in.imm2);
    }
}

#define B(...) { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ })

static const struct dcase cases32[] = {
    { "mov eax,[eax]", B(0x8b, 0x00), 2, true, 0x100, S_DS, 0, 0 },
    { "mov eax,[esp]", B(0x8b, 0x04, 0x24), 3, true, 0x500, S_SS, 0, 0 },
    { "mov eax,[ebp+8]", B(0x8b, 0x45, 0x08), 3, true, 0x608, S_SS, 0, 0 },
    { "mov eax,[ebp-4]", B(0x8b, 0x45, 0xfc), 3, true, 0x5fc, S_SS, 0, 0 },
    { "mov eax,[0x12345678]", B(0x8b, 0x05, 0x78, 0x56, 0x34, 0x12), 6, true, 0x12345678, S_DS, 0, 0 },
    { "mov eax,[ecx*4+0x10]", B(0x8b, 0x04, 0x8d, 0x10, 0, 0, 0), 7, true, 0x810, S_DS, 0, 0 },
    { "mov eax,[ebx+ecx*2-4]", B(0x8b, 0x44, 0x4b, 0xfc), 4, true, 0x7fc, S_DS, 0, 0 },
    { "mov eax,[esp+0x100]", B(0x8b, 0x84, 0x24, 0x00, 0x01, 0, 0), 7, true, 0x600, S_SS, 0, 0 },
    { "mov eax,[ebp+8] (sib, no index)", B(0x8b, 0x44, 0x25, 0x08), 4, true, 0x608, S_SS, 0, 0 },
    { "mov eax,[ebp+esi*8]", B(0x8b, 0x44, 0xf5, 0x00), 4, true, 0x600 + 0x3800, S_SS, 0, 0 },
    { "mov eax,[esi+ebp]", B(0x8b, 0x04, 0x2e), 3, true, 0xd00, S_DS, 0, 0 },
    { "mov eax,es:[ebp+8]", B(0x26, 0x8b, 0x45, 0x08), 4, true, 0x608, S_ES, 0, 0 },
    { "mov eax,gs:fs:[eax] (last wins)", B(0x65, 0x64, 0x8b, 0x00), 4, true, 0x100, S_FS, 0, 0 },
    { "mov eax,[bp+2] (67)", B(0x67, 0x8b, 0x46, 0x02), 4, true, 0x602, S_SS, 0, 0 },
    { "mov eax,eax", B(0x8b, 0xc0), 2, false, 0, 0, 0, 0 },
    { "add eax,0x12345678", B(0x81, 0xc0, 0x78, 0x56, 0x34, 0x12), 6, false, 0, 0, 0x12345678, 0 },
    { "add ax,0x1234", B(0x66, 0x81, 0xc0, 0x34, 0x12), 5, false, 0, 0, 0x1234, 0 },
    { "add eax,1 (83)", B(0x83, 0xc0, 0x01), 3, false, 0, 0, 1, 0 },
    { "add dword [eax+4],0xff (83)", B(0x83, 0x40, 0x04, 0xff), 4, true, 0x104, S_DS, 0xff, 0 },
    { "enter 0x10,1", B(0xc8, 0x10, 0x00, 0x01), 4, false, 0, 0, 0x10, 1 },
    { "jmp 0x1234:0x56789abc", B(0xea, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12), 7, false, 0, 0, 0x56789abc, 0x1234 },
    { "jmp 0x1234:0x5678 (66)", B(0x66, 0xea, 0x78, 0x56, 0x34, 0x12), 6, false, 0, 0, 0x5678, 0x1234 },
    { "mov eax,[0x11223344] (moffs)", B(0xa1, 0x44, 0x33, 0x22, 0x11), 5, true, 0x11223344, S_DS, 0, 0 },
    { "mov eax,cs:[0x3344] (67 moffs)", B(0x2e, 0x67, 0xa1, 0x44, 0x33), 5, true, 0x3344, S_CS, 0, 0 },
    { "test al,1", B(0xf6, 0xc0, 0x01), 3, false, 0, 0, 1, 0 },
    { "not al", B(0xf6, 0xd0), 2, false, 0, 0, 0, 0 },
    { "test eax,0x80000000", B(0xf7, 0xc0, 0, 0, 0, 0x80), 6, false, 0, 0, 0x80000000, 0 },
    { "test word [ebx],0x8000", B(0x66, 0xf7, 0x03, 0x00, 0x80), 5, true, 0x400, S_DS, 0x8000, 0 },
    { "neg eax", B(0xf7, 0xd8), 2, false, 0, 0, 0, 0 },
    { "mov eax,cr0", B(0x0f, 0x20, 0xc0), 3, false, 0, 0, 0, 0 },
    { "mov eax,cr0 (mod 0 ignored)", B(0x0f, 0x20, 0x00), 3, false, 0, 0, 0, 0 },
    { "jz rel32", B(0x0f, 0x84, 0x10, 0, 0, 0), 6, false, 0, 0, 0x10, 0 },
    { "bt eax,5", B(0x0f, 0xba, 0xe0, 0x05), 4, false, 0, 0, 5, 0 },
    { "shld eax,ecx,3", B(0x0f, 0xa4, 0xc8, 0x03), 4, false, 0, 0, 3, 0 },
    { "movzx eax,byte [esi]", B(0x0f, 0xb6, 0x06), 3, true, 0x700, S_DS, 0, 0 },
    { "push 0x12345678", B(0x68, 0x78, 0x56, 0x34, 0x12), 5, false, 0, 0, 0x12345678, 0 },
    { "imul eax,ecx,-1", B(0x6b, 0xc1, 0xff), 3, false, 0, 0, 0xff, 0 },
    { "ret 8", B(0xc2, 0x08, 0x00), 3, false, 0, 0, 8, 0 },
    { "mov byte [edi],0x55", B(0xc6, 0x07, 0x55), 3, true, 0x800, S_DS, 0x55, 0 },
    { "rep movsd", B(0xf3, 0xa5), 2, false, 0, 0, 0, 0 },
    { "nop word [eax+eax+0]", B(0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00), 6, true, 0x200, S_DS, 0, 0 },
    { "nop dword [eax+0]", B(0x0f, 0x1f, 0x80, 0, 0, 0, 0), 7, true, 0x100, S_DS, 0, 0 },
    { "xlat (seg default DS)", B(0xd7), 1, false, 0, 0, 0, 0 },
    { "mov ds,ax", B(0x8e, 0xd8), 2, false, 0, 0, 0, 0 },
    { "call far [ebx+1]", B(0xff, 0x5b, 0x01), 3, true, 0x401, S_DS, 0, 0 },
    { "pop dword [esp+4]", B(0x8f, 0x44, 0x24, 0x04), 4, true, 0x504, S_SS, 0, 0 },
    { "lock add [eax],ecx", B(0xf0, 0x01, 0x08), 3, true, 0x100, S_DS, 0, 0 },
    { "lock bts dword [eax],1", B(0xf0, 0x0f, 0xba, 0x28, 0x01), 5, true, 0x100, S_DS, 1, 0 },
    { "14 prefixes + nop: 15 bytes", B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                        0x66, 0x66, 0x66, 0x66, 0x66, 0x90), 15, false, 0, 0, 0, 0 },
};

static const struct dcase cases16[] = {
    { "mov ax,[bx+si]", B(0x8b, 0x00), 2, true, 0xb00, S_DS, 0, 0 },
    { "mov ax,[bx+di+4]", B(0x8b, 0x41, 0x04), 3, true, 0xc04, S_DS, 0, 0 },
    { "mov ax,[bp+si]", B(0x8b, 0x02), 2, true, 0xd00, S_SS, 0, 0 },
    { "mov ax,[bp-2]", B(0x8b, 0x46, 0xfe), 3, true, 0x5fe, S_SS, 0, 0 },
    { "mov ax,[0x1234]", B(0x8b, 0x06, 0x34, 0x12), 4, true, 0x1234, S_DS, 0, 0 },
    { "mov ax,[bx+0xff00] (wraps)", B(0x8b, 0x87, 0x00, 0xff), 4, true, 0x300, S_DS, 0, 0 },
    { "mov ax,[si]", B(0x8b, 0x04), 2, true, 0x700, S_DS, 0, 0 },
    { "mov ax,[di]", B(0x8b, 0x05), 2, true, 0x800, S_DS, 0, 0 },
    { "mov ax,[bx]", B(0x8b, 0x07), 2, true, 0x400, S_DS, 0, 0 },
    { "mov ax,ds:[bp+0]", B(0x3e, 0x8b, 0x46, 0x00), 4, true, 0x600, S_DS, 0, 0 },
    { "mov ax,0x1234", B(0xb8, 0x34, 0x12), 3, false, 0, 0, 0x1234, 0 },
    { "mov eax,0x12345678 (66)", B(0x66, 0xb8, 0x78, 0x56, 0x34, 0x12), 6, false, 0, 0, 0x12345678, 0 },
    { "mov ax,[esp] (67)", B(0x67, 0x8b, 0x04, 0x24), 4, true, 0x500, S_SS, 0, 0 },
    { "call rel16", B(0xe8, 0x00, 0x10), 3, false, 0, 0, 0x1000, 0 },
    { "mov ax,[0x5678] (moffs16)", B(0xa1, 0x78, 0x56), 3, true, 0x5678, S_DS, 0, 0 },
    { "jmp far 0xf000:0xfff0", B(0xea, 0xf0, 0xff, 0x00, 0xf0), 5, false, 0, 0, 0xfff0, 0xf000 },
};

START_TEST(test_decode_32)
{
    check_cases(cases32, sizeof cases32 / sizeof cases32[0]);
}
END_TEST

START_TEST(test_decode_16)
{
    fix_real();
    check_cases(cases16, sizeof cases16 / sizeof cases16[0]);
    /* The same bytes in a 16-bit protected-mode code segment. */
    fix_flat32();
    fix_cpu->seg[S_CS].attr &= ~DESC_DB;
    check_cases(cases16, sizeof cases16 / sizeof cases16[0]);
}
END_TEST

START_TEST(test_decode_faults)
{
    struct insn in;
    /* 15 operand-size prefixes then NOP: 16 bytes. */
    static const uint8_t too_long[] = { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                        0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90 };
    ck_assert_int_eq(decode(too_long, sizeof too_long, &in), EXC_GP);
    ck_assert(fix_cpu->exc.has_error && fix_cpu->exc.error == 0);

    static const uint8_t lock_reg[] = { 0xf0, 0x01, 0xc0 };       /* lock add eax,eax */
    static const uint8_t lock_mov[] = { 0xf0, 0x89, 0x00 };       /* lock mov [eax],eax */
    static const uint8_t lock_cmp[] = { 0xf0, 0x39, 0x00 };       /* lock cmp [eax],eax */
    static const uint8_t lock_bt[] = { 0xf0, 0x0f, 0xba, 0x20, 1 }; /* lock bt dword [eax],1 */
    static const uint8_t lock_nop[] = { 0xf0, 0x90 };             /* lock nop */
    static const uint8_t lock_inc[] = { 0xf0, 0xfe, 0x00 };       /* lock inc byte [eax] */
    static const uint8_t lock_xchg[] = { 0xf0, 0x87, 0x03 };      /* lock xchg [ebx],eax */
    ck_assert_int_eq(decode(lock_reg, sizeof lock_reg, &in), EXC_UD);
    ck_assert_int_eq(decode(lock_mov, sizeof lock_mov, &in), EXC_UD);
    ck_assert_int_eq(decode(lock_cmp, sizeof lock_cmp, &in), EXC_UD);
    ck_assert_int_eq(decode(lock_bt, sizeof lock_bt, &in), EXC_UD);
    ck_assert_int_eq(decode(lock_nop, sizeof lock_nop, &in), EXC_UD);
    ck_assert_int_eq(decode(lock_inc, sizeof lock_inc, &in), -1);
    ck_assert_int_eq(decode(lock_xchg, sizeof lock_xchg, &in), -1);

    /* An instruction that runs past the CS limit: #GP(0). */
    static const uint8_t mov_imm[] = { 0xb8, 1, 2, 3, 4 }; /* mov eax,0x04030201 */
    fix_cpu->seg[S_CS].limit = FIX_CODE + 3;
    ck_assert_int_eq(decode(mov_imm, sizeof mov_imm, &in), EXC_GP);
    fix_cpu->seg[S_CS].limit = FIX_CODE + 4;
    ck_assert_int_eq(decode(mov_imm, sizeof mov_imm, &in), -1);
    ck_assert_uint_eq(in.imm, 0x04030201);
}
END_TEST

/* An instruction that straddles a page boundary decodes through the slow
 * fetch path. */
START_TEST(test_decode_page_cross)
{
    static const uint8_t code[] = { 0x8b, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00 }; /* mov eax,[esp+0x100] */
    struct insn in;
    jmp_buf jb;
    fix_poke(0x2ffd, code, sizeof code);
    memcpy(fix_cpu->gpr, regs, sizeof regs);
    fix_cpu->eip = 0x2ffd;
    fix_cpu->exc_jmp = &jb;
    ck_assert_int_eq(setjmp(jb), 0);
    decode__insn(fix_cpu, &in);
    ck_assert_uint_eq(in.len, 7);
    ck_assert_uint_eq(in.ea, 0x600);
    ck_assert_uint_eq(in.next_eip, 0x3004);
}
END_TEST

/* The decoded-instruction cache: a hit re-evaluates the effective address
 * with the current registers; changed bytes or a changed default size are
 * decoded again. */
START_TEST(test_decode_cache)
{
    struct insn in;
    uint8_t code[] = { 0x8b, 0x43, 0x04, 0x90, 0x90, 0x90, 0x90, 0x90 }; /* mov eax,[ebx+4] */
    ck_assert_int_eq(decode(code, sizeof code, &in), -1);
    ck_assert_uint_eq(in.ea, 0x404);
    for (int i = 0; i < 3; i++) {
        fix_cpu->gpr[R_EBX] = 0x1000u * i;
        decode__insn(fix_cpu, &in);
        ck_assert_uint_eq(in.ea, 0x1000u * i + 4);
        ck_assert_uint_eq(in.len, 3);
    }
    code[2] = 0x08; /* mov eax,[ebx+8] */
    ck_assert_int_eq(decode(code, sizeof code, &in), -1);
    ck_assert_uint_eq(in.ea, 0x408);
    code[1] = 0x83; /* mov eax,[ebx+0x90909008] */
    ck_assert_int_eq(decode(code, sizeof code, &in), -1);
    ck_assert_uint_eq(in.len, 6);
    ck_assert_uint_eq(in.ea, 0x90909408);
    /* The same bytes as 16-bit code: mov ax,[bp+di+0x9008] (0x83 is
     * mod 2, rm 3), SS. */
    fix_cpu->seg[S_CS].attr &= ~DESC_DB;
    ck_assert_int_eq(decode(code, sizeof code, &in), -1);
    ck_assert_uint_eq(in.len, 4);
    ck_assert_uint_eq(in.ea, (0x600 + 0x800 + 0x9008) & 0xffff);
    ck_assert_int_eq(in.seg, S_SS);
}
END_TEST

static Suite *decode_suite(void)
{
    Suite *s = suite_create("decode");
    TCase *tc = tcase_create("decode");
    tcase_add_checked_fixture(tc, fix_setup, fix_teardown);
    tcase_add_test(tc, test_decode_32);
    tcase_add_test(tc, test_decode_16);
    tcase_add_test(tc, test_decode_faults);
    tcase_add_test(tc, test_decode_page_cross);
    tcase_add_test(tc, test_decode_cache);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(decode_suite)
