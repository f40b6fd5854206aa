/* fw_cfg.h - QEMU's firmware configuration interface (port I/O at 0x510/0x511): items by key and named files. */
#ifndef BT86_DEVICES_FW_CFG_H
#define BT86_DEVICES_FW_CFG_H

#include <stdint.h>

struct machine;

/* Selector keys, as QEMU numbers them (QEMU docs/specs/fw_cfg.rst). */
enum {
    FW_CFG_SIGNATURE = 0x00, FW_CFG_ID = 0x01, FW_CFG_UUID = 0x02, FW_CFG_RAM_SIZE = 0x03,
    FW_CFG_NOGRAPHIC = 0x04, FW_CFG_NB_CPUS = 0x05, FW_CFG_MACHINE_ID = 0x06,
    FW_CFG_KERNEL_ADDR = 0x07, FW_CFG_KERNEL_SIZE = 0x08, FW_CFG_KERNEL_CMDLINE = 0x09,
    FW_CFG_INITRD_ADDR = 0x0a, FW_CFG_INITRD_SIZE = 0x0b, FW_CFG_BOOT_DEVICE = 0x0c,
    FW_CFG_NUMA = 0x0d, FW_CFG_BOOT_MENU = 0x0e, FW_CFG_MAX_CPUS = 0x0f,
    FW_CFG_KERNEL_ENTRY = 0x10, FW_CFG_KERNEL_DATA = 0x11, FW_CFG_INITRD_DATA = 0x12,
    FW_CFG_CMDLINE_ADDR = 0x13, FW_CFG_CMDLINE_SIZE = 0x14, FW_CFG_CMDLINE_DATA = 0x15,
    FW_CFG_SETUP_ADDR = 0x16, FW_CFG_SETUP_SIZE = 0x17, FW_CFG_SETUP_DATA = 0x18,
    FW_CFG_FILE_DIR = 0x19, FW_CFG_FILE_FIRST = 0x20,
};
#define FW_CFG_MAX_FILES 32
#define FW_CFG_NAME_MAX 56 /* including the terminating NUL */

/* The e820 memory types in "etc/e820". */
enum { E820_RAM = 1, E820_RESERVED = 2 };

struct fw_cfg;

/* Create the device on ports 0x510-0x511 with the items every QEMU PC has:
 * signature, ID (port I/O only, no DMA), RAM size, CPU count, the file
 * directory and "etc/e820" (RAM below 640 KiB and from 1 MiB to the top).
 * Returns 0 or -errno. */
int fw_cfg__init(struct machine *m, struct fw_cfg **out);
void fw_cfg__destroy(struct fw_cfg *c);

/* Set the item for a key below FW_CFG_FILE_FIRST (a copy of data is kept;
 * a second call replaces it). Returns 0 or -errno (-EINVAL for a bad key). */
int fw_cfg__add_bytes(struct fw_cfg *c, uint16_t key, const void *data, uint32_t len);
/* Little-endian integer items, as QEMU stores them. */
int fw_cfg__add_i16(struct fw_cfg *c, uint16_t key, uint16_t value);
int fw_cfg__add_i32(struct fw_cfg *c, uint16_t key, uint32_t value);
int fw_cfg__add_i64(struct fw_cfg *c, uint16_t key, uint64_t value);
/* Add a named file: it gets the next key from FW_CFG_FILE_FIRST and an
 * entry in the directory. Returns 0 or -errno (-EEXIST for a name already
 * there, -ENOSPC when the directory is full, -EINVAL for a name too long). */
int fw_cfg__add_file(struct fw_cfg *c, const char *name, const void *data, uint32_t len);

#endif
