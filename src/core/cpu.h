/* cpu.h - architectural state of one IA-32 vCPU, shared by every engine. */
#ifndef BT86_CORE_CPU_H
#define BT86_CORE_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;

/* General registers, in the encoding order of ModRM.reg. */
enum gpr { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };

/* Segment registers in encoding order (ES=0 … GS=5), then the two system
 * segment registers, so one array of descriptor caches holds all eight. */
enum seg { S_ES, S_CS, S_SS, S_DS, S_FS, S_GS, S_LDTR, S_TR, S_COUNT };
#define S_NONE (-1) /* no segment override prefix */

/* EFLAGS bits (Intel SDM vol. 1, 3.4.3). */
#define F_CF   (1u << 0)
#define F_FIXED1 (1u << 1) /* always reads as 1 */
#define F_PF   (1u << 2)
#define F_AF   (1u << 4)
#define F_ZF   (1u << 6)
#define F_SF   (1u << 7)
#define F_TF   (1u << 8)
#define F_IF   (1u << 9)
#define F_DF   (1u << 10)
#define F_OF   (1u << 11)
#define F_IOPL (3u << 12)
#define F_IOPL_SHIFT 12
#define F_NT   (1u << 14)
#define F_RF   (1u << 16)
#define F_VM   (1u << 17)
#define F_AC   (1u << 18)
#define F_VIF  (1u << 19)
#define F_VIP  (1u << 20)
#define F_ID   (1u << 21)
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

/* CR0 / CR4 bits (SDM vol. 3, 2.5). */
#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_AM (1u << 18)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)
#define CR4_VME (1u << 0)
#define CR4_PVI (1u << 1)
#define CR4_TSD (1u << 2)
#define CR4_DE  (1u << 3)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_MCE (1u << 6)
#define CR4_PGE (1u << 7)
#define CR4_PCE (1u << 8)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)

/* Exception vectors (SDM vol. 3, table 6-1). */
enum {
    EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5,
    EXC_UD = 6, EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12,
    EXC_GP = 13, EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_MC = 18, EXC_XM = 19,
};

/* Descriptor attribute bits as kept in seg_cache.attr: bits 40..47 of the
 * descriptor in attr[7:0] (type, S, DPL, P) and bits 52..55 in attr[11:8]
 * (AVL, L, D/B, G). */
#define DESC_TYPE_MASK 0x00f
#define DESC_A      0x001 /* accessed (code/data) */
#define DESC_W      0x002 /* data: writable */
#define DESC_R      0x002 /* code: readable */
#define DESC_E      0x004 /* data: expand-down */
#define DESC_C      0x004 /* code: conforming */
#define DESC_CODE   0x008 /* code (S=1) */
#define DESC_S      0x010 /* code/data (1) or system (0) */
#define DESC_DPL_SHIFT 5
#define DESC_DPL    0x060
#define DESC_P      0x080
#define DESC_AVL    0x100
#define DESC_DB     0x400
#define DESC_G      0x800

/* Hidden part of a segment register: what the CPU cached at the last load.
 * limit is the byte-granular limit (already scaled when G=1). In real mode
 * and V86 mode base = selector << 4, limit = 0xffff, attr = present data. */
struct seg_cache {
    uint16_t sel;
    uint16_t attr;
    uint32_t base;
    uint32_t limit;
};

struct dtable {
    uint32_t base;
    uint16_t limit;
};

/* One x87 data register in the in-memory layout of an 80-bit extended
 * real: 64-bit significand then sign+exponent. On an x86 host this is the
 * layout of `long double`, so memcpy converts. MMX register i aliases
 * st_phys[i].mant (and writes exponent 0xffff). */
struct fpreg {
    uint64_t mant;
    uint16_t sexp;
    uint16_t pad[3];
};

struct fpu_state {
    struct fpreg st_phys[8]; /* physical registers R0..R7 */
    uint16_t fcw;            /* control word */
    uint16_t fsw;            /* status word, TOP in bits 11..13 */
    uint16_t ftw;            /* full tag word, 2 bits per physical register */
    uint16_t fop;            /* last non-control opcode (11 bits) */
    uint32_t fip, fdp;       /* last instruction / data pointer offsets */
    uint16_t fcs, fds;       /* their selectors */
    uint32_t mxcsr;
    uint8_t xmm[8][16];      /* SSE registers, reserved for later */
};

/* Model-specific registers the CPU implements (see the MSR file). */
#define MCA_BANKS 5 /* machine-check banks of the P6 family */
struct msr_state {
    uint64_t tsc_offset;   /* guest TSC = host-derived counter + offset */
    uint32_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t apic_base;
    uint64_t mtrr_def_type;
    uint64_t mtrr_fixed[11];
    uint64_t mtrr_var[16]; /* base/mask pairs for 8 variable ranges */
    uint64_t pat;
    uint64_t mcg_ctl, mcg_status; /* machine-check global control and status */
    uint64_t mc_ctl[MCA_BANKS];   /* machine-check bank controls (interp/mca.c) */
    /* P6 performance counters (interp/pmu.c): event selects, and each
     * counter's value at the moment its count was last sampled. */
    uint64_t pmc_evtsel[2];
    uint64_t pmc_value[2];
    uint64_t pmc_sampled_at[2]; /* event source reading at that moment */
};

/* Software TLB used by the interpreter (and by any engine that falls back
 * to it). Direct mapped on the linear page number. An entry caches, for one
 * linear page, the physical frame and whether reads/writes by supervisor and
 * user code are allowed without a walk. host is NULL for MMIO/unassigned. */
#define TLB_SIZE 1024
struct tlb_entry {
    uint32_t lin_page;  /* linear address & ~0xfff, or TLB_INVALID */
    uint32_t phys_page; /* physical address & ~0xfff */
    uint8_t *host;      /* host address of the frame, NULL for MMIO */
    /* Derived from the fields around them by tlb_entry__sync, for the
     * translator's inline lookup (one compare checks page and right):
     * tag[k] is lin_page when perm has bit 1 << k, else TLB_INVALID;
     * addend is host - lin_page (host address = linear + addend). */
    uint32_t tag[4];
    uintptr_t addend;
    uint8_t perm;       /* TLB_* rights the inline fast paths may use:
                         * rights minus what the interpreter withholds to
                         * see accesses (data breakpoints, cached code;
                         * see interp/mmu.c); 0 for MMIO */
    uint8_t global;     /* from a PTE with G set while CR4.PGE */
    uint8_t rights;     /* TLB_* rights the translation grants */
    uint8_t pad[21];    /* to 64 bytes: the translator's lookup scales the
                         * index by a power of two (translator/emit.c) */
};
_Static_assert(sizeof(struct tlb_entry) == 64, "a TLB entry is 64 bytes");
#define TLB_INVALID 0x1u /* never a page-aligned address */
#define TLB_SUP_R  0x01
#define TLB_SUP_W  0x02
#define TLB_USER_R 0x04
#define TLB_USER_W 0x08
/* tlb_entry.global bits: G while CR4.PGE, and "from a 4 MiB page" (INVLPG
 * must drop every 4 KiB piece of such a page). */
#define TLB_GLOBAL 0x1u
#define TLB_LARGE  0x2u

/* Recompute an entry's tags and addend: after every change of its
 * lin_page, host or perm. */
static inline void tlb_entry__sync(struct tlb_entry *e)
{
    for (unsigned k = 0; k < 4; k++)
        e->tag[k] = e->perm >> k & 1 ? e->lin_page : TLB_INVALID;
    e->addend = (uintptr_t)e->host - e->lin_page;
}

/* A pending exception, filled by the raiser and consumed by the delivery
 * code after longjmp back to the engine's loop. */
struct pending_exc {
    int vector;
    bool has_error;
    uint32_t error;
    bool is_int;        /* software INT n / INT3 / INTO: affects DPL checks */
    uint32_t next_eip;  /* EIP after the instruction, for traps and INT n */
};

struct cpu {
    /* Architectural state. Engines may generate code that uses offsets of
     * these fields: keep them at the top and do not reorder. */
    uint32_t gpr[8];
    uint32_t eip;
    uint32_t eflags;    /* all flags, including the arithmetic ones */
    struct seg_cache seg[S_COUNT];
    struct dtable gdtr, idtr;
    uint32_t cr0, cr2, cr3, cr4;
    uint32_t dr[8];
    int cpl;            /* current privilege level (CS.RPL in protected mode, 3 in V86) */

    struct fpu_state fpu;
    struct msr_state msr;

    /* Execution state. */
    bool halted;           /* HLT executed; waiting for an interrupt */
    bool inhibit_irq;      /* one-instruction interrupt shadow after STI / MOV SS / POP SS */
    bool nmi_pending;
    bool a20;              /* A20 gate: when false physical bit 20 is forced to 0 */
    uint32_t insn_eip;     /* EIP of the instruction being executed */
    uint32_t db_hits;      /* DR6.B0-B3 of the data and I/O breakpoints the
                            * current instruction hit: set by the memory and
                            * I/O paths, delivered by the engine loop as one
                            * #DB trap after the instruction (SDM vol. 3,
                            * 17.3.1.2). The loop steps one instruction at a
                            * time while DR7 enables any breakpoint. */
    int exc_nesting;       /* for double/triple fault classification */
    struct pending_exc exc;
    jmp_buf *exc_jmp;      /* where cpu__raise longjmps to; set by the engine loop */

    struct tlb_entry tlb[TLB_SIZE];

    uint64_t icount;       /* guest instructions retired */
    struct machine *m;
};

/* Reset to the power-on state (SDM vol. 3, 9.1.1): real mode, CS:IP =
 * F000:FFF0 with CS base FFFF0000, EFLAGS = 2, CR0 = 60000010. */
void cpu__reset(struct cpu *cpu);

/* Segment descriptor cache helpers usable by every engine. */
void cpu__load_real_seg(struct cpu *cpu, int seg, uint16_t sel);

static inline bool cpu__pmode(const struct cpu *cpu) { return cpu->cr0 & CR0_PE; }
static inline bool cpu__v86(const struct cpu *cpu) { return cpu->eflags & F_VM; }
static inline int cpu__iopl(const struct cpu *cpu) { return (cpu->eflags >> F_IOPL_SHIFT) & 3; }
static inline bool cpu__code32(const struct cpu *cpu) { return (cpu->seg[S_CS].attr & DESC_DB) != 0; }
static inline bool cpu__stack32(const struct cpu *cpu) { return (cpu->seg[S_SS].attr & DESC_DB) != 0; }

#endif
