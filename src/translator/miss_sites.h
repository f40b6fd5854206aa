/* miss_sites.h - translated instructions that keep leaving their block for
 * the interpreter: noticed by their repeated misses, translated the
 * steadier way from then on (miss_sites.c). */
#ifndef BT86_TRANSLATOR_MISS_SITES_H
#define BT86_TRANSLATOR_MISS_SITES_H

#include <stdbool.h>
#include <stdint.h>

/* The block left before the instruction at linear lin for the
 * interpreter (an inline access or a window access it could not do).
 * True, once, when lin has missed so often that its translation should be
 * redone: the caller then drops the translations of its page. */
bool miss_sites__note(uint32_t lin);
/* Whether the instruction at lin is one of those (translate.c: no stack
 * or frame run starts there, its operand takes the inline lookup rather
 * than the window). */
bool miss_sites__at(uint32_t lin);

#endif
