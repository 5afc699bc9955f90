/* The writing half of hull-archive.so (see archive_module.h for what each does). */
#pragma once
#include <stddef.h>
#include "base/err.h"

struct hull_tar_result;
struct hull_tar_member;

int tar_tree(int dirfd, int out_fd, unsigned flags, struct hull_tar_result *ret, struct herr *err);
int tar_members(int out_fd, const struct hull_tar_member *m, size_t n, struct herr *err);
int decompress(int in_fd, int out_fd, struct herr *err);
