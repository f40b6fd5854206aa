/* window.h - the memory windows: guest pages mapped at their linear
 * addresses in 4 GiB host regions, one for user and one for supervisor
 * accesses, so that translated code reaches guest memory through the host
 * MMU with no inline lookup (window.c). */
#ifndef BT86_TRANSLATOR_WINDOW_H
#define BT86_TRANSLATOR_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

struct cache;
struct machine;

/* Reserve the windows (once per process), point the host's GS base at the
 * user window and take SIGSEGV for their faults, for m's CPU and the
 * blocks of c. The supervisor window needs the host's user-mode
 * WRGSBASE (to switch windows at each entry into translated code); the
 * user window a reservation and GS's base. Where the host refuses, the
 * translator keeps its inline lookups for that privilege. */
void window__start(struct machine *m, struct cache *c);
/* Empty the windows and give SIGSEGV back. */
void window__stop(void);
/* Whether translated code at this privilege (CPL 3: user) may address
 * memory through its window. */
bool window__active(bool user);
/* Point GS at the window of code about to run at this privilege. */
void window__select(bool user);

#endif
