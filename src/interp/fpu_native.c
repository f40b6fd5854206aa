/* fpu_native.c - execute one guest x87 instruction on the host x87. */
#include "interp/fpu.h"

#include <assert.h>
#include <string.h>

/*
 * The host is x86-64, whose x87 unit is the same architecture as the
 * guest's (80-bit registers, the same rounding, precision control,
 * exception flags, masked responses, stack faults and transcendental
 * microcode family). So instead of re-deriving IEEE-754 extended
 * arithmetic in C, the interpreter loads the guest's whole x87 state into
 * the host FPU (FRSTOR), executes the guest's own instruction byte pair
 * there, and takes the state back (FNSAVE). Stack overflow/underflow,
 * masked responses (real indefinite), unmasked-exception behaviour (no
 * pop, destination untouched, bias-adjusted results for #O/#U), C0-C3 and
 * the rounding indicator C1 are therefore the hardware's own. Results are
 * those of the host family (AMD Zen); on documented x87 instructions they
 * match the P6, except possibly the last bit of FSIN/FCOS/FPTAN/FPATAN/
 * F2XM1/FYL2X(P1) far from the reduced range, which the SDM leaves to the
 * implementation.
 *
 * Each instruction runs from a stub: the two bytes ESC ModRM followed by
 * `jmp *%r11` (back into fpu__run_native). Register forms use the guest's
 * ModRM unchanged; memory forms use ModRM reg field with mod=00 rm=111,
 * i.e. [rdi], which points at the caller's operand buffer.
 *
 * Before FRSTOR the image's exception flags, SF, ES and B are cleared, so
 * the host never has a pending exception: nothing ever traps on the host
 * (FNSAVE and FLDCW after it run with a clean status). The guest's sticky
 * flags are merged back afterwards.
 */

#define STUB_SIZE 8

__asm__(".pushsection .text\n"
        ".balign 8\n"
        ".globl bt86_x87_stub_reg\n"
        ".hidden bt86_x87_stub_reg\n"
        "bt86_x87_stub_reg:\n"
        ".irp esc,0xd8,0xd9,0xda,0xdb,0xdc,0xdd,0xde,0xdf\n"
        ".set bt86_modrm, 0xc0\n"
        ".rept 64\n"
        ".byte \\esc, bt86_modrm\n"
        "jmp *%r11\n"
        ".balign 8, 0xcc\n"
        ".set bt86_modrm, bt86_modrm + 1\n"
        ".endr\n"
        ".endr\n"
        ".globl bt86_x87_stub_mem\n"
        ".hidden bt86_x87_stub_mem\n"
        "bt86_x87_stub_mem:\n"
        ".irp esc,0xd8,0xd9,0xda,0xdb,0xdc,0xdd,0xde,0xdf\n"
        ".set bt86_modrm, 0x07\n"
        ".rept 8\n"
        ".byte \\esc, bt86_modrm\n"
        "jmp *%r11\n"
        ".balign 8, 0xcc\n"
        ".set bt86_modrm, bt86_modrm + 8\n"
        ".endr\n"
        ".endr\n"
        ".globl bt86_x87_stub_end\n"
        ".hidden bt86_x87_stub_end\n"
        "bt86_x87_stub_end:\n"
        ".popsection\n");

extern const uint8_t bt86_x87_stub_reg[], bt86_x87_stub_mem[], bt86_x87_stub_end[];

#define FSW_STICKY (FSW_EXC | FSW_SF)

uint16_t fpu__run_native(struct cpu *cpu, uint8_t esc, uint8_t modrm, void *buf,
                         uint8_t *flags)
{
    struct fpu_state *f = &cpu->fpu;
    struct fsave_image img;
    const uint8_t *stub;
    uint16_t hcw;
    uint8_t fl = flags ? *flags : 0;
    int top = fpu__top(cpu);

    assert(bt86_x87_stub_end - bt86_x87_stub_reg == 8 * 72 * STUB_SIZE);
    memset(&img, 0, sizeof(img));
    img.fcw = f->fcw;
    img.fsw = f->fsw & (uint16_t)~(FSW_STICKY | FSW_ES | FSW_B);
    img.ftw = f->ftw;
    for (int i = 0; i < 8; i++)
        memcpy(img.st[i], &f->st_phys[(top + i) & 7], 10);
    if ((modrm & 0xc0) == 0xc0)
        stub = bt86_x87_stub_reg + ((esc & 7) * 64 + (modrm & 0x3f)) * STUB_SIZE;
    else
        stub = bt86_x87_stub_mem + ((esc & 7) * 8 + ((modrm >> 3) & 7)) * STUB_SIZE;

    __asm__ volatile("fnstcw %[hcw]\n\t"
                     "frstor %[img]\n\t"
                     "movb %[fl], %%ah\n\t"
                     "sahf\n\t"
                     "lea 1f(%%rip), %%r11\n\t"
                     "jmp *%[stub]\n"
                     "1:\n\t"
                     "lahf\n\t"
                     "movb %%ah, %[fl]\n\t"
                     "fnsave %[img]\n\t"
                     "fldcw %[hcw]"
                     : [img] "+m"(img), [fl] "+m"(fl), [hcw] "=m"(hcw)
                     : [stub] "r"(stub), "D"(buf)
                     : "rax", "r11", "cc", "memory", "st", "st(1)", "st(2)", "st(3)",
                       "st(4)", "st(5)", "st(6)", "st(7)");

    top = (img.fsw >> FSW_TOP_SHIFT) & 7;
    for (int i = 0; i < 8; i++)
        memcpy(&f->st_phys[(top + i) & 7], img.st[i], 10);
    f->ftw = img.ftw;
    f->fsw = (uint16_t)((img.fsw & ~(FSW_ES | FSW_B)) | (f->fsw & FSW_STICKY));
    fpu__update_es(cpu);
    if (flags)
        *flags = fl;
    return img.fsw;
}
