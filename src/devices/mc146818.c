/* mc146818.c - the MC146818 real-time clock and its CMOS RAM at 0x70/0x71:
 * time from the host clock, periodic/alarm/update interrupts on IRQ 8. */
#define _GNU_SOURCE /* timegm */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "core/machine.h"
#include "core/timer.h"
#include "devices/devices.h"

/*
 * Reference: Motorola MC146818A datasheet. The clock is not ticked: the
 * time of day is the guest clock (m->timers) plus an offset, started from
 * the host's wall clock (UTC) and moved when the guest sets the time. The
 * divider chain's phase is fixed at power-on (origin): second boundaries
 * fall at origin + k s and periodic interrupts at origin + k periods.
 *
 * Status flags are computed on demand: every event between the last
 * collection and now sets its flag in register C; a timer is armed at the
 * next event only when an enabled interrupt could result, so an idle
 * guest with RTC interrupts off costs nothing.
 *
 * Not modelled: the daylight-saving bit (DSE) is stored and ignored, and
 * the divider bits (DV2-0) are stored but the clock always runs (the PC
 * always has the 32.768 kHz time base selected).
 */

enum {
    REG_SEC = 0x00, REG_SEC_ALARM = 0x01, REG_MIN = 0x02, REG_MIN_ALARM = 0x03,
    REG_HOUR = 0x04, REG_HOUR_ALARM = 0x05, REG_WDAY = 0x06, REG_MDAY = 0x07,
    REG_MONTH = 0x08, REG_YEAR = 0x09,
    REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d,
    /* PC CMOS layout (IBM AT BIOS conventions). */
    CMOS_EQUIPMENT = 0x14, CMOS_BASE_LO = 0x15, CMOS_BASE_HI = 0x16,
    CMOS_EXT_LO = 0x17, CMOS_EXT_HI = 0x18, CMOS_CHECKSUM_HI = 0x2e,
    CMOS_CHECKSUM_LO = 0x2f, CMOS_EXT2_LO = 0x30, CMOS_EXT2_HI = 0x31,
    CMOS_CENTURY = 0x32, CMOS_HIGH_LO = 0x34, CMOS_HIGH_HI = 0x35,
};

#define A_UIP 0x80
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM_BINARY 0x04
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10
#define D_VRT 0x80

#define NSEC 1000000000ull
#define TIMEBASE_HZ 32768u
/* UIP rises 244 µs before an update cycle of 1984 µs; the new time is
 * readable when UIP falls, which is the second boundary here. */
#define UIP_NS (244000u + 1984000u)

struct mc146818 {
    struct machine *m;
    struct irq_line irq;
    struct timer timer;
    uint8_t cmos[128];
    uint8_t index;
    bool nmi_disabled;   /* bit 7 of the index port (NMI mask on a PC) */
    uint64_t origin;     /* guest ns of a second boundary of the divider */
    int64_t sec_offset;  /* time of day = seconds since origin + sec_offset */
    uint64_t collected;  /* events up to this guest ns are in cmos[REG_C] */
};

static uint64_t now_ns(const struct mc146818 *r)
{
    return timers__now(&r->m->timers);
}

static uint64_t second_index(const struct mc146818 *r, uint64_t t)
{
    return (t - r->origin) / NSEC;
}

/* Periodic rates (datasheet table "Periodic Interrupt Rate"): RS = 1, 2
 * give 256 and 128 Hz, RS = 3..15 give 32768 >> (RS - 1) Hz; 0 is off.
 * Returns log2 of the period in time-base cycles, or 0. */
static unsigned period_shift(const struct mc146818 *r)
{
    unsigned rs = r->cmos[REG_A] & 15;
    return rs == 0 ? 0 : rs < 3 ? rs + 6 : rs - 1;
}

static uint64_t period_index(const struct mc146818 *r, uint64_t t, unsigned shift)
{
    uint64_t cycles = (uint64_t)((unsigned __int128)(t - r->origin) * TIMEBASE_HZ / NSEC);
    return cycles >> shift;
}

/* The guest ns at which period k begins. */
static uint64_t period_start(const struct mc146818 *r, uint64_t k, unsigned shift)
{
    unsigned __int128 cycles = (unsigned __int128)k << shift;
    return r->origin + (uint64_t)((cycles * NSEC + TIMEBASE_HZ - 1) / TIMEBASE_HZ);
}

static bool binary_mode(const struct mc146818 *r)
{
    return r->cmos[REG_B] & B_DM_BINARY;
}

static uint8_t to_reg(const struct mc146818 *r, unsigned v)
{
    return (uint8_t)(binary_mode(r) ? v : (v / 10) << 4 | v % 10);
}

static unsigned from_reg(const struct mc146818 *r, uint8_t v)
{
    return binary_mode(r) ? v : (v >> 4) * 10u + (v & 15);
}

/* Hours in the register format: 24-hour, or 1-12 with bit 7 for PM. */
static uint8_t hour_to_reg(const struct mc146818 *r, unsigned h)
{
    if (r->cmos[REG_B] & B_24H)
        return to_reg(r, h);
    unsigned h12 = h % 12 ? h % 12 : 12;
    return (uint8_t)(to_reg(r, h12) | (h >= 12 ? 0x80 : 0));
}

static unsigned hour_from_reg(const struct mc146818 *r, uint8_t v)
{
    if (r->cmos[REG_B] & B_24H)
        return from_reg(r, v);
    unsigned h = from_reg(r, v & 0x7f) % 12;
    return v & 0x80 ? h + 12 : h;
}

/* Write the time of day at second s into the time registers (and the
 * BIOS's century byte). */
static void store_time(struct mc146818 *r, int64_t s)
{
    time_t tt = (time_t)s;
    struct tm tm;
    gmtime_r(&tt, &tm);
    r->cmos[REG_SEC] = to_reg(r, (unsigned)tm.tm_sec);
    r->cmos[REG_MIN] = to_reg(r, (unsigned)tm.tm_min);
    r->cmos[REG_HOUR] = hour_to_reg(r, (unsigned)tm.tm_hour);
    r->cmos[REG_WDAY] = to_reg(r, (unsigned)tm.tm_wday + 1); /* Sunday = 1 */
    r->cmos[REG_MDAY] = to_reg(r, (unsigned)tm.tm_mday);
    r->cmos[REG_MONTH] = to_reg(r, (unsigned)tm.tm_mon + 1);
    r->cmos[REG_YEAR] = to_reg(r, (unsigned)(tm.tm_year + 1900) % 100);
    r->cmos[CMOS_CENTURY] = to_reg(r, (unsigned)(tm.tm_year + 1900) / 100);
}

/* The time of day the time registers hold. */
static int64_t load_time(const struct mc146818 *r)
{
    unsigned century = from_reg(r, r->cmos[CMOS_CENTURY]);
    unsigned year = from_reg(r, r->cmos[REG_YEAR]);
    if (century < 19 || century > 99) /* no century from the guest: 1970-2069 */
        century = year >= 70 ? 19 : 20;
    struct tm tm = {
        .tm_sec = (int)from_reg(r, r->cmos[REG_SEC]),
        .tm_min = (int)from_reg(r, r->cmos[REG_MIN]),
        .tm_hour = (int)hour_from_reg(r, r->cmos[REG_HOUR]),
        .tm_mday = (int)from_reg(r, r->cmos[REG_MDAY]),
        .tm_mon = (int)from_reg(r, r->cmos[REG_MONTH]) - 1,
        .tm_year = (int)(century * 100 + year) - 1900,
    };
    return (int64_t)timegm(&tm);
}

static int64_t time_at(const struct mc146818 *r, uint64_t t)
{
    return (int64_t)second_index(r, t) + r->sec_offset;
}

/* The time registers were set to a new time at t: keep the divider's
 * phase, so the next update comes at the next second boundary. */
static void set_time(struct mc146818 *r, uint64_t t)
{
    r->sec_offset = load_time(r) - (int64_t)second_index(r, t);
}

/* Does the alarm match the time at second s? Alarm bytes 0xC0-0xFF are
 * "don't care" (datasheet "Alarm"). */
static bool alarm_matches(struct mc146818 *r, int64_t s)
{
    static const uint8_t pairs[3][2] = {
        { REG_SEC, REG_SEC_ALARM }, { REG_MIN, REG_MIN_ALARM }, { REG_HOUR, REG_HOUR_ALARM }
    };
    uint8_t saved[10], century = r->cmos[CMOS_CENTURY];
    for (int i = 0; i < 10; i++)
        saved[i] = r->cmos[i];
    store_time(r, s);
    bool match = true;
    for (int i = 0; i < 3; i++) {
        uint8_t alarm = r->cmos[pairs[i][1]];
        if (alarm < 0xc0 && alarm != r->cmos[pairs[i][0]])
            match = false;
    }
    for (int i = 0; i < 10; i++)
        r->cmos[i] = saved[i];
    r->cmos[CMOS_CENTURY] = century;
    return match;
}

/* Set register C's flags for the events in (collected, t], and drive IRQ
 * from IRQF. PF is set whatever PIE says; UF and AF only while updates
 * run (SET clear). A day of missed updates is the most worth checking for
 * an alarm: past that, every pattern that can match has matched. */
static void collect(struct mc146818 *r, uint64_t t)
{
    uint8_t flags = 0;
    unsigned shift = period_shift(r);

    if (t > r->collected) {
        if (shift && period_index(r, t, shift) > period_index(r, r->collected, shift))
            flags |= C_PF;
        uint64_t s0 = second_index(r, r->collected), s1 = second_index(r, t);
        if (s1 > s0 && !(r->cmos[REG_B] & B_SET)) {
            flags |= C_UF;
            if (s1 - s0 > 86400)
                s0 = s1 - 86400;
            for (uint64_t s = s0 + 1; s <= s1 && !(flags & C_AF); s++)
                if (alarm_matches(r, (int64_t)s + r->sec_offset))
                    flags |= C_AF;
        }
        r->collected = t;
    }
    uint8_t c = r->cmos[REG_C] | flags;
    if (c & r->cmos[REG_B] & (C_PF | C_AF | C_UF))
        c |= C_IRQF;
    r->cmos[REG_C] = c;
    if (r->irq.set)
        r->irq.set(r->irq.opaque, r->irq.irq, (c & C_IRQF) != 0);
}

/* Arm the timer at the next event that would raise IRQ, if any can. */
static void arm(struct mc146818 *r, uint64_t t)
{
    uint8_t b = r->cmos[REG_B];
    uint64_t next = TIMER_NEVER;
    unsigned shift = period_shift(r);

    if (!(r->cmos[REG_C] & C_IRQF)) {
        if ((b & B_PIE) && shift)
            next = period_start(r, period_index(r, t, shift) + 1, shift);
        if ((b & (B_UIE | B_AIE)) && !(b & B_SET)) {
            uint64_t sec = r->origin + (second_index(r, t) + 1) * NSEC;
            if (sec < next)
                next = sec;
        }
    }
    if (next == TIMER_NEVER)
        timer__cancel(&r->timer);
    else
        timer__arm(&r->timer, next);
}

static void rtc_fire(void *opaque, uint64_t now)
{
    struct mc146818 *r = opaque;
    collect(r, now);
    arm(r, now);
}

static bool update_in_progress(const struct mc146818 *r, uint64_t t)
{
    if (r->cmos[REG_B] & B_SET)
        return false;
    return (t - r->origin) % NSEC >= NSEC - UIP_NS;
}

static uint8_t rtc_reg_read(struct mc146818 *r, unsigned reg, uint64_t t)
{
    uint8_t v;
    switch (reg) {
    case REG_A:
        return (uint8_t)(r->cmos[REG_A] | (update_in_progress(r, t) ? A_UIP : 0));
    case REG_C: /* reading clears every flag and releases IRQ */
        collect(r, t);
        v = r->cmos[REG_C];
        r->cmos[REG_C] = 0;
        collect(r, t);
        arm(r, t);
        return v;
    case REG_D:
        return D_VRT;
    default:
        if (reg <= REG_YEAR && reg != REG_SEC_ALARM && reg != REG_MIN_ALARM
            && reg != REG_HOUR_ALARM && !(r->cmos[REG_B] & B_SET))
            store_time(r, time_at(r, t));
        return r->cmos[reg];
    }
}

static void rtc_reg_write(struct mc146818 *r, unsigned reg, uint8_t v, uint64_t t)
{
    uint8_t b = r->cmos[REG_B];

    collect(r, t);
    switch (reg) {
    case REG_A: /* UIP is read-only */
        r->cmos[REG_A] = (uint8_t)((r->cmos[REG_A] & A_UIP) | (v & ~A_UIP));
        break;
    case REG_B:
        if ((v & B_SET) && !(b & B_SET)) {
            store_time(r, time_at(r, t)); /* freeze the registers */
            v &= (uint8_t)~B_UIE;         /* SET going high clears UIE */
        }
        /* The registers are read in the format they were written in; the
         * part would count on with the raw bytes, garbage if the format
         * changed along with SET. */
        if (!(v & B_SET) && (b & B_SET))
            set_time(r, t);
        r->cmos[REG_B] = v;
        break;
    case REG_C:
    case REG_D: /* read-only */
        break;
    default:
        if (reg <= REG_YEAR && reg != REG_SEC_ALARM && reg != REG_MIN_ALARM
            && reg != REG_HOUR_ALARM && !(b & B_SET)) {
            store_time(r, time_at(r, t));
            r->cmos[reg] = v;
            set_time(r, t);
            break;
        }
        r->cmos[reg] = v;
        break;
    }
    collect(r, t);
    arm(r, t);
}

static uint32_t rtc_read(void *opaque, uint32_t offset, unsigned size)
{
    struct mc146818 *r = opaque;
    if (offset == 0)
        return 0xff; /* the index port is write-only on the PIIX */
    return rtc_reg_read(r, r->index, now_ns(r));
}

static void rtc_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct mc146818 *r = opaque;
    if (offset == 0) {
        r->nmi_disabled = value & 0x80;
        r->index = value & 0x7f;
        return;
    }
    rtc_reg_write(r, r->index, (uint8_t)value, now_ns(r));
}

static void put16(uint8_t *cmos, unsigned lo, unsigned v)
{
    cmos[lo] = (uint8_t)v;
    cmos[lo + 1] = (uint8_t)(v >> 8);
}

/* The BIOS's part of CMOS RAM: memory sizes (IBM AT layout, with the
 * 0x30/0x31 copy and the 64 KiB units above 16 MiB of later BIOSes), an
 * FPU in the equipment byte, and the checksum over 0x10-0x2d. */
static void fill_bios_area(struct mc146818 *r, uint32_t ram)
{
    uint8_t *c = r->cmos;
    uint32_t ext_kib = ram > (1u << 20) ? (ram >> 10) - 1024 : 0;
    uint32_t high = ram > (16u << 20) ? (ram - (16u << 20)) >> 16 : 0;

    put16(c, CMOS_BASE_LO, 640);
    put16(c, CMOS_EXT_LO, ext_kib > 0xffff ? 0xffff : ext_kib);
    put16(c, CMOS_EXT2_LO, ext_kib > 0xffff ? 0xffff : ext_kib);
    put16(c, CMOS_HIGH_LO, high > 0xffff ? 0xffff : high);
    c[CMOS_EQUIPMENT] = 0x02; /* math coprocessor present, no floppy, VGA */
    unsigned sum = 0;
    for (unsigned i = 0x10; i < CMOS_CHECKSUM_HI; i++)
        sum += c[i];
    c[CMOS_CHECKSUM_HI] = (uint8_t)(sum >> 8);
    c[CMOS_CHECKSUM_LO] = (uint8_t)sum;
}

int mc146818__init(struct machine *m, struct irq_line irq, struct mc146818 **out)
{
    struct mc146818 *r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->m = m;
    r->irq = irq;
    timer__init(&r->timer, &m->timers, rtc_fire, r);

    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    uint64_t t = now_ns(r);
    r->origin = t - (uint64_t)wall.tv_nsec;
    r->sec_offset = (int64_t)wall.tv_sec;
    r->collected = t;
    /* What a PC BIOS leaves: 32.768 kHz time base, 1024 Hz rate, BCD,
     * 24-hour mode, no interrupts. */
    r->cmos[REG_A] = 0x26;
    r->cmos[REG_B] = B_24H;
    fill_bios_area(r, m->ram.size);
    store_time(r, time_at(r, t));

    int err = bus__register(&m->bus, BUS_PIO, 0x70, 2, r, rtc_read, rtc_write, "rtc");
    if (err) {
        free(r);
        return err;
    }
    if (out)
        *out = r;
    return 0;
}

void mc146818__destroy(struct mc146818 *r)
{
    timer__cancel(&r->timer);
    free(r);
}
