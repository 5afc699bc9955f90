/* Image commands: load, save, import, export, commit, tag, rmi, history,
 * the `image` group (ls, rm, inspect, prune, ...) and `system df`. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/strv.h"
#include "cli/cli.h"
#include "engine/image_ops.h"
#include "image/image.h"

#define HELP_OPT { "help", no_argument, NULL, 'H' }

static void store_closep(struct image_store **s)
{
        image_store_close(*s);
}
#define _cleanup_store_ __attribute__((cleanup(store_closep)))

static int open_store(const struct engine_ctx *ctx, struct image_store **s, struct herr *err)
{
        return image_store_open(ctx->root, s, err);
}

static int print_lines(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                printf("%s\n", v[i]);
        return 0;
}

static int bad_flag(const char *cmd, int c, char **argv)
{
        if (c == ':')
                return cli_usage_error(cmd, "flag needs an argument: %s", argv[optind - 1]);
        return cli_usage_error(cmd, "unknown flag: %s", argv[optind - 1]);
}

/* ---- load ---- */

static const char load_help[] = "\nUsage:  hull load [OPTIONS]\n\n"
                                "Load an image from a tar archive (Docker or OCI) or an OCI layout directory\n\n"
                                "Options:\n"
                                "  -i, --input string   Read from tar archive file or directory, instead of STDIN\n"
                                "  -q, --quiet          Suppress the load output\n";

int cmd_load(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option opts[] = { { "input", required_argument, NULL, 'i' },
                                              { "quiet", no_argument, NULL, 'q' }, HELP_OPT, { NULL, 0, NULL, 0 } };
        const char *input = NULL;
        int quiet = 0, c;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:i:q", opts, NULL)) != -1) {
                if (c == 'i')
                        input = optarg;
                else if (c == 'q')
                        quiet = 1;
                else if (c == 'H')
                        return fputs(load_help, stdout), 0;
                else
                        return bad_flag("load", c, argv);
        }
        if (optind < argc)
                return cli_usage_error("load", "\"hull load\" accepts no arguments.");
        struct herr err = { 0 };
        _cleanup_store_ struct image_store *s = NULL;
        _cleanup_strv_ char **msgs = NULL;
        _cleanup_close_ int fd = -EBADF;
        if (input && strcmp(input, "-")) {
                fd = open(input, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        herr_setc(&err, HERR_ENGINE, errno, "opening %s", input);
                        return cli_fail(&err);
                }
        } else if (isatty(0)) {
                herr_setc(&err, HERR_ENGINE, 0, "requested load from stdin, but stdin is a terminal");
                return cli_fail(&err);
        }
        if (open_store(ctx, &s, &err) < 0 ||
            image_load_from(s, fd >= 0 ? input : "stdin", fd >= 0 ? fd : 0, &msgs, &err) < 0)
                return cli_fail(&err);
        return quiet ? 0 : print_lines(msgs);
}

/* ---- import and commit ---- */

struct new_args {
        struct image_new o;
        char **changes;
};

/* -c and -m, shared by import and commit; 'p' handled by the caller. */
static int new_opt(struct new_args *a, int c)
{
        if (c == 'c')
                return strv_push(&a->changes, optarg) < 0 ? -1 : 1;
        if (c == 'm') {
                a->o.message = optarg;
                return 1;
        }
        return 0;
}

static const char import_help[] = "\nUsage:  hull import [OPTIONS] file|- [REPOSITORY[:TAG]]\n\n"
                                  "Import the contents from a tarball to create a filesystem image\n\n"
                                  "Options:\n"
                                  "  -c, --change list      Apply Dockerfile instruction to the created image\n"
                                  "  -m, --message string   Set commit message for imported image\n";

int cmd_import(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option opts[] = { { "change", required_argument, NULL, 'c' },
                                              { "message", required_argument, NULL, 'm' }, HELP_OPT,
                                              { NULL, 0, NULL, 0 } };
        struct new_args a = { 0 };
        _cleanup_strv_ char **changes = NULL;
        int c;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:c:m:", opts, NULL)) != -1) {
                int r = new_opt(&a, c);
                changes = a.changes;
                if (r > 0)
                        continue;
                if (c == 'H')
                        return fputs(import_help, stdout), 0;
                return bad_flag("import", c, argv);
        }
        if (optind >= argc || argc - optind > 2)
                return cli_usage_error("import", "\"hull import\" requires 1 or 2 arguments.");
        const char *src = argv[optind];
        a.o.tag = argc - optind == 2 ? argv[optind + 1] : NULL;
        a.o.changes = a.changes;
        struct herr err = { 0 };
        _cleanup_store_ struct image_store *s = NULL;
        _cleanup_close_ int fd = -EBADF;
        char id[72];
        if (strcmp(src, "-")) {
                fd = open(src, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        herr_setc(&err, HERR_ENGINE, errno, "opening %s", src);
                        return cli_fail(&err);
                }
        }
        if (open_store(ctx, &s, &err) < 0 || image_import(s, fd >= 0 ? fd : 0, src, &a.o, id, &err) < 0)
                return cli_fail(&err);
        printf("%s\n", id);
        return 0;
}

static const char commit_help[] = "\nUsage:  hull commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]\n\n"
                                  "Create a new image from a container's changes\n\n"
                                  "Options:\n"
                                  "  -a, --author string    Author\n"
                                  "  -c, --change list      Apply Dockerfile instruction to the created image\n"
                                  "  -m, --message string   Commit message\n"
                                  "  -p, --pause            Pause container during commit (default true)\n";

int cmd_commit(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option opts[] = { { "change", required_argument, NULL, 'c' },
                                              { "message", required_argument, NULL, 'm' },
                                              { "author", required_argument, NULL, 'a' },
                                              { "pause", optional_argument, NULL, 'p' }, HELP_OPT,
                                              { NULL, 0, NULL, 0 } };
        struct new_args a = { 0 };
        struct commit_opts o = { .pause = 1 };
        _cleanup_strv_ char **changes = NULL;
        int c;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:c:m:a:p", opts, NULL)) != -1) {
                int r = new_opt(&a, c);
                changes = a.changes;
                if (r > 0 || c == 'a')
                        continue;
                if (c == 'p')
                        o.pause = !optarg || strcmp(optarg, "false");
                else if (c == 'H')
                        return fputs(commit_help, stdout), 0;
                else
                        return bad_flag("commit", c, argv);
        }
        if (optind >= argc || argc - optind > 2)
                return cli_usage_error("commit", "\"hull commit\" requires at least 1 and at most 2 arguments.");
        o.container = argv[optind];
        o.img = a.o;
        o.img.tag = argc - optind == 2 ? argv[optind + 1] : NULL;
        o.img.changes = a.changes;
        struct herr err = { 0 };
        char id[72];
        if (engine_commit(ctx, &o, id, &err) < 0)
                return cli_fail(&err);
        printf("%s\n", id);
        return 0;
}

/* ---- save and export: to -o FILE through a temporary name, or stdout ---- */

struct out_file {
        const char *path;
        char *tmp;
        int fd;
};

static int out_open(struct out_file *f, const char *path, struct herr *err)
{
        f->path = path;
        f->tmp = NULL;
        if (!path) {
                if (isatty(1))
                        return herr_setc(err, HERR_ENGINE, 0,
                                         "cowardly refusing to write to a terminal: use -o or redirect");
                f->fd = 1;
                return 0;
        }
        f->tmp = xasprintf("%s.hull-XXXXXX", path);
        f->fd = mkostemp(f->tmp, O_CLOEXEC);
        if (f->fd < 0) {
                herr_setc(err, HERR_ENGINE, errno, "creating %s", path);
                free(f->tmp);
                f->tmp = NULL;
                return -1;
        }
        fchmod(f->fd, 0644);
        return 0;
}

static int out_close(struct out_file *f, int ok, struct herr *err)
{
        if (!f->tmp)
                return ok ? 0 : -1;
        int r = ok ? 0 : -1;
        if (ok && (fsync(f->fd) < 0 || rename(f->tmp, f->path) < 0))
                r = herr_setc(err, HERR_ENGINE, errno, "writing %s", f->path);
        if (r < 0)
                unlink(f->tmp);
        close(f->fd);
        free(f->tmp);
        return r;
}

static const char save_help[] = "\nUsage:  hull save [OPTIONS] IMAGE [IMAGE...]\n\n"
                                "Save one or more images to a tar archive (streamed to STDOUT by default)\n\n"
                                "Options:\n"
                                "      --format string   docker-archive (default) or oci-archive\n"
                                "  -o, --output string   Write to a file, instead of STDOUT\n";

int cmd_save(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option opts[] = { { "output", required_argument, NULL, 'o' },
                                              { "format", required_argument, NULL, 'f' }, HELP_OPT,
                                              { NULL, 0, NULL, 0 } };
        const char *output = NULL, *format = "docker-archive";
        int c;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:o:", opts, NULL)) != -1) {
                if (c == 'o')
                        output = optarg;
                else if (c == 'f')
                        format = optarg;
                else if (c == 'H')
                        return fputs(save_help, stdout), 0;
                else
                        return bad_flag("save", c, argv);
        }
        if (optind >= argc)
                return cli_usage_error("save", "\"hull save\" requires at least 1 argument.");
        if (strcmp(format, "docker-archive") && strcmp(format, "oci-archive"))
                return cli_usage_error("save", "unknown --format \"%s\": docker-archive or oci-archive", format);
        struct herr err = { 0 };
        _cleanup_store_ struct image_store *s = NULL;
        struct out_file f;
        if (open_store(ctx, &s, &err) < 0 || out_open(&f, output, &err) < 0)
                return cli_fail(&err);
        int r = image_save(s, argv + optind, !strcmp(format, "oci-archive"), f.fd, &err);
        if (out_close(&f, r == 0, &err) < 0)
                return cli_fail(&err);
        return 0;
}

static const char export_help[] = "\nUsage:  hull export [OPTIONS] CONTAINER\n\n"
                                  "Export a container's filesystem as a tar archive\n\n"
                                  "Options:\n"
                                  "  -o, --output string   Write to a file, instead of STDOUT\n";

int cmd_export(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option opts[] = { { "output", required_argument, NULL, 'o' }, HELP_OPT,
                                              { NULL, 0, NULL, 0 } };
        const char *output = NULL;
        int c;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:o:", opts, NULL)) != -1) {
                if (c == 'o')
                        output = optarg;
                else if (c == 'H')
                        return fputs(export_help, stdout), 0;
                else
                        return bad_flag("export", c, argv);
        }
        if (argc - optind != 1)
                return cli_usage_error("export", "\"hull export\" requires exactly 1 argument.");
        struct herr err = { 0 };
        struct out_file f;
        if (out_open(&f, output, &err) < 0)
                return cli_fail(&err);
        int r = engine_export(ctx, argv[optind], f.fd, &err);
        if (out_close(&f, r == 0, &err) < 0)
                return cli_fail(&err);
        return 0;
}

/* ---- tag, rmi ---- */

int cmd_tag(const struct engine_ctx *ctx, int argc, char **argv)
{
        if (argc == 2 && !strcmp(argv[1], "--help"))
                return puts("\nUsage:  hull tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\n"
                            "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"), 0;
        if (argc != 3)
                return cli_usage_error("tag", "\"hull tag\" requires exactly 2 arguments.");
        struct herr err = { 0 };
        _cleanup_store_ struct image_store *s = NULL;
        if (open_store(ctx, &s, &err) < 0 || image_tag(s, argv[1], argv[2], &err) < 0)
                return cli_fail(&err);
        return 0;
}

int cmd_rmi(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option opts[] = { { "force", no_argument, NULL, 'f' },
                                              { "no-prune", no_argument, NULL, 'n' }, HELP_OPT,
                                              { NULL, 0, NULL, 0 } };
        int force = 0, c, status = 0;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
                if (c == 'f')
                        force = 1;
                else if (c == 'H')
                        return puts("\nUsage:  hull rmi [OPTIONS] IMAGE [IMAGE...]\n\nRemove one or more images\n\n"
                                    "Options:\n  -f, --force      Force removal of the image"), 0;
                else if (c != 'n')
                        return bad_flag("rmi", c, argv);
        }
        if (optind >= argc)
                return cli_usage_error("rmi", "\"hull rmi\" requires at least 1 argument.");
        for (int i = optind; i < argc; i++) {
                struct herr err = { 0 };
                _cleanup_strv_ char **out = calloc(1, sizeof(char *));
                int r = engine_rmi(ctx, argv[i], force, &out, &err);
                print_lines(out);
                if (r < 0)
                        status = cli_fail(&err);
        }
        return status;
}

/* ---- history, inspect ---- */

static void short_id(const char *id, int no_trunc, char *out, size_t len)
{
        if (no_trunc || strncmp(id, "sha256:", 7))
                snprintf(out, len, "%s", id);
        else
                snprintf(out, len, "%.12s", id + 7);
}

static time_t parse_time(const char *s)
{
        struct tm tm = { 0 };
        return s && strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) ? timegm(&tm) : 0;
}

int cmd_history(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option opts[] = { { "no-trunc", no_argument, NULL, 'n' },
                                              { "quiet", no_argument, NULL, 'q' },
                                              HELP_OPT,
                                              { NULL, 0, NULL, 0 } };
        int no_trunc = 0, quiet = 0, c;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:q", opts, NULL)) != -1) {
                if (c == 'n')
                        no_trunc = 1;
                else if (c == 'q')
                        quiet = 1;
                else if (c == 'H')
                        return puts("\nUsage:  hull history [OPTIONS] IMAGE\n\nShow the history of an image\n\n"
                                    "Options:\n      --no-trunc   Don't truncate output\n  -q, --quiet      "
                                    "Only show image IDs"), 0;
                else
                        return bad_flag("history", c, argv);
        }
        if (argc - optind != 1)
                return cli_usage_error("history", "\"hull history\" requires exactly 1 argument.");
        struct herr err = { 0 };
        _cleanup_store_ struct image_store *s = NULL;
        struct image *img = NULL;
        _cleanup_json_ json_t *h = NULL;
        if (open_store(ctx, &s, &err) < 0 || image_lookup(s, argv[optind], &img, &err) < 0 ||
            image_history(s, img, &h, &err) < 0) {
                image_free(img);
                return cli_fail(&err);
        }
        image_free(img);
        size_t i;
        json_t *e;
        time_t now = time(NULL);
        if (!quiet)
                printf("%-14s %-20s %-45s %-10s %s\n", "IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT");
        json_array_foreach(h, i, e) {
                char id[80], age[64], size[32], by[48];
                short_id(json_str(e, "Id"), no_trunc, id, sizeof id);
                if (quiet) {
                        printf("%s\n", id);
                        continue;
                }
                cli_human_age((long long)(now - parse_time(json_str(e, "Created"))), age, sizeof age);
                cli_human_size(json_int(e, "Size", 0), size, sizeof size);
                const char *cb = json_str(e, "CreatedBy");
                if (!no_trunc && strlen(cb) > 45)
                        snprintf(by, sizeof by, "%.42s...", cb);
                else
                        snprintf(by, sizeof by, "%s", cb);
                printf("%-14s %-20s %-45s %-10s %s\n", id, age, no_trunc ? cb : by, size, json_str(e, "Comment"));
        }
        return 0;
}

static int image_inspect(const struct engine_ctx *ctx, int argc, char **argv)
{
        if (argc < 2)
                return cli_usage_error("image inspect", "\"hull image inspect\" requires at least 1 argument.");
        struct herr err = { 0 };
        _cleanup_store_ struct image_store *s = NULL;
        _cleanup_json_ json_t *out = json_array();
        int status = 0;
        if (open_store(ctx, &s, &err) < 0)
                return cli_fail(&err);
        for (int i = 1; i < argc; i++) {
                struct image *img = NULL;
                if (argv[i][0] == '-')
                        continue;       /* --format and the like are not supported yet */
                if (image_lookup(s, argv[i], &img, &err) < 0) {
                        status = cli_fail(&err);
                        continue;
                }
                json_array_append_new(out, image_inspect_json(img));
                image_free(img);
        }
        char *text = json_dumps(out, JSON_INDENT(4));
        if (text)
                printf("%s\n", text);
        free(text);
        return status ? 1 : 0;
}

static int image_prune_cmd(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { "force", no_argument, NULL, 'f' },
                                              HELP_OPT, { NULL, 0, NULL, 0 } };
        int all = 0, c;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+af", opts, NULL)) != -1) {
                if (c == 'a')
                        all = 1;
                else if (c == 'H')
                        return puts("\nUsage:  hull image prune [OPTIONS]\n\nRemove unused images\n\nOptions:\n"
                                    "  -a, --all     Remove all unused images, not just dangling ones\n"
                                    "  -f, --force   Do not prompt for confirmation (never prompts)"), 0;
                else if (c != 'f')
                        return bad_flag("image prune", c, argv);
        }
        struct herr err = { 0 };
        _cleanup_strv_ char **out = calloc(1, sizeof(char *));
        long long freed = 0;
        char size[32];
        if (engine_image_prune(ctx, all, &out, &freed, &err) < 0)
                return cli_fail(&err);
        if (out && out[0]) {
                printf("Deleted Images:\n");
                print_lines(out);
                printf("\n");
        }
        cli_human_size(freed, size, sizeof size);
        printf("Total reclaimed space: %s\n", size);
        return 0;
}

int cmd_image(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct {
                const char *name;
                int (*fn)(const struct engine_ctx *, int, char **);
        } subs[] = {
                { "ls", cmd_images },     { "list", cmd_images },       { "rm", cmd_rmi },
                { "tag", cmd_tag },       { "load", cmd_load },         { "save", cmd_save },
                { "import", cmd_import }, { "history", cmd_history },   { "inspect", image_inspect },
                { "prune", image_prune_cmd },
        };
        if (argc < 2 || !strcmp(argv[1], "--help")) {
                printf("\nUsage:  hull image COMMAND\n\nManage images\n\nCommands:\n");
                for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
                        printf("  %s\n", subs[i].name);
                return argc < 2 ? 125 : 0;
        }
        for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
                if (!strcmp(argv[1], subs[i].name))
                        return subs[i].fn(ctx, argc - 1, argv + 1);
        return cli_usage_error("image", "'%s' is not a hull image command.", argv[1]);
}

/* ---- system df ---- */

static int system_df(const struct engine_ctx *ctx)
{
        struct herr err = { 0 };
        _cleanup_store_ struct image_store *s = NULL;
        _cleanup_strv_ char **used = NULL;
        struct image **imgs = NULL;
        size_t n = 0, active = 0;
        long long total = 0, reclaim = 0, disk = 0;
        if (open_store(ctx, &s, &err) < 0 || engine_images_in_use(ctx, &used, &err) < 0 ||
            image_list(s, &imgs, &n, &err) < 0)
                return cli_fail(&err);
        for (size_t i = 0; i < n; i++) {
                total += imgs[i]->size;
                if (strv_contains(used, imgs[i]->id))
                        active++;
                else
                        reclaim += imgs[i]->size;
        }
        image_list_free(imgs, n);
        image_disk_usage(s, &disk);
        char t[32], r[32], d[32];
        cli_human_size(total, t, sizeof t);
        cli_human_size(reclaim, r, sizeof r);
        cli_human_size(disk, d, sizeof d);
        printf("%-16s %-8s %-8s %-10s %s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
        printf("%-16s %-8zu %-8zu %-10s %s\n", "Images", n, active, t, r);
        struct engine_info info = { 0 };
        if (engine_info(ctx, &info, &err) == 0)
                printf("%-16s %-8d %-8s %-10s %s\n", "Containers", info.containers, "-", "-", "-");
        printf("\nImage store on disk (layers shared, blobs kept for save): %s\n", d);
        return 0;
}

int cmd_system(const struct engine_ctx *ctx, int argc, char **argv)
{
        if (argc >= 2 && !strcmp(argv[1], "df"))
                return system_df(ctx);
        if (argc >= 2 && !strcmp(argv[1], "info"))
                return cmd_info(ctx, argc - 1, argv + 1);
        printf("\nUsage:  hull system COMMAND\n\nManage hull\n\nCommands:\n  df\n  info\n");
        return argc < 2 ? 125 : (!strcmp(argv[1], "--help") ? 0 : 125);
}
