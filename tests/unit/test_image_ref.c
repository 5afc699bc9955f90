/* Image references (Docker's grammar), whiteout names, and, when run as
 * root from the build tree, layer unpacking through hull-archive.so and
 * the built-in busybox image. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/fs.h"
#include "base/sha256.h"
#include "image/archive_module.h"
#include "image/image.h"
#include "image/ref.h"
#include "image/whiteout.h"

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void parse_ok(const char *s, const char *domain, const char *name, const char *tag, const char *digest,
                     const char *str)
{
        struct image_ref r;
        struct herr err = { 0 };
        if (image_ref_parse(s, &r, &err) < 0)
                fail_msg("%s: %s", s, err.msg);
        assert_string_equal(r.domain, domain);
        assert_string_equal(r.name, name);
        assert_string_equal(r.tag, tag);
        assert_string_equal(r.digest, digest);
        char *out = image_ref_string(&r);
        assert_string_equal(out, str);
        free(out);
}

static void parse_bad(const char *s, const char *needle)
{
        struct image_ref r;
        struct herr err = { 0 };
        if (image_ref_parse(s, &r, &err) == 0)
                fail_msg("\"%s\" parsed as %s:%s", s, r.name, r.tag);
        if (!strstr(err.msg, needle))
                fail_msg("\"%s\": message \"%s\" lacks \"%s\"", s, err.msg, needle);
}

static void test_ref_names(void **state)
{
        parse_ok("busybox", "", "busybox", "latest", "", "busybox:latest");
        parse_ok("busybox:1.36", "", "busybox", "1.36", "", "busybox:1.36");
        parse_ok("library/busybox", "", "busybox", "latest", "", "busybox:latest");
        parse_ok("docker.io/library/busybox:musl", "", "busybox", "musl", "", "busybox:musl");
        parse_ok("index.docker.io/foo/bar", "", "foo/bar", "latest", "", "foo/bar:latest");
        parse_ok("library/a/b", "", "library/a/b", "latest", "", "library/a/b:latest");
        parse_ok("foo/a.b-c_d/e__f/g--h", "", "foo/a.b-c_d/e__f/g--h", "latest", "", "foo/a.b-c_d/e__f/g--h:latest");
        parse_ok("x_y/w", "", "x_y/w", "latest", "", "x_y/w:latest");
        parse_ok("abc", "", "abc", "latest", "", "abc:latest");
}

static void test_ref_registries(void **state)
{
        parse_ok("localhost/foo", "localhost", "localhost/foo", "latest", "", "localhost/foo:latest");
        parse_ok("localhost:5000/foo/bar:t", "localhost:5000", "localhost:5000/foo/bar", "t", "",
                 "localhost:5000/foo/bar:t");
        parse_ok("registry:5000/x", "registry:5000", "registry:5000/x", "latest", "", "registry:5000/x:latest");
        parse_ok("Example.COM/x", "Example.COM", "Example.COM/x", "latest", "", "Example.COM/x:latest");
        parse_ok("[::1]:5000/x", "[::1]:5000", "[::1]:5000/x", "latest", "", "[::1]:5000/x:latest");
        parse_ok("localhost:5000", "", "localhost", "5000", "", "localhost:5000");
}

static void test_ref_tags_digests(void **state)
{
        parse_ok("x:V1.0-rc_2", "", "x", "V1.0-rc_2", "", "x:V1.0-rc_2");
        parse_ok("x:_", "", "x", "_", "", "x:_");
        parse_ok("x@" DIGEST, "", "x", "", DIGEST, "x@" DIGEST);
        parse_ok("a/b:t@" DIGEST, "", "a/b", "t", DIGEST, "a/b:t@" DIGEST);
        parse_ok("localhost:5000/b@" DIGEST, "localhost:5000", "localhost:5000/b", "", DIGEST,
                 "localhost:5000/b@" DIGEST);
        char tag[200];
        memset(tag, 'a', 128);
        strcpy(tag + 128, "");
        char ref[256];
        snprintf(ref, sizeof ref, "x:%s", tag);
        struct image_ref r;
        struct herr err;
        assert_int_equal(image_ref_parse(ref, &r, &err), 0);
        snprintf(ref, sizeof ref, "x:%sa", tag);
        parse_bad(ref, "invalid tag");
}

static void test_ref_errors(void **state)
{
        parse_bad("", "empty reference");
        parse_bad("UPPER/case", "must be lowercase");
        parse_bad("Busybox", "must be lowercase");
        parse_bad("a:b:c", "\"a:b\"");
        parse_bad("x:", "empty tag");
        parse_bad("x:-t", "invalid tag");
        parse_bad("x:.t", "invalid tag");
        parse_bad("x:t!", "invalid tag");
        parse_bad("x@sha256:abc", "invalid digest");
        parse_bad("x@md5:0123456789abcdef0123456789abcdef", "invalid digest");
        parse_bad("x@SHA256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "invalid digest");
        parse_bad("x@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", "invalid digest");
        parse_bad(":t", "missing repository name");
        parse_bad("@" DIGEST, "missing repository name");
        parse_bad("foo/", "bad repository name component");
        parse_bad("/foo", "bad repository name component");
        parse_bad("a//b", "bad repository name component");
        parse_bad("-a", "bad repository name component");
        parse_bad("a-", "bad repository name component");
        parse_bad("a___b", "bad repository name component");
        parse_bad("a..b", "bad repository name component");
        parse_bad("a b", "bad repository name component");
        parse_bad("example.com/", "missing repository name");
        parse_bad("exa_mple.com/x", "bad registry");
        parse_bad("x_y.z/w", "bad registry");
        parse_bad("-bad.com/x", "bad registry");
        parse_bad("host:port/x", "bad registry");
        parse_bad("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "hexadecimal");
        char longname[300];
        memset(longname, 'a', 256);
        longname[256] = '\0';
        parse_bad(longname, "longer than 255");
}

static void test_digest_helpers(void **state)
{
        assert_true(image_digest_valid(DIGEST));
        assert_false(image_digest_valid("sha256:0123"));
        assert_false(image_digest_valid(DIGEST "0"));
        assert_true(image_hex_prefix_valid("0a1b"));
        assert_false(image_hex_prefix_valid(""));
        assert_false(image_hex_prefix_valid("0A"));
        assert_false(image_hex_prefix_valid("busybox"));
}

static void test_whiteout_names(void **state)
{
        const char *name = NULL;
        assert_int_equal(whiteout_classify("file", &name), WHITEOUT_NONE);
        assert_int_equal(whiteout_classify(".whfile", &name), WHITEOUT_NONE);
        assert_int_equal(whiteout_classify(".wh.file", &name), WHITEOUT_FILE);
        assert_string_equal(name, "file");
        assert_int_equal(whiteout_classify(".wh..hidden", &name), WHITEOUT_FILE);
        assert_string_equal(name, ".hidden");
        assert_int_equal(whiteout_classify(".wh..wh..opq", &name), WHITEOUT_DIR_OPAQUE);
        assert_int_equal(whiteout_classify(".wh..wh.plnk", &name), WHITEOUT_META);
        assert_int_equal(whiteout_classify(".wh.", &name), WHITEOUT_INVALID);
        assert_int_equal(whiteout_classify(".wh..", &name), WHITEOUT_INVALID);
        assert_int_equal(whiteout_classify(".wh...", &name), WHITEOUT_INVALID);
}

/* ---- unpacking, through the module, from a tar written by hand ---- */

struct tar {
        char *buf;
        size_t len;
};

static void tar_add(struct tar *t, const char *name, char type, unsigned mode, unsigned uid, const char *data,
                    const char *link)
{
        size_t size = data ? strlen(data) : 0;
        size_t padded = (size + 511) / 512 * 512;
        char h[512] = { 0 };
        unsigned sum = 0;
        t->buf = realloc(t->buf, t->len + 512 + padded);
        assert_non_null(t->buf);
        snprintf(h, 100, "%s", name);
        snprintf(h + 100, 8, "%07o", mode & 07777);
        snprintf(h + 108, 8, "%07o", uid & 07777777);
        snprintf(h + 116, 8, "%07o", uid & 07777777);
        snprintf(h + 124, 12, "%011o", (unsigned)size & 07777777);
        snprintf(h + 136, 12, "%011o", 1000000u);
        memset(h + 148, ' ', 8);
        h[156] = type;
        if (link)
                snprintf(h + 157, 100, "%s", link);
        memcpy(h + 257, "ustar", 6);
        memcpy(h + 263, "00", 2);
        for (int i = 0; i < 512; i++)
                sum += (unsigned char)h[i];
        snprintf(h + 148, 7, "%06o", sum & 0777777);
        h[155] = ' ';
        memcpy(t->buf + t->len, h, 512);
        memset(t->buf + t->len + 512, 0, padded);
        if (size)
                memcpy(t->buf + t->len + 512, data, size);
        t->len += 512 + padded;
}

static void tar_end(struct tar *t)
{
        t->buf = realloc(t->buf, t->len + 1024);
        assert_non_null(t->buf);
        memset(t->buf + t->len, 0, 1024);
        t->len += 1024;
}

static const struct hull_archive_ops *module(void)
{
        static const struct hull_archive_ops *ops;
        static int tried;
        if (!tried) {
                struct herr err;
                char *p = xasprintf("%s/../../src/image/" HULL_ARCHIVE_MODULE, self_dir());
                tried = 1;
                if (access(p, F_OK) == 0 && archive_ops_load(p, &ops, &err) < 0)
                        print_message("# %s\n", err.msg);
                free(p);
        }
        return ops;
}

static const struct hull_unpack_opts no_tee = { .tee_fd = -1 };

static int unpack_tar(const struct tar *t, const char *dir, struct hull_unpack_result *res, struct herr *err)
{
        int mfd = memfd_create("layer", MFD_CLOEXEC);
        assert_true(mfd >= 0);
        assert_int_equal(write(mfd, t->buf, t->len), (ssize_t)t->len);
        assert_int_equal(lseek(mfd, 0, SEEK_SET), 0);
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        int r = module()->unpack_layer(mfd, dfd, &no_tee, res, err);
        close(dfd);
        close(mfd);
        return r;
}

static char *path_in(const char *dir, const char *rel)
{
        return xasprintf("%s/%s", dir, rel);
}

static void check_whiteouts(const char *dir)
{
        struct stat st;
        char *p = path_in(dir, "gone");
        assert_int_equal(lstat(p, &st), 0);
        assert_true(S_ISCHR(st.st_mode));
        assert_int_equal(st.st_rdev, makedev(0, 0));
        free(p);
        p = path_in(dir, ".wh.gone");
        assert_int_equal(lstat(p, &st), -1);
        free(p);
        char v[8] = { 0 };
        p = path_in(dir, "a");
        assert_int_equal(getxattr(p, "trusted.overlay.opaque", v, sizeof v), 1);
        assert_string_equal(v, "y");
        free(p);
}

static void check_files(const char *dir)
{
        struct stat f, h;
        char *pf = path_in(dir, "a/f"), *ph = path_in(dir, "a/h"), *pe = path_in(dir, "X/f");
        assert_int_equal(lstat(pf, &f), 0);
        assert_int_equal(f.st_mode & 07777, 0640);
        assert_int_equal(f.st_uid, 1000);
        assert_int_equal(f.st_size, 6);
        assert_int_equal(f.st_mtime, 1000000);
        assert_int_equal(lstat(ph, &h), 0);
        assert_int_equal(f.st_ino, h.st_ino);
        /* "esc" -> "../../../../X": written through in the layer's root */
        assert_int_equal(lstat(pe, &f), 0);
        free(pf);
        free(ph);
        free(pe);
        char *pd = path_in(dir, "a");
        assert_int_equal(lstat(pd, &f), 0);
        assert_int_equal(f.st_mode & 07777, 0751);
        assert_int_equal(f.st_mtime, 1000000);
        free(pd);
}

static void test_unpack_whiteouts(void **state)
{
        if (geteuid() != 0 || !module())
                skip();  /* device nodes and trusted.* xattrs need root; the module the build tree */
        struct tar t = { 0 };
        tar_add(&t, "./", '5', 0755, 0, NULL, NULL);
        tar_add(&t, "a/", '5', 0751, 0, NULL, NULL);
        tar_add(&t, "a/.wh..wh..opq", '0', 0644, 0, NULL, NULL);
        tar_add(&t, "a/f", '0', 0640, 1000, "hello\n", NULL);
        tar_add(&t, "a/h", '1', 0640, 1000, NULL, "a/f");
        tar_add(&t, ".wh.gone", '0', 0644, 0, NULL, NULL);
        tar_add(&t, "X/", '5', 0755, 0, NULL, NULL);
        tar_add(&t, "esc", '2', 0777, 0, NULL, "../../../../X");
        tar_add(&t, "esc/f", '0', 0644, 0, "x", NULL);
        tar_end(&t);
        char dir[] = "/tmp/hull-test-unpack-XXXXXX";
        assert_non_null(mkdtemp(dir));
        struct hull_unpack_result res;
        struct herr err = { 0 };
        if (unpack_tar(&t, dir, &res, &err) < 0)
                fail_msg("%s", err.msg);
        char hex[SHA256_HEX_LEN + 1], want[80];
        sha256_hex(t.buf, t.len, hex);
        snprintf(want, sizeof want, "sha256:%s", hex);
        assert_string_equal(res.diff_id, want);
        assert_string_equal(res.blob_digest, want);
        assert_int_equal(res.size, 7);
        check_whiteouts(dir);
        check_files(dir);
        assert_int_equal(rm_rf(dir, &err), 0);
        free(t.buf);
}

static void unpack_refused(const char *name, char type, const char *link, const char *needle)
{
        struct tar t = { 0 };
        tar_add(&t, name, type, 0644, 0, type == '0' ? "x" : NULL, link);
        tar_end(&t);
        char dir[] = "/tmp/hull-test-unpack-XXXXXX";
        assert_non_null(mkdtemp(dir));
        struct hull_unpack_result res;
        struct herr err = { 0 };
        assert_true(unpack_tar(&t, dir, &res, &err) < 0);
        if (!strstr(err.msg, needle))
                fail_msg("%s: \"%s\" lacks \"%s\"", name, err.msg, needle);
        assert_int_equal(rm_rf(dir, &err), 0);
        free(t.buf);
}

static void test_unpack_escapes(void **state)
{
        if (geteuid() != 0 || !module())
                skip();
        unpack_refused("../evil", '0', NULL, "\"..\"");
        unpack_refused("a/../../evil", '0', NULL, "\"..\"");
        unpack_refused("/abs", '0', NULL, "absolute");
        unpack_refused("h", '1', "../../etc/passwd", "\"..\"");
        unpack_refused("h", '1', "/etc/passwd", "absolute");
        unpack_refused(".wh.", '0', NULL, "whiteout");
}

/* A symlink in the layer to an absolute host path must never let a later
 * entry touch that host path: not write below it, not chmod it. */
static void test_unpack_host_symlink(void **state)
{
        if (geteuid() != 0 || !module())
                skip();
        char host[] = "/tmp/hull-test-host-XXXXXX";
        int fd = mkstemp(host);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(chmod(host, 0600), 0);
        struct tar t = { 0 };
        tar_add(&t, "a", '2', 0777, 0, NULL, host);
        tar_add(&t, "a/b", '0', 0644, 0, "x", NULL);
        tar_end(&t);
        char dir[] = "/tmp/hull-test-unpack-XXXXXX";
        assert_non_null(mkdtemp(dir));
        struct hull_unpack_result res;
        struct herr err = { 0 };
        assert_true(unpack_tar(&t, dir, &res, &err) < 0);
        struct stat st;
        assert_int_equal(stat(host, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(st.st_size, 0);
        unlink(host);
        assert_int_equal(rm_rf(dir, &err), 0);
        free(t.buf);
}

/* ---- the built-in image, in a store of its own ---- */

static void lookup_ok(struct image_store *s, const char *ref, const char *id)
{
        struct image *img = NULL;
        struct herr err = { 0 };
        if (image_lookup(s, ref, &img, &err) < 0)
                fail_msg("%s: %s", ref, err.msg);
        assert_string_equal(img->id, id);
        image_free(img);
}

static void check_busybox(struct image *img)
{
        struct stat st;
        assert_string_equal(img->repo_tags[0], "busybox:latest");
        assert_null(img->repo_tags[1]);
        assert_non_null(img->layers[0]);
        assert_null(img->layers[1]);
        assert_int_equal(img->layers[0][0], '/');
        char *sh = path_in(img->layers[0], "bin/sh"), *bb = path_in(img->layers[0], "bin/busybox");
        assert_int_equal(lstat(sh, &st), 0);
        assert_true(S_ISLNK(st.st_mode));
        assert_int_equal(stat(bb, &st), 0);
        assert_true(st.st_size > 0 && img->size >= st.st_size);
        free(sh);
        free(bb);
        assert_string_equal(json_string_value(json_array_get(
                json_object_get(json_object_get(img->config, "config"), "Cmd"), 0)), "sh");
        assert_int_equal(img->created, 1704067200);
}

static void test_store_builtin(void **state)
{
        char *tarball = xasprintf("%s/../../tools/busybox.tar", self_dir());
        int have = access(tarball, R_OK) == 0;
        free(tarball);
        if (geteuid() != 0 || !module() || !have)
                skip();
        char root[] = "/tmp/hull-test-store-XXXXXX";
        struct image_store *s;
        struct image *img;
        struct herr err = { 0 };
        assert_non_null(mkdtemp(root));
        assert_int_equal(image_store_open(root, &s, &err), 0);
        assert_int_equal(image_count(s), 0);
        if (image_lookup(s, "busybox", &img, &err) < 0)
                fail_msg("%s", err.msg);
        check_busybox(img);
        assert_int_equal(image_count(s), 1);
        assert_int_equal(image_ensure_builtin(s, &err), 0);
        assert_int_equal(image_count(s), 1);
        char prefix[20];
        snprintf(prefix, sizeof prefix, "%.12s", img->id + 7);
        lookup_ok(s, prefix, img->id);
        lookup_ok(s, img->id, img->id);
        lookup_ok(s, img->id + 7, img->id);
        lookup_ok(s, "docker.io/library/busybox:latest", img->id);
        assert_int_equal(image_lookup(s, "nosuch:1", &img, &err), -ENOENT);
        assert_int_equal(err.code, 125);
        assert_non_null(strstr(err.msg, "nosuch:1"));
        assert_true(image_lookup(s, "Bad:ref:x", &img, &err) < 0);
        image_free(img);
        image_store_close(s);
        assert_int_equal(rm_rf(root, &err), 0);
}

static struct hull_tar_result tar_dir(const char *dir, int out)
{
        struct hull_tar_result res;
        struct herr err = { 0 };
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        if (module()->tar_tree(dfd, out, HULL_TAR_LAYER, &res, &err) < 0)
                fail_msg("%s", err.msg);
        close(dfd);
        return res;
}

/* What commit does: an unpacked (overlay-form) tree written back as a
 * layer gives whiteout entries again, and unpacks to the same tree; the
 * tar is the same bytes each time. */
static void test_layer_roundtrip(void **state)
{
        if (geteuid() != 0 || !module())
                skip();
        struct tar t = { 0 };
        tar_add(&t, "a/", '5', 0751, 0, NULL, NULL);
        tar_add(&t, "a/.wh..wh..opq", '0', 0644, 0, NULL, NULL);
        tar_add(&t, "a/f", '0', 0640, 1000, "hello\n", NULL);
        tar_add(&t, "a/h", '1', 0640, 1000, NULL, "a/f");
        tar_add(&t, ".wh.gone", '0', 0644, 0, NULL, NULL);
        tar_add(&t, "X/", '5', 0755, 0, NULL, NULL);
        tar_add(&t, "X/f", '0', 0644, 0, "x", NULL);
        tar_end(&t);
        char d1[] = "/tmp/hull-test-rt1-XXXXXX", d2[] = "/tmp/hull-test-rt2-XXXXXX";
        assert_non_null(mkdtemp(d1));
        assert_non_null(mkdtemp(d2));
        struct hull_unpack_result ures;
        struct herr err = { 0 };
        if (unpack_tar(&t, d1, &ures, &err) < 0)
                fail_msg("%s", err.msg);
        int m1 = memfd_create("l1", MFD_CLOEXEC), m2 = memfd_create("l2", MFD_CLOEXEC);
        assert_true(m1 >= 0 && m2 >= 0);
        struct hull_tar_result r1 = tar_dir(d1, m1), r2 = tar_dir(d1, m2);
        assert_string_equal(r1.digest, r2.digest);
        assert_int_equal(lseek(m1, 0, SEEK_SET), 0);
        int dfd = open(d2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        if (module()->unpack_layer(m1, dfd, &no_tee, &ures, &err) < 0)
                fail_msg("%s", err.msg);
        assert_string_equal(ures.diff_id, r1.digest);
        check_whiteouts(d2);
        struct stat a, b;
        char *pf = path_in(d2, "a/f"), *ph = path_in(d2, "a/h");
        assert_int_equal(lstat(pf, &a), 0);
        assert_int_equal(lstat(ph, &b), 0);
        assert_int_equal(a.st_ino, b.st_ino);   /* the hard link stays one */
        assert_int_equal(a.st_uid, 1000);
        assert_int_equal(a.st_mode & 07777, 0640);
        free(pf);
        free(ph);
        close(dfd);
        close(m1);
        close(m2);
        assert_int_equal(rm_rf(d1, &err), 0);
        assert_int_equal(rm_rf(d2, &err), 0);
        free(t.buf);
}

/* What a pull does: the blob comes down a pipe, a copy goes to tee_fd.
 * A good layer unpacks and its copy is whole; a bad one (no tar) fails,
 * but its copy is still whole and its digest known. */
static void tee_case(const void *blob, size_t len, int want_ok)
{
        char dir[] = "/tmp/hull-test-tee-XXXXXX";
        assert_non_null(mkdtemp(dir));
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int copy = memfd_create("copy", MFD_CLOEXEC);
        int in = memfd_create("in", MFD_CLOEXEC);
        assert_true(dfd >= 0 && copy >= 0 && in >= 0);
        assert_int_equal(write(in, blob, len), (ssize_t)len);
        assert_int_equal(lseek(in, 0, SEEK_SET), 0);
        struct hull_unpack_opts o = { .tee_fd = copy };
        struct hull_unpack_result res;
        struct herr err = { 0 };
        int r = module()->unpack_layer(in, dfd, &o, &res, &err);
        assert_int_equal(r == 0, want_ok);
        char hex[SHA256_HEX_LEN + 1];
        sha256_hex(blob, len, hex);
        assert_string_equal(res.blob_digest + 7, hex);
        assert_int_equal(res.blob_size, (long long)len);
        struct stat st;
        assert_int_equal(fstat(copy, &st), 0);
        assert_int_equal(st.st_size, (off_t)len);
        char *back = malloc(len);
        assert_int_equal(pread(copy, back, len, 0), (ssize_t)len);
        assert_memory_equal(back, blob, len);
        free(back);
        close(in);
        close(copy);
        close(dfd);
        assert_int_equal(rm_rf(dir, &err), 0);
}

static void test_unpack_tee(void **state)
{
        if (geteuid() != 0 || !module())
                skip();
        struct tar t = { 0 };
        tar_add(&t, "f", '0', 0644, 0, "hello\n", NULL);
        tar_end(&t);
        tee_case(t.buf, t.len, 1);
        free(t.buf);
        char junk[300000];
        for (size_t i = 0; i < sizeof junk; i++)
                junk[i] = (char)(i * 2654435761u >> 13);
        tee_case(junk, sizeof junk, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ref_names),
                cmocka_unit_test(test_ref_registries),
                cmocka_unit_test(test_ref_tags_digests),
                cmocka_unit_test(test_ref_errors),
                cmocka_unit_test(test_digest_helpers),
                cmocka_unit_test(test_whiteout_names),
                cmocka_unit_test(test_unpack_whiteouts),
                cmocka_unit_test(test_unpack_escapes),
                cmocka_unit_test(test_unpack_host_symlink),
                cmocka_unit_test(test_layer_roundtrip),
                cmocka_unit_test(test_unpack_tee),
                cmocka_unit_test(test_store_builtin),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
