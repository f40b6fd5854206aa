/* fw_cfg.c - QEMU's fw_cfg device: selector and data ports, the item table, the file directory. */
#include "devices/fw_cfg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"

/* QEMU docs/specs/fw_cfg.rst: on x86 the selector register is the 16-bit
 * port 0x510 and the data register the 8-bit port 0x511. As on QEMU's PC
 * both ports form one "combined" register: a 16-bit write selects an item,
 * a read (of either port) returns the next byte(s) of the selected item,
 * and an 8-bit write (a data write, which QEMU >= 2.4 ignores) does
 * nothing. */
#define FW_CFG_PORT 0x510

#define KEY_ARCH_LOCAL 0x8000 /* x86-specific keys: bt86 has none */
#define KEY_WRITE      0x4000 /* the write channel: data writes are ignored anyway */
#define NKEYS (FW_CFG_FILE_FIRST + FW_CFG_MAX_FILES)

/* FW_CFG_ID feature bits. */
#define ID_TRADITIONAL 0x01 /* the port interface */
#define ID_DMA         0x02 /* the DMA interface: not provided */

#define LEGACY_RAM_END 0xa0000u /* 640 KiB */
#define HIGH_RAM_START 0x100000u

struct item {
    uint8_t *data;
    uint32_t len;
};

struct fw_cfg {
    struct machine *m;
    struct item items[NKEYS];
    unsigned nfiles;
    char names[FW_CFG_MAX_FILES][FW_CFG_NAME_MAX];
    struct item *selected; /* NULL: a key with no item, which reads as 0 */
    uint32_t offset;
};

static void put_be(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static int set_item(struct fw_cfg *c, unsigned key, const void *data, uint32_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return -ENOMEM;
    if (len)
        memcpy(copy, data, len);
    struct item *it = &c->items[key];
    free(it->data);
    it->data = copy;
    it->len = len;
    if (c->selected == it)
        c->offset = 0;
    return 0;
}

int fw_cfg__add_bytes(struct fw_cfg *c, uint16_t key, const void *data, uint32_t len)
{
    if (key >= FW_CFG_FILE_FIRST || key == FW_CFG_FILE_DIR)
        return -EINVAL;
    return set_item(c, key, data, len);
}

int fw_cfg__add_i16(struct fw_cfg *c, uint16_t key, uint16_t value)
{
    uint8_t b[2];
    put_le(b, value, sizeof(b));
    return fw_cfg__add_bytes(c, key, b, sizeof(b));
}

int fw_cfg__add_i32(struct fw_cfg *c, uint16_t key, uint32_t value)
{
    uint8_t b[4];
    put_le(b, value, sizeof(b));
    return fw_cfg__add_bytes(c, key, b, sizeof(b));
}

int fw_cfg__add_i64(struct fw_cfg *c, uint16_t key, uint64_t value)
{
    uint8_t b[8];
    put_le(b, value, sizeof(b));
    return fw_cfg__add_bytes(c, key, b, sizeof(b));
}

/* The directory (key 0x19): a big-endian count, then per file a
 * big-endian size, a big-endian selector, two reserved bytes and a
 * 56-byte NUL-padded name. */
#define DIR_ENTRY_SIZE (4 + 2 + 2 + FW_CFG_NAME_MAX)

static int rebuild_directory(struct fw_cfg *c)
{
    uint8_t dir[4 + FW_CFG_MAX_FILES * DIR_ENTRY_SIZE] = { 0 };
    put_be(dir, c->nfiles, 4);
    for (unsigned i = 0; i < c->nfiles; i++) {
        uint8_t *e = dir + 4 + i * DIR_ENTRY_SIZE;
        put_be(e, c->items[FW_CFG_FILE_FIRST + i].len, 4);
        put_be(e + 4, FW_CFG_FILE_FIRST + i, 2);
        memcpy(e + 8, c->names[i], FW_CFG_NAME_MAX);
    }
    return set_item(c, FW_CFG_FILE_DIR, dir, 4 + c->nfiles * DIR_ENTRY_SIZE);
}

int fw_cfg__add_file(struct fw_cfg *c, const char *name, const void *data, uint32_t len)
{
    if (strlen(name) >= FW_CFG_NAME_MAX)
        return -EINVAL;
    for (unsigned i = 0; i < c->nfiles; i++)
        if (strcmp(c->names[i], name) == 0)
            return -EEXIST;
    if (c->nfiles == FW_CFG_MAX_FILES)
        return -ENOSPC;
    int err = set_item(c, FW_CFG_FILE_FIRST + c->nfiles, data, len);
    if (err)
        return err;
    memset(c->names[c->nfiles], 0, FW_CFG_NAME_MAX);
    strcpy(c->names[c->nfiles], name);
    c->nfiles++;
    return rebuild_directory(c);
}

/* "etc/e820": little-endian entries of 64-bit address, 64-bit length and
 * 32-bit type, as QEMU's PC gives them to SeaBIOS. */
#define E820_ENTRY_SIZE 20

static int add_e820(struct fw_cfg *c, uint64_t ram_size)
{
    uint8_t table[2 * E820_ENTRY_SIZE];
    unsigned n = 0;
    uint64_t ranges[2][2] = {
        { 0, ram_size < LEGACY_RAM_END ? ram_size : LEGACY_RAM_END },
        { HIGH_RAM_START, ram_size > HIGH_RAM_START ? ram_size - HIGH_RAM_START : 0 },
    };
    for (int i = 0; i < 2; i++) {
        if (!ranges[i][1])
            continue;
        uint8_t *e = table + n++ * E820_ENTRY_SIZE;
        put_le(e, ranges[i][0], 8);
        put_le(e + 8, ranges[i][1], 8);
        put_le(e + 16, E820_RAM, 4);
    }
    return fw_cfg__add_file(c, "etc/e820", table, n * E820_ENTRY_SIZE);
}

static void select_key(struct fw_cfg *c, uint16_t key)
{
    unsigned k = key & ~KEY_WRITE;
    c->offset = 0;
    c->selected = (k & KEY_ARCH_LOCAL) || k >= NKEYS || !c->items[k].data ? NULL : &c->items[k];
}

/* Reads past the end of an item, or of a key without one, return 0. A
 * wider read returns consecutive bytes, the first in the lowest byte. */
static uint32_t fw_cfg__read(void *opaque, uint32_t offset, unsigned size)
{
    struct fw_cfg *c = opaque;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        const struct item *it = c->selected;
        if (it && c->offset < it->len)
            v |= (uint32_t)it->data[c->offset++] << (8 * i);
    }
    return v;
}

static void fw_cfg__write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    if (size == 2)
        select_key(opaque, value & 0xffff);
}

static int add_standard_items(struct fw_cfg *c, uint64_t ram_size)
{
    int err = fw_cfg__add_bytes(c, FW_CFG_SIGNATURE, "QEMU", 4);
    if (!err)
        err = fw_cfg__add_i32(c, FW_CFG_ID, ID_TRADITIONAL);
    if (!err)
        err = fw_cfg__add_i64(c, FW_CFG_RAM_SIZE, ram_size);
    if (!err)
        err = fw_cfg__add_i16(c, FW_CFG_NOGRAPHIC, 1);
    if (!err)
        err = fw_cfg__add_i16(c, FW_CFG_NB_CPUS, 1);
    if (!err)
        err = fw_cfg__add_i16(c, FW_CFG_MAX_CPUS, 1);
    if (!err)
        err = rebuild_directory(c);
    if (!err)
        err = add_e820(c, ram_size);
    return err;
}

int fw_cfg__init(struct machine *m, struct fw_cfg **out)
{
    struct fw_cfg *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->m = m;
    int err = add_standard_items(c, m->ram.size);
    if (!err)
        err = bus__register(&m->bus, BUS_PIO, FW_CFG_PORT, 2, c, fw_cfg__read, fw_cfg__write,
                            "fw_cfg");
    if (err) {
        fw_cfg__destroy(c);
        return err;
    }
    select_key(c, FW_CFG_SIGNATURE);
    *out = c;
    return 0;
}

void fw_cfg__destroy(struct fw_cfg *c)
{
    if (!c)
        return;
    for (unsigned i = 0; i < NKEYS; i++)
        free(c->items[i].data);
    free(c);
}
