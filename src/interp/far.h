/* far.h - private to the far-transfer files (far.c, call_gate.c,
 * ops_segment.c): helpers shared by direct transfers and call gates. */
#ifndef BT86_INTERP_FAR_H
#define BT86_INTERP_FAR_H

#include "interp/internal.h"

static inline uint32_t far__stack_mask(const struct seg_cache *ss)
{
    return (ss->attr & DESC_DB) ? 0xffffffffu : 0xffffu;
}

/* #SS(error) unless n pushes of size bytes below esp fit the limits of ss. */
void far__check_room(struct cpu *cpu, const struct seg_cache *ss, uint32_t esp, int n, int size,
                     uint32_t error);
/* Push CS and EIP (size 2 or 4) on the current stack; ESP moves last. */
void far__push_return(struct cpu *cpu, int size);
/* Enter code segment sel (descriptor lo/hi, already checked) at eip at the
 * current CPL: #GP(0) beyond its limit, then push the return address when
 * push_size is 2 or 4, then load CS. */
void far__enter_code(struct cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi, uint32_t eip,
                     int push_size);
/* JMP or CALL through the call gate gsel (descriptor glo/ghi). */
void far__call_gate(struct cpu *cpu, uint16_t gsel, uint32_t glo, uint32_t ghi, bool call);
/* RETF / RETF imm16 with operand size opsize. */
void far__ret(struct cpu *cpu, int opsize, uint16_t imm);

#endif
