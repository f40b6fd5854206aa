/* multiboot_files.c - the multiboot loader's inputs: the kernel file and QEMU's -initrd list. */
#define _GNU_SOURCE /* asprintf, strndup */
#include "loaders/multiboot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "loaders/loader.h"

/* Split QEMU's -initrd list: entries separated by ',', with ",," standing
 * for a literal comma. Returns a malloc'ed array of malloc'ed strings. */
static char **split_modules(const char *list, int *count)
{
    size_t n = 1;
    for (const char *p = list; *p; p++)
        n += *p == ',';
    char **out = calloc(n, sizeof(*out));
    char *cur = malloc(strlen(list) + 1);
    *count = 0;
    if (!out || !cur)
        goto oom;
    for (size_t k = 0;; list++) {
        if (*list == ',' && list[1] == ',') {
            cur[k++] = ',';
            list++;
        } else if (*list == ',' || *list == '\0') {
            cur[k] = '\0';
            if (!(out[(*count)++] = strdup(cur)))
                goto oom;
            k = 0;
            if (*list == '\0')
                break;
        } else {
            cur[k++] = *list;
        }
    }
    free(cur);
    return out;
oom:
    for (int i = 0; i < *count; i++)
        free(out[i]);
    free(out);
    free(cur);
    *count = 0;
    return NULL;
}

/* Read one file; on failure err gets "path: reason". */
static int read_input(const char *path, uint32_t ram_size, uint8_t **data, size_t *len, char *err,
                      size_t errlen)
{
    int r = loader__read_file(path, ram_size, data, len);
    if (r == -EFBIG)
        return loader__fail(err, errlen, "%s: too big for %u MiB of RAM", path, ram_size >> 20);
    if (r == -EINVAL)
        return loader__fail(err, errlen, "%s: not a regular file", path);
    if (r)
        return loader__fail(err, errlen, "%s: %s", path, strerror(-r));
    return 0;
}

int multiboot__load(struct machine *m, const char *kernel_path, const char *append,
                    const char *initrd, char *err, size_t errlen)
{
    uint8_t *kernel = NULL;
    size_t kernel_len = 0;
    int nmods = 0, r = -1;
    char **entries = NULL;
    struct multiboot_module *mods = NULL;
    char *cmdline = NULL;

    if (read_input(kernel_path, m->ram.size, &kernel, &kernel_len, err, errlen))
        return -1;
    if (initrd && !(entries = split_modules(initrd, &nmods))) {
        loader__fail(err, errlen, "-initrd: out of memory");
        goto out;
    }
    mods = calloc(nmods > 0 ? nmods : 1, sizeof(*mods));
    if (!mods || asprintf(&cmdline, "%s%s%s", kernel_path, append && *append ? " " : "",
                          append ? append : "") < 0) {
        cmdline = NULL;
        loader__fail(err, errlen, "out of memory");
        goto out;
    }
    for (int i = 0; i < nmods; i++) {
        /* The file name is the entry up to its first space; the whole
         * entry ("file args") is the module's string. */
        char *name = strndup(entries[i], strcspn(entries[i], " "));
        uint8_t *data = NULL;
        mods[i] = (struct multiboot_module){ .name = name, .string = entries[i] };
        if (!name) {
            loader__fail(err, errlen, "out of memory");
            goto out;
        }
        if (!*name) {
            loader__fail(err, errlen, "-initrd: empty module file name in '%s'", initrd);
            goto out;
        }
        if (read_input(name, m->ram.size, &data, &mods[i].len, err, errlen))
            goto out;
        mods[i].data = data;
    }
    r = multiboot__load_image(m, kernel_path, kernel, kernel_len, cmdline, mods, nmods, err,
                              errlen);
out:
    for (int i = 0; mods && i < nmods; i++) {
        free((void *)mods[i].name);
        free((void *)mods[i].data);
    }
    for (int i = 0; entries && i < nmods; i++)
        free(entries[i]);
    free(entries);
    free(mods);
    free(cmdline);
    free(kernel);
    return r;
}
