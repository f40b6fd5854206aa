/* options.h - the bt86 command line (QEMU spelling) parsed into a struct, without side effects. */
#ifndef BT86_CLI_OPTIONS_H
#define BT86_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses of the bt86 command. */
enum {
    EXIT_GUEST_OK = 0,     /* the guest shut down or halted for good */
    EXIT_RUNTIME = 1,      /* unreadable file, bad kernel, guest died, host error */
    EXIT_USAGE = 2,        /* bad command line */
    EXIT_TRIPLE_FAULT = 3, /* the guest triple-faulted */
    EXIT_GUEST_PANIC = 4,  /* the guest kernel panicked */
    /* isa-debug-exit: (value << 1) | 1, so always odd; a signal: 128 + signal number. */
};

#define RAM_MIN (2u << 20)            /* room for a kernel at 1 MiB */
#define RAM_MAX 0xe0000000ull         /* 3.5 GiB: physical RAM below the PCI hole */
#define RAM_DEFAULT (128u << 20)

/* -tb-size, in MiB: the code cache of -accel bt (QEMU's default is 32 MiB
 * too). Generated code reaches the cache's stubs with 32-bit
 * displacements, so the cache stays well below 2 GiB. */
#define TB_SIZE_MIN_MIB 1u
#define TB_SIZE_MAX_MIB 1024u
#define TB_SIZE_DEFAULT_MIB 32u

enum serial_target { SERIAL_STDIO, SERIAL_NULL, SERIAL_FILE, SERIAL_NONE };
enum cli_action { ACTION_RUN, ACTION_HELP, ACTION_VERSION, ACTION_LOG_HELP, ACTION_DEVICE_HELP,
                  ACTION_ACCEL_HELP };

#define MAX_DEBUG_EXITS 4

struct options {
    enum cli_action action;
    uint32_t ram_size;             /* bytes, a multiple of 4 KiB */
    const char *kernel, *initrd, *append;
    const char *accel;             /* engine name */
    uint32_t tb_size;              /* -tb-size: bytes of bt's code cache */
    bool nographic, no_reboot;
    enum serial_target serial;
    const char *serial_path;       /* SERIAL_FILE */
    int ndebug_exits;
    struct { uint16_t iobase, iosize; } debug_exit[MAX_DEBUG_EXITS];
    const char *log_list;          /* -d, unchecked (log__parse checks it) */
    const char *log_path;          /* -D */
};

/* Parse argv into o (defaults first). Returns 0, or -1 with err holding
 * one line naming the option and the problem ("-m: '12Q' is not a valid
 * size"). Strings in o point into argv. */
int options__parse(struct options *o, int argc, char **argv, char *err, size_t errlen);

/* Parse a -m size: MiB by default, or with a K/M/G suffix (QEMU's spelling,
 * fractions allowed: "1.5G"). Returns bytes, or -1 when malformed. */
int64_t options__parse_size(const char *s);

void options__usage(FILE *f);

#endif
