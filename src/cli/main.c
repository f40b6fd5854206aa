/* main.c - the bt86 command: parse options, build the machine, load the kernel, run, report. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/demo.h"
#include "cli/options.h"
#include "cli/terminal.h"
#include "core/engine.h"
#include "core/log.h"
#include "core/machine.h"
#include "core/stats.h"
#include "devices/devices.h"
#include "devices/pc.h"
#include "loaders/linux.h"
#include "loaders/multiboot.h"

/* Exit statuses (also in the -h text):
 *   0          the guest shut down, or halted with interrupts disabled
 *   1          runtime error (unreadable or bad kernel, guest died, host error)
 *   2          usage error
 *   3          triple fault (the CPU state is printed)
 *   4          the guest kernel panicked (its console output has been printed)
 *   (V<<1)|1   the guest wrote V to isa-debug-exit
 *   128+N      stopped by signal N (SIGHUP 129, SIGINT 130, SIGTERM 143), as a shell
 *              reports it; bt86 itself never dies of these signals */

static struct machine *running; /* for the signal handlers */

/* The first SIGINT/SIGTERM/SIGHUP asks the engine to stop, which it does
 * within one slice; a second one exits at once, still without a signal
 * death, in case the guest or the engine no longer reaches the latch. */
static void on_signal(int sig)
{
    static volatile sig_atomic_t seen;
    if (seen++ || !running) {
        terminal__restore();
        _exit(128 + sig);
    }
    machine__stop(running, STOP_USER, 128 + sig);
}

static void install_signals(void)
{
    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* A closed stdout (bt86 | head) must not kill the VM: the UART's
     * writes just fail. */
    signal(SIGPIPE, SIG_IGN);
}

static int usage_error(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "bt86: ");
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n");
    return EXIT_USAGE;
}

/* The options main checks against the program's registries: -d and -accel. */
static int check_options(const struct options *o, const struct engine **engine)
{
    const char *bad;
    if (o->log_list && log__parse(o->log_list, &bad))
        return usage_error("-d: unknown log category '%s' (%s-d help lists them)", bad, "");
    *engine = engine__find(o->accel);
    if (!*engine)
        return usage_error("-accel: unknown accelerator '%s' (available: %s)", o->accel,
                           engine__names());
    if (!o->kernel)
        return usage_error("no kernel given (use -kernel FILE)%s%s", "", "");
    return 0;
}

/* The informational actions (-h, --version, -d help…). */
static int do_action(const struct options *o)
{
    switch (o->action) {
    case ACTION_HELP:
        options__usage(stdout);
        break;
    case ACTION_VERSION:
        printf("bt86 version %s\n", BT86_VERSION);
        break;
    case ACTION_LOG_HELP:
        log__help(stdout);
        break;
    case ACTION_DEVICE_HELP:
        printf("Devices for -device:\n"
               "  isa-debug-exit   [iobase=0xf4][,iosize=4]: a write of V exits with (V<<1)|1\n");
        break;
    case ACTION_ACCEL_HELP:
        printf("Accelerators: %s\n", engine__names());
        break;
    case ACTION_RUN:
        break;
    }
    return EXIT_GUEST_OK;
}

/* Open where COM1's output goes into *fd (-1: discarded, or no UART).
 * Returns 0, or -1 after saying why. */
static int open_serial(const struct options *o, int *fd)
{
    *fd = o->serial == SERIAL_STDIO ? STDOUT_FILENO : -1;
    if (o->serial != SERIAL_FILE)
        return 0;
    *fd = open(o->serial_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (*fd < 0) {
        fprintf(stderr, "bt86: -serial file:%s: %s\n", o->serial_path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Power on: RAM, buses, CPU reset, the PC board, the -device extras. */
static int build_machine(struct machine *m, const struct options *o, int out_fd, struct pc *pc)
{
    int err = guest_ram__init(&m->ram, o->ram_size);
    if (err) {
        fprintf(stderr, "bt86: cannot allocate %u MiB of guest RAM: %s\n", o->ram_size >> 20,
                strerror(-err));
        return -1;
    }
    bus__init(&m->bus);
    m->cpu.m = m;
    cpu__reset(&m->cpu);
    m->no_reboot = o->no_reboot;
    m->tb_size = o->tb_size;

    struct pc_config cfg = { .com1 = o->serial != SERIAL_NONE, .com1_fd = out_fd };
    err = pc__init(m, pc, &cfg);
    if (err) {
        fprintf(stderr, "bt86: cannot set up the PC devices: %s\n", strerror(-err));
        return -1;
    }
    for (int i = 0; i < o->ndebug_exits; i++) {
        err = debug_exit__init(m, o->debug_exit[i].iobase, o->debug_exit[i].iosize);
        if (err) {
            fprintf(stderr, "bt86: -device isa-debug-exit,iobase=%#x,iosize=%#x: %s\n",
                    o->debug_exit[i].iobase, o->debug_exit[i].iosize,
                    err == -EBUSY ? "those ports are already in use" : strerror(-err));
            return -1;
        }
    }
    return 0;
}

/* A Linux boot-protocol kernel has "HdrS" at 0x202 (Documentation/x86/boot.rst). */
static int is_bzimage(const char *path)
{
    char magic[4];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0; /* the loader reports the error */
    ssize_t n = pread(fd, magic, sizeof(magic), 0x202);
    close(fd);
    return n == sizeof(magic) && memcmp(magic, "HdrS", 4) == 0;
}

static int load_kernel(struct machine *m, const struct options *o)
{
    char err[512];
    int r = is_bzimage(o->kernel)
                ? linux__load(m, o->kernel, o->append, o->initrd, err, sizeof(err))
                : multiboot__load(m, o->kernel, o->append, o->initrd, err, sizeof(err));
    if (r) {
        fprintf(stderr, "bt86: %s\n", err);
        return -1;
    }
    return 0;
}

/* Say why the guest stopped and choose the exit status. */
static int report(const struct machine *m)
{
    const char *msg = m->stop_message;
    switch (m->stop) {
    case STOP_DEBUG_EXIT:
        return m->exit_status;
    case STOP_SHUTDOWN:
        if (*msg)
            fprintf(stderr, "bt86: %s\n", msg);
        return EXIT_GUEST_OK;
    case STOP_RESET:
        fprintf(stderr, "bt86: the guest reset (-no-reboot)%s%s\n", *msg ? ": " : "", msg);
        return EXIT_GUEST_OK;
    case STOP_TRIPLE_FAULT: /* the message gives the fault and the CPU state */
        fprintf(stderr, "bt86: %s\n", *msg ? msg : "triple fault");
        return EXIT_TRIPLE_FAULT;
    case STOP_GUEST_PANIC: /* the message is the panic's reason */
        fprintf(stderr, "bt86: the guest kernel panicked: %s\n", msg);
        return EXIT_GUEST_PANIC;
    case STOP_USER: /* a signal, or Ctrl-A x (which leaves a message) */
        if (*msg)
            fprintf(stderr, "bt86: %s\n", msg);
        else
            fprintf(stderr, "bt86: stopped by signal %d\n", m->exit_status - 128);
        return m->exit_status;
    case STOP_REBOOT: /* main reboots instead of reporting */
    case STOP_DEAD:
    case STOP_NONE:
        break;
    }
    fprintf(stderr, "bt86: the guest died: %s\n", *msg ? msg : "no reason given");
    return EXIT_RUNTIME;
}

/* Build the machine, load the kernel, start the engine, connect the
 * terminal input (may be NULL) to COM1. Returns 0, or -1 after saying why. */
static int power_on(struct machine *m, const struct options *o, const struct engine *engine,
                    int out_fd, struct pc *pc, struct terminal *input)
{
    if (build_machine(m, o, out_fd, pc) || load_kernel(m, o))
        return -1;
    m->engine = engine;
    int r = engine->init(m);
    if (r) {
        m->engine = NULL; /* nothing to destroy */
        fprintf(stderr, "bt86: -accel %s: cannot start the engine: %s\n", engine->name,
                strerror(-r));
        return -1;
    }
    if (input && pc->com1 && (r = terminal__attach(input, m, pc->com1))) {
        fprintf(stderr, "bt86: cannot read the terminal: %s\n", strerror(-r));
        return -1;
    }
    return 0;
}

/* Tear down what power_on built, leaving m zeroed for the next power_on. */
static void power_off(struct machine *m, struct pc *pc)
{
    if (m->engine)
        m->engine->destroy(m);
    pc__destroy(pc);
    memset(pc, 0, sizeof(*pc));
    guest_ram__destroy(&m->ram);
    memset(m, 0, sizeof(*m));
    m->ram.fd = -1;
}

int main(int argc, char **argv)
{
    struct options o;
    const struct engine *engine = NULL;
    char err[512];

    if (argc > 1 && strcmp(argv[1], "demo") == 0)
        return demo__main(argc - 1, argv + 1);
    if (options__parse(&o, argc, argv, err, sizeof(err))) {
        fprintf(stderr, "bt86: %s\n", err);
        return EXIT_USAGE;
    }
    if (o.action != ACTION_RUN)
        return do_action(&o);
    int status = check_options(&o, &engine);
    if (status)
        return status;
    install_signals();
    if (o.log_path && (status = log__open(o.log_path))) {
        fprintf(stderr, "bt86: -D %s: %s\n", o.log_path, strerror(-status));
        return EXIT_RUNTIME;
    }
    int out_fd;
    if (open_serial(&o, &out_fd))
        return EXIT_RUNTIME;

    struct machine *m = calloc(1, sizeof(*m));
    struct pc pc = { 0 };
    if (!m) {
        fprintf(stderr, "bt86: out of memory\n");
        return EXIT_RUNTIME;
    }
    struct terminal term, *input = NULL;
    if (o.serial == SERIAL_STDIO) {
        input = &term;
        if ((status = terminal__open(&term, STDIN_FILENO, stderr)))
            fprintf(stderr, "bt86: cannot set up the terminal: %s\n", strerror(-status));
    }
    /* A reset request ends the run with STOP_REBOOT: power the machine
     * off and on again, as QEMU does with -kernel (fresh RAM, devices and
     * CPU; the kernel loaded again). */
    status = EXIT_RUNTIME;
    while (!power_on(m, &o, engine, out_fd, &pc, input)) {
        running = m;
        machine__run(m);
        running = NULL;
        if (m->stop != STOP_REBOOT) {
            terminal__restore();
            status = report(m);
            break;
        }
        power_off(m, &pc);
    }
    if (log__on(LOG_stats)) /* before power_off: the guest RAM and the engine are looked at */
        stats__print(log_file, m);
    power_off(m, &pc);
    free(m);
    if (out_fd > STDERR_FILENO)
        close(out_fd);
    return status;
}
