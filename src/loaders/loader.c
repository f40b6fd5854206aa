/* loader.c - what the kernel loaders share: reading input files whole, error messages. */
#include "loaders/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int loader__read_file(const char *path, size_t max, uint8_t **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;

    struct stat st;
    int err = 0;
    uint8_t *buf = NULL;
    if (fstat(fd, &st) < 0) {
        err = -errno;
    } else if (S_ISDIR(st.st_mode)) {
        err = -EISDIR;
    } else if (!S_ISREG(st.st_mode)) {
        err = -EINVAL;
    } else if ((uint64_t)st.st_size > max) {
        err = -EFBIG;
    } else if (!(buf = malloc(st.st_size ? st.st_size : 1))) {
        err = -ENOMEM;
    }
    size_t got = 0;
    while (!err && got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) /* shrank under us, or an I/O error */
            err = n < 0 ? -errno : -EIO;
        else
            got += n;
    }
    close(fd);
    if (err) {
        free(buf);
        return err;
    }
    *data = buf;
    *len = got;
    return 0;
}

int loader__fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}
