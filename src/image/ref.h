/* Image references in Docker's grammar:
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] component [ "/" component ]*
 *   domain     := host [ ":" port ]      (first part holding "." or ":", or "localhost")
 *   component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 *   digest     := "sha256:" [0-9a-f]{64}
 *
 * Names are kept in Docker's short ("familiar") form: "busybox",
 * "docker.io/library/busybox" and "library/busybox" all become "busybox",
 * and a reference without tag or digest gets the tag "latest". */
#pragma once
#include "base/err.h"

#define IMAGE_REF_NAME_MAX 255
#define IMAGE_REF_TAG_MAX 128
#define IMAGE_DIGEST_LEN 71     /* "sha256:" + 64 hex */

struct image_ref {
        char domain[IMAGE_REF_NAME_MAX + 1];    /* "" for Docker Hub / a local name */
        char path[IMAGE_REF_NAME_MAX + 1];      /* repository below the domain: "busybox", "a/b" */
        char name[IMAGE_REF_NAME_MAX + 1];      /* domain "/" path, or path: "busybox" */
        char tag[IMAGE_REF_TAG_MAX + 1];        /* "" only when a digest was given alone */
        char digest[IMAGE_DIGEST_LEN + 1];      /* "sha256:<hex>" or "" */
};

/* Parse s; errors (code HERR_ENGINE) say what is wrong with which part. */
int image_ref_parse(const char *s, struct image_ref *ret, struct herr *err);
/* "name:tag", "name@digest" or "name:tag@digest" (malloc'ed). */
char *image_ref_string(const struct image_ref *r);
/* s is "sha256:" followed by exactly 64 lower-case hex digits. */
int image_digest_valid(const char *s);
/* s is 1..64 lower-case hex digits (a possibly shortened image id). */
int image_hex_prefix_valid(const char *s);
