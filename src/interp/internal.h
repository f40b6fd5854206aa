/* internal.h - the contract between the interpreter's parts: decoded
 * instructions, the opcode table, operand/memory access, exceptions. */
#ifndef BT86_INTERP_INTERNAL_H
#define BT86_INTERP_INTERNAL_H

/*
 * How the interpreter is put together
 * ------------------------------------
 * decode.c     reads prefixes, opcode, ModRM/SIB, displacement and
 *              immediates into a struct insn, and computes the effective
 *              address (registers are read at decode time: nothing has
 *              modified them yet).
 * dispatch.c   the loop: deliver pending interrupts, decode, call the
 *              handler registered for the opcode, retire. Before the
 *              handler runs, cpu->insn_eip holds the instruction's own EIP
 *              and cpu->eip already holds in->next_eip; a handler that
 *              transfers control sets cpu->eip.
 * ops_*.c      instruction handlers, one file per family. Each file has a
 *              ops_<family>__register() that claims its opcodes with
 *              interp__set_op(); claiming an opcode twice is an internal
 *              error (assert). Opcodes nobody claims raise #UD and are
 *              counted (-d unimp).
 *
 * Exceptions: a handler, the decoder or a memory access calls
 * cpu__raise*(), which fills cpu->exc and longjmps to the engine loop
 * (cpu->exc_jmp); the loop then calls exc__deliver(). So a handler must
 * finish every access that can fault before it changes any register or
 * flag, which makes every instruction restartable: faults report
 * cpu->insn_eip with the registers as they were before the instruction.
 */

#include <stdbool.h>
#include <stdint.h>

#include "core/cpu.h"
#include "interp/mem_fast.h"

/* ---- decoded instruction ------------------------------------------- */

#define OP_0F 0x100 /* two-byte opcodes 0F xx are numbered 0x100 + xx */
#define OP_COUNT 0x200

struct insn {
    uint16_t op;        /* 0x00-0xff, or OP_0F + second byte */
    uint8_t len;        /* bytes, prefixes included */
    uint8_t opsize;     /* operand size: 2 or 4 (byte forms use 1 explicitly) */
    uint8_t addrsize;   /* address size: 2 or 4 */
    int8_t seg;         /* segment of the memory operand: override or default
                         * (SS for EBP/ESP bases, DS otherwise) */
    bool seg_override;  /* a segment prefix was present */
    uint8_t rep;        /* 0, 0xf2 (REPNE) or 0xf3 (REP/REPE) */
    bool lock;
    bool opsize_prefix; /* 0x66 seen (MMX/SSE use it as a selector) */
    bool has_modrm;
    uint8_t modrm, mod, reg, rm;
    bool is_mem;        /* has_modrm && mod != 3 */
    uint32_t ea;        /* effective address offset (already masked to addrsize) */
    uint32_t imm;       /* first immediate, zero-extended raw bytes */
    uint32_t imm2;      /* second immediate: ENTER's level, far pointer's selector */
    uint32_t next_eip;  /* offset of the following instruction */
    bool esp_base;      /* the ea uses ESP as its base register (POP Ev
                         * recomputes it after incrementing ESP) */
};

typedef void (*op_fn)(struct cpu *cpu, struct insn *in);

/* Claim opcode op for fn (asserts it was unclaimed). */
void interp__set_op(unsigned op, op_fn fn);
/* Claim opcodes first..last (inclusive) for fn. */
void interp__set_ops(unsigned first, unsigned last, op_fn fn);
/* A faster handler for op when its operand size is 32 bits; it must do
 * exactly what op's handler does at that size (asserts op had none). */
void interp__set_op32(unsigned op, op_fn fn);
/* Set after an instruction or access that may change the fetch mode or
 * require a careful step (an MMIO access: a device may raise the interrupt
 * line); the run loop looks again before the next instruction and clears
 * it (dispatch.c, recheck_ops). */
extern bool interp__recheck;

/* Registration, one per handler family (each file defines its own). */
void ops_data__register(void);     /* mov, xchg, push/pop, lea, movzx/sx, cbw… */
void ops_control__register(void);  /* jcc, jmp/call/ret near, loop, FE/FF groups */
void ops_string__register(void);   /* movs, cmps, stos, lods, scas (+rep) */
void ops_flags__register(void);    /* cmc clc stc cld std sahf lahf salc */
void ops_alu__register(void);      /* add…cmp, test, inc/dec, neg/not, groups 80-83 F6/F7 */
void ops_shift__register(void);    /* shifts, rotates, shld/shrd */
void ops_muldiv__register(void);   /* mul, imul, div, idiv */
void ops_bit__register(void);      /* bt*, bsf/bsr, setcc, cmovcc, bswap, xadd, cmpxchg(8b) */
void ops_bcd__register(void);      /* daa das aaa aas aam aad */
void ops_segment__register(void);  /* far jmp/call/ret, lds/les/lss/lfs/lgs, 0F 00, 0F 01, lar/lsl, arpl */
void ops_system__register(void);   /* pushf/popf, cli/sti, hlt, in/out/ins/outs, int/iret, mov cr/dr, clts, msr, cpuid, sysenter */
void ops_fpu__register(void);      /* x87: D8-DF, WAIT */
void ops_mmx__register(void);      /* MMX, EMMS, FXSAVE/FXRSTOR */

/* Decode the instruction at CS:cpu->eip. May raise (#PF, #GP, #UD). */
void decode__insn(struct cpu *cpu, struct insn *in);

/* ---- registers and operands ---------------------------------------- */

/* Register r of the given size: size 1 uses the AL,CL,DL,BL,AH,CH,DH,BH
 * encoding; size 2 writes keep the upper half. */
static inline uint32_t reg_get(const struct cpu *cpu, int r, int size)
{
    if (size == 4) return cpu->gpr[r];
    if (size == 2) return cpu->gpr[r] & 0xffff;
    return r < 4 ? cpu->gpr[r] & 0xff : (cpu->gpr[r - 4] >> 8) & 0xff;
}

static inline void reg_set(struct cpu *cpu, int r, int size, uint32_t v)
{
    if (size == 4) cpu->gpr[r] = v;
    else if (size == 2) cpu->gpr[r] = (cpu->gpr[r] & 0xffff0000u) | (v & 0xffff);
    else if (r < 4) cpu->gpr[r] = (cpu->gpr[r] & 0xffffff00u) | (v & 0xff);
    else cpu->gpr[r - 4] = (cpu->gpr[r - 4] & 0xffff00ffu) | ((v & 0xff) << 8);
}

static inline uint32_t size_mask(int size)
{
    return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

/* The r/m operand of in (register or memory), inline down to the host
 * load or store (vmem_read/vmem_write, mem_fast.h). */
static inline uint32_t op_rm_read(struct cpu *cpu, struct insn *in, int size)
{
    return in->is_mem ? vmem_read(cpu, in->seg, in->ea, size) : reg_get(cpu, in->rm, size);
}

static inline void op_rm_write(struct cpu *cpu, struct insn *in, int size, uint32_t v)
{
    if (in->is_mem)
        vmem_write(cpu, in->seg, in->ea, size, v);
    else
        reg_set(cpu, in->rm, size, v);
}

/* The memory operand of a read-modify-write instruction when the inline
 * path of op_rm_read_rmw refuses it (operand.c). */
uint32_t op_rm_read_rmw_slow(struct cpu *cpu, struct insn *in, int size);

/* The r/m operand of a read-modify-write instruction: a memory operand is
 * checked for writing before it is read, as hardware does (a faulting RMW
 * reports the write's #GP/#SS/#PF, with W=1, ahead of any #AC). When the
 * write certainly succeeds (also on a page of cached code, which only the
 * write itself must report), the operand is read from the host. */
static inline uint32_t op_rm_read_rmw(struct cpu *cpu, struct insn *in, int size)
{
    if (!in->is_mem)
        return reg_get(cpu, in->rm, size);
    uint8_t *p = mem__write_ptr(cpu, in->seg, in->ea, size, !(cpu->dr[7] & 0xff));
    if (likely(p))
        return host__load(p, size);
    return op_rm_read_rmw_slow(cpu, in, size);
}

/* The stack pointer's offset after adding delta: ESP, or SP wrapping in
 * 64 KiB when SS.B = 0 (SDM vol. 1, 6.2.3). */
static inline uint32_t stack_offset(const struct cpu *cpu, uint32_t delta)
{
    uint32_t esp = cpu->gpr[R_ESP] + delta;
    return cpu__stack32(cpu) ? esp : esp & 0xffff;
}

/* Add delta to ESP (SS.B = 1) or to SP alone (SS.B = 0): releases or
 * reserves stack space after the accesses have succeeded. */
static inline void stack_adjust(struct cpu *cpu, uint32_t delta)
{
    if (cpu__stack32(cpu))
        cpu->gpr[R_ESP] += delta;
    else
        reg_set(cpu, R_ESP, 2, cpu->gpr[R_ESP] + delta);
}

/* Stack: push/pop of 2 or 4 bytes through SS with the stack-size attribute
 * (SS.B). The write completes before ESP changes. */
static inline void stack_push(struct cpu *cpu, int size, uint32_t v)
{
    vmem_write(cpu, S_SS, stack_offset(cpu, -(uint32_t)size), size, v);
    stack_adjust(cpu, -(uint32_t)size);
}

static inline uint32_t stack_pop(struct cpu *cpu, int size)
{
    uint32_t v = vmem_read(cpu, S_SS, stack_offset(cpu, 0), size);
    stack_adjust(cpu, size);
    return v;
}

/* Read the stack at ESP + offset without popping (for multi-pop sequences
 * that must not change ESP before all reads succeed). */
static inline uint32_t stack_peek(struct cpu *cpu, uint32_t offset, int size)
{
    return vmem_read(cpu, S_SS, stack_offset(cpu, offset), size);
}

/* Raise whatever a write of size bytes at SS:off would raise (#SS, #PF,
 * #AC for a misaligned slot at CPL 3 with CR0.AM and EFLAGS.AC), without
 * writing. */
void stack_check_write(struct cpu *cpu, uint32_t off, int size);

/* ---- arithmetic flags (ops_alu.c and friends) ---------------------- */

/* ALU operation numbers in the order of opcodes 00-3F and group 80-83. */
enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* a op b at size 1/2/4; sets the arithmetic flags and returns the result
 * (for ALU_CMP, the difference: the caller does not write it back). */
uint32_t alu__op(struct cpu *cpu, int op, uint32_t a, uint32_t b, int size);
uint32_t alu__inc(struct cpu *cpu, uint32_t v, int size); /* CF unchanged */
uint32_t alu__dec(struct cpu *cpu, uint32_t v, int size); /* CF unchanged */
/* Jcc/SETcc/CMOVcc conditions (alu.c): bit i of cond__table[cc] is the
 * truth of condition cc for flags index i (bits: 0 CF, 1 PF, 2 ZF, 3 SF,
 * 4 OF). */
extern const uint32_t cond__table[16];

/* Condition code cc (0-15, the low nibble of Jcc/SETcc/CMOVcc). */
static inline bool cond__eval(const struct cpu *cpu, int cc)
{
    uint32_t f = cpu->eflags;
    unsigned idx = (f & F_CF) | ((f >> 1) & 2) | ((f >> 4) & 0xc) | ((f >> 7) & 0x10);
    return (cond__table[cc & 15] >> idx) & 1;
}

/* ---- memory (mem.c, mmu.c, segment checks) ------------------------- */

/* vmem_read and vmem_write (sizes 1, 2, 4) are inline: mem_fast.h. The
 * other segmented accesses have the same checks. */
uint64_t vmem_read64(struct cpu *cpu, int seg, uint32_t off);
void vmem_write64(struct cpu *cpu, int seg, uint32_t off, uint64_t v);
void vmem_read_bytes(struct cpu *cpu, int seg, uint32_t off, void *dst, uint32_t len);
void vmem_write_bytes(struct cpu *cpu, int seg, uint32_t off, const void *src, uint32_t len);
/* Raise now whatever a write of len bytes at seg:off would raise. */
void vmem_check_write(struct cpu *cpu, int seg, uint32_t off, uint32_t len);
/* Raise #AC(0) when alignment checking is armed (CPL 3, CR0.AM, EFLAGS.AC)
 * and seg:off is not a multiple of align (a power of two): for operands
 * whose alignment is not their size (x87 m80: 8, SDM vol. 3, table 6-7)
 * and for instructions that must raise #AC before their side effects. */
void vmem_check_align(struct cpu *cpu, int seg, uint32_t off, uint32_t align);

/* Linear access for system structures (descriptor tables, TSS, IDT):
 * supervisor privilege regardless of CPL. */
uint32_t lmem_read(struct cpu *cpu, uint32_t lin, int size);
void lmem_write(struct cpu *cpu, uint32_t lin, int size, uint32_t v);

/* Instruction fetch at CS:off (limit check, #PF with the fetch bit clear
 * on this non-NX CPU). */
uint32_t code_fetch(struct cpu *cpu, uint32_t off, int size);

/* TLB maintenance (CR3 write, INVLPG, mode changes). */
void tlb__flush(struct cpu *cpu, bool include_global);
void tlb__flush_page(struct cpu *cpu, uint32_t lin);
/* No TLB entry (nor a watcher's copy) may write the physical page inline
 * any more: it holds cached code (code_wp.c). */
void tlb__revoke_write(struct cpu *cpu, uint32_t phys_page);

/* Control registers with the architectural checks (#GP on reserved bits
 * or PG without PE) and their side effects (TLB flushes). */
void cr__write(struct cpu *cpu, int n, uint32_t v);

/* ---- segmentation (segment.c) --------------------------------------- */

/* Read the 8-byte descriptor for sel from the GDT or LDT. Returns false
 * when sel is outside the table's limit (the caller raises its own
 * exception: #GP(sel), #TS(sel)…). */
bool desc__read(struct cpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi);
/* Write back a descriptor's high dword (to set the accessed/busy bits). */
void desc__write_hi(struct cpu *cpu, uint16_t sel, uint32_t hi);
/* Fill a segment cache from a descriptor. */
void desc__to_cache(struct seg_cache *c, uint16_t sel, uint32_t lo, uint32_t hi);

/* Load a data/stack segment register (ES, SS, DS, FS, GS) as MOV, POP or
 * LDS-family would, with every protected-mode check. Real and V86 mode:
 * base = sel << 4. Loading SS sets the one-instruction interrupt shadow. */
void seg__load(struct cpu *cpu, int seg, uint16_t sel);

/* Far JMP / CALL to sel:off with every protected-mode check (call gates,
 * task gates, TSS) or the real/V86-mode form; opsize 2 or 4 (ops_segment.c). */
void far__jmp(struct cpu *cpu, uint16_t sel, uint32_t off, int opsize);
void far__call(struct cpu *cpu, uint16_t sel, uint32_t off, int opsize);

/* ---- exceptions, interrupts, tasks (exception.c, task.c) ------------ */

_Noreturn void cpu__raise(struct cpu *cpu, int vector);
_Noreturn void cpu__raise_err(struct cpu *cpu, int vector, uint32_t error);
_Noreturn void cpu__raise_pf(struct cpu *cpu, uint32_t lin, uint32_t error);
/* Unimplemented opcode: count it, log it under -d unimp, raise #UD. */
_Noreturn void cpu__raise_unimp(struct cpu *cpu, const struct insn *in);

/* Near transfer to target (masked to the operand size by the caller), with
 * the CS limit check: #GP(0) when the target is outside it (code segments
 * are never expand-down; SDM vol. 2, JMP/CALL/RET). */
static inline void branch_near(struct cpu *cpu, uint32_t target)
{
    if (target > cpu->seg[S_CS].limit)
        cpu__raise_err(cpu, EXC_GP, 0);
    cpu->eip = target;
}

/* Deliver cpu->exc (after the longjmp), escalating to #DF and triple
 * fault as the SDM's table 6-5 says. */
void exc__deliver(struct cpu *cpu);
/* Deliver an external interrupt (from the PIC) with this vector. */
void intr__deliver_external(struct cpu *cpu, int vector);
/* A debug trap after an instruction (TF single step: dr6_bits = DR6.BS). */
void exc__debug_trap(struct cpu *cpu, uint32_t dr6_bits);
/* Data and I/O breakpoints (dispatch.c): the memory and I/O paths report
 * each access while DR7 enables a breakpoint; hits collect in cpu->db_hits
 * and the engine loop delivers them as one #DB trap after the instruction.
 * lin is the access's linear address; reads match R/W=11 only. */
void bp__data_access(struct cpu *cpu, uint32_t lin, int size, bool write);
void bp__io_access(struct cpu *cpu, uint16_t port, int size);
/* Whether an enabled data breakpoint covers part of the 4 KiB linear page
 * (the TLB then withholds the page's fast-path rights, mmu.c). */
bool bp__data_page(const struct cpu *cpu, uint32_t page);

enum task_reason { TASK_JMP, TASK_CALL, TASK_IRET, TASK_INT };
/* Switch to the task whose TSS descriptor (or task gate target) is sel
 * with descriptor lo/hi. */
void task__switch(struct cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi,
                  enum task_reason why);

/* x87/MMX availability (#NM when CR0.TS, #UD/#NM when CR0.EM). */
void fpu__check_available(struct cpu *cpu, bool is_mmx);
/* FNINIT state of the FPU and MMX/SSE state at reset. */
void fpu__reset(struct cpu *cpu);

#endif
