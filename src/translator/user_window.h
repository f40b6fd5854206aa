/* user_window.h - the user window: guest user pages mapped at their linear
 * addresses in a 4 GiB host region, so that translated CPL 3 code reaches
 * memory through the host MMU with no inline lookup (user_window.c). */
#ifndef BT86_TRANSLATOR_USER_WINDOW_H
#define BT86_TRANSLATOR_USER_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

struct cache;
struct machine;

/* Reserve the window (once per process), point the host's GS base at it
 * and take SIGSEGV for its faults, for m's CPU and the blocks of c.
 * False (errno set) when the host refuses; the translator then uses its
 * inline lookups for user code too. */
bool user_window__start(struct machine *m, struct cache *c);
/* Empty the window and give SIGSEGV back. */
void user_window__stop(void);
/* Whether translated user code may address memory through the window. */
bool user_window__active(void);

#endif
