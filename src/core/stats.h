/* stats.h - statistics counters, cheap enough to leave on (printed by -d stats). */
#ifndef BT86_CORE_STATS_H
#define BT86_CORE_STATS_H

#include <stdint.h>
#include <stdio.h>

/* X-macro: name, description. Add a counter by adding a line. */
#define STATS_COUNTERS(X)                                                 \
    X(insns_interp, "guest instructions executed by the interpreter")     \
    X(exceptions, "exceptions delivered to the guest")                    \
    X(interrupts, "external interrupts delivered to the guest")           \
    X(pf_hidden, "hidden page faults: page-table walks that filled the TLB") \
    X(pf_true, "true page faults: #PF delivered to the guest")            \
    X(tlb_flushes, "TLB flushes (CR3 writes, mode changes)")              \
    X(task_switches, "hardware task switches")                            \
    X(pio_accesses, "port I/O accesses")                                  \
    X(mmio_accesses, "MMIO accesses")                                     \
    X(unimplemented, "unimplemented instructions (#UD raised)")           \
    X(timer_fires, "device timer callbacks fired")                        \
    X(halt_sleeps, "host sleeps of a halted guest (ppoll)")               \
    X(pit_missed, "PIT channel 0 edges the host was late for (re-sent)") \
    X(trap_native_runs, "trap: native runs of guest code (signal round trips)") \
    X(trap_emulated, "trap: faulting guest instructions run by the interpreter") \
    X(trap_page_maps, "trap: guest pages mirrored into the host") \
    X(trap_syscalls, "trap: guest INT 0x80/SYSCALL stopped by seccomp") \
    X(trap_timer_exits, "trap: native runs ended by the host timer") \
    X(trap_interp_insns, "trap: instructions interpreted (guest not runnable natively)") \
    X(insns_bt, "guest instructions executed as translated code")        \
    X(insns_fallback, "instructions bt handed to the interpreter")        \
    X(blocks_translated, "guest blocks translated (bt)")                  \
    X(blocks_invalidated, "translated blocks invalidated by writes to their code (bt)") \
    X(bt_wp_stores, "stores to write-protected pages called out to C (bt)") \
    X(bt_entries, "entries into translated code from the C loop (bt)")  \
    X(bt_chains, "direct branch exits chained to their target block (bt)") \
    X(bt_chains_cross, "of those, to a block off the exit's page (kept until a TLB flush) (bt)") \
    X(bt_unchained_dead, "chain links unpatched because a block they join died (bt)") \
    X(bt_unchained_flush, "cross-page chain links unpatched by TLB flushes (bt)") \
    X(bt_ibl_hits, "indirect branches (RET, JMP/CALL r/m) found by the inline lookup (bt)") \
    X(bt_ibl_misses, "indirect branches the inline lookup missed, left to the C loop (bt)") \
    X(cache_flushes, "code cache flushes (bt)")                          \
    X(bt_mem_misses, "inline memory accesses sent to the interpreter (bt)") \
    X(bt_mmio_faults, "of those, MMIO accesses, emulated by the interpreter (bt)") \
    X(bt_miss_sites, "instructions that kept leaving their block, translated again the steady way (bt)") \
    X(bt_window_fills, "guest pages mapped into a memory window on a host fault (bt)") \
    X(bt_window_exits, "memory-window faults sent to the interpreter: #PF, MMIO, cached code (bt)") \
    X(bt_window_flushes, "memory windows emptied by TLB flushes (bt)") \
    X(bt_window_kept, "user-window pages kept across CR3 writes, walked again (bt)") \
    X(bt_window_peak, "most guest pages mapped in the memory windows at once (bt)") \
    X(bt_callouts, "sensitive instructions the interpreter ran from inside translated blocks (bt)") \
    X(bt_callout_exits, "of those, followed by an exit from the block to the C loop (bt)")

/* X-macro of rates derived from two counters: name, hits, misses,
 * description. Printed as hits / (hits + misses) in percent, when that
 * sum is not 0. Add a rate where its two counters exist. */
#define STATS_RATES(R)                                                    \
    R(translated, insns_bt, insns_interp, "guest instructions executed as translated code") \
    R(ibl_hits, bt_ibl_hits, bt_ibl_misses, "indirect branches the inline lookup found (bt)")

struct stats {
#define X(n, d) uint64_t n;
    STATS_COUNTERS(X)
#undef X
};

extern struct stats stats;

struct machine;

/* Print the counters, the rates, bt86's host memory (peak RSS minus the
 * guest RAM resident in m, when m is not NULL) and what m's engine adds
 * (engine.print_stats). */
void stats__print(FILE *f, struct machine *m);
/* Note bt86's own resident memory now (its peak is printed). */
void stats__sample_memory(void);

#endif
