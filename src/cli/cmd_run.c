#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/strv.h"
#include "cli/cli.h"

static const char run_help[] =
        "\nUsage:  hull run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n"
        "Create and run a new container from an image\n\n"
        "Options:\n"
        "      --cap-add list             Add Linux capabilities\n"
        "      --cap-drop list            Drop Linux capabilities\n"
        "      --cgroup-parent string     Optional parent cgroup for the container (default /hull)\n"
        "      --cgroups string           \"disabled\": give the container no cgroup of its own\n"
        "  -c, --cpu-shares int           CPU shares (relative weight)\n"
        "      --cpu-period int           Limit CPU CFS (Completely Fair Scheduler) period\n"
        "      --cpu-quota int            Limit CPU CFS (Completely Fair Scheduler) quota\n"
        "      --cpus decimal             Number of CPUs\n"
        "      --cpuset-cpus string       CPUs in which to allow execution (0-3, 0,1)\n"
        "      --cpuset-mems string       MEMs in which to allow execution (0-3, 0,1)\n"
        "      --device list              Add a host device to the container (HOST[:CONTAINER][:rwm])\n"
        "  -d, --detach                   Run container in background and print container ID\n"
        "      --dry-run                  Print the OCI runtime config and do not run\n"
        "      --entrypoint string        Overwrite the default ENTRYPOINT of the image\n"
        "  -e, --env list                 Set environment variables\n"
        "      --env-file list            Read in a file of environment variables\n"
        "  -h, --hostname string          Container host name\n"
        "      --init                     Run an init inside the container that forwards signals and reaps processes\n"
        "  -i, --interactive              Keep STDIN open even if not attached\n"
        "  -m, --memory bytes             Memory limit\n"
        "      --memory-reservation bytes Memory soft limit\n"
        "      --memory-swap bytes        Swap limit equal to memory plus swap: '-1' to enable unlimited swap\n"
        "      --name string              Assign a name to the container\n"
        "      --network string           Connect a container to a network (bridge, none, host, NAME,\n"
        "                                 container:NAME; default bridge)\n"
        "      --network-alias list       Add network-scoped alias for the container\n"
        "  -p, --publish list             Publish a container's port(s) to the host\n"
        "  -P, --publish-all              Publish all exposed ports to random ports\n"
        "      --expose list              Expose a port or a range of ports\n"
        "      --ip string                IPv4 address (e.g., 172.30.100.104)\n"
        "      --mac-address string       Container MAC address (e.g., 92:d0:c6:0a:29:33)\n"
        "      --add-host list            Add a custom host-to-IP mapping (host:ip)\n"
        "      --dns list                 Set custom DNS servers\n"
        "      --dns-search list          Set custom DNS search domains\n"
        "      --dns-option list          Set DNS options\n"
        "      --oom-kill-disable         Disable OOM Killer\n"
        "      --oom-score-adj int        Tune host's OOM preferences (-1000 to 1000)\n"
        "      --pids-limit int           Tune container pids limit (set -1 for unlimited)\n"
        "      --privileged               Give extended privileges to this container\n"
        "      --pull string              Pull image before running (\"always\", \"missing\", \"never\") (default \"missing\")\n"
        "      --read-only                Mount the container's root filesystem as read only\n"
        "      --restart string           Restart policy to apply when a container exits (no, on-failure[:N], always, unless-stopped)\n"
        "      --label list               Set meta data on a container\n"
        "      --log-opt list             Log driver options (max-size, max-file)\n"
        "      --health-cmd string        Command to run to check health\n"
        "      --health-interval duration Time between running the check\n"
        "      --health-retries int       Consecutive failures needed to report unhealthy\n"
        "      --health-start-period duration Start period for the container to initialize\n"
        "      --health-timeout duration  Maximum time to allow one check to run\n"
        "      --no-healthcheck           Disable any container-specified HEALTHCHECK\n"
        "      --stop-signal string       Signal to stop the container\n"
        "      --rm                       Automatically remove the container when it exits\n"
        "      --security-opt list        Security Options (no-new-privileges, seccomp=unconfined|FILE)\n"
        "  -t, --tty                      Allocate a pseudo-TTY\n"
        "      --ulimit ulimit            Ulimit options (NAME=SOFT[:HARD])\n"
        "  -u, --user string              Username or UID (format: <name|uid>[:<group|gid>])\n"
        "  -w, --workdir string           Working directory inside the container\n"
        "  -v, --volume list              Bind mount a volume (/host:/ctr[:opts], NAME:/ctr[:opts], /ctr)\n"
        "      --mount mount              Attach a filesystem mount to the container (type=bind|volume|tmpfs,...)\n"
        "      --tmpfs list               Mount a tmpfs directory (/ctr[:opts])\n"
        "      --volumes-from list        Mount volumes from the specified container(s) (CONTAINER[:ro|rw])\n"
        "      --help                     Print usage\n";

enum {
        OPT_RM = 256, OPT_NAME, OPT_ENV_FILE, OPT_ENTRYPOINT, OPT_INIT, OPT_PRIVILEGED, OPT_CAP_ADD,
        OPT_CAP_DROP, OPT_SECURITY_OPT, OPT_READ_ONLY, OPT_NETWORK, OPT_DRY_RUN, OPT_HELP,
        OPT_CGROUP_PARENT, OPT_CGROUPS, OPT_OOM_KILL_DISABLE, OPT_RESTART, OPT_LOG_OPT, OPT_LOG_DRIVER,
        OPT_LABEL, OPT_HEALTH_CMD, OPT_HEALTH_INTERVAL, OPT_HEALTH_TIMEOUT, OPT_HEALTH_RETRIES,
        OPT_HEALTH_START_PERIOD, OPT_NO_HEALTHCHECK, OPT_STOP_SIGNAL,
        OPT_MOUNT, OPT_TMPFS, OPT_VOLUMES_FROM,
        OPT_PULL,
        OPT_LIMIT = 1000,       /* + index into limit_flags */
        OPT_NET = 2000,         /* + index into net_opt_names */
};

/* Flags whose value limits_set() parses, by their long name. */
static const char *const limit_flags[] = {
        "memory", "memory-swap", "memory-reservation", "cpus", "cpu-shares", "cpu-period", "cpu-quota",
        "cpuset-cpus", "cpuset-mems", "pids-limit", "ulimit", "oom-score-adj", "device",
};

static const struct option run_opts_long[] = {
        { "interactive", no_argument, NULL, 'i' },
        { "tty", no_argument, NULL, 't' },
        { "detach", no_argument, NULL, 'd' },
        { "env", required_argument, NULL, 'e' },
        { "workdir", required_argument, NULL, 'w' },
        { "user", required_argument, NULL, 'u' },
        { "hostname", required_argument, NULL, 'h' },
        { "rm", no_argument, NULL, OPT_RM },
        { "pull", required_argument, NULL, OPT_PULL },
        { "name", required_argument, NULL, OPT_NAME },
        { "env-file", required_argument, NULL, OPT_ENV_FILE },
        { "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
        { "init", no_argument, NULL, OPT_INIT },
        { "privileged", no_argument, NULL, OPT_PRIVILEGED },
        { "cap-add", required_argument, NULL, OPT_CAP_ADD },
        { "cap-drop", required_argument, NULL, OPT_CAP_DROP },
        { "security-opt", required_argument, NULL, OPT_SECURITY_OPT },
        { "read-only", no_argument, NULL, OPT_READ_ONLY },
        { "network", required_argument, NULL, OPT_NETWORK },
        { "net", required_argument, NULL, OPT_NETWORK },
        { "dry-run", no_argument, NULL, OPT_DRY_RUN },
        { "help", no_argument, NULL, OPT_HELP },
        { "cgroup-parent", required_argument, NULL, OPT_CGROUP_PARENT },
        { "restart", required_argument, NULL, OPT_RESTART },
        { "log-opt", required_argument, NULL, OPT_LOG_OPT },
        { "log-driver", required_argument, NULL, OPT_LOG_DRIVER },
        { "label", required_argument, NULL, OPT_LABEL },
        { "health-cmd", required_argument, NULL, OPT_HEALTH_CMD },
        { "health-interval", required_argument, NULL, OPT_HEALTH_INTERVAL },
        { "health-timeout", required_argument, NULL, OPT_HEALTH_TIMEOUT },
        { "health-retries", required_argument, NULL, OPT_HEALTH_RETRIES },
        { "health-start-period", required_argument, NULL, OPT_HEALTH_START_PERIOD },
        { "no-healthcheck", no_argument, NULL, OPT_NO_HEALTHCHECK },
        { "stop-signal", required_argument, NULL, OPT_STOP_SIGNAL },
        { "cgroups", required_argument, NULL, OPT_CGROUPS },
        { "oom-kill-disable", no_argument, NULL, OPT_OOM_KILL_DISABLE },
        { "volume", required_argument, NULL, 'v' },
        { "mount", required_argument, NULL, OPT_MOUNT },
        { "tmpfs", required_argument, NULL, OPT_TMPFS },
        { "volumes-from", required_argument, NULL, OPT_VOLUMES_FROM },
        { "memory", required_argument, NULL, OPT_LIMIT + 0 },
        { "memory-swap", required_argument, NULL, OPT_LIMIT + 1 },
        { "memory-reservation", required_argument, NULL, OPT_LIMIT + 2 },
        { "cpus", required_argument, NULL, OPT_LIMIT + 3 },
        { "cpu-shares", required_argument, NULL, OPT_LIMIT + 4 },
        { "cpu-period", required_argument, NULL, OPT_LIMIT + 5 },
        { "cpu-quota", required_argument, NULL, OPT_LIMIT + 6 },
        { "cpuset-cpus", required_argument, NULL, OPT_LIMIT + 7 },
        { "cpuset-mems", required_argument, NULL, OPT_LIMIT + 8 },
        { "pids-limit", required_argument, NULL, OPT_LIMIT + 9 },
        { "ulimit", required_argument, NULL, OPT_LIMIT + 10 },
        { "oom-score-adj", required_argument, NULL, OPT_LIMIT + 11 },
        { "device", required_argument, NULL, OPT_LIMIT + 12 },
        { "publish", required_argument, NULL, 'p' },
        { "publish-all", no_argument, NULL, 'P' },
        { "expose", required_argument, NULL, OPT_NET + 2 },
        { "ip", required_argument, NULL, OPT_NET + 3 },
        { "mac-address", required_argument, NULL, OPT_NET + 4 },
        { "add-host", required_argument, NULL, OPT_NET + 5 },
        { "dns", required_argument, NULL, OPT_NET + 6 },
        { "dns-search", required_argument, NULL, OPT_NET + 7 },
        { "dns-option", required_argument, NULL, OPT_NET + 8 },
        { "network-alias", required_argument, NULL, OPT_NET + 9 },
        { "net-alias", required_argument, NULL, OPT_NET + 10 },
        { NULL, 0, NULL, 0 },
};

void run_args_free(struct run_args *a)
{
        limits_free(&a->o.limits);
        net_opts_free(&a->o.net);
        strv_free(a->env);
        strv_free(a->env_files);
        strv_free(a->cap_add);
        strv_free(a->cap_drop);
        strv_free(a->log_opts);
        strv_free(a->labels);
        strv_free(a->volumes);
        strv_free(a->mounts);
        strv_free(a->tmpfs);
        strv_free(a->volumes_from);
}

static int security_opt(struct run_opts *o, const char *v)
{
        if (!strcmp(v, "no-new-privileges") || !strcmp(v, "no-new-privileges:true") ||
            !strcmp(v, "no-new-privileges=true")) {
                o->no_new_privileges = 1;
                return 0;
        }
        if (!strcmp(v, "no-new-privileges:false") || !strcmp(v, "no-new-privileges=false")) {
                o->no_new_privileges = 0;
                return 0;
        }
        if (!strncmp(v, "seccomp=", 8) || !strncmp(v, "seccomp:", 8)) {
                if (!v[8])
                        return -1;
                o->seccomp = v + 8;
                return 0;
        }
        return -1;
}

/* Returns -1 to go on, or an exit status. */
static int parse_one(struct run_args *a, int c, char **argv)
{
        struct run_opts *o = &a->o;
        /* The short spellings of two resource flags. */
        if (c == 'm')
                c = OPT_LIMIT + 0;
        else if (c == 'c')
                c = OPT_LIMIT + 4;
        else if (c == 'p' || c == 'P')
                c = OPT_NET + (c == 'P');
        switch (c) {
        case 'i': o->interactive = 1; break;
        case 't': o->tty = 1; break;
        case 'd': o->detach = 1; break;
        case 'e': strv_push(&a->env, optarg); break;
        case 'w': o->workdir = optarg; break;
        case 'u': o->user = optarg; break;
        case 'h': o->hostname = optarg; break;
        case OPT_RM: o->rm = 1; break;
        case OPT_PULL: o->pull = optarg; break;
        case OPT_NAME: o->name = optarg; break;
        case OPT_ENV_FILE: strv_push(&a->env_files, optarg); break;
        case OPT_ENTRYPOINT: o->entrypoint = optarg; break;
        case OPT_INIT: o->init = 1; break;
        case OPT_PRIVILEGED: o->privileged = 1; break;
        case OPT_CAP_ADD: strv_push(&a->cap_add, optarg); break;
        case OPT_CAP_DROP: strv_push(&a->cap_drop, optarg); break;
        case OPT_READ_ONLY: o->read_only = 1; break;
        case OPT_NETWORK: o->network = optarg; break;
        case OPT_DRY_RUN: o->dry_run = 1; break;
        case OPT_SECURITY_OPT:
                if (security_opt(o, optarg) < 0)
                        return cli_usage_error("run", "invalid --security-opt: \"%s\"", optarg);
                break;
        case OPT_HELP:
                fputs(run_help, stdout);
                return 0;
        case OPT_CGROUP_PARENT: o->cgroup_parent = optarg; break;
        case OPT_RESTART: o->restart = optarg; break;
        case OPT_LOG_OPT:
                if (!strchr(optarg, '='))
                        return cli_usage_error("run", "invalid --log-opt \"%s\": expected KEY=VALUE", optarg);
                strv_push(&a->log_opts, optarg);
                break;
        case OPT_LOG_DRIVER:
                if (strcmp(optarg, "json-file"))
                        return cli_usage_error("run", "log driver \"%s\" is not supported: hull writes json-file logs", optarg);
                break;
        case OPT_LABEL: strv_push(&a->labels, optarg); break;
        case 'v': strv_push(&a->volumes, optarg); break;
        case OPT_MOUNT: strv_push(&a->mounts, optarg); break;
        case OPT_TMPFS: strv_push(&a->tmpfs, optarg); break;
        case OPT_VOLUMES_FROM: strv_push(&a->volumes_from, optarg); break;
        case OPT_HEALTH_CMD: o->health_cmd = optarg; break;
        case OPT_HEALTH_INTERVAL: o->health_interval = optarg; break;
        case OPT_HEALTH_TIMEOUT: o->health_timeout = optarg; break;
        case OPT_HEALTH_START_PERIOD: o->health_start_period = optarg; break;
        case OPT_NO_HEALTHCHECK: o->no_healthcheck = 1; break;
        case OPT_STOP_SIGNAL:
                if (signal_from_name(optarg) < 0)
                        return cli_usage_error("run", "invalid --stop-signal \"%s\"", optarg);
                o->stop_signal = optarg;
                break;
        case OPT_HEALTH_RETRIES: {
                char *end;
                long v = strtol(optarg, &end, 10);
                if (!*optarg || *end || v < 0 || v > 1000000)
                        return cli_usage_error("run", "invalid --health-retries \"%s\"", optarg);
                o->health_retries = (int)v;
                break;
        }
        case OPT_OOM_KILL_DISABLE: o->limits.oom_kill_disable = 1; break;
        case OPT_CGROUPS:
                if (strcmp(optarg, "enabled") && strcmp(optarg, "disabled"))
                        return cli_usage_error("run", "invalid --cgroups \"%s\": use enabled or disabled", optarg);
                o->no_cgroup = !strcmp(optarg, "disabled");
                break;
        case OPT_LIMIT ... OPT_LIMIT + (int)ARRAY_SIZE(limit_flags) - 1: {
                struct herr err = { 0 };
                if (limits_set(&o->limits, limit_flags[c - OPT_LIMIT], optarg, &err) < 0)
                        return cli_usage_error("run", "%s", err.msg);
                break;
        }
        case OPT_NET ... OPT_NET + 10: {
                struct herr err = { 0 };
                if (net_opts_set(&o->net, net_opt_names[c - OPT_NET], optarg, &err) < 0)
                        return cli_usage_error("run", "%s", err.msg);
                break;
        }
        case ':':
                return cli_usage_error("run", "flag needs an argument: %s", argv[optind - 1]);
        default:
                return cli_usage_error("run", "unknown flag: %s", argv[optind - 1]);
        }
        return -1;
}

int run_args_parse(struct run_args *a, int argc, char **argv)
{
        int c, status = -1;
        memset(a, 0, sizeof *a);
        limits_init(&a->o.limits);
        optind = 0;
        opterr = 0;
        while (status < 0 && (c = getopt_long(argc, argv, "+:itde:w:u:h:m:c:p:Pv:", run_opts_long, NULL)) != -1)
                status = parse_one(a, c, argv);
        if (status >= 0)
                return status;
        if (optind >= argc)
                return cli_usage_error("run", "\"hull run\" requires at least 1 argument.");
        a->o.image = argv[optind];
        a->o.cmd = argv + optind + 1;
        a->o.env = a->env;
        a->o.env_files = a->env_files;
        a->o.cap_add = a->cap_add;
        a->o.cap_drop = a->cap_drop;
        a->o.log_opts = a->log_opts;
        a->o.labels = a->labels;
        a->o.volumes = a->volumes;
        a->o.mounts = a->mounts;
        a->o.tmpfs = a->tmpfs;
        a->o.volumes_from = a->volumes_from;
        return -1;
}

int cmd_run(const struct engine_ctx *ctx, int argc, char **argv)
{
        struct run_args a;
        int status = run_args_parse(&a, argc, argv);
        if (status < 0) {
                struct herr err = { 0 };
                struct run_result res = { 0 };
                if (engine_run(ctx, &a.o, &res, &err) < 0) {
                        status = cli_fail(&err);
                } else if (a.o.detach) {
                        printf("%s\n", res.id);
                        status = 0;
                } else {
                        status = res.status;
                        if (res.oom_killed)
                                fprintf(stderr, "hull: the container was killed by the OOM killer\n");
                }
        }
        run_args_free(&a);
        return status;
}
