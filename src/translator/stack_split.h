/* stack_split.h - stack runs that straddle a page where their code runs:
 * noticed by their repeated misses, translated access by access from
 * then on (stack_split.c). */
#ifndef BT86_TRANSLATOR_STACK_SPLIT_H
#define BT86_TRANSLATOR_STACK_SPLIT_H

#include <stdbool.h>
#include <stdint.h>

/* The block left before the instruction at linear lin for the
 * interpreter (an inline access missed). True, once, when lin has missed
 * so often that its translation should be redone without a stack run
 * starting there: the caller then drops the translations of its page. */
bool stack_split__note_miss(uint32_t lin);
/* Whether a stack run must not start at lin (translate.c). */
bool stack_split__at(uint32_t lin);

#endif
