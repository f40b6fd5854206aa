/* task.c - hardware task switching (first version). */
#include "interp/internal.h"

void task__switch(struct cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi,
                  enum task_reason why)
{
    cpu__raise_err(cpu, EXC_GP, sel & 0xfffc);
}
