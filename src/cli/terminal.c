/* terminal.c - host input for the guest's serial line: raw mode, the Ctrl-A escapes, feeding COM1. */
#include "cli/terminal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "core/machine.h"
#include "devices/devices.h"

/* How often bytes that did not fit in the receive FIFO are offered again
 * (guest time): about one character time at 9600 baud. */
#define RETRY_NS 1000000u

/* The mode to restore, kept in statics so that signal handlers and atexit
 * can reach it. */
static struct termios saved_mode;
static int saved_fd = -1;

void terminal__restore(void)
{
    if (saved_fd >= 0)
        tcsetattr(saved_fd, TCSAFLUSH, &saved_mode);
    saved_fd = -1;
}

/* A fatal signal (a crash, an abort) must not leave the user's terminal
 * raw: restore it, then die of the signal as before. */
static void on_fatal_signal(int sig)
{
    terminal__restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_fatal_handlers(void)
{
    static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGQUIT };
    struct sigaction sa = { .sa_handler = on_fatal_signal };
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
        sigaction(fatal[i], &sa, NULL);
}

/* Raw input as QEMU's stdio backend sets it with -nographic: 8-bit clean,
 * no echo, no canonical mode, no CR translation, no flow control, and no
 * signal keys (Ctrl-C goes to the guest); output post-processing stays on
 * so the host's messages still break lines. */
static int enter_raw_mode(int fd)
{
    struct termios raw;
    if (tcgetattr(fd, &saved_mode))
        return -errno;
    raw = saved_mode;
    raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    raw.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN | ISIG);
    raw.c_cflag &= ~(CSIZE | PARENB);
    raw.c_cflag |= CS8;
    raw.c_oflag |= OPOST;
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    saved_fd = fd;
    atexit(terminal__restore);
    install_fatal_handlers();
    if (tcsetattr(fd, TCSAFLUSH, &raw)) {
        int err = -errno;
        saved_fd = -1;
        return err;
    }
    return 0;
}

int terminal__open(struct terminal *t, int fd, FILE *msg)
{
    memset(t, 0, sizeof(*t));
    t->fd = fd;
    t->msg = msg;
    if (!isatty(fd))
        return 0;
    t->escapes = true;
    return enter_raw_mode(fd);
}

/* Hand the pending bytes to COM1 as far as its FIFO takes them. */
static void flush_pending(struct terminal *t)
{
    if (!t->npending || !t->uart)
        return;
    size_t n = uart16550__receive(t->uart, t->pending, t->npending);
    memmove(t->pending, t->pending + n, t->npending - n);
    t->npending -= n;
}

/* Stop reading while bytes wait (a readable fd would wake a halted guest
 * for nothing), and offer them again a little later. */
static void wait_for_room(struct terminal *t)
{
    if (!t->npending) {
        if (!t->eof)
            machine__enable_wait_fd(t->m, t->fd, true);
        return;
    }
    machine__enable_wait_fd(t->m, t->fd, false);
    timer__arm(&t->retry, timers__now(&t->m->timers) + RETRY_NS);
}

static void print_help(struct terminal *t)
{
    fprintf(t->msg, "\n"
                    "C-a h    print this help\n"
                    "C-a x    exit bt86\n"
                    "C-a C-a  send C-a to the guest\n");
    fflush(t->msg);
}

static void quit(struct terminal *t)
{
    if (t->m->stop == STOP_NONE)
        snprintf(t->m->stop_message, sizeof(t->m->stop_message), "terminated by Ctrl-A x");
    machine__stop(t->m, STOP_USER, 0);
}

size_t terminal__input(struct terminal *t, const uint8_t *buf, size_t len)
{
    size_t i;
    for (i = 0; i < len && t->npending < sizeof(t->pending); i++) {
        uint8_t c = buf[i];
        if (t->escapes && t->got_escape) {
            t->got_escape = false;
            if (c == 'x') {
                quit(t);
                i++;
                break;
            }
            if (c == 'h' || c == '?')
                print_help(t);
            if (c != TERMINAL_ESCAPE)
                continue; /* other escapes do nothing, as in QEMU */
        } else if (t->escapes && c == TERMINAL_ESCAPE) {
            t->got_escape = true;
            continue;
        }
        t->pending[t->npending++] = c;
    }
    flush_pending(t);
    wait_for_room(t);
    return i;
}

/* The run loop says fd is readable (or at EOF, or failed). */
static void on_readable(void *opaque)
{
    struct terminal *t = opaque;
    uint8_t buf[TERMINAL_BUF]; /* no more than what is sure to fit in pending */

    flush_pending(t);
    if (t->npending) {
        wait_for_room(t);
        return;
    }
    ssize_t n = read(t->fd, buf, sizeof(buf));
    if (n > 0) {
        terminal__input(t, buf, (size_t)n);
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        t->eof = true; /* end of input: stop reading, the guest runs on */
        machine__enable_wait_fd(t->m, t->fd, false);
    }
}

static void on_retry(void *opaque, uint64_t now)
{
    struct terminal *t = opaque;
    flush_pending(t);
    wait_for_room(t);
}

int terminal__attach(struct terminal *t, struct machine *m, struct uart16550 *uart)
{
    t->m = m;
    t->uart = uart;
    timer__init(&t->retry, &m->timers, on_retry, t);
    if (t->fd < 0 || t->eof)
        return 0;
    int err = machine__add_wait_fd(m, t->fd, on_readable, t);
    if (!err)
        wait_for_room(t);
    return err;
}
