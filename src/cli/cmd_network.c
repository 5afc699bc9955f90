/* hull network create|ls|inspect|rm|connect|disconnect|prune, and hull port. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/strv.h"
#include "cli/cli.h"
#include "engine/network.h"

static const char network_help[] =
        "\nUsage:  hull network COMMAND\n\n"
        "Manage networks\n\n"
        "Commands:\n"
        "  connect     Connect a container to a network (--ip, --alias)\n"
        "  create      Create a network (--subnet, --gateway, --internal, --label)\n"
        "  disconnect  Disconnect a container from a network\n"
        "  inspect     Display detailed information on one or more networks\n"
        "  ls          List networks (-q)\n"
        "  prune       Remove all unused networks\n"
        "  rm          Remove one or more networks\n"
        "  reset       Remove every network of this root, the default one too (for a root being deleted)\n";

static int parse(const char *cmd, int argc, char **argv, const struct option *opts, const char *shorts,
                 int (*fn)(int c, const char *val, void *data), void *data)
{
        int c;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
                if (c == '?' || c == ':')
                        return cli_usage_error(cmd, "unknown flag or missing value: %s", argv[optind - 1]);
                if (fn(c, optarg, data) < 0)
                        return cli_usage_error(cmd, "invalid value for %s: %s", argv[optind - 1], optarg ?: "");
        }
        return -1;
}

static int create_flag(int c, const char *v, void *data)
{
        struct net_create_opts *o = data;
        if (c == 's')
                o->subnet = v;
        else if (c == 'g')
                o->gateway = v;
        else if (c == 'i')
                o->internal = 1;
        else if (c == 'l')
                strv_push(&o->labels, v);
        else if (c == 'd')
                return strcmp(v, "bridge") ? -1 : 0;
        return 0;
}

static int net_create(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option opts[] = {
                { "subnet", required_argument, NULL, 's' }, { "gateway", required_argument, NULL, 'g' },
                { "internal", no_argument, NULL, 'i' },     { "label", required_argument, NULL, 'l' },
                { "driver", required_argument, NULL, 'd' }, { NULL, 0, NULL, 0 },
        };
        struct net_create_opts o = { 0 };
        int st = parse("network create", argc, argv, opts, "+:d:", create_flag, &o);
        if (st < 0 && optind != argc - 1)
                st = cli_usage_error("network create", "\"hull network create\" requires exactly 1 argument.");
        if (st < 0) {
                o.name = argv[optind];
                char id[65];
                struct herr err = { 0 };
                st = engine_network_create(ctx, &o, id, &err) < 0 ? cli_fail(&err) : (printf("%s\n", id), 0);
        }
        strv_free(o.labels);
        return st;
}

static int quiet_flag(int c, const char *v, void *data)
{
        *(int *)data = c == 'q';
        return 0;
}

static int net_ls(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' }, { NULL, 0, NULL, 0 } };
        int quiet = 0;
        int st = parse("network ls", argc, argv, opts, "+q", quiet_flag, &quiet);
        if (st >= 0)
                return st;
        struct herr err = { 0 };
        _cleanup_json_ json_t *a = NULL;
        if (engine_network_list(ctx, &a, &err) < 0)
                return cli_fail(&err);
        if (!quiet)
                printf("%-14s %-20s %-10s %s\n", "NETWORK ID", "NAME", "DRIVER", "SCOPE");
        size_t i;
        json_t *n;
        json_array_foreach(a, i, n) {
                if (quiet)
                        printf("%.12s\n", json_str(n, "Id"));
                else
                        printf("%-14.12s %-20s %-10s %s\n", json_str(n, "Id"), json_str(n, "Name"),
                               json_str(n, "Driver"), json_str(n, "Scope"));
        }
        return 0;
}

static int net_inspect(const struct engine_ctx *ctx, int argc, char **argv)
{
        if (argc < 2)
                return cli_usage_error("network inspect", "\"hull network inspect\" requires at least 1 argument.");
        _cleanup_json_ json_t *out = json_array();
        int st = 0;
        for (int i = 1; i < argc; i++) {
                struct herr err = { 0 };
                json_t *j = NULL;
                if (engine_network_inspect(ctx, argv[i], &j, &err) < 0)
                        st = cli_fail(&err);
                else
                        json_array_append_new(out, j);
        }
        json_dumpf(out, stdout, JSON_INDENT(4));
        fputc('\n', stdout);
        return st;
}

static int net_rm(const struct engine_ctx *ctx, int argc, char **argv)
{
        if (argc < 2)
                return cli_usage_error("network rm", "\"hull network rm\" requires at least 1 argument.");
        int st = 0;
        for (int i = 1; i < argc; i++) {
                struct herr err = { 0 };
                if (engine_network_rm(ctx, argv[i], &err) < 0)
                        st = cli_fail(&err);
                else
                        printf("%s\n", argv[i]);
        }
        return st;
}

static int net_prune(const struct engine_ctx *ctx, int argc, char **argv)
{
        struct herr err = { 0 };
        _cleanup_strv_ char **gone = calloc(1, sizeof(char *));
        if (engine_network_prune(ctx, &gone, &err) < 0)
                return cli_fail(&err);
        if (gone[0])
                printf("Deleted Networks:\n");
        for (size_t i = 0; gone[i]; i++)
                printf("%s\n", gone[i]);
        return 0;
}

static int net_reset(const struct engine_ctx *ctx, int argc, char **argv)
{
        struct herr err = { 0 };
        return engine_network_reset(ctx, &err) < 0 ? cli_fail(&err) : 0;
}

struct connect_args {
        const char *ip;
        char **aliases;
};

static int connect_flag(int c, const char *v, void *data)
{
        struct connect_args *a = data;
        if (c == 'i')
                a->ip = v;
        else
                strv_push(&a->aliases, v);
        return 0;
}

static int net_connect(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option opts[] = {
                { "ip", required_argument, NULL, 'i' }, { "alias", required_argument, NULL, 'a' },
                { NULL, 0, NULL, 0 },
        };
        struct connect_args a = { 0 };
        int st = parse("network connect", argc, argv, opts, "+:", connect_flag, &a);
        if (st < 0 && optind != argc - 2)
                st = cli_usage_error("network connect", "\"hull network connect\" requires exactly 2 arguments.");
        if (st < 0) {
                struct herr err = { 0 };
                st = engine_network_connect(ctx, argv[optind], argv[optind + 1], a.ip, a.aliases, &err) < 0
                             ? cli_fail(&err) : 0;
        }
        strv_free(a.aliases);
        return st;
}

static int net_disconnect(const struct engine_ctx *ctx, int argc, char **argv)
{
        int i = 1;
        if (i < argc && (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force")))
                i++;
        if (argc - i != 2)
                return cli_usage_error("network disconnect", "\"hull network disconnect\" requires exactly 2 arguments.");
        struct herr err = { 0 };
        return engine_network_disconnect(ctx, argv[i], argv[i + 1], &err) < 0 ? cli_fail(&err) : 0;
}

int cmd_network(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct {
                const char *name;
                int (*fn)(const struct engine_ctx *, int, char **);
        } subs[] = {
                { "create", net_create }, { "ls", net_ls },         { "list", net_ls },
                { "inspect", net_inspect }, { "rm", net_rm },       { "remove", net_rm },
                { "prune", net_prune },   { "connect", net_connect }, { "disconnect", net_disconnect },
                { "reset", net_reset },
        };
        if (argc < 2 || !strcmp(argv[1], "--help")) {
                fputs(network_help, stdout);
                return argc < 2 ? 125 : 0;
        }
        for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
                if (!strcmp(argv[1], subs[i].name))
                        return subs[i].fn(ctx, argc - 1, argv + 1);
        return cli_usage_error("network", "'%s' is not a hull network command.", argv[1]);
}

/* hull port CONTAINER [PRIVATE_PORT[/PROTO]] */
int cmd_port(const struct engine_ctx *ctx, int argc, char **argv)
{
        if (argc < 2 || argc > 3)
                return cli_usage_error("port", "\"hull port\" requires 1 or 2 arguments.");
        struct herr err = { 0 };
        _cleanup_json_ json_t *ports = NULL;
        if (engine_port(ctx, argv[1], &ports, &err) < 0)
                return cli_fail(&err);
        size_t i;
        json_t *p;
        int shown = 0;
        json_array_foreach(ports, i, p) {
                char key[32];
                snprintf(key, sizeof key, "%lld/%s", json_int(p, "ContainerPort", 0), json_str(p, "Proto"));
                if (argc == 3) {
                        int bare = !strchr(argv[2], '/');
                        if (bare ? strncmp(key, argv[2], strlen(argv[2])) || key[strlen(argv[2])] != '/' ||
                                           strcmp(json_str(p, "Proto"), "tcp")
                                 : strcmp(key, argv[2]))
                                continue;
                        printf("%s:%lld\n", json_str(p, "HostIp"), json_int(p, "HostPort", 0));
                } else {
                        printf("%s -> %s:%lld\n", key, json_str(p, "HostIp"), json_int(p, "HostPort", 0));
                }
                shown++;
        }
        if (argc == 3 && !shown) {
                herr_set(&err, 0, "No public port '%s' published for %s", argv[2], argv[1]);
                return cli_fail(&err);
        }
        return 0;
}
