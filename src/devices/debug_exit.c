/* debug_exit.c - isa-debug-exit: a port whose write ends the VM with a chosen status. */
#include "devices/devices.h"

#include "core/machine.h"

/* As in QEMU, the value written (of the access's width) becomes the exit
 * status (value << 1) | 1, so a test kernel can report any result without
 * being mistaken for a clean shutdown (status 0). Reads are not decoded
 * and return all ones. */
static void debug_exit__write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct machine *m = opaque;
    machine__stop(m, STOP_DEBUG_EXIT, (int)((value << 1) | 1));
}

int debug_exit__init(struct machine *m, uint16_t iobase, uint16_t iosize)
{
    return bus__register(&m->bus, BUS_PIO, iobase, iosize, m, NULL, debug_exit__write,
                         "isa-debug-exit");
}
