/* sha256 digests (nettle), in the "sha256:<hex>" form the image specs use. */
#pragma once
#include <stddef.h>
#include <nettle/sha2.h>

#define SHA256_HEX_LEN 64
struct sha256 {
        struct sha256_ctx ctx;
};
void sha256_begin(struct sha256 *s);
void sha256_add(struct sha256 *s, const void *data, size_t len);
/* out gets 64 hex characters and a NUL. */
void sha256_end_hex(struct sha256 *s, char out[SHA256_HEX_LEN + 1]);
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);
