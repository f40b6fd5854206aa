/* linux.h - Linux/x86 boot protocol loader: bzImage, initrd, boot_params, 32-bit entry. */
#ifndef BT86_LOADERS_LINUX_H
#define BT86_LOADERS_LINUX_H

#include <stddef.h>
#include <stdint.h>

struct machine;

/* Documentation/arch/x86/boot.rst: the setup header starts at 0x1f1 of the
 * image (and of boot_params); "HdrS" at 0x202 marks a boot-protocol kernel.
 * bt86 enters through the 32-bit protocol, which needs version 2.06 (for
 * cmdline_size and a relocatable-safe initrd_addr_max). */
#define LINUX_HDR_OFFSET    0x1f1u
#define LINUX_MAGIC_OFFSET  0x202u
#define LINUX_MIN_VERSION   0x0206u

/* Where bt86 puts what the kernel reads before it looks at its memory map:
 * conventional memory, free on a PC without a BIOS. */
#define LINUX_GDT_ADDR      0x0f000u  /* null, null, __BOOT_CS (0x10), __BOOT_DS (0x18) */
#define LINUX_ZERO_PAGE     0x10000u  /* boot_params ("zero page") */
#define LINUX_CMDLINE_ADDR  0x20000u  /* the command line, NUL-terminated, below 640 KiB */
#define LINUX_KERNEL_ADDR   0x100000u /* the protected-mode kernel (code32_start) */

/* Load a bzImage held in memory (called name in messages) and an optional
 * initrd (initrd_name, initrd, initrd_len; initrd_name NULL for none) into
 * m's RAM, build boot_params with the e820 map and cmdline, and set m's CPU
 * to the state of the 32-bit boot protocol at code32_start. Returns 0, or
 * -1 with err (errlen bytes) naming the file and the problem. */
int linux__load_image(struct machine *m, const char *name, const uint8_t *image, size_t len,
                      const char *cmdline, const char *initrd_name, const uint8_t *initrd,
                      size_t initrd_len, char *err, size_t errlen);

/* Read kernel_path and initrd_path (NULL for none) and load them with
 * append (NULL for none) as the command line. Returns 0, or -1 with err
 * naming the file and the problem. */
int linux__load(struct machine *m, const char *kernel_path, const char *append,
                const char *initrd_path, char *err, size_t errlen);

#endif
