/* fpu_run.h - private to the translator: loading the guest's x87 state
 * into the host FPU around a run of translated x87 instructions
 * (fpu_run.c). */
#ifndef BT86_TRANSLATOR_FPU_RUN_H
#define BT86_TRANSLATOR_FPU_RUN_H

#include <stdint.h>

/*
 * Entry points called from translated code (call through R15; R13 =
 * struct cpu; every guest register, R9, R10, R11 and the guest flags are
 * kept, R8 R14 R15 are clobbered):
 *
 * bt86_fpu_enter: when the guest's state may run natively (CR0.EM and
 * CR0.TS clear, every x87 exception masked, none pending), loads it into
 * the host FPU and returns FPU_ENTER_SKIP bytes past its return address;
 * otherwise returns to the return address itself, where the block places
 * its exit before the run (the interpreter then runs the instruction and
 * raises #NM or #MF, or unmasks exceptions as the guest asked).
 *
 * bt86_fpu_leave: stores the host FPU back into the guest's state (the
 * exception flags it raised merged into the guest's sticky ones) and
 * gives the host FPU its own state again.
 */
#define FPU_ENTER_SKIP 6
extern const uint8_t bt86_fpu_enter[], bt86_fpu_leave[];

#endif
