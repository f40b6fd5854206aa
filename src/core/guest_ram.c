/* guest_ram.c - guest physical RAM: one memfd, mapped once into the host. */
#define _GNU_SOURCE
#include "guest_ram.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

int guest_ram__init(struct guest_ram *ram, uint32_t size)
{
    ram->fd = memfd_create("bt86-guest-ram", MFD_CLOEXEC);
    if (ram->fd < 0)
        return -errno;
    if (ftruncate(ram->fd, size) < 0)
        goto fail;
    ram->host = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, ram->fd, 0);
    if (ram->host == MAP_FAILED)
        goto fail;
    ram->size = size;
    return 0;
fail:;
    int err = -errno;
    close(ram->fd);
    ram->fd = -1;
    ram->host = NULL;
    return err;
}

void guest_ram__destroy(struct guest_ram *ram)
{
    if (ram->host)
        munmap(ram->host, ram->size);
    if (ram->fd >= 0)
        close(ram->fd);
    ram->host = NULL;
    ram->fd = -1;
}
