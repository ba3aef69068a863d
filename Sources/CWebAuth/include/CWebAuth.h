#ifndef CWEBAUTH_H
#define CWEBAUTH_H

/// Whether `password` matches `hash` (a crypt(3) string: bcrypt `$2y$…`, as the exporter-toolkit web config
/// stores them), checked with libxcrypt's `crypt_r` and compared in constant time. 1 on a match, 0 otherwise
/// (also for a hash crypt_r cannot read).
int cwebauth_check(const char *password, const char *hash);

#endif
