/* sha256.h - SHA-256 (FIPS 180-4) for the compute benchmark. */
#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
    uint32_t h[8];
    uint64_t length;        /* bytes hashed so far */
    uint8_t block[64];      /* the partial block */
};

void sha256__init(struct sha256 *s);
void sha256__update(struct sha256 *s, const void *data, size_t len);
void sha256__final(struct sha256 *s, uint8_t digest[32]);

#endif
