/* io.c - port I/O: the permission check (IOPL, then the TSS I/O bitmap)
 * and the IN, OUT, INS, OUTS instructions with REP. */
#include "core/machine.h"
#include "interp/internal.h"
#include "interp/system_internal.h"

/* Iterations of a REP INS/OUTS done per execution; the instruction is
 * re-executed for the rest, so interrupts are taken in between. */
#define IO_REP_CHUNK 1024

/* SDM vol. 1, 18.5.2: the bitmap is consulted when CPL > IOPL or in V86
 * mode. The processor reads two bytes of it, which must both lie within
 * the limit of a 32-bit TSS. */
void io__check(struct cpu *cpu, uint16_t port, int size)
{
    const struct seg_cache *tr = &cpu->seg[S_TR];

    if (!cpu__pmode(cpu) || (!cpu__v86(cpu) && cpu->cpl <= cpu__iopl(cpu)))
        return;
    uint32_t type = tr->attr & DESC_TYPE_MASK;
    if ((type != 0x9 && type != 0xb) || (tr->attr & DESC_S) || tr->limit < 0x67)
        cpu__raise_err(cpu, EXC_GP, 0);
    uint32_t off = lmem_read(cpu, tr->base + 0x66, 2) + port / 8;
    if (off + 1 > tr->limit)
        cpu__raise_err(cpu, EXC_GP, 0);
    uint32_t bits = lmem_read(cpu, tr->base + off, 2) >> (port & 7);
    if (bits & ((1u << size) - 1))
        cpu__raise_err(cpu, EXC_GP, 0);
}

/* The device access of IN/OUT/INS/OUTS, reported to the I/O breakpoints
 * (a trap after the instruction or the iteration: SDM vol. 3, 17.2.4). */
static uint32_t io__read(struct cpu *cpu, uint16_t port, int size)
{
    uint32_t v = machine__io_read(cpu->m, port, size);
    bp__io_access(cpu, port, size);
    return v;
}

static void io__write(struct cpu *cpu, uint16_t port, int size, uint32_t v)
{
    machine__io_write(cpu->m, port, v & size_mask(size), size);
    bp__io_access(cpu, port, size);
}

static uint32_t io__in(struct cpu *cpu, uint16_t port, int size)
{
    io__check(cpu, port, size);
    return io__read(cpu, port, size);
}

static void io__out(struct cpu *cpu, uint16_t port, int size, uint32_t v)
{
    io__check(cpu, port, size);
    io__write(cpu, port, size, v);
}

/* E4/E5/EC/ED: IN AL/eAX, imm8 or DX. */
static void op_in(struct cpu *cpu, struct insn *in)
{
    int size = (in->op & 1) ? in->opsize : 1;
    uint16_t port = (in->op & 8) ? cpu->gpr[R_EDX] & 0xffff : in->imm & 0xff;
    reg_set(cpu, R_EAX, size, io__in(cpu, port, size));
}

/* E6/E7/EE/EF: OUT imm8 or DX, AL/eAX. */
static void op_out(struct cpu *cpu, struct insn *in)
{
    int size = (in->op & 1) ? in->opsize : 1;
    uint16_t port = (in->op & 8) ? cpu->gpr[R_EDX] & 0xffff : in->imm & 0xff;
    io__out(cpu, port, size, reg_get(cpu, R_EAX, size));
}

/* Index register (SI or DI) stepped by DF, with the address size. */
static void io__step(struct cpu *cpu, int r, int addrsize, int size)
{
    uint32_t delta = (cpu->eflags & F_DF) ? (uint32_t)-size : (uint32_t)size;
    reg_set(cpu, r, addrsize, reg_get(cpu, r, addrsize) + delta);
}

/* 6C/6D INS and 6E/6F OUTS, one iteration or a chunk of a REP. The I/O
 * permission check comes first (SDM INS/OUTS pseudo-code), ahead of the
 * memory operand's faults, and also for a REP with a zero count, which
 * the SDM's REP loop leaves unsaid (measured on the host: #GP(0)). The
 * memory side is then checked before the port is touched, so a fault
 * never loses a device read. */
static void op_ins_outs(struct cpu *cpu, struct insn *in)
{
    int size = (in->op & 1) ? in->opsize : 1;
    bool is_out = in->op & 2;
    uint16_t port = cpu->gpr[R_EDX] & 0xffff;
    int as = in->addrsize;
    int n = 1;

    io__check(cpu, port, size);
    if (in->rep) {
        uint32_t count = reg_get(cpu, R_ECX, as);
        if (count == 0)
            return;
        n = count > IO_REP_CHUNK ? IO_REP_CHUNK : (int)count;
    }
    for (int i = 0; i < n; i++) {
        if (is_out) {
            uint32_t v = vmem_read(cpu, in->seg, reg_get(cpu, R_ESI, as), size);
            io__write(cpu, port, size, v);
            io__step(cpu, R_ESI, as, size);
        } else {
            uint32_t di = reg_get(cpu, R_EDI, as);
            vmem_check_write(cpu, S_ES, di, size);
            vmem_check_align(cpu, S_ES, di, size);
            vmem_write(cpu, S_ES, di, size, io__read(cpu, port, size));
            io__step(cpu, R_EDI, as, size);
        }
        if (in->rep)
            reg_set(cpu, R_ECX, as, reg_get(cpu, R_ECX, as) - 1);
        if (cpu->db_hits)
            break; /* a breakpoint traps between iterations */
    }
    if (in->rep && reg_get(cpu, R_ECX, as) != 0)
        cpu->eip = cpu->insn_eip;
}

void io__register(void)
{
    static const unsigned ins[] = { 0xe4, 0xe5, 0xec, 0xed };
    static const unsigned outs[] = { 0xe6, 0xe7, 0xee, 0xef };

    for (unsigned i = 0; i < 4; i++) {
        interp__set_op(ins[i], op_in);
        interp__set_op(outs[i], op_out);
        interp__set_op(0x6c + i, op_ins_outs);
    }
}
