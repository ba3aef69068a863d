#include "CWebAuth.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

int cwebauth_check(const char *password, const char *hash) {
    struct crypt_data *data = calloc(1, sizeof(*data));
    if (!data) return 0;
    const char *out = crypt_r(password, hash, data);
    int match = 0;
    // crypt_r returns a string starting with '*' for a hash it cannot read.
    if (out && out[0] != '*') {
        size_t a = strlen(out), b = strlen(hash);
        unsigned char diff = (unsigned char)(a != b);
        for (size_t i = 0; i < a && i < b; i++) diff |= (unsigned char)(out[i] ^ hash[i]);
        match = diff == 0;
    }
    explicit_bzero(data, sizeof(*data));
    free(data);
    return match;
}
