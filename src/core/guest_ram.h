/* guest_ram.h - guest physical RAM: one memfd, mapped once into the host. */
#ifndef BT86_CORE_GUEST_RAM_H
#define BT86_CORE_GUEST_RAM_H

#include <stddef.h>
#include <stdint.h>

struct guest_ram {
    int fd;          /* memfd holding the RAM, so other engines can map it again */
    uint8_t *host;   /* host mapping of the whole RAM */
    uint32_t size;   /* bytes, a multiple of 4 KiB */
};

/* Returns 0 or -errno. */
int guest_ram__init(struct guest_ram *ram, uint32_t size);
void guest_ram__destroy(struct guest_ram *ram);

#endif
