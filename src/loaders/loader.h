/* loader.h - what the kernel loaders share: reading input files whole, error messages. */
#ifndef BT86_LOADERS_LOADER_H
#define BT86_LOADERS_LOADER_H

#include <stddef.h>
#include <stdint.h>

/* Read path into a malloc'ed buffer (*data, *len). Files larger than max
 * bytes are refused with -EFBIG. Returns 0 or -errno. */
int loader__read_file(const char *path, size_t max, uint8_t **data, size_t *len);

/* Format a message into err (errlen bytes) and return -1, so that a
 * failing check reads `return loader__fail(err, errlen, "...", ...)`. */
int loader__fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
