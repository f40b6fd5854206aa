/* options.c - the bt86 command line (QEMU spelling) parsed into a struct, without side effects. */
#include "cli/options.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

int64_t options__parse_size(const char *s)
{
    uint64_t whole = 0, frac = 0, frac_div = 1;
    const char *p = s;

    if (!isdigit((unsigned char)*p))
        return -1;
    for (; isdigit((unsigned char)*p); p++) {
        whole = whole * 10 + (uint64_t)(*p - '0');
        if (whole > (1ull << 40))
            return -1;
    }
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        for (; isdigit((unsigned char)*p); p++)
            if (frac_div < 1000000000ull) {
                frac = frac * 10 + (uint64_t)(*p - '0');
                frac_div *= 10;
            }
    }
    uint64_t unit;
    switch (*p) {
    case 'b': case 'B': unit = 1; break;
    case 'k': case 'K': unit = 1ull << 10; break;
    case '\0':
    case 'm': case 'M': unit = 1ull << 20; break;
    case 'g': case 'G': unit = 1ull << 30; break;
    case 't': case 'T': unit = 1ull << 40; break;
    default: return -1;
    }
    if (*p && p[1])
        return -1;
    if (whole > (1ull << 62) / unit)
        return -1;
    return (int64_t)(whole * unit + frac * unit / frac_div);
}

/* An option's handler: arg is NULL for options without an argument. */
typedef int (*opt_fn)(struct options *o, const char *arg, char *err, size_t errlen);

static int opt_m(struct options *o, const char *arg, char *err, size_t errlen)
{
    const char *s = strncmp(arg, "size=", 5) == 0 ? arg + 5 : arg;
    int64_t size = options__parse_size(s);
    if (size < 0)
        return fail(err, errlen, "-m: '%s' is not a valid size", arg);
    size = (size + 0xfff) & ~(int64_t)0xfff;
    if (size < RAM_MIN)
        return fail(err, errlen, "-m: %s is too small (the minimum is %u MiB)", arg, RAM_MIN >> 20);
    if ((uint64_t)size > RAM_MAX)
        return fail(err, errlen, "-m: %s is too large (the maximum is %llu MiB, the RAM a 32-bit "
                    "PC has below its PCI hole)", arg, RAM_MAX >> 20);
    o->ram_size = (uint32_t)size;
    return 0;
}

static int opt_kernel(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->kernel = arg;
    return 0;
}

static int opt_initrd(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->initrd = arg;
    return 0;
}

static int opt_append(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->append = arg;
    return 0;
}

static int opt_accel(struct options *o, const char *arg, char *err, size_t errlen)
{
    if (strcmp(arg, "help") == 0)
        o->action = ACTION_ACCEL_HELP;
    o->accel = arg;
    return 0;
}

/* -tb-size MiB: a whole number of MiB, as QEMU takes it. */
static int opt_tb_size(struct options *o, const char *arg, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    unsigned long mib = strtoul(arg, &end, 10);
    if (!isdigit((unsigned char)*arg) || *end || errno)
        return fail(err, errlen, "-tb-size: '%s' is not a whole number of MiB", arg);
    if (mib < TB_SIZE_MIN_MIB || mib > TB_SIZE_MAX_MIB)
        return fail(err, errlen, "-tb-size: %s MiB is out of range (%u to %u MiB)", arg,
                    TB_SIZE_MIN_MIB, TB_SIZE_MAX_MIB);
    o->tb_size = (uint32_t)mib << 20;
    return 0;
}

static int opt_nographic(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->nographic = true; /* bt86 has no display: the serial port is on stdio anyway */
    return 0;
}

static int opt_no_reboot(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->no_reboot = true;
    return 0;
}

/* -serial: stdio (also mon:stdio; there is no monitor to multiplex yet),
 * null, none (no UART at all) or file:PATH. */
static int opt_serial(struct options *o, const char *arg, char *err, size_t errlen)
{
    if (strcmp(arg, "stdio") == 0 || strcmp(arg, "mon:stdio") == 0)
        o->serial = SERIAL_STDIO;
    else if (strcmp(arg, "null") == 0)
        o->serial = SERIAL_NULL;
    else if (strcmp(arg, "none") == 0)
        o->serial = SERIAL_NONE;
    else if (strncmp(arg, "file:", 5) == 0 && arg[5])
        o->serial = SERIAL_FILE, o->serial_path = arg + 5;
    else
        return fail(err, errlen, "-serial: '%s' is not supported (use stdio, null, none or "
                    "file:PATH)", arg);
    return 0;
}

/* A number property value: any C base, within max. */
static int parse_prop_num(const char *dev, const char *name, const char *val, unsigned long max,
                          unsigned long *out, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(val, &end, 0);
    if (!*val || *end || errno || v > max || *val == '-')
        return fail(err, errlen, "-device %s: %s='%s' is not a number up to %#lx", dev, name,
                    val, max);
    *out = v;
    return 0;
}

/* isa-debug-exit[,iobase=N][,iosize=N] */
static int parse_debug_exit(struct options *o, const char *props, char *err, size_t errlen)
{
    unsigned long iobase = 0xf4, iosize = 4;
    char buf[256];

    if (o->ndebug_exits == MAX_DEBUG_EXITS)
        return fail(err, errlen, "-device isa-debug-exit: at most %d of them", MAX_DEBUG_EXITS);
    snprintf(buf, sizeof(buf), "%s", props);
    for (char *save, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(p, '=');
        if (!eq)
            return fail(err, errlen, "-device isa-debug-exit: '%s' is not property=value", p);
        *eq = '\0';
        int r;
        if (strcmp(p, "iobase") == 0)
            r = parse_prop_num("isa-debug-exit", p, eq + 1, 0xffff, &iobase, err, errlen);
        else if (strcmp(p, "iosize") == 0)
            r = parse_prop_num("isa-debug-exit", p, eq + 1, 0x10000, &iosize, err, errlen);
        else
            return fail(err, errlen, "-device isa-debug-exit: unknown property '%s' (it has "
                        "iobase and iosize)", p);
        if (r)
            return r;
    }
    if (iosize == 0 || iobase + iosize > 0x10000)
        return fail(err, errlen, "-device isa-debug-exit: ports %#lx+%#lx are outside the I/O "
                    "space", iobase, iosize);
    o->debug_exit[o->ndebug_exits].iobase = (uint16_t)iobase;
    o->debug_exit[o->ndebug_exits++].iosize = (uint16_t)iosize;
    return 0;
}

static int opt_device(struct options *o, const char *arg, char *err, size_t errlen)
{
    size_t n = strcspn(arg, ",");
    if (strcmp(arg, "help") == 0) {
        o->action = ACTION_DEVICE_HELP;
        return 0;
    }
    if (n == strlen("isa-debug-exit") && strncmp(arg, "isa-debug-exit", n) == 0)
        return parse_debug_exit(o, arg[n] ? arg + n + 1 : "", err, errlen);
    return fail(err, errlen, "-device: unknown device '%.*s' (try -device help)", (int)n, arg);
}

static int opt_d(struct options *o, const char *arg, char *err, size_t errlen)
{
    if (strcmp(arg, "help") == 0)
        o->action = ACTION_LOG_HELP;
    o->log_list = arg;
    return 0;
}

static int opt_D(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->log_path = arg;
    return 0;
}

static int opt_help(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->action = ACTION_HELP;
    return 0;
}

static int opt_version(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->action = ACTION_VERSION;
    return 0;
}

/* The options, by name without the leading dash(es): QEMU accepts both
 * -opt and --opt, and so does bt86. */
static const struct {
    const char *name;
    bool has_arg;
    opt_fn fn;
} table[] = {
    { "m", true, opt_m },
    { "kernel", true, opt_kernel },
    { "initrd", true, opt_initrd },
    { "append", true, opt_append },
    { "accel", true, opt_accel },
    { "tb-size", true, opt_tb_size },
    { "nographic", false, opt_nographic },
    { "serial", true, opt_serial },
    { "no-reboot", false, opt_no_reboot },
    { "device", true, opt_device },
    { "d", true, opt_d },
    { "D", true, opt_D },
    { "h", false, opt_help },
    { "help", false, opt_help },
    { "version", false, opt_version },
};

static void set_defaults(struct options *o)
{
    memset(o, 0, sizeof(*o));
    o->action = ACTION_RUN;
    o->ram_size = RAM_DEFAULT;
    o->accel = "bt"; /* the fastest engine that boots the reference guest */
    o->tb_size = TB_SIZE_DEFAULT_MIB << 20;
    o->serial = SERIAL_STDIO;
}

int options__parse(struct options *o, int argc, char **argv, char *err, size_t errlen)
{
    set_defaults(o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0')
            return fail(err, errlen, "'%s': unexpected argument (disk images are not supported "
                        "yet; see -h)", a);
        const char *name = a + 1 + (a[1] == '-');
        size_t k = 0, n = sizeof(table) / sizeof(table[0]);
        while (k < n && strcmp(table[k].name, name) != 0)
            k++;
        if (k == n)
            return fail(err, errlen, "%s: invalid option (see -h)", a);
        const char *arg = NULL;
        if (table[k].has_arg) {
            if (i + 1 == argc)
                return fail(err, errlen, "%s: requires an argument", a);
            arg = argv[++i];
        }
        if (table[k].fn(o, arg, err, errlen))
            return -1;
        if (o->action == ACTION_HELP || o->action == ACTION_VERSION)
            return 0;
    }
    return 0;
}

void options__usage(FILE *f)
{
    fprintf(f,
"usage: bt86 [options]\n"
"       bt86 demo popek-goldberg [--engine E] [--format md|text|json] [--show-translation]\n"
"Run a 32-bit x86 guest without hardware virtualization (QEMU-style options).\n"
"\n"
"  -kernel FILE     boot FILE: a Linux bzImage, or a multiboot kernel (ELF32 or\n"
"                   a.out kludge)\n"
"  -initrd FILES    Linux: the initrd file; multiboot: modules, 'file [args]'\n"
"                   entries separated by ',' (',,' for a literal comma), each\n"
"                   entry the module's string\n"
"  -append STRING   the kernel command line (multiboot: after the kernel's path)\n"
"  -m SIZE          guest RAM: MiB, or with a K/M/G suffix (default 128M,\n"
"                   2M to 3584M)\n"
"  -accel NAME      execution engine: %s (default bt)\n"
"  -tb-size MiB     code cache of -accel bt, in MiB (default 32, 1 to 1024)\n"
"  -nographic       no display (bt86 never has one); the serial port is on stdio\n"
"  -serial DEV      COM1 goes to: stdio (default), null, none, file:PATH\n"
"  -no-reboot       exit instead of rebooting when the guest resets\n"
"  -device isa-debug-exit[,iobase=0xf4][,iosize=4]\n"
"                   a write of V to that port ends bt86 with status (V<<1)|1\n"
"  -d LIST          log categories, comma-separated (-d help lists them)\n"
"  -D FILE          write the log to FILE instead of stderr\n"
"  -h, -help        this help\n"
"  --version        the version\n"
"\n"
"Exit status:\n"
"  0         the guest shut down, or halted with interrupts disabled\n"
"  1         runtime error: unreadable or bad kernel, the guest died, host error\n"
"  2         usage error\n"
"  3         the guest triple-faulted (the CPU state is printed)\n"
"  4         the guest kernel panicked (after its console output)\n"
"  (V<<1)|1  the guest wrote V to isa-debug-exit\n"
"  129, 130, 143  stopped by SIGHUP, SIGINT, SIGTERM (128 + the signal's number)\n",
        engine__names());
}
