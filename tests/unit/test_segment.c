/* test_segment.c - segmentation: limit, expand-down and type checks of
 * accesses, seg__load's checks and error codes, LAR/LSL/VERR/VERW, LTR and
 * LLDT, descriptor-table stores and loads, far JMP/CALL/RETF including a
 * call gate to CPL 0 with parameter copy and the return to CPL 3. */
#include "check_main.h"
#include "mem_test_util.h"

#define GDT 0x50000u
#define LDT 0x51000u
#define TSS 0x52000u
#define GATE_TARGET (FIX_CODE + 0x100)

#define ZF_SET() (fix_cpu->eflags & F_ZF)

static void setup(void)
{
    fix_setup();
    memset(fix_m->ram.host + GDT, 0, 0x1000);
    mt_desc(GDT, 0x08, 0, 0xffffffffu, 0x9a, 0x4);     /* code DPL0 */
    mt_desc(GDT, 0x10, 0, 0xffffffffu, 0x92, 0x4);     /* data DPL0 */
    mt_desc(GDT, 0x18, 0x20000, 0xfff, 0x90, 0x4);     /* read-only data */
    mt_desc(GDT, 0x20, 0x20000, 0xfff, 0x96, 0x4);     /* expand-down, B=1 */
    mt_desc(GDT, 0x28, 0, 0xffffffffu, 0x98, 0x4);     /* execute-only code */
    mt_desc(GDT, 0x30, 0, 0xffffffffu, 0xf2, 0x4);     /* data DPL3 */
    mt_desc(GDT, 0x38, 0, 0xffffffffu, 0xfa, 0x4);     /* code DPL3 */
    mt_desc(GDT, 0x40, 0, 0xffff, 0x12, 0x0);          /* data, not present */
    mt_desc(GDT, 0x48, LDT, 0x17, 0x82, 0x0);          /* LDT */
    mt_desc(GDT, 0x50, TSS, 0x67, 0x89, 0x0);          /* available 32-bit TSS */
    mt_gate(GDT, 0x58, 0x08, GATE_TARGET, 3, 2, true); /* call gate DPL3, 2 params */
    mt_desc(GDT, 0x60, 0, 0xffffffffu, 0x9e, 0x4);     /* conforming readable code */
    mt_desc(GDT, 0x68, 0x20000, 0xfff, 0x96, 0x0);     /* expand-down, B=0 */
    mt_desc(LDT, 0x04, 0x40000, 0xffff, 0x92, 0x0);    /* LDT entry 0: data */
    fix_cpu->gdtr.base = GDT;
    fix_cpu->gdtr.limit = 0xff;
    fix_cpu->seg[S_LDTR] = (struct seg_cache){ 0 };
    mt_poke32(TSS + 4, 0x38000); /* ESP0 */
    mt_poke32(TSS + 8, 0x10);    /* SS0 */
}

static int load(int seg, uint16_t sel) { return MT_TRY(seg__load(fix_cpu, seg, sel)); }

#define LOAD_OK(seg, sel) ck_assert_int_eq(load(seg, sel), -1)
#define LOAD_FAULT(seg, sel, vec, err) MT_FAULT(seg__load(fix_cpu, seg, sel), vec, err)

/* CPL 3 with the TSS loaded, as the call-gate tests need. */
static void enter_ring3(void)
{
    desc__to_cache(&fix_cpu->seg[S_TR], 0x50, fix_peek(GDT + 0x50, 4), mt_hi(GDT, 0x50));
    fix_cpu->cpl = 3;
    fix_seg(S_CS, 0x3b, 0, 0xffffffffu, DESC_P | DESC_S | DESC_CODE | DESC_R | DESC_A | DESC_DB
            | DESC_G | (3 << DESC_DPL_SHIFT));
    fix_seg(S_SS, 0x33, 0, 0xffffffffu, DESC_P | DESC_S | DESC_W | DESC_A | DESC_DB | DESC_G
            | (3 << DESC_DPL_SHIFT));
}

START_TEST(test_limit_and_type_checks)
{
    LOAD_OK(S_DS, 0x18); /* read-only, limit 0xfff */
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0xffe, 2)), -1);
    MT_FAULT(mt_v = vmem_read(fix_cpu, S_DS, 0xfff, 2), EXC_GP, 0);
    MT_FAULT(mt_v = vmem_read(fix_cpu, S_DS, 0x1000, 1), EXC_GP, 0);
    MT_FAULT(vmem_write(fix_cpu, S_DS, 0, 1, 0), EXC_GP, 0);

    LOAD_OK(S_SS, 0x20); /* expand-down, B=1: 0x1000..0xffffffff */
    MT_FAULT(mt_v = vmem_read(fix_cpu, S_SS, 0xfff, 1), EXC_SS, 0);
    ck_assert_int_eq(MT_TRY(vmem_write(fix_cpu, S_SS, 0x1000, 4, 0x55)), -1);
    ck_assert_uint_eq(fix_peek(0x21000, 4), 0x55);
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_SS, 0xfffffffcu, 4)), -1);
    MT_FAULT(mt_v = vmem_read(fix_cpu, S_SS, 0xfffffffeu, 4), EXC_SS, 0);

    LOAD_OK(S_ES, 0x68); /* expand-down, B=0: 0x1000..0xffff */
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_ES, 0xfffe, 2)), -1);
    MT_FAULT(mt_v = vmem_read(fix_cpu, S_ES, 0xffff, 2), EXC_GP, 0);
    MT_FAULT(mt_v = vmem_read(fix_cpu, S_ES, 0x10000, 1), EXC_GP, 0);

    LOAD_OK(S_FS, 0x60); /* readable conforming code: read yes, write no */
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_FS, 0x20000, 4)), -1);
    MT_FAULT(vmem_write(fix_cpu, S_FS, 0x20000, 4, 0), EXC_GP, 0);
    /* Execute-only code can not be read, even through CS. */
    fix_cpu->seg[S_GS] = fix_cpu->seg[S_CS];
    fix_cpu->seg[S_GS].attr &= ~DESC_R;
    MT_FAULT(mt_v = vmem_read(fix_cpu, S_GS, 0x20000, 4), EXC_GP, 0);

    LOAD_OK(S_GS, 0); /* null: loadable, unusable */
    MT_FAULT(mt_v = vmem_read(fix_cpu, S_GS, 0, 1), EXC_GP, 0);
    MT_FAULT(vmem_write_bytes(fix_cpu, S_GS, 0, "x", 1), EXC_GP, 0);
}
END_TEST

START_TEST(test_real_mode_limits)
{
    fix_real();
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0xfffe, 2)), -1);
    MT_FAULT(mt_v = vmem_read(fix_cpu, S_DS, 0xffff, 2), EXC_GP, 0);
    MT_FAULT(vmem_write(fix_cpu, S_SS, 0xffff, 2, 0), EXC_SS, 0);
    /* Real mode ignores the types: the CS cache is writable. */
    ck_assert_int_eq(MT_TRY(vmem_write(fix_cpu, S_CS, 0x2000, 1, 0x42)), -1);
    ck_assert_uint_eq(fix_peek(0x2000, 1), 0x42);
    LOAD_OK(S_DS, 0x1234);
    ck_assert_uint_eq(fix_cpu->seg[S_DS].base, 0x12340);
}
END_TEST

START_TEST(test_seg_load_errors)
{
    LOAD_FAULT(S_SS, 0, EXC_GP, 0);
    LOAD_FAULT(S_SS, 0x18, EXC_GP, 0x18);   /* not writable */
    LOAD_FAULT(S_SS, 0x33, EXC_GP, 0x30);   /* RPL != CPL, DPL != CPL */
    LOAD_FAULT(S_SS, 0x40, EXC_SS, 0x40);   /* not present */
    LOAD_FAULT(S_DS, 0x40, EXC_NP, 0x40);
    LOAD_FAULT(S_DS, 0x100, EXC_GP, 0x100); /* beyond the GDT limit */
    LOAD_FAULT(S_DS, 0x48, EXC_GP, 0x48);   /* system descriptor */
    LOAD_FAULT(S_DS, 0x28, EXC_GP, 0x28);   /* execute-only code */
    LOAD_FAULT(S_DS, 0x13, EXC_GP, 0x10);   /* RPL 3 > DPL 0 */
    LOAD_FAULT(S_DS, 0x04, EXC_GP, 0x04);   /* LDT selector, LDTR null */
    fix_cpu->cpl = 3;
    LOAD_FAULT(S_DS, 0x10, EXC_GP, 0x10);   /* CPL 3 > DPL 0 */
    LOAD_OK(S_DS, 0x63);                    /* conforming code: no DPL check */
    LOAD_OK(S_ES, 0x33);
    LOAD_OK(S_SS, 0x33);
    ck_assert(fix_cpu->inhibit_irq);

    /* The accessed bit is set in the descriptor and the cache. */
    ck_assert_uint_eq(mt_hi(GDT, 0x30) & 0x100, 0x100);
    ck_assert_uint_eq(fix_cpu->seg[S_ES].attr & DESC_A, DESC_A);
    ck_assert_uint_eq(fix_cpu->seg[S_ES].limit, 0xffffffffu);
}
END_TEST

START_TEST(test_lar_lsl_verr_verw)
{
    FIX_CODE_BYTES(0x0f, 0x02, 0xc3,       /* lar eax,ebx */
                   0x0f, 0x03, 0xcb,       /* lsl ecx,ebx */
                   0x66, 0x0f, 0x02, 0xc3, /* lar ax,bx */
                   0x0f, 0x00, 0xe3,       /* verr bx */
                   0x0f, 0x00, 0xeb);      /* verw bx */
    struct { uint16_t sel; int cpl; bool lar, lsl, verr, verw; uint32_t limit; } cases[] = {
        { 0x10, 0, 1, 1, 1, 1, 0xffffffffu },
        { 0x18, 0, 1, 1, 1, 0, 0xfff },
        { 0x28, 0, 1, 1, 0, 0, 0xffffffffu },
        { 0x40, 0, 1, 1, 1, 1, 0xffff },      /* not present: still visible */
        { 0x48, 0, 1, 1, 0, 0, 0x17 },        /* LDT */
        { 0x50, 0, 1, 1, 0, 0, 0x67 },        /* TSS */
        { 0x58, 0, 1, 0, 0, 0, 0 },           /* call gate: LAR only */
        { 0x100, 0, 0, 0, 0, 0, 0 },          /* beyond the limit */
        { 0x00, 0, 0, 0, 0, 0, 0 },           /* null */
        { 0x10, 3, 0, 0, 0, 0, 0 },           /* DPL 0 from CPL 3 */
        { 0x63, 3, 1, 1, 1, 0, 0xffffffffu }, /* conforming code */
        { 0x13, 0, 0, 0, 0, 0, 0 },           /* RPL 3 > DPL 0 */
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fix_cpu->cpl = cases[i].cpl;
        fix_cpu->eip = FIX_CODE;
        fix_cpu->gpr[R_EBX] = cases[i].sel;
        fix_cpu->gpr[R_EAX] = fix_cpu->gpr[R_ECX] = 0xeeeeeeee;
        uint32_t hi = mt_hi(GDT, cases[i].sel);

        ck_assert_int_eq(fix_step(), -1);
        ck_assert_msg(!!ZF_SET() == cases[i].lar, "lar %x", cases[i].sel);
        ck_assert_uint_eq(fix_cpu->gpr[R_EAX], cases[i].lar ? hi & 0x00f0ff00u : 0xeeeeeeee);
        ck_assert_int_eq(fix_step(), -1);
        ck_assert_msg(!!ZF_SET() == cases[i].lsl, "lsl %x", cases[i].sel);
        ck_assert_uint_eq(fix_cpu->gpr[R_ECX], cases[i].lsl ? cases[i].limit : 0xeeeeeeee);
        fix_cpu->gpr[R_EAX] = 0xeeeeeeee;
        ck_assert_int_eq(fix_step(), -1);
        ck_assert_uint_eq(fix_cpu->gpr[R_EAX], cases[i].lar ? 0xeeee0000u | (hi & 0xff00) : 0xeeeeeeee);
        ck_assert_int_eq(fix_step(), -1);
        ck_assert_msg(!!ZF_SET() == cases[i].verr, "verr %x", cases[i].sel);
        ck_assert_int_eq(fix_step(), -1);
        ck_assert_msg(!!ZF_SET() == cases[i].verw, "verw %x", cases[i].sel);
    }
    fix_real();
    FIX_CODE_BYTES(0x0f, 0x02, 0xc3);
    ck_assert_int_eq(fix_step(), EXC_UD);
}
END_TEST

START_TEST(test_ltr_lldt)
{
    FIX_CODE_BYTES(0x0f, 0x00, 0xd8,  /* ltr ax */
                   0x0f, 0x00, 0xd1,  /* lldt cx */
                   0x8e, 0xda,        /* mov ds,edx */
                   0x0f, 0x00, 0xc8,  /* str eax */
                   0x0f, 0x00, 0x03); /* sldt [ebx] */
    fix_cpu->gpr[R_EAX] = 0x50;
    fix_cpu->gpr[R_ECX] = 0x48;
    fix_cpu->gpr[R_EDX] = 0x04;
    fix_cpu->gpr[R_EBX] = 0x100;
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq((mt_hi(GDT, 0x50) >> 8) & 0xf, 0xb); /* busy */
    ck_assert_uint_eq(fix_cpu->seg[S_TR].base, TSS);
    ck_assert_uint_eq(fix_cpu->seg[S_TR].attr & 0xf, 0xb);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->seg[S_LDTR].base, LDT);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->seg[S_DS].base, 0x40000);
    fix_cpu->gpr[R_EAX] = 0xffffffff;
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 0x50); /* zero-extended */
    ck_assert_int_eq(fix_step(), -1); /* through DS, now the LDT segment at 0x40000 */
    ck_assert_uint_eq(fix_peek(0x40100, 2), 0x48);

    /* A busy TSS can not be loaded again; CPL 3 can not load at all. */
    fix_cpu->eip = FIX_CODE;
    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->exc.error, 0x50);
    fix_cpu->cpl = 3;
    fix_cpu->eip = FIX_CODE + 3;
    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->exc.error, 0);
}
END_TEST

START_TEST(test_descriptor_table_registers)
{
    FIX_CODE_BYTES(0x0f, 0x01, 0x03,       /* sgdt [ebx] */
                   0x66, 0x0f, 0x01, 0x0b, /* o16 sidt [ebx] */
                   0x0f, 0x01, 0x13,       /* lgdt [ebx] */
                   0x66, 0x0f, 0x01, 0x1b, /* o16 lidt [ebx] */
                   0x0f, 0x01, 0xe0,       /* smsw eax */
                   0x0f, 0x01, 0xf1,       /* lmsw cx */
                   0x0f, 0x01, 0xc3);      /* sgdt with mod=3: #UD */
    fix_cpu->gpr[R_EBX] = FIX_DATA;
    fix_cpu->idtr = (struct dtable){ .base = 0xab123456u, .limit = 0x7ff };
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_peek(FIX_DATA, 2), 0xff);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 2, 4), GDT);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_peek(FIX_DATA, 2), 0x7ff);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 2, 4), 0x00123456u); /* top byte 0 */

    fix_poke(FIX_DATA, "\x34\x12\x78\x56\x34\xcd", 6);
    fix_cpu->gdtr.base = GDT; /* unchanged by the stores */
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->gdtr.limit, 0x1234);
    ck_assert_uint_eq(fix_cpu->gdtr.base, 0xcd345678u);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->idtr.base, 0x00345678u); /* 24-bit base */

    fix_cpu->cr0 |= CR0_NE;
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], fix_cpu->cr0);
    fix_cpu->gpr[R_ECX] = 0xfff8; /* tries to clear PE: ignored; sets TS */
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->cr0 & (CR0_PE | CR0_MP | CR0_EM | CR0_TS), CR0_PE | CR0_TS);
    ck_assert_int_eq(fix_step(), EXC_UD);

    /* LGDT is privileged, SGDT is not (the Popek-Goldberg point). */
    fix_cpu->cpl = 3;
    fix_cpu->eip = FIX_CODE;
    ck_assert_int_eq(fix_step(), -1);
    fix_cpu->eip = FIX_CODE + 7;
    ck_assert_int_eq(fix_step(), EXC_GP);
}
END_TEST

START_TEST(test_arpl_lds)
{
    FIX_CODE_BYTES(0x63, 0xd8,  /* arpl ax,bx */
                   0x63, 0xd8,  /* arpl ax,bx */
                   0xc5, 0x0e,  /* lds ecx,[esi] */
                   0xc4, 0x16,  /* les edx,[esi]: #NP */
                   0xc5, 0xc0); /* lds eax,eax: #UD */
    fix_cpu->gpr[R_EAX] = 0x10;
    fix_cpu->gpr[R_EBX] = 0x3;
    fix_cpu->gpr[R_ESI] = FIX_DATA;
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 0x13);
    ck_assert(ZF_SET());
    ck_assert_int_eq(fix_step(), -1);
    ck_assert(!ZF_SET());
    fix_poke(FIX_DATA, "\x78\x56\x34\x12\x30\x00", 6);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->gpr[R_ECX], 0x12345678);
    ck_assert_uint_eq(fix_cpu->seg[S_DS].sel, 0x30);
    fix_poke(FIX_DATA + 4, "\x40\x00", 2);
    fix_cpu->gpr[R_EDX] = 7;
    ck_assert_int_eq(fix_step(), EXC_NP);
    ck_assert_uint_eq(fix_cpu->exc.error, 0x40);
    ck_assert_uint_eq(fix_cpu->gpr[R_EDX], 7);
    fix_cpu->eip = FIX_CODE + 8;
    ck_assert_int_eq(fix_step(), EXC_UD);
    fix_real();
    FIX_CODE_BYTES(0x63, 0xd8);
    ck_assert_int_eq(fix_step(), EXC_UD);
}
END_TEST

START_TEST(test_far_jmp_call_direct)
{
    FIX_CODE_BYTES(0x9a, 0x00, 0x01, 0x00, 0x00, 0x08, 0x00, /* call 0x08:FIX_CODE+... */
                   0xea, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, /* jmp 0x40:0 (data) */
                   0xea, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* jmp 0:0 */
                   0xea, 0x34, 0x12, 0x00, 0x00, 0x28, 0x00); /* jmp 0x28:0x1234 */
    /* Patch the call target to GATE_TARGET, where a RETF waits. */
    mt_poke32(FIX_CODE + 1, GATE_TARGET);
    fix_poke(GATE_TARGET, "\xcb", 1);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->eip, GATE_TARGET);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], FIX_STACK - 8);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 4, 4), 0x08);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 8, 4), FIX_CODE + 7);
    ck_assert_uint_eq(mt_hi(GDT, 0x08) & 0x100, 0x100); /* accessed */
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 7);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], FIX_STACK);

    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->exc.error, 0x40);
    fix_cpu->eip = FIX_CODE + 14;
    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->exc.error, 0);
    /* From CPL 3 a DPL 0 non-conforming segment is out of reach. */
    fix_cpu->cpl = 3;
    fix_cpu->seg[S_CS].sel = 0x3b;
    fix_cpu->eip = FIX_CODE + 21;
    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->exc.error, 0x28);
    fix_cpu->cpl = 0;
    fix_cpu->seg[S_CS].sel = 0x08;
    fix_cpu->eip = FIX_CODE + 21;
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->seg[S_CS].sel, 0x28);
    ck_assert_uint_eq(fix_cpu->eip, 0x1234);
}
END_TEST

START_TEST(test_call_gate_privilege_change)
{
    /* Enter CPL 3 with a TSS whose ring-0 stack is 0x10:0x38000. */
    enter_ring3();
    FIX_CODE_BYTES(0x9a, 0x00, 0x00, 0x00, 0x00, 0x5b, 0x00); /* call 0x5b:0 */
    fix_poke(GATE_TARGET, "\xca\x08\x00", 3);                 /* retf 8 */
    mt_poke32(FIX_STACK, 0x11111111);
    mt_poke32(FIX_STACK + 4, 0x22222222);

    ck_assert_int_eq(fix_step(), -1);
    ck_assert_int_eq(fix_cpu->cpl, 0);
    ck_assert_uint_eq(fix_cpu->seg[S_CS].sel, 0x08);
    ck_assert_uint_eq(fix_cpu->eip, GATE_TARGET);
    ck_assert_uint_eq(fix_cpu->seg[S_SS].sel, 0x10);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], 0x38000 - 24);
    ck_assert_uint_eq(fix_peek(0x38000 - 4, 4), 0x33);
    ck_assert_uint_eq(fix_peek(0x38000 - 8, 4), FIX_STACK);
    ck_assert_uint_eq(fix_peek(0x38000 - 12, 4), 0x22222222);
    ck_assert_uint_eq(fix_peek(0x38000 - 16, 4), 0x11111111);
    ck_assert_uint_eq(fix_peek(0x38000 - 20, 4), 0x3b);
    ck_assert_uint_eq(fix_peek(0x38000 - 24, 4), FIX_CODE + 7);

    /* The kernel's DS must not survive the return to CPL 3. */
    LOAD_OK(S_DS, 0x10);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_int_eq(fix_cpu->cpl, 3);
    ck_assert_uint_eq(fix_cpu->seg[S_CS].sel, 0x3b);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 7);
    ck_assert_uint_eq(fix_cpu->seg[S_SS].sel, 0x33);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], FIX_STACK + 8);
    ck_assert_uint_eq(fix_cpu->seg[S_DS].attr & DESC_P, 0);
    ck_assert_uint_eq(fix_cpu->seg[S_ES].sel, 0); /* the fixture's ES is DPL 0 too */

    /* A gate whose DPL is below the CPL is refused with its selector. */
    mt_gate(GDT, 0x58, 0x08, GATE_TARGET, 0, 2, true);
    fix_cpu->eip = FIX_CODE;
    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->exc.error, 0x58);
}
END_TEST

START_TEST(test_real_mode_far)
{
    fix_real();
    FIX_CODE_BYTES(0x9a, 0x00, 0x00, 0x00, 0x02, /* call 0x0200:0x0000 */
                   0xea, 0x05, 0x00, 0x00, 0x00); /* jmp 0:5 */
    fix_poke(0x2000, "\xcb", 1);                  /* retf */
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->seg[S_CS].base, 0x2000);
    ck_assert_uint_eq(fix_cpu->eip, 0);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], 0xfff0 - 4);
    ck_assert_uint_eq(fix_peek(0xfff0 - 2, 2), 0);
    ck_assert_uint_eq(fix_peek(0xfff0 - 4, 2), FIX_CODE + 5);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->seg[S_CS].base, 0);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 5);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], 0xfff0);
}
END_TEST

START_TEST(test_call_gate_16bit_and_errors)
{
    enter_ring3();
    mt_gate(GDT, 0x58, 0x08, GATE_TARGET, 3, 1, false); /* 16-bit gate, 1 word */
    FIX_CODE_BYTES(0x9a, 0x00, 0x00, 0x00, 0x00, 0x5b, 0x00); /* call 0x5b:0 */
    mt_poke32(FIX_STACK, 0xbeef);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_int_eq(fix_cpu->cpl, 0);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], 0x38000 - 10);
    ck_assert_uint_eq(fix_peek(0x38000 - 2, 2), 0x33);
    ck_assert_uint_eq(fix_peek(0x38000 - 4, 2), FIX_STACK & 0xffff);
    ck_assert_uint_eq(fix_peek(0x38000 - 6, 2), 0xbeef);
    ck_assert_uint_eq(fix_peek(0x38000 - 8, 2), 0x3b);
    ck_assert_uint_eq(fix_peek(0x38000 - 10, 2), (FIX_CODE + 7) & 0xffff);

    /* SS0 not writable: #TS(SS0); not present: #SS(SS0); the CALL leaves
     * every register as it was. */
    enter_ring3();
    fix_cpu->gpr[R_ESP] = FIX_STACK;
    fix_cpu->eip = FIX_CODE;
    mt_poke32(TSS + 8, 0x18);
    ck_assert_int_eq(fix_step(), EXC_TS);
    ck_assert_uint_eq(fix_cpu->exc.error, 0x18);
    mt_poke32(TSS + 8, 0x40);
    ck_assert_int_eq(fix_step(), EXC_SS);
    ck_assert_uint_eq(fix_cpu->exc.error, 0x40);
    mt_poke32(TSS + 8, 0);
    ck_assert_int_eq(fix_step(), EXC_TS);
    ck_assert_uint_eq(fix_cpu->exc.error, 0);
    /* The new stack has no room: #SS(SS0). */
    mt_poke32(TSS + 8, 0x20);        /* expand-down: offsets below 0x1000 invalid */
    mt_poke32(TSS + 4, 0x1008);
    ck_assert_int_eq(fix_step(), EXC_SS);
    ck_assert_uint_eq(fix_cpu->exc.error, 0x20);
    ck_assert_int_eq(fix_cpu->cpl, 3);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], FIX_STACK);
    ck_assert_uint_eq(fix_cpu->seg[S_SS].sel, 0x33);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE);
    /* A gate not present: #NP(gate). */
    mt_poke32(GDT + 0x5c, mt_hi(GDT, 0x58) & ~0x8000u);
    ck_assert_int_eq(fix_step(), EXC_NP);
    ck_assert_uint_eq(fix_cpu->exc.error, 0x58);
}
END_TEST

START_TEST(test_retf_outer_checks)
{
    /* RETF from CPL 0 to a CPL 3 CS with a DPL 0 SS on the stack. */
    FIX_CODE_BYTES(0xcb); /* retf */
    fix_cpu->gpr[R_ESP] = FIX_STACK;
    mt_poke32(FIX_STACK, 0x5000);
    mt_poke32(FIX_STACK + 4, 0x3b);
    mt_poke32(FIX_STACK + 8, 0x6000);
    mt_poke32(FIX_STACK + 12, 0x10 | 3);
    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->exc.error, 0x10);
    mt_poke32(FIX_STACK + 12, 0);
    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->exc.error, 0);
    /* RPL of the return CS below the CPL. */
    fix_cpu->cpl = 3;
    mt_poke32(FIX_STACK + 4, 0x08);
    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->exc.error, 0x08);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], FIX_STACK);
}
END_TEST

START_TEST(test_lss_and_v86_loads)
{
    FIX_CODE_BYTES(0x0f, 0xb2, 0x26); /* lss esp,[esi] */
    fix_cpu->gpr[R_ESI] = FIX_DATA;
    fix_poke(FIX_DATA, "\x00\x80\x00\x00\x10\x00", 6);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], 0x8000);
    ck_assert_uint_eq(fix_cpu->seg[S_SS].sel, 0x10);
    ck_assert(!fix_cpu->inhibit_irq); /* LSS opens no interrupt shadow */

    /* V86 mode: selector << 4, no descriptor checks. */
    fix_cpu->eflags |= F_VM;
    fix_cpu->cpl = 3;
    LOAD_OK(S_FS, 0x40);
    ck_assert_uint_eq(fix_cpu->seg[S_FS].base, 0x400);
}
END_TEST

static Suite *segment_suite(void)
{
    Suite *s = suite_create("segment");
    TCase *tc = tcase_create("segment");
    tcase_add_checked_fixture(tc, setup, fix_teardown);
    tcase_add_test(tc, test_limit_and_type_checks);
    tcase_add_test(tc, test_real_mode_limits);
    tcase_add_test(tc, test_seg_load_errors);
    tcase_add_test(tc, test_lar_lsl_verr_verw);
    tcase_add_test(tc, test_ltr_lldt);
    tcase_add_test(tc, test_descriptor_table_registers);
    tcase_add_test(tc, test_arpl_lds);
    tcase_add_test(tc, test_far_jmp_call_direct);
    tcase_add_test(tc, test_call_gate_privilege_change);
    tcase_add_test(tc, test_real_mode_far);
    tcase_add_test(tc, test_call_gate_16bit_and_errors);
    tcase_add_test(tc, test_retf_outer_checks);
    tcase_add_test(tc, test_lss_and_v86_loads);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(segment_suite)
