/* test_exception.c - exceptions, interrupts, IRET, task switches, V86 mode,
 * I/O permission, CPUID and MSRs of the interpreter, on hand-built GDT, IDT
 * and TSS structures in guest RAM. */
#include <string.h>

#include "check_main.h"
#include "interp_fixture.h"
#include "interp/system_internal.h"

/* Guest physical layout of the system structures. */
#define GDT 0x10000u
#define TSS_A 0x11000u  /* the current task; its I/O bitmap follows at +0x68 */
#define TSS_B 0x12000u
#define TSS_C 0x13000u  /* a 16-bit TSS */
#define IDT 0x18000u
#define STACK0 0x40000u /* ring-0 stack top (TSS A's ESP0) */
#define STACK3 0x50000u
#define HANDLER 0x3000u

/* GDT selectors. */
#define SEL_CODE0 0x08
#define SEL_DATA0 0x10
#define SEL_CODE3 0x1b
#define SEL_DATA3 0x23
#define SEL_TSS_A 0x28
#define SEL_TSS_B 0x30
#define SEL_TSS_C 0x38
#define SEL_DATA_NP 0x40 /* data, not present */
#define SEL_SMALL0 0x48  /* ring-0 data, limit 0xffff */

#define ACC_CODE(dpl) (0x9a | ((dpl) << 5))
#define ACC_DATA(dpl) (0x92 | ((dpl) << 5))
#define TSS_LIMIT_A (0x68 + 0x2000 / 8 + 1) /* bitmap for ports 0-0x1fff + 0xff */

static void gdt_set(int index, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    uint32_t lo = (limit & 0xffff) | (base << 16);
    uint32_t hi = ((base >> 16) & 0xff) | ((uint32_t)access << 8) | (limit & 0xf0000)
                  | ((uint32_t)flags << 20) | (base & 0xff000000u);
    fix_poke(GDT + index * 8, &lo, 4);
    fix_poke(GDT + index * 8 + 4, &hi, 4);
}

/* IDT gate: type 0xe interrupt, 0xf trap, 0x5 task gate. */
static void idt_set(int vector, uint16_t sel, uint32_t off, int type, int dpl)
{
    uint32_t lo = (off & 0xffff) | ((uint32_t)sel << 16);
    uint32_t hi = (off & 0xffff0000u) | 0x8000 | (dpl << 13) | (type << 8);
    if (type == 0x5)
        hi &= 0xffff;
    fix_poke(IDT + vector * 8, &lo, 4);
    fix_poke(IDT + vector * 8 + 4, &hi, 4);
}

static void poke32(uint32_t a, uint32_t v) { fix_poke(a, &v, 4); }
static void poke16(uint32_t a, uint16_t v) { fix_poke(a, &v, 2); }

/* Protected mode with the tables above, TR = TSS A (busy), at CPL 0. */
static void sys_setup(void)
{
    fix_setup();
    memset(fix_m->ram.host + GDT, 0, 0x10000);
    gdt_set(1, 0, 0xfffff, ACC_CODE(0), 0xc);
    gdt_set(2, 0, 0xfffff, ACC_DATA(0), 0xc);
    gdt_set(3, 0, 0xfffff, ACC_CODE(3), 0xc);
    gdt_set(4, 0, 0xfffff, ACC_DATA(3), 0xc);
    gdt_set(5, TSS_A, TSS_LIMIT_A, 0x8b, 0);
    gdt_set(6, TSS_B, 0x67, 0x89, 0);
    gdt_set(7, TSS_C, 0x2b, 0x81, 0);
    gdt_set(8, 0, 0xfffff, ACC_DATA(0) & 0x7f, 0xc);
    gdt_set(9, 0, 0xffff, ACC_DATA(0), 0x4);
    fix_cpu->gdtr = (struct dtable){ GDT, 0x4f };
    fix_cpu->idtr = (struct dtable){ IDT, 0x7ff };
    desc__to_cache(&fix_cpu->seg[S_TR], SEL_TSS_A, fix_peek(GDT + 40, 4), fix_peek(GDT + 44, 4));
    fix_cpu->seg[S_LDTR] = (struct seg_cache){ 0 };
    poke32(TSS_A + 4, STACK0);
    poke32(TSS_A + 8, SEL_DATA0);
    poke16(TSS_A + 0x66, 0x68);
    /* I/O bitmap: everything denied but port 0x80. */
    memset(fix_m->ram.host + TSS_A + 0x68, 0xff, 0x2000 / 8 + 2);
    fix_m->ram.host[TSS_A + 0x68 + 0x80 / 8] = 0xfe;
}

/* Switch the CPU to CPL 3 with flat ring-3 segments. */
static void to_ring3(void)
{
    desc__to_cache(&fix_cpu->seg[S_CS], SEL_CODE3, fix_peek(GDT + 24, 4), fix_peek(GDT + 28, 4));
    for (int s = S_ES; s <= S_GS; s++)
        if (s != S_CS)
            desc__to_cache(&fix_cpu->seg[s], SEL_DATA3, fix_peek(GDT + 32, 4), fix_peek(GDT + 36, 4));
    fix_cpu->cpl = 3;
    fix_cpu->gpr[R_ESP] = STACK3;
}

static void run_exc(void)
{
    exc__deliver(fix_cpu);
}

/* ---- real mode ---------------------------------------------------------- */

START_TEST(real_mode_int_and_iret)
{
    fix_setup();
    fix_real();
    fix_cpu->idtr = (struct dtable){ 0, 0x3ff };
    poke16(0x21 * 4, 0x5678);
    poke16(0x21 * 4 + 2, 0x1234);
    fix_cpu->eflags = F_FIXED1 | F_IF | F_TF | F_CF;
    FIX_CODE_BYTES(0xcd, 0x21); /* int 0x21 */
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->seg[S_CS].sel, 0x1234);
    ck_assert_uint_eq(fix_cpu->seg[S_CS].base, 0x12340);
    ck_assert_uint_eq(fix_cpu->eip, 0x5678);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], 0xfff0 - 6);
    ck_assert_uint_eq(fix_peek(0xfff0 - 6, 2), FIX_CODE + 2);
    ck_assert_uint_eq(fix_peek(0xfff0 - 4, 2), 0);
    ck_assert_uint_eq(fix_peek(0xfff0 - 2, 2), F_FIXED1 | F_IF | F_TF | F_CF);
    ck_assert_uint_eq(fix_cpu->eflags & (F_IF | F_TF), 0);

    fix_poke(0x12340 + 0x5678, (uint8_t[]){ 0xcf }, 1); /* iret */
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->seg[S_CS].sel, 0);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 2);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], 0xfff0);
    ck_assert_uint_eq(fix_cpu->eflags, F_FIXED1 | F_IF | F_TF | F_CF);
    fix_teardown();
}
END_TEST

/* A fault in real mode pushes the faulting instruction's IP. */
START_TEST(real_mode_fault_delivery)
{
    fix_setup();
    fix_real();
    fix_cpu->idtr = (struct dtable){ 0, 0x3ff };
    poke16(EXC_UD * 4, 0x100);
    poke16(EXC_UD * 4 + 2, 0x200);
    FIX_CODE_BYTES(0x0f, 0x0b); /* ud2 */
    int v = fix_step();
    ck_assert_int_eq(v, EXC_UD);
    run_exc();
    ck_assert_uint_eq(fix_cpu->seg[S_CS].sel, 0x200);
    ck_assert_uint_eq(fix_cpu->eip, 0x100);
    ck_assert_uint_eq(fix_peek(0xfff0 - 6, 2), FIX_CODE);
    fix_teardown();
}
END_TEST

/* ---- protected mode gates ---------------------------------------------- */

START_TEST(int_gate_privilege_change_and_iret)
{
    sys_setup();
    idt_set(0x80, SEL_CODE0, HANDLER, 0xe, 3);
    to_ring3();
    fix_cpu->eflags = F_FIXED1 | F_IF | F_ZF;
    FIX_CODE_BYTES(0xcd, 0x80); /* int 0x80 */
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->seg[S_CS].sel, SEL_CODE0);
    ck_assert_int_eq(fix_cpu->cpl, 0);
    ck_assert_uint_eq(fix_cpu->eip, HANDLER);
    ck_assert_uint_eq(fix_cpu->seg[S_SS].sel, SEL_DATA0);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], STACK0 - 20);
    ck_assert_uint_eq(fix_peek(STACK0 - 20, 4), FIX_CODE + 2);
    ck_assert_uint_eq(fix_peek(STACK0 - 16, 4), SEL_CODE3);
    ck_assert_uint_eq(fix_peek(STACK0 - 12, 4), F_FIXED1 | F_IF | F_ZF);
    ck_assert_uint_eq(fix_peek(STACK0 - 8, 4), STACK3);
    ck_assert_uint_eq(fix_peek(STACK0 - 4, 4), SEL_DATA3);
    ck_assert_uint_eq(fix_cpu->eflags & F_IF, 0);

    /* The handler's IRET back to ring 3. DS held a DPL-0 segment there:
     * it must be nulled on the way out. */
    desc__to_cache(&fix_cpu->seg[S_DS], SEL_DATA0, fix_peek(GDT + 16, 4), fix_peek(GDT + 20, 4));
    fix_poke(HANDLER, (uint8_t[]){ 0xcf }, 1);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_int_eq(fix_cpu->cpl, 3);
    ck_assert_uint_eq(fix_cpu->seg[S_CS].sel, SEL_CODE3);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 2);
    ck_assert_uint_eq(fix_cpu->seg[S_SS].sel, SEL_DATA3);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], STACK3);
    ck_assert_uint_eq(fix_cpu->eflags, F_FIXED1 | F_IF | F_ZF);
    ck_assert_uint_eq(fix_cpu->seg[S_DS].sel, 0);
    ck_assert_uint_eq(fix_cpu->seg[S_ES].sel, SEL_DATA3);
    fix_teardown();
}
END_TEST

/* INT n through a gate of DPL < CPL: #GP(vector * 8 + 2), at the INT. */
START_TEST(soft_int_gate_dpl)
{
    sys_setup();
    idt_set(0x81, SEL_CODE0, HANDLER, 0xe, 0);
    to_ring3();
    FIX_CODE_BYTES(0xcd, 0x81);
    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->exc.error, 0x81 * 8 + 2);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE);
    ck_assert_int_eq(fix_cpu->cpl, 3);
    fix_teardown();
}
END_TEST

/* A fault with an error code, same privilege, trap gate: RF set in the
 * pushed EFLAGS, IF kept. */
START_TEST(fault_same_privilege_trap_gate)
{
    sys_setup();
    idt_set(EXC_NP, SEL_CODE0, HANDLER, 0xf, 0);
    fix_cpu->eflags = F_FIXED1 | F_IF;
    FIX_CODE_BYTES(0x8e, 0xd8); /* mov ds, ax */
    fix_cpu->gpr[R_EAX] = SEL_DATA_NP;
    ck_assert_int_eq(fix_step(), EXC_NP);
    ck_assert_uint_eq(fix_cpu->exc.error, SEL_DATA_NP);
    run_exc();
    ck_assert_uint_eq(fix_cpu->eip, HANDLER);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], FIX_STACK - 16);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 16, 4), SEL_DATA_NP);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 12, 4), FIX_CODE);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 8, 4), SEL_CODE0);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 4, 4), F_FIXED1 | F_IF | F_RF);
    ck_assert_uint_eq(fix_cpu->eflags & F_IF, F_IF);
    fix_teardown();
}
END_TEST

/* #NP whose IDT entry lies beyond the IDT limit: #GP(11*8+2+EXT), which
 * is contributory after a contributory fault: #DF with error 0. */
START_TEST(double_fault)
{
    sys_setup();
    idt_set(EXC_DF, SEL_CODE0, HANDLER, 0xe, 0);
    fix_cpu->idtr.limit = EXC_DF * 8 + 7;
    fix_cpu->insn_eip = FIX_CODE;
    fix_cpu->exc = (struct pending_exc){ .vector = EXC_NP, .has_error = true, .error = 0x40 };
    run_exc();
    ck_assert_uint_eq(fix_cpu->eip, HANDLER);
    ck_assert_uint_eq(fix_cpu->exc.vector, EXC_DF);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 16, 4), 0);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 12, 4), FIX_CODE);
    ck_assert_int_eq(fix_m->stop, STOP_NONE);
    fix_teardown();
}
END_TEST

/* A benign exception (#UD) whose delivery faults is not a double fault. */
START_TEST(benign_then_gp_is_serial)
{
    sys_setup();
    idt_set(EXC_GP, SEL_CODE0, HANDLER, 0xe, 0);
    idt_set(EXC_UD, 0, HANDLER, 0xe, 0); /* null code selector: #GP(EXT) */
    fix_cpu->insn_eip = FIX_CODE;
    fix_cpu->exc = (struct pending_exc){ .vector = EXC_UD };
    run_exc();
    ck_assert_uint_eq(fix_cpu->exc.vector, EXC_GP);
    ck_assert_uint_eq(fix_cpu->eip, HANDLER);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 16, 4), 1); /* EXT */
    fix_teardown();
}
END_TEST

START_TEST(triple_fault_stops_machine)
{
    sys_setup();
    fix_cpu->idtr.limit = 0;
    fix_cpu->insn_eip = FIX_CODE;
    fix_cpu->exc = (struct pending_exc){ .vector = EXC_GP, .has_error = true };
    run_exc();
    ck_assert_int_eq(fix_m->stop, STOP_TRIPLE_FAULT);
    ck_assert_int_eq(fix_m->exit_status, 3);
    ck_assert_msg(strncmp(fix_m->stop_message, "triple fault", 12) == 0, "%s",
                  fix_m->stop_message);
    ck_assert_msg(strstr(fix_m->stop_message, "EIP=00001000") != NULL, "%s",
                  fix_m->stop_message);
    fix_teardown();
}
END_TEST

/* ---- V86 mode ----------------------------------------------------------- */

/* IRET at CPL 0 with VM=1 in the popped EFLAGS enters V86 mode. */
static void enter_v86(uint32_t iopl)
{
    uint32_t frame[9] = { 0x100, 0x2000, F_FIXED1 | F_VM | F_IF | (iopl << F_IOPL_SHIFT), 0xfffe,
                          0x3000, 0x4000, 0x5000, 0x6000, 0x7000 };
    fix_poke(FIX_STACK, frame, sizeof frame);
    FIX_CODE_BYTES(0xcf);
    ck_assert_int_eq(fix_step(), -1);
}

START_TEST(iret_to_v86_and_back)
{
    sys_setup();
    idt_set(EXC_GP, SEL_CODE0, HANDLER, 0xe, 0);
    enter_v86(0);
    ck_assert(cpu__v86(fix_cpu));
    ck_assert_int_eq(fix_cpu->cpl, 3);
    ck_assert_uint_eq(fix_cpu->seg[S_CS].base, 0x20000);
    ck_assert_uint_eq(fix_cpu->eip, 0x100);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], 0xfffe);
    ck_assert_uint_eq(fix_cpu->seg[S_SS].base, 0x30000);
    ck_assert_uint_eq(fix_cpu->seg[S_ES].base, 0x40000);
    ck_assert_uint_eq(fix_cpu->seg[S_DS].base, 0x50000);
    ck_assert_uint_eq(fix_cpu->seg[S_GS].base, 0x70000);
    ck_assert_uint_eq(fix_cpu->seg[S_DS].limit, 0xffff);

    /* CLI with IOPL 0 traps to the monitor: #GP(0) from V86 mode, pushed
     * with the data segment selectors on the ring-0 stack. */
    fix_poke(0x20100, (uint8_t[]){ 0xfa }, 1);
    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->exc.error, 0);
    run_exc();
    ck_assert(!cpu__v86(fix_cpu));
    ck_assert_int_eq(fix_cpu->cpl, 0);
    ck_assert_uint_eq(fix_cpu->eip, HANDLER);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], STACK0 - 40);
    static const uint32_t want[10] = { 0, 0x100, 0x2000, F_FIXED1 | F_VM | F_IF | F_RF,
                                       0xfffe, 0x3000, 0x4000, 0x5000, 0x6000, 0x7000 };
    for (int i = 0; i < 10; i++)
        ck_assert_uint_eq(fix_peek(STACK0 - 40 + 4 * i, 4), want[i]);
    ck_assert_uint_eq(fix_cpu->seg[S_DS].sel, 0);
    ck_assert_uint_eq(fix_cpu->seg[S_GS].sel, 0);

    /* The monitor skips the CLI and returns with IRETD (after popping the
     * error code). */
    poke32(STACK0 - 36, 0x101);
    fix_cpu->gpr[R_ESP] = STACK0 - 36;
    fix_poke(HANDLER, (uint8_t[]){ 0xcf }, 1);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert(cpu__v86(fix_cpu));
    ck_assert_uint_eq(fix_cpu->eip, 0x101);
    ck_assert_uint_eq(fix_cpu->seg[S_DS].sel, 0x5000);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], 0xfffe);
    fix_teardown();
}
END_TEST

START_TEST(v86_iopl_sensitive)
{
    static const uint8_t sensitive[][2] = { { 0xfa }, { 0xfb }, { 0x9c }, { 0x9d }, { 0xcd, 0x10 },
                                            { 0xcf } };
    sys_setup();
    enter_v86(0);
    for (unsigned i = 0; i < sizeof sensitive / sizeof sensitive[0]; i++) {
        fix_poke(0x20100, sensitive[i], 2);
        fix_cpu->eip = 0x100;
        ck_assert_int_eq(fix_step(), EXC_GP);
    }
    /* IN/OUT in V86 mode use the bitmap only: port 0x80 is allowed. */
    fix_poke(0x20100, (uint8_t[]){ 0xe6, 0x80 }, 2);
    fix_cpu->eip = 0x100;
    ck_assert_int_eq(fix_step(), -1);
    fix_poke(0x20100, (uint8_t[]){ 0xe6, 0x81 }, 2);
    fix_cpu->eip = 0x100;
    ck_assert_int_eq(fix_step(), EXC_GP);
    fix_teardown();
}
END_TEST

/* With IOPL 3, V86 INT n goes through the IDT to a ring-0 handler. */
START_TEST(v86_int_with_iopl3)
{
    sys_setup();
    idt_set(0x10, SEL_CODE0, HANDLER, 0xe, 3);
    enter_v86(3);
    fix_poke(0x20100, (uint8_t[]){ 0xcd, 0x10 }, 2);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_int_eq(fix_cpu->cpl, 0);
    ck_assert_uint_eq(fix_cpu->eip, HANDLER);
    ck_assert_uint_eq(fix_peek(STACK0 - 36, 4), 0x102);
    fix_teardown();
}
END_TEST

/* ---- task switches ------------------------------------------------------ */

static void tss_b_init(uint32_t eip)
{
    memset(fix_m->ram.host + TSS_B, 0, 0x68);
    poke32(TSS_B + 32, eip);
    poke32(TSS_B + 36, F_FIXED1 | F_CF);
    poke32(TSS_B + 40, 0xaaaa0001); /* EAX */
    poke32(TSS_B + 56, 0x38000);    /* ESP */
    poke16(TSS_B + 72, SEL_DATA0);
    poke16(TSS_B + 76, SEL_CODE0);
    poke16(TSS_B + 80, SEL_DATA0);
    poke16(TSS_B + 84, SEL_DATA0);
    poke16(TSS_B + 88, SEL_DATA0);
    poke16(TSS_B + 92, SEL_DATA0);
}

static uint32_t tss_type(int index)
{
    return (fix_peek(GDT + index * 8 + 4, 4) >> 8) & 0xf;
}

START_TEST(task_switch_jmp)
{
    sys_setup();
    tss_b_init(0x4000);
    fix_cpu->gpr[R_EBX] = 0x1234;
    FIX_CODE_BYTES(0xea, 0, 0, 0, 0, SEL_TSS_B, 0); /* jmp 0x30:0 */
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->seg[S_TR].sel, SEL_TSS_B);
    ck_assert_uint_eq(fix_cpu->eip, 0x4000);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 0xaaaa0001);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], 0x38000);
    ck_assert_uint_eq(fix_cpu->eflags, F_FIXED1 | F_CF);
    ck_assert_uint_eq(fix_cpu->cr0 & CR0_TS, CR0_TS);
    ck_assert_uint_eq(tss_type(5), 0x9); /* old task no longer busy */
    ck_assert_uint_eq(tss_type(6), 0xb);
    ck_assert_uint_eq(fix_peek(TSS_A + 32, 4), FIX_CODE + 7); /* saved EIP */
    ck_assert_uint_eq(fix_peek(TSS_A + 52, 4), 0x1234);       /* saved EBX */
    ck_assert_uint_eq(fix_peek(TSS_B, 2), 0);                 /* no back link */

    /* Jumping to a busy TSS is #GP(selector). */
    gdt_set(5, TSS_A, TSS_LIMIT_A, 0x8b, 0);
    fix_poke(0x4000, (uint8_t[]){ 0xea, 0, 0, 0, 0, SEL_TSS_A, 0 }, 7);
    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->exc.error, SEL_TSS_A);
    fix_teardown();
}
END_TEST

START_TEST(task_gate_int_and_iret)
{
    sys_setup();
    tss_b_init(0x4000);
    idt_set(0x40, SEL_TSS_B, 0, 0x5, 0);
    FIX_CODE_BYTES(0xcd, 0x40); /* int 0x40 */
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->seg[S_TR].sel, SEL_TSS_B);
    ck_assert_uint_eq(fix_cpu->eip, 0x4000);
    ck_assert_uint_eq(fix_cpu->eflags & F_NT, F_NT);
    ck_assert_uint_eq(fix_peek(TSS_B, 2), SEL_TSS_A);
    ck_assert_uint_eq(tss_type(5), 0xb);
    ck_assert_uint_eq(tss_type(6), 0xb);

    fix_poke(0x4000, (uint8_t[]){ 0xcf }, 1); /* iret: task return */
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->seg[S_TR].sel, SEL_TSS_A);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 2);
    ck_assert_uint_eq(tss_type(6), 0x9);
    ck_assert_uint_eq(tss_type(5), 0xb);
    ck_assert_uint_eq(fix_peek(TSS_B + 36, 4) & F_NT, 0);
    ck_assert_uint_eq(fix_peek(TSS_B + 32, 4), 0x4001);
    fix_teardown();
}
END_TEST

/* An exception through a task gate pushes its error code on the new task's
 * stack; a bad CS in the new TSS is #TS in the new task's context. */
START_TEST(task_gate_exception_error_code)
{
    sys_setup();
    tss_b_init(0x4000);
    idt_set(EXC_GP, SEL_TSS_B, 0, 0x5, 0);
    fix_cpu->insn_eip = FIX_CODE;
    fix_cpu->exc = (struct pending_exc){ .vector = EXC_GP, .has_error = true, .error = 0x58 };
    run_exc();
    ck_assert_uint_eq(fix_cpu->seg[S_TR].sel, SEL_TSS_B);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], 0x38000 - 4);
    ck_assert_uint_eq(fix_peek(0x38000 - 4, 4), 0x58);
    ck_assert_uint_eq(fix_peek(TSS_A + 32, 4), FIX_CODE);
    fix_teardown();
}
END_TEST

START_TEST(task_switch_bad_cs_is_ts)
{
    sys_setup();
    tss_b_init(0x4000);
    poke16(TSS_B + 76, SEL_DATA0); /* CS = a data segment */
    idt_set(EXC_TS, SEL_CODE0, HANDLER, 0xe, 0);
    FIX_CODE_BYTES(0xea, 0, 0, 0, 0, SEL_TSS_B, 0);
    ck_assert_int_eq(fix_step(), EXC_TS);
    ck_assert_uint_eq(fix_cpu->exc.error, SEL_DATA0);
    ck_assert_uint_eq(fix_cpu->seg[S_TR].sel, SEL_TSS_B);
    ck_assert_uint_eq(fix_cpu->insn_eip, 0x4000);
    fix_teardown();
}
END_TEST

START_TEST(task_switch_16bit_tss)
{
    sys_setup();
    memset(fix_m->ram.host + TSS_C, 0, 0x2c);
    poke16(TSS_C + 14, 0x4100);      /* IP */
    poke16(TSS_C + 16, F_FIXED1 | F_ZF);
    poke16(TSS_C + 18, 0x5555);      /* AX */
    poke16(TSS_C + 26, 0x8000);      /* SP */
    poke16(TSS_C + 34, SEL_DATA0);
    poke16(TSS_C + 36, SEL_CODE0);
    poke16(TSS_C + 38, SEL_DATA0);
    poke16(TSS_C + 40, SEL_DATA0);
    fix_cpu->gpr[R_EAX] = 0x11110000;
    FIX_CODE_BYTES(0x9a, 0, 0, 0, 0, SEL_TSS_C, 0); /* call 0x38:0 */
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->seg[S_TR].sel, SEL_TSS_C);
    ck_assert_uint_eq(fix_cpu->eip, 0x4100);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 0x11115555);
    ck_assert_uint_eq(fix_cpu->eflags, F_FIXED1 | F_ZF | F_NT);
    ck_assert_uint_eq(fix_peek(TSS_C, 2), SEL_TSS_A);
    fix_teardown();
}
END_TEST

/* ---- I/O permission ----------------------------------------------------- */

START_TEST(io_bitmap)
{
    sys_setup();
    to_ring3();
    FIX_CODE_BYTES(0xe6, 0x80); /* out 0x80, al */
    ck_assert_int_eq(fix_step(), -1);
    FIX_CODE_BYTES(0xe6, 0x81); /* out 0x81, al */
    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->exc.error, 0);
    FIX_CODE_BYTES(0x66, 0xe7, 0x80); /* out 0x80, ax: 0x81 denied */
    ck_assert_int_eq(fix_step(), EXC_GP);
    /* Beyond the TSS limit: the bitmap covers ports below 0x2000 only. */
    fix_cpu->gpr[R_EDX] = 0x3000;
    fix_m->ram.host[TSS_A + 0x68 + 0x80 / 8] = 0x00;
    FIX_CODE_BYTES(0xec); /* in al, dx */
    ck_assert_int_eq(fix_step(), EXC_GP);
    /* IOPL 3 skips the bitmap outside V86 mode. */
    fix_cpu->eflags |= F_IOPL;
    ck_assert_int_eq(fix_step(), -1);
    fix_teardown();
}
END_TEST

/* ---- flags, CR, MSR, CPUID, SYSENTER ----------------------------------- */

START_TEST(popf_rules)
{
    sys_setup();
    to_ring3();
    fix_cpu->eflags = F_FIXED1 | F_IF; /* IOPL 0 < CPL 3 */
    poke32(STACK3 - 4, F_IOPL | F_CF | F_DF | F_AC | F_VM | F_RF);
    fix_cpu->gpr[R_ESP] = STACK3 - 4;
    FIX_CODE_BYTES(0x9d); /* popfd */
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->eflags, F_FIXED1 | F_IF | F_CF | F_DF | F_AC);
    FIX_CODE_BYTES(0xfa); /* cli at CPL 3 > IOPL */
    ck_assert_int_eq(fix_step(), EXC_GP);
    FIX_CODE_BYTES(0xf4); /* hlt */
    ck_assert_int_eq(fix_step(), EXC_GP);
    FIX_CODE_BYTES(0x0f, 0x20, 0xc0); /* mov eax, cr0 */
    ck_assert_int_eq(fix_step(), EXC_GP);
    fix_teardown();
}
END_TEST

START_TEST(sti_shadow_and_cr_dr)
{
    sys_setup();
    FIX_CODE_BYTES(0xfb); /* sti */
    ck_assert_int_eq(fix_step(), -1);
    ck_assert(fix_cpu->inhibit_irq);
    FIX_CODE_BYTES(0x0f, 0x20, 0xcb); /* mov ebx, cr1 */
    ck_assert_int_eq(fix_step(), EXC_UD);
    FIX_CODE_BYTES(0x0f, 0x21, 0xe0); /* mov eax, dr4 = dr6 */
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 0xffff0ff0);
    fix_cpu->cr4 |= CR4_DE;
    fix_cpu->eip = FIX_CODE;
    ck_assert_int_eq(fix_step(), EXC_UD);
    fix_teardown();
}
END_TEST

START_TEST(cpuid_values)
{
    uint32_t r[4];
    cpuid__query(0, r);
    ck_assert_uint_eq(r[0], 2);
    ck_assert_mem_eq(&r[1], "Genu", 4);
    ck_assert_mem_eq(&r[3], "ineI", 4);
    ck_assert_mem_eq(&r[2], "ntel", 4);
    cpuid__query(1, r);
    ck_assert_uint_eq(r[0], 0x652);
    ck_assert_uint_eq(r[3], 0x0180f9bd); /* FPU DE PSE TSC MSR MCE CX8 SEP MTRR PGE MCA CMOV MMX FXSR */
    uint32_t l2[4];
    cpuid__query(2, l2);
    cpuid__query(0x80000000u, r);
    ck_assert_mem_eq(r, l2, sizeof r);
}
END_TEST

START_TEST(msr_and_sysenter)
{
    sys_setup();
    /* wrmsr SYSENTER_CS/ESP/EIP, then sysenter from ring 3, sysexit. */
    static const uint32_t msrs[3][2] = { { 0x174, SEL_CODE0 }, { 0x175, 0x39000 },
                                         { 0x176, 0x5000 } };
    for (int i = 0; i < 3; i++) {
        fix_cpu->gpr[R_ECX] = msrs[i][0];
        fix_cpu->gpr[R_EAX] = msrs[i][1];
        fix_cpu->gpr[R_EDX] = 0;
        FIX_CODE_BYTES(0x0f, 0x30);
        ck_assert_int_eq(fix_step(), -1);
    }
    fix_cpu->gpr[R_ECX] = 0x12345; /* unknown MSR */
    FIX_CODE_BYTES(0x0f, 0x32);
    ck_assert_int_eq(fix_step(), EXC_GP);
    fix_cpu->gpr[R_ECX] = 0xfe;
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 0x508);

    to_ring3();
    FIX_CODE_BYTES(0x0f, 0x34);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_int_eq(fix_cpu->cpl, 0);
    ck_assert_uint_eq(fix_cpu->seg[S_CS].sel, SEL_CODE0);
    ck_assert_uint_eq(fix_cpu->seg[S_SS].sel, SEL_DATA0);
    ck_assert_uint_eq(fix_cpu->eip, 0x5000);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], 0x39000);
    fix_cpu->gpr[R_ECX] = 0x48000;
    fix_cpu->gpr[R_EDX] = 0x1000;
    fix_poke(0x5000, (uint8_t[]){ 0x0f, 0x35 }, 2);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_int_eq(fix_cpu->cpl, 3);
    ck_assert_uint_eq(fix_cpu->seg[S_CS].sel, SEL_CODE3);
    ck_assert_uint_eq(fix_cpu->seg[S_SS].sel, SEL_DATA3);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], 0x48000);
    ck_assert_uint_eq(fix_cpu->eip, 0x1000);

    /* RDTSC is monotonic; CR4.TSD makes it privileged. */
    FIX_CODE_BYTES(0x0f, 0x31);
    ck_assert_int_eq(fix_step(), -1);
    uint64_t t0 = ((uint64_t)fix_cpu->gpr[R_EDX] << 32) | fix_cpu->gpr[R_EAX];
    fix_cpu->eip = FIX_CODE;
    ck_assert_int_eq(fix_step(), -1);
    uint64_t t1 = ((uint64_t)fix_cpu->gpr[R_EDX] << 32) | fix_cpu->gpr[R_EAX];
    ck_assert(t1 > t0);
    fix_cpu->cr4 |= CR4_TSD;
    fix_cpu->eip = FIX_CODE;
    ck_assert_int_eq(fix_step(), EXC_GP);
    fix_teardown();
}
END_TEST

/* INT1 (ICEBP) ignores the gate DPL; INTO traps only with OF. */
START_TEST(int1_and_into)
{
    sys_setup();
    idt_set(EXC_DB, SEL_CODE0, HANDLER, 0xe, 0);
    idt_set(EXC_OF, SEL_CODE0, HANDLER + 0x10, 0xe, 3);
    to_ring3();
    FIX_CODE_BYTES(0xf1); /* int1 */
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->eip, HANDLER);
    ck_assert_uint_eq(fix_peek(STACK0 - 20, 4), FIX_CODE + 1);

    to_ring3();
    fix_cpu->eflags = F_FIXED1;
    FIX_CODE_BYTES(0xce); /* into, OF clear */
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 1);
    fix_cpu->eflags |= F_OF;
    fix_cpu->eip = FIX_CODE;
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->eip, HANDLER + 0x10);
    ck_assert_uint_eq(fix_peek(STACK0 - 20, 4), FIX_CODE + 1);
    fix_teardown();
}
END_TEST

/* A fault while delivering an external interrupt carries EXT. */
START_TEST(external_interrupt_ext_bit)
{
    sys_setup();
    idt_set(EXC_NP, SEL_CODE0, HANDLER, 0xe, 0);
    idt_set(0x30, SEL_CODE0, HANDLER + 0x20, 0xe, 0);
    uint32_t hi = fix_peek(IDT + 0x30 * 8 + 4, 4) & ~0x8000u; /* not present */
    poke32(IDT + 0x30 * 8 + 4, hi);
    jmp_buf jb;
    fix_cpu->exc_jmp = &jb;
    if (setjmp(jb) == 0) {
        intr__deliver_external(fix_cpu, 0x30);
        ck_abort_msg("delivery through a not-present gate did not fault");
    }
    ck_assert_int_eq(fix_cpu->exc.vector, EXC_NP);
    ck_assert_uint_eq(fix_cpu->exc.error, 0x30 * 8 + 2 + 1);
    run_exc();
    ck_assert_uint_eq(fix_cpu->eip, HANDLER);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 12, 4), FIX_CODE); /* the interrupted EIP */

    /* A present gate: IF cleared, the next instruction's EIP pushed. */
    poke32(IDT + 0x30 * 8 + 4, hi | 0x8000);
    fix_cpu->eip = FIX_CODE + 5;
    fix_cpu->eflags |= F_IF;
    intr__deliver_external(fix_cpu, 0x30);
    ck_assert_uint_eq(fix_cpu->eip, HANDLER + 0x20);
    ck_assert_uint_eq(fix_cpu->eflags & F_IF, 0);
    fix_teardown();
}
END_TEST

/* Problems with the inner stack named by the TSS: #TS(SS) and #SS(SS). */
START_TEST(inner_stack_faults)
{
    sys_setup();
    idt_set(0x80, SEL_CODE0, HANDLER, 0xe, 3);
    FIX_CODE_BYTES(0xcd, 0x80);
    poke32(TSS_A + 8, SEL_CODE0); /* SS0 = a code segment */
    to_ring3();
    ck_assert_int_eq(fix_step(), EXC_TS);
    ck_assert_uint_eq(fix_cpu->exc.error, SEL_CODE0);
    poke32(TSS_A + 8, SEL_DATA_NP); /* not present */
    ck_assert_int_eq(fix_step(), EXC_SS);
    ck_assert_uint_eq(fix_cpu->exc.error, SEL_DATA_NP);
    poke32(TSS_A + 8, SEL_SMALL0);
    poke32(TSS_A + 4, 0x10010); /* the frame would cross the limit */
    ck_assert_int_eq(fix_step(), EXC_SS);
    ck_assert_uint_eq(fix_cpu->exc.error, SEL_SMALL0);
    ck_assert_int_eq(fix_cpu->cpl, 3);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], STACK3);
    fix_teardown();
}
END_TEST

/* The ring-0 SS:ESP must lie within the TSS limit: bytes 4-9 of a 32-bit
 * TSS (SDM vol. 2, CALL and INT n: TSSstackAddress + 5), bytes 2-5 of a
 * 16-bit one (+ 3). One byte less is #TS(TSS selector), for INT n and for
 * CALL through a call gate alike. */
START_TEST(inner_stack_tss_limit)
{
    static const uint8_t int80[] = { 0xcd, 0x80 };
    static const uint8_t call_gate[] = { 0x9a, 0, 0, 0, 0, 0x53, 0 }; /* call 0x53:0 */
    static const struct { uint16_t sel; uint32_t base, limit; } tss[] = {
        { SEL_TSS_A, TSS_A, 9 }, { SEL_TSS_C, TSS_C, 5 },
    };
    for (int t = 0; t < 2; t++)
        for (int call = 0; call <= 1; call++)
            for (uint32_t short_by = 0; short_by <= 1; short_by++) {
                sys_setup();
                idt_set(0x80, SEL_CODE0, HANDLER, 0xe, 3);
                fix_cpu->gdtr.limit = 0x57; /* GDT[10]: a call gate of DPL 3 to HANDLER */
                poke32(GDT + 80, (HANDLER & 0xffff) | (SEL_CODE0 << 16));
                poke32(GDT + 84, (HANDLER & 0xffff0000u) | 0x8000 | (3 << 13) | (0xc << 8));
                poke16(TSS_C + 2, 0x8000);
                poke16(TSS_C + 4, SEL_DATA0);
                desc__to_cache(&fix_cpu->seg[S_TR], tss[t].sel, fix_peek(GDT + tss[t].sel, 4),
                               fix_peek(GDT + tss[t].sel + 4, 4));
                fix_cpu->seg[S_TR].limit = tss[t].limit - short_by;
                to_ring3();
                if (call)
                    fix_code(call_gate, sizeof call_gate);
                else
                    fix_code(int80, sizeof int80);
                if (short_by) {
                    ck_assert_int_eq(fix_step(), EXC_TS);
                    ck_assert_uint_eq(fix_cpu->exc.error, tss[t].sel);
                    ck_assert_int_eq(fix_cpu->cpl, 3);
                } else {
                    ck_assert_int_eq(fix_step(), -1);
                    ck_assert_int_eq(fix_cpu->cpl, 0);
                    ck_assert_uint_eq(fix_cpu->eip, HANDLER);
                    ck_assert_uint_eq(fix_cpu->seg[S_SS].sel, SEL_DATA0);
                }
                fix_teardown();
            }
}
END_TEST

/* A 16-bit interrupt gate pushes words. */
START_TEST(gate16_frame)
{
    sys_setup();
    idt_set(0x41, SEL_CODE0, HANDLER, 0x6, 0);
    FIX_CODE_BYTES(0xcd, 0x41);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->eip, HANDLER);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], FIX_STACK - 6);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 6, 2), FIX_CODE + 2);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 4, 2), SEL_CODE0);
    fix_teardown();
}
END_TEST

/* Single step: DR6.BS and a #DB trap naming the next instruction. */
START_TEST(debug_trap)
{
    sys_setup();
    idt_set(EXC_DB, SEL_CODE0, HANDLER, 0xe, 0);
    fix_cpu->eflags |= F_TF;
    fix_cpu->eip = FIX_CODE + 3;
    exc__debug_trap(fix_cpu, 1u << 14);
    ck_assert_uint_eq(fix_cpu->eip, HANDLER);
    ck_assert_uint_eq(fix_cpu->dr[6] & (1u << 14), 1u << 14);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 12, 4), FIX_CODE + 3);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 4, 4) & (F_TF | F_RF), F_TF);
    ck_assert_uint_eq(fix_cpu->eflags & F_TF, 0);
    fix_teardown();
}
END_TEST

/* The TSS T bit: #DB (DR6.BT) before the new task's first instruction. */
START_TEST(task_switch_t_bit)
{
    sys_setup();
    tss_b_init(0x4000);
    poke16(TSS_B + 100, 1);
    FIX_CODE_BYTES(0xea, 0, 0, 0, 0, SEL_TSS_B, 0);
    ck_assert_int_eq(fix_step(), EXC_DB);
    ck_assert_uint_eq(fix_cpu->seg[S_TR].sel, SEL_TSS_B);
    ck_assert_uint_eq(fix_cpu->eip, 0x4000);
    ck_assert_uint_eq(fix_cpu->exc.next_eip, 0x4000);
    ck_assert_uint_eq(fix_cpu->dr[6] & (1u << 15), 1u << 15);
    fix_teardown();
}
END_TEST

/* REP OUTSB through an allowed port; HLT at CPL 0. */
START_TEST(rep_outs_and_hlt)
{
    sys_setup();
    to_ring3();
    fix_cpu->gpr[R_EDX] = 0x80;
    fix_cpu->gpr[R_ESI] = FIX_DATA;
    fix_cpu->gpr[R_ECX] = 3000;
    FIX_CODE_BYTES(0xf3, 0x6e); /* rep outsb */
    int steps = 0;
    while (fix_cpu->gpr[R_ECX] != 0 && steps < 10) {
        ck_assert_int_eq(fix_step(), -1);
        steps++;
    }
    ck_assert_uint_eq(fix_cpu->gpr[R_ECX], 0);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESI], FIX_DATA + 3000);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 2);
    ck_assert_int_gt(steps, 1);
    fix_teardown();

    sys_setup();
    FIX_CODE_BYTES(0xf4);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert(fix_cpu->halted);
    fix_teardown();
}
END_TEST

static Suite *exception_suite(void)
{
    Suite *s = suite_create("exception");
    TCase *tc = tcase_create("system");
    tcase_add_test(tc, real_mode_int_and_iret);
    tcase_add_test(tc, real_mode_fault_delivery);
    tcase_add_test(tc, int_gate_privilege_change_and_iret);
    tcase_add_test(tc, soft_int_gate_dpl);
    tcase_add_test(tc, fault_same_privilege_trap_gate);
    tcase_add_test(tc, double_fault);
    tcase_add_test(tc, benign_then_gp_is_serial);
    tcase_add_test(tc, triple_fault_stops_machine);
    tcase_add_test(tc, iret_to_v86_and_back);
    tcase_add_test(tc, v86_iopl_sensitive);
    tcase_add_test(tc, v86_int_with_iopl3);
    tcase_add_test(tc, task_switch_jmp);
    tcase_add_test(tc, task_gate_int_and_iret);
    tcase_add_test(tc, task_gate_exception_error_code);
    tcase_add_test(tc, task_switch_bad_cs_is_ts);
    tcase_add_test(tc, task_switch_16bit_tss);
    tcase_add_test(tc, io_bitmap);
    tcase_add_test(tc, popf_rules);
    tcase_add_test(tc, sti_shadow_and_cr_dr);
    tcase_add_test(tc, cpuid_values);
    tcase_add_test(tc, msr_and_sysenter);
    tcase_add_test(tc, int1_and_into);
    tcase_add_test(tc, external_interrupt_ext_bit);
    tcase_add_test(tc, inner_stack_faults);
    tcase_add_test(tc, inner_stack_tss_limit);
    tcase_add_test(tc, gate16_frame);
    tcase_add_test(tc, debug_trap);
    tcase_add_test(tc, task_switch_t_bit);
    tcase_add_test(tc, rep_outs_and_hlt);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(exception_suite)
