/* multiboot.h - Multiboot v1 kernel loader: ELF and a.out-kludge kernels, modules, boot info. */
#ifndef BT86_LOADERS_MULTIBOOT_H
#define BT86_LOADERS_MULTIBOOT_H

#include <stddef.h>
#include <stdint.h>

struct machine;

/* Multiboot Specification 0.6.96, sections 3.1 and 3.3. */
#define MULTIBOOT_HEADER_MAGIC     0x1badb002u
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002u
#define MULTIBOOT_SEARCH           8192 /* the header lies within the first 8 KiB */

/* Header flags. Bits 0-15 are requirements a loader must honour or refuse. */
#define MB_HDR_PAGE_ALIGN  (1u << 0)
#define MB_HDR_MEMORY_INFO (1u << 1)
#define MB_HDR_VIDEO_MODE  (1u << 2)
#define MB_HDR_AOUT_KLUDGE (1u << 16)

/* Boot information flags (which fields of the info structure are valid). */
#define MB_INFO_MEMORY      (1u << 0)
#define MB_INFO_CMDLINE     (1u << 2)
#define MB_INFO_MODS        (1u << 3)
#define MB_INFO_MMAP        (1u << 6)
#define MB_INFO_LOADER_NAME (1u << 9)

/* Where bt86 puts the boot information, the memory map, the module list,
 * their strings and a flat GDT: low memory, free on a PC without a BIOS.
 * Kernels that load over it are refused. */
#define MB_INFO_BASE  0x9000u
#define MB_INFO_LIMIT 0x80000u

/* A boot module: its contents and the string the kernel sees for it. */
struct multiboot_module {
    const char *name;   /* for messages: the file it came from */
    const char *string;
    const uint8_t *data;
    size_t len;
};

/* Load a kernel image held in memory (called name in messages) into m's
 * RAM, place the modules and the boot information, and set m's CPU to the
 * state the specification requires at the kernel's entry (section 3.2).
 * cmdline is passed as is. Returns 0, or -1 with err (errlen bytes) naming
 * the kernel or module and the problem. */
int multiboot__load_image(struct machine *m, const char *name, const uint8_t *image, size_t len,
                          const char *cmdline, const struct multiboot_module *mods, int nmods,
                          char *err, size_t errlen);

/* Read kernel_path and the modules listed in initrd (comma-separated as
 * QEMU does, ",," for a literal comma; each entry is "FILE [args]" and
 * the whole entry becomes the module's string; NULL for none) and load
 * them. The kernel's command line is "kernel_path append", as QEMU passes
 * it. Returns 0, or -1 with err naming the file and the problem. */
int multiboot__load(struct machine *m, const char *kernel_path, const char *append,
                    const char *initrd, char *err, size_t errlen);

#endif
