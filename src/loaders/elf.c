/* elf.c - ELF32 executable parsing for the kernel loaders (program headers only). */
#include "loaders/elf.h"

#include <string.h>

#include "loaders/loader.h"

/* Field offsets of the ELF32 file header and program header (System V ABI,
 * "Object Files"; i386 supplement). The image is read field by field so
 * that no alignment is assumed. */
enum {
    EI_CLASS = 4, EI_DATA = 5, E_TYPE = 16, E_MACHINE = 18, E_ENTRY = 24, E_PHOFF = 28,
    E_PHENTSIZE = 42, E_PHNUM = 44, EHDR_SIZE = 52,
    P_TYPE = 0, P_OFFSET = 4, P_VADDR = 8, P_PADDR = 12, P_FILESZ = 16, P_MEMSZ = 20,
    PHDR_SIZE = 32,
};
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_386 3
#define PT_LOAD 1

static uint32_t get32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

int elf__is_elf(const uint8_t *image, size_t len)
{
    return len >= 4 && memcmp(image, "\177ELF", 4) == 0;
}

/* Check one program header and append it to out when it is PT_LOAD. */
static int parse_phdr(const uint8_t *image, size_t len, const uint8_t *ph, int index,
                      struct elf32_image *out, char *problem, size_t problem_len)
{
    if (get32(ph + P_TYPE) != PT_LOAD)
        return 0;
    struct elf32_segment s = {
        .offset = get32(ph + P_OFFSET), .vaddr = get32(ph + P_VADDR),
        .paddr = get32(ph + P_PADDR), .filesz = get32(ph + P_FILESZ),
        .memsz = get32(ph + P_MEMSZ),
    };
    if (s.filesz > s.memsz)
        return loader__fail(problem, problem_len, "segment %d has p_filesz %#x > p_memsz %#x",
                            index, s.filesz, s.memsz);
    if ((uint64_t)s.offset + s.filesz > len)
        return loader__fail(problem, problem_len,
                            "truncated: segment %d needs bytes up to %#llx but the file has %#zx",
                            index, (unsigned long long)s.offset + s.filesz, len);
    if (out->nsegs == ELF32_MAX_SEGMENTS)
        return loader__fail(problem, problem_len, "more than %d loadable segments",
                            ELF32_MAX_SEGMENTS);
    out->segs[out->nsegs++] = s;
    return 0;
}

int elf32__parse(const uint8_t *image, size_t len, struct elf32_image *out, char *problem,
                 size_t problem_len)
{
    memset(out, 0, sizeof(*out));
    if (!elf__is_elf(image, len))
        return loader__fail(problem, problem_len, "not an ELF file");
    if (len < EHDR_SIZE)
        return loader__fail(problem, problem_len, "truncated ELF header (%zu bytes)", len);
    if (image[EI_CLASS] == ELFCLASS64)
        return loader__fail(problem, problem_len,
                            "64-bit ELF kernels are not supported (give a 32-bit one)");
    if (image[EI_CLASS] != ELFCLASS32 || image[EI_DATA] != ELFDATA2LSB)
        return loader__fail(problem, problem_len, "not a 32-bit little-endian ELF file");
    if (get16(image + E_MACHINE) != EM_386)
        return loader__fail(problem, problem_len, "not an i386 ELF file (e_machine %u)",
                            get16(image + E_MACHINE));
    if (get16(image + E_TYPE) != ET_EXEC)
        return loader__fail(problem, problem_len, "not an executable ELF file (e_type %u)",
                            get16(image + E_TYPE));

    uint32_t phoff = get32(image + E_PHOFF);
    unsigned phentsize = get16(image + E_PHENTSIZE), phnum = get16(image + E_PHNUM);
    if (phnum == 0)
        return loader__fail(problem, problem_len, "no program headers");
    if (phentsize < PHDR_SIZE)
        return loader__fail(problem, problem_len, "bad program header size %u", phentsize);
    if ((uint64_t)phoff + (uint64_t)phentsize * phnum > len)
        return loader__fail(problem, problem_len, "truncated program header table");

    for (unsigned i = 0; i < phnum; i++)
        if (parse_phdr(image, len, image + phoff + (size_t)i * phentsize, (int)i, out, problem,
                       problem_len))
            return -1;
    if (out->nsegs == 0)
        return loader__fail(problem, problem_len, "no loadable (PT_LOAD) segments");
    out->entry = get32(image + E_ENTRY);
    return 0;
}
