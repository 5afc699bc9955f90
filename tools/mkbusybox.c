/* mkbusybox BUSYBOX OUTPUT: write the layer of hull's built-in busybox
 * image, at build time and without a network.
 *
 * The layer holds bin/busybox (the build host's, which must be static),
 * a relative symlink for every applet where `busybox --list-full` puts
 * it, etc/passwd and etc/group with root, an unprivileged user 1000 with
 * a supplementary group, and nobody, and the usual top-level directories.
 * Everything is owned by 0:0 (home/user by 1000:1000), carries one fixed
 * mtime and is written in sorted order as plain ustar, so that the same
 * busybox gives the same bytes, and so the same image id, on every build
 * and every machine. */
#include <archive.h>
#include <archive_entry.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/builtin.h"

#define USER_HOME "home/user"

static const char passwd[] =
        "root:x:0:0:root:/root:/bin/sh\n"
        "user:x:1000:1000:user:/home/user:/bin/sh\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";

static const char group[] =
        "root:x:0:\n"
        "users:x:100:user\n"
        "user:x:1000:\n"
        "nogroup:x:65534:\n";

static const struct {
        const char *path;
        mode_t perm;
        unsigned owner;
} base_dirs[] = {
        { "bin", 0755, 0 }, { "dev", 0755, 0 }, { "etc", 0755, 0 }, { "home", 0755, 0 },
        { USER_HOME, 0755, BUILTIN_USER_UID }, { "proc", 0555, 0 }, { "root", 0700, 0 },
        { "run", 0755, 0 }, { "sbin", 0755, 0 }, { "sys", 0555, 0 }, { "tmp", 01777, 0 },
        { "usr", 0755, 0 }, { "usr/bin", 0755, 0 }, { "usr/sbin", 0755, 0 }, { "var", 0755, 0 },
        { "var/tmp", 01777, 0 },
};

struct entry {
        char *path;
        mode_t type;            /* AE_IFDIR, AE_IFREG or AE_IFLNK */
        mode_t perm;
        unsigned owner;         /* uid and gid */
        char *target;           /* symlinks */
        const void *data;       /* regular files */
        size_t size;
};

struct layer {
        struct entry *v;
        size_t n, cap;
        char *busybox;          /* the binary's bytes */
};

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
        va_list ap;
        fputs("mkbusybox: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        exit(1);
}

static void *xrealloc(void *p, size_t n)
{
        p = realloc(p, n);
        if (!p)
                die("out of memory");
        return p;
}

static char *xstrdup(const char *s)
{
        char *d = strdup(s);
        if (!d)
                die("out of memory");
        return d;
}

static struct entry *find(struct layer *l, const char *path)
{
        for (size_t i = 0; i < l->n; i++)
                if (!strcmp(l->v[i].path, path))
                        return &l->v[i];
        return NULL;
}

static struct entry *add(struct layer *l, const char *path, mode_t type, mode_t perm)
{
        if (find(l, path))
                die("%s would be in the layer twice", path);
        if (l->n == l->cap) {
                l->cap = l->cap ? 2 * l->cap : 512;
                l->v = xrealloc(l->v, l->cap * sizeof *l->v);
        }
        struct entry *e = &l->v[l->n++];
        *e = (struct entry){ .path = xstrdup(path), .type = type, .perm = perm };
        return e;
}

/* Applets may live in a directory the fixed list lacks. */
static void add_parents(struct layer *l, const char *path)
{
        char *p = xstrdup(path);
        for (char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
                *s = '\0';
                if (!find(l, p))
                        add(l, p, AE_IFDIR, 0755);
                *s = '/';
        }
        free(p);
}

static char *read_file(const char *path, size_t *ret_size)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                die("%s: %s", path, strerror(errno));
        char *buf = xrealloc(NULL, (size_t)st.st_size + 1);
        size_t got = 0;
        while (got < (size_t)st.st_size) {
                ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
                if (n <= 0)
                        die("reading %s: %s", path, n < 0 ? strerror(errno) : "short read");
                got += (size_t)n;
        }
        close(fd);
        *ret_size = got;
        return buf;
}

/* A dynamically linked busybox would fail in the container with a bare
 * "not found": refuse it here, where the reason can be said.  p_type is
 * the first word of a program header in both ELF classes. */
static void check_static(const char *path, const unsigned char *b, size_t size)
{
        if (size < sizeof(Elf64_Ehdr) || memcmp(b, ELFMAG, SELFMAG) != 0)
                die("%s is not an ELF executable", path);
        int is64 = b[EI_CLASS] == ELFCLASS64;
        const Elf64_Ehdr *h64 = (const void *)b;
        const Elf32_Ehdr *h32 = (const void *)b;
        size_t off = is64 ? h64->e_phoff : h32->e_phoff;
        size_t num = is64 ? h64->e_phnum : h32->e_phnum;
        size_t ent = is64 ? h64->e_phentsize : h32->e_phentsize;
        for (size_t i = 0; i < num; i++) {
                uint32_t type;
                if (off + i * ent + sizeof type > size)
                        die("%s: truncated ELF program headers", path);
                memcpy(&type, b + off + i * ent, sizeof type);
                if (type == PT_INTERP)
                        die("%s is dynamically linked; hull's built-in image needs a static busybox "
                            "(Debian: busybox-static)", path);
        }
}

/* Run `busybox --list-full`: one applet path a line, e.g. "usr/bin/awk". */
static char *list_applets(const char *busybox)
{
        int p[2];
        if (pipe(p) < 0)
                die("pipe: %s", strerror(errno));
        pid_t pid = fork();
        if (pid < 0)
                die("fork: %s", strerror(errno));
        if (pid == 0) {
                dup2(p[1], STDOUT_FILENO);
                close(p[0]);
                close(p[1]);
                execl(busybox, "busybox", "--list-full", (char *)NULL);
                _exit(127);
        }
        close(p[1]);
        size_t len = 0, cap = 16384;
        char *out = xrealloc(NULL, cap);
        for (;;) {
                if (len + 1 == cap)
                        out = xrealloc(out, cap *= 2);
                ssize_t n = read(p[0], out + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
        }
        out[len] = '\0';
        close(p[0]);
        int status;
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                die("%s --list-full failed", busybox);
        return out;
}

/* "bin/sh" -> "busybox", "usr/bin/awk" -> "../../bin/busybox": relative,
 * so the links also resolve when the layer is looked at from the host. */
static char *applet_target(const char *path)
{
        const char *slash = strrchr(path, '/');
        if (slash - path == 3 && !strncmp(path, "bin", 3))
                return xstrdup("busybox");
        size_t depth = 0;
        for (const char *c = path; *c; c++)
                depth += *c == '/';
        char *t = xrealloc(NULL, 3 * depth + sizeof "bin/busybox");
        t[0] = '\0';
        while (depth--)
                strcat(t, "../");
        return strcat(t, "bin/busybox");
}

static void add_applets(struct layer *l, const char *busybox)
{
        char *list = list_applets(busybox);
        for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
                /* bin/busybox is the binary itself; "linuxrc" belongs
                 * to no directory and has no use in a container. */
                if (!strchr(line, '/') || !strcmp(line, "bin/busybox"))
                        continue;
                if (line[0] == '/' || strstr(line, ".."))
                        die("unexpected applet path %s", line);
                add_parents(l, line);
                struct entry *e = add(l, line, AE_IFLNK, 0777);
                e->target = applet_target(line);
        }
        free(list);
}

static void add_file(struct layer *l, const char *path, mode_t perm, const void *data, size_t size)
{
        struct entry *e = add(l, path, AE_IFREG, perm);
        e->data = data;
        e->size = size;
}

static void build(struct layer *l, const char *busybox)
{
        for (size_t i = 0; i < sizeof base_dirs / sizeof base_dirs[0]; i++)
                add(l, base_dirs[i].path, AE_IFDIR, base_dirs[i].perm)->owner = base_dirs[i].owner;
        size_t size;
        l->busybox = read_file(busybox, &size);
        check_static(busybox, (const unsigned char *)l->busybox, size);
        add_file(l, "bin/busybox", 0755, l->busybox, size);
        add_file(l, "etc/passwd", 0644, passwd, strlen(passwd));
        add_file(l, "etc/group", 0644, group, strlen(group));
        add_applets(l, busybox);
}

/* Sorted by path, a directory comes before what it holds ("bin" is a
 * prefix of "bin/sh"), and the order is the same on every build. */
static int by_path(const void *a, const void *b)
{
        return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

static void write_entry(struct archive *a, struct archive_entry *ae, const struct entry *e)
{
        archive_entry_clear(ae);
        archive_entry_set_pathname(ae, e->path);
        archive_entry_set_filetype(ae, e->type);
        archive_entry_set_perm(ae, e->perm);
        archive_entry_set_uid(ae, e->owner);
        archive_entry_set_gid(ae, e->owner);
        archive_entry_set_mtime(ae, BUILTIN_EPOCH, 0);
        if (e->type == AE_IFLNK)
                archive_entry_set_symlink(ae, e->target);
        archive_entry_set_size(ae, e->type == AE_IFREG ? (la_int64_t)e->size : 0);
        if (archive_write_header(a, ae) != ARCHIVE_OK)
                die("%s: %s", e->path, archive_error_string(a));
        if (e->type == AE_IFREG && archive_write_data(a, e->data, e->size) != (la_ssize_t)e->size)
                die("%s: %s", e->path, archive_error_string(a));
}

/* ustar has no room for atime, ctime or host names, and libarchive adds
 * none: the bytes depend on the entries alone. */
static void write_tar(const struct layer *l, const char *output)
{
        char *tmp = xrealloc(NULL, strlen(output) + sizeof ".tmp");
        sprintf(tmp, "%s.tmp", output);
        struct archive *a = archive_write_new();
        struct archive_entry *ae = archive_entry_new();
        if (!a || !ae)
                die("out of memory");
        if (archive_write_set_format_ustar(a) != ARCHIVE_OK || archive_write_add_filter_none(a) != ARCHIVE_OK ||
            archive_write_open_filename(a, tmp) != ARCHIVE_OK)
                die("%s: %s", tmp, archive_error_string(a));
        for (size_t i = 0; i < l->n; i++)
                write_entry(a, ae, &l->v[i]);
        if (archive_write_close(a) != ARCHIVE_OK)
                die("%s: %s", tmp, archive_error_string(a));
        archive_entry_free(ae);
        archive_write_free(a);
        if (chmod(tmp, 0644) < 0 || rename(tmp, output) < 0)
                die("%s: %s", output, strerror(errno));
        free(tmp);
}

int main(int argc, char **argv)
{
        struct layer l = { 0 };
        if (argc != 3)
                die("usage: mkbusybox BUSYBOX OUTPUT");
        build(&l, argv[1]);
        qsort(l.v, l.n, sizeof *l.v, by_path);
        write_tar(&l, argv[2]);
        for (size_t i = 0; i < l.n; i++) {
                free(l.v[i].path);
                free(l.v[i].target);
        }
        free(l.v);
        free(l.busybox);
        return 0;
}
