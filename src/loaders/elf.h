/* elf.h - ELF32 executable parsing for the kernel loaders (program headers only). */
#ifndef BT86_LOADERS_ELF_H
#define BT86_LOADERS_ELF_H

#include <stddef.h>
#include <stdint.h>

/* One PT_LOAD segment, validated against the file: offset + filesz is
 * within the image and filesz <= memsz. */
struct elf32_segment {
    uint32_t offset, vaddr, paddr, filesz, memsz;
};

#define ELF32_MAX_SEGMENTS 32

struct elf32_image {
    uint32_t entry;
    int nsegs;
    struct elf32_segment segs[ELF32_MAX_SEGMENTS];
};

/* Whether image starts with the ELF magic. */
int elf__is_elf(const uint8_t *image, size_t len);

/* Parse an i386 ELF32 executable. Returns 0, or -1 with problem (of
 * problem_len bytes) describing what is wrong ("truncated program header
 * table"), for the caller to prefix with the file name. */
int elf32__parse(const uint8_t *image, size_t len, struct elf32_image *out, char *problem,
                 size_t problem_len);

#endif
