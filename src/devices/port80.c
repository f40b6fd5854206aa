/* port80.c - the POST diagnostic port 0x80, a write-only sink. */
#include "devices/devices.h"

#include "core/machine.h"

/* BIOSes write POST codes to port 0x80 and operating systems write to it
 * as an I/O delay (Linux's outb_p). On a PIIX/i440FX board without a POST
 * card nothing drives the data bus on a read, so reads see 0xff; bt86
 * chooses that behaviour (QEMU's too) rather than the read-back some later
 * chipsets implement. Registering the port keeps these frequent accesses
 * out of the unassigned-port counters and logs. */
int port80__init(struct machine *m)
{
    return bus__register(&m->bus, BUS_PIO, 0x80, 1, NULL, NULL, NULL, "port80");
}
