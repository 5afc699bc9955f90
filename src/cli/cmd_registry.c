/* hull pull, push, login, logout: argument parsing only; the work is in
 * the registry module (src/registry/, loaded on demand). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "cli/cli.h"
#include "image/registry_module.h"

enum { OPT_HELP = 256, OPT_PLATFORM, OPT_TLS_VERIFY, OPT_PASSWORD_STDIN };

/* --tls-verify[=true|false] */
static int tls_flag(const char *cmd, const char *v, int *ret)
{
        if (!v || !strcmp(v, "true") || !strcmp(v, "1"))
                *ret = 1;
        else if (!strcmp(v, "false") || !strcmp(v, "0"))
                *ret = 0;
        else
                return cli_usage_error(cmd, "invalid argument \"%s\" for \"--tls-verify\" flag: want true or false", v);
        return -1;
}

static int with_ops(const struct hull_registry_ops **ops)
{
        struct herr err = { 0 };
        if (registry_ops_get(ops, &err) < 0)
                return cli_fail(&err);
        return -1;
}

static const char pull_help[] =
        "\nUsage:  hull pull [OPTIONS] NAME[:TAG|@DIGEST]\n\n"
        "Download an image from a registry\n\n"
        "Options:\n"
        "      --platform string   Set platform if server is multi-platform capable (os/arch[/variant])\n"
        "  -q, --quiet             Suppress verbose output\n"
        "      --tls-verify        Require HTTPS and verify certificates (default: true, except for\n"
        "                          loopback registries and $HULL_INSECURE_REGISTRIES)\n"
        "      --help              Print usage\n";

int cmd_pull(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option opts[] = {
                { "platform", required_argument, NULL, OPT_PLATFORM },
                { "quiet", no_argument, NULL, 'q' },
                { "tls-verify", optional_argument, NULL, OPT_TLS_VERIFY },
                { "help", no_argument, NULL, OPT_HELP },
                { NULL, 0, NULL, 0 },
        };
        struct hull_pull_opts o = { .conn = { .tls_verify = -1 } };
        int c, r;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+q", opts, NULL)) != -1) {
                if (c == 'q')
                        o.quiet = 1;
                else if (c == OPT_PLATFORM)
                        o.platform = optarg;
                else if (c == OPT_TLS_VERIFY && (r = tls_flag("pull", optarg, &o.conn.tls_verify)) >= 0)
                        return r;
                else if (c == OPT_HELP)
                        return fputs(pull_help, stdout), 0;
                else if (c != OPT_TLS_VERIFY)
                        return cli_usage_error("pull", "unknown flag: %s", argv[optind - 1]);
        }
        if (argc - optind != 1)
                return cli_usage_error("pull", "\"hull pull\" requires exactly 1 argument.");
        o.ref = argv[optind];
        const struct hull_registry_ops *ops;
        if ((r = with_ops(&ops)) >= 0)
                return r;
        struct herr err = { 0 };
        char id[IMAGE_DIGEST_LEN + 1];
        if (ops->pull(ctx->root, &o, id, &err) < 0)
                return cli_fail(&err);
        return 0;
}

static const char push_help[] =
        "\nUsage:  hull push [OPTIONS] NAME[:TAG]\n"
        "        hull push [OPTIONS] IMAGE NAME[:TAG]\n\n"
        "Upload an image to a registry (the stored IMAGE under another name, given both)\n\n"
        "Options:\n"
        "  -q, --quiet             Suppress verbose output\n"
        "      --tls-verify        Require HTTPS and verify certificates\n"
        "      --help              Print usage\n";

int cmd_push(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option opts[] = {
                { "quiet", no_argument, NULL, 'q' },
                { "tls-verify", optional_argument, NULL, OPT_TLS_VERIFY },
                { "help", no_argument, NULL, OPT_HELP },
                { NULL, 0, NULL, 0 },
        };
        struct hull_push_opts o = { .conn = { .tls_verify = -1 } };
        int c, r;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+q", opts, NULL)) != -1) {
                if (c == 'q')
                        o.quiet = 1;
                else if (c == OPT_TLS_VERIFY && (r = tls_flag("push", optarg, &o.conn.tls_verify)) >= 0)
                        return r;
                else if (c == OPT_HELP)
                        return fputs(push_help, stdout), 0;
                else if (c != OPT_TLS_VERIFY)
                        return cli_usage_error("push", "unknown flag: %s", argv[optind - 1]);
        }
        if (argc - optind != 1 && argc - optind != 2)
                return cli_usage_error("push", "\"hull push\" requires 1 or 2 arguments.");
        o.ref = argv[argc - 1];
        if (argc - optind == 2)
                o.source = argv[optind];
        const struct hull_registry_ops *ops;
        if ((r = with_ops(&ops)) >= 0)
                return r;
        struct herr err = { 0 };
        if (ops->push(ctx->root, &o, &err) < 0)
                return cli_fail(&err);
        return 0;
}

/* One line from stdin, without its newline; echo off on a terminal. */
static char *read_line(const char *prompt, int secret)
{
        struct termios old, quiet;
        int tty = isatty(STDIN_FILENO);
        if (tty && prompt) {
                fputs(prompt, stderr);
                fflush(stderr);
        }
        int hide = tty && secret && tcgetattr(STDIN_FILENO, &old) == 0;
        if (hide) {
                quiet = old;
                quiet.c_lflag &= ~(tcflag_t)ECHO;
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        }
        char *line = NULL;
        size_t cap = 0;
        ssize_t n = getline(&line, &cap, stdin);
        if (hide) {
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
                fputc('\n', stderr);
        }
        if (n < 0) {
                free(line);
                return NULL;
        }
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = '\0';
        return line;
}

static const char login_help[] =
        "\nUsage:  hull login [OPTIONS] [SERVER]\n\n"
        "Log in to a registry (credentials go to $HULL_AUTH_FILE, else <root>/auth.json)\n\n"
        "Options:\n"
        "  -p, --password string   Password\n"
        "      --password-stdin    Take the password from stdin\n"
        "  -u, --username string   Username\n"
        "      --tls-verify        Require HTTPS and verify certificates\n"
        "      --help              Print usage\n";

int cmd_login(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option opts[] = {
                { "username", required_argument, NULL, 'u' },
                { "password", required_argument, NULL, 'p' },
                { "password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN },
                { "tls-verify", optional_argument, NULL, OPT_TLS_VERIFY },
                { "help", no_argument, NULL, OPT_HELP },
                { NULL, 0, NULL, 0 },
        };
        struct hull_login_opts o = { .conn = { .tls_verify = -1 } };
        int c, r, from_stdin = 0;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+u:p:", opts, NULL)) != -1) {
                if (c == 'u')
                        o.user = optarg;
                else if (c == 'p')
                        o.password = optarg;
                else if (c == OPT_PASSWORD_STDIN)
                        from_stdin = 1;
                else if (c == OPT_TLS_VERIFY && (r = tls_flag("login", optarg, &o.conn.tls_verify)) >= 0)
                        return r;
                else if (c == OPT_HELP)
                        return fputs(login_help, stdout), 0;
                else if (c != OPT_TLS_VERIFY)
                        return cli_usage_error("login", "unknown flag: %s", argv[optind - 1]);
        }
        if (argc - optind > 1)
                return cli_usage_error("login", "\"hull login\" requires at most 1 argument.");
        if (from_stdin && o.password)
                return cli_usage_error("login", "--password and --password-stdin are mutually exclusive");
        if (from_stdin && !o.user)
                return cli_usage_error("login", "Must provide --username with --password-stdin");
        o.registry = optind < argc ? argv[optind] : NULL;
        _cleanup_free_ char *user = NULL, *pass = NULL;
        if (!o.user)
                o.user = user = read_line("Username: ", 0);
        if (!o.password)
                o.password = pass = read_line(from_stdin ? NULL : "Password: ", 1);
        const struct hull_registry_ops *ops;
        if ((r = with_ops(&ops)) >= 0)
                return r;
        struct herr err = { 0 };
        if (ops->login(ctx->root, &o, &err) < 0)
                return cli_fail(&err);
        return 0;
}

int cmd_logout(const struct engine_ctx *ctx, int argc, char **argv)
{
        if (argc > 1 && !strcmp(argv[1], "--help"))
                return fputs("\nUsage:  hull logout [SERVER]\n\nLog out from a registry\n", stdout), 0;
        if (argc > 2)
                return cli_usage_error("logout", "\"hull logout\" requires at most 1 argument.");
        const struct hull_registry_ops *ops;
        int r;
        if ((r = with_ops(&ops)) >= 0)
                return r;
        struct herr err = { 0 };
        if (ops->logout(ctx->root, argc > 1 ? argv[1] : NULL, &err) < 0)
                return cli_fail(&err);
        return 0;
}
