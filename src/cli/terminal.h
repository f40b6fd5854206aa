/* terminal.h - host input for the guest's serial line: raw mode, the Ctrl-A escapes, feeding COM1. */
#ifndef BT86_CLI_TERMINAL_H
#define BT86_CLI_TERMINAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/timer.h"

struct machine;
struct uart16550;

#define TERMINAL_ESCAPE 0x01 /* Ctrl-A, as in QEMU */
#define TERMINAL_BUF 256

struct terminal {
    int fd;              /* the input (stdin), or -1 when there is none */
    bool escapes;        /* Ctrl-A commands are recognised (input is a terminal) */
    bool got_escape;     /* the last byte was Ctrl-A */
    bool eof;            /* input ended or failed: no more reads */
    FILE *msg;           /* where help text goes */

    /* Bytes for the guest that COM1's receive FIFO could not take yet. */
    uint8_t pending[TERMINAL_BUF];
    size_t npending;

    struct machine *m;
    struct uart16550 *uart;
    struct timer retry;  /* offers the pending bytes again while the FIFO is full */
};

/* Start reading fd (stdin). When it is a terminal: put it in raw mode (no
 * echo, no line editing, no signal keys, output post-processing kept so
 * "\n" still starts a new line), arrange for the saved mode to come back on
 * every exit path, and recognise the Ctrl-A escapes. Otherwise the input
 * is passed to the guest unchanged. Help text goes to msg. Returns 0, or
 * -errno when the terminal cannot be set up. */
int terminal__open(struct terminal *t, int fd, FILE *msg);

/* Feed the input to uart, the COM1 of m: registers fd with m's run loop.
 * Called again for each new machine after a reboot. Returns 0 or -errno. */
int terminal__attach(struct terminal *t, struct machine *m, struct uart16550 *uart);

/* Process input bytes as if read from fd (after terminal__attach): the
 * Ctrl-A state machine (when escapes are on), then COM1. Bytes COM1 cannot
 * take yet wait in pending (TERMINAL_BUF of them; processing stops when it
 * is full). Ctrl-A x latches STOP_USER (status 0) and stops processing.
 * Returns the bytes consumed. */
size_t terminal__input(struct terminal *t, const uint8_t *buf, size_t len);

/* Put the terminal back the way terminal__open found it. Idempotent and
 * async-signal-safe (signal handlers call it). */
void terminal__restore(void);

#endif
