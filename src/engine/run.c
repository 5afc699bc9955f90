/* hull run: image + options -> OCI config -> runtime -> exit status. */
#include "engine/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/strv.h"
#include "config.h"
#include "engine/container.h"
#include "engine/files.h"
#include "engine/host_devices.h"
#include "engine/monitor.h"
#include "engine/monitor_io.h"
#include "engine/network.h"
#include "engine/options.h"
#include "engine/run_pull.h"
#include "engine/seccomp_profile.h"
#include "engine/spec_gen.h"
#include "engine/supervise.h"
#include "engine/user.h"
#include "engine/volume.h"
#include "engine/volume_mounts.h"
#include "image/image.h"
#include "runtime/spec.h"

static void image_freep(struct image **i)
{
        image_free(*i);
}
static void store_closep(struct image_store **s)
{
        image_store_close(*s);
}

/* Entrypoint + Cmd with Docker's rules: a command on the line replaces
 * Cmd; --entrypoint replaces Entrypoint and also drops the image's Cmd. */
static int compute_args(const struct run_opts *o, json_t *cfg, char ***ret, struct herr *err)
{
        _cleanup_strv_ char **ep = NULL, **cmd = NULL;
        if (o->entrypoint) {
                ep = calloc(2, sizeof(char *));
                if (*o->entrypoint)
                        ep[0] = xstrdup(o->entrypoint);
        } else if (json_strv(cfg, "Entrypoint", &ep, err) < 0) {
                return herr_wrap(err, "image config");
        }
        if (o->cmd && o->cmd[0])
                cmd = strv_dup(o->cmd);
        else if (!o->entrypoint && json_strv(cfg, "Cmd", &cmd, err) < 0)
                return herr_wrap(err, "image config");
        _cleanup_strv_ char **args = strv_dup(ep);
        for (size_t i = 0; cmd && cmd[i]; i++)
                strv_push(&args, cmd[i]);
        if (!args || !args[0])
                return herr_set(err, 0, "no command specified");
        if (o->init) {
                _cleanup_strv_ char **wrapped = calloc(3, sizeof(char *));
                wrapped[0] = xstrdup("/sbin/hull-init");
                wrapped[1] = xstrdup("--");
                for (size_t i = 0; args[i]; i++)
                        strv_push(&wrapped, args[i]);
                strv_free(args);
                args = TAKE_PTR(wrapped);
        }
        *ret = TAKE_PTR(args);
        return 0;
}

static int compute_env(const struct run_opts *o, json_t *cfg, const char *hostname, const struct user_info *u,
                       char ***ret, struct herr *err)
{
        _cleanup_strv_ char **env = calloc(1, sizeof(char *));
        _cleanup_strv_ char **img = NULL;
        env_set(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        _cleanup_free_ char *hn = xasprintf("HOSTNAME=%s", hostname);
        env_set(&env, hn);
        if (o->tty)
                env_set(&env, "TERM=xterm");
        if (json_strv(cfg, "Env", &img, err) < 0)
                return herr_wrap(err, "image config");
        for (size_t i = 0; img[i]; i++)
                if (strchr(img[i], '='))
                        env_set(&env, img[i]);
        if (env_apply_flags(&env, o->env_files, o->env, err) < 0)
                return -1;
        if (!env_get(env, "HOME")) {
                _cleanup_free_ char *home = xasprintf("HOME=%s", u->home);
                env_set(&env, home);
        }
        *ret = TAKE_PTR(env);
        return 0;
}

static int resolve_user(const struct run_opts *o, json_t *cfg, const struct image *img, struct user_info *ret,
                        struct herr *err)
{
        const char *spec = o->user ? o->user : json_str(cfg, "User");
        _cleanup_free_ char *passwd = NULL, *group = NULL;
        if (image_read_file(img, "/etc/passwd", &passwd, err) < 0 ||
            image_read_file(img, "/etc/group", &group, err) < 0)
                return -1;
        return user_resolve(spec ? spec : "", passwd, group, ret, err);
}

static int compute_seccomp(const struct run_opts *o, char **caps, json_t **ret, struct herr *err)
{
        *ret = NULL;
        if (o->privileged || (o->seccomp && !strcmp(o->seccomp, "unconfined")))
                return 0;
        if (!o->seccomp)
                return seccomp_default_oci(caps, ret, err);
        _cleanup_json_ json_t *profile = NULL;
        if (json_load_path(AT_FDCWD, o->seccomp, &profile, err) < 0)
                return herr_wrap(err, "seccomp profile");
        return seccomp_profile_to_oci(profile, caps, ret, err) < 0 ? herr_wrap(err, "seccomp profile %s", o->seccomp)
                                                                    : 0;
}

static char *find_init(void)
{
        /* Beside the binary, in the build tree, then installed. */
        char *cands[] = {
                xasprintf("%s/hull-init", self_dir()),
                xasprintf("%s/../init/hull-init", self_dir()),
                xstrdup(HULL_LIBEXECDIR "/hull-init"),
        };
        char *found = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(cands); i++) {
                if (!found && access(cands[i], X_OK) == 0)
                        found = TAKE_PTR(cands[i]);
                free(cands[i]);
        }
        return found;
}

static char *overlay_options(const struct image *img, const char *dir, const char *top)
{
        size_t n = strv_len(img->layers);
        _cleanup_free_ char *lower = xstrdup(top ? top : "");
        for (size_t i = n; i > 0; i--) {
                char *l = xasprintf("%s%s%s", lower, *lower ? ":" : "", img->layers[i - 1]);
                free(lower);
                lower = l;
        }
        return xasprintf("lowerdir=%s,upperdir=%s/upper,workdir=%s/work", lower, dir, dir);
}

/* Everything needed to write the OCI config; owns what it holds. */
struct plan {
        char **args, **env, **caps;
        struct user_info user;
        json_t *seccomp, *devices, *resources;
        char *hostname, *init_path, *cgroups_path;
        char *netns;            /* the network namespace to join, or NULL */
        struct volume_plan vols;
};

static void plan_free(struct plan *p)
{
        strv_free(p->args);
        strv_free(p->env);
        strv_free(p->caps);
        user_info_free(&p->user);
        json_decref(p->seccomp);
        json_decref(p->devices);
        json_decref(p->resources);
        free(p->hostname);
        free(p->init_path);
        free(p->cgroups_path);
        free(p->netns);
        volume_plan_free(&p->vols);
}

static int make_plan(const struct engine_ctx *ctx, const struct run_opts *o, const struct image *img, const char *id,
                     struct plan *p, struct herr *err)
{
        json_t *cfg = json_object_get(img->config, "config");
        int host_net = o->network && !strcmp(o->network, "host");
        if (o->hostname) {
                p->hostname = xstrdup(o->hostname);
        } else if (host_net) {
                struct utsname u;
                uname(&u);
                p->hostname = xstrdup(u.nodename);
        } else {
                p->hostname = strndup(id, 12);
        }
        if (compute_args(o, cfg, &p->args, err) < 0 || resolve_user(o, cfg, img, &p->user, err) < 0 ||
            compute_env(o, cfg, p->hostname, &p->user, &p->env, err) < 0 ||
            caps_compute(o->cap_add, o->cap_drop, o->privileged, &p->caps, err) < 0 ||
            compute_seccomp(o, p->caps, &p->seccomp, err) < 0)
                return -1;
        if (o->privileged && host_devices(&p->devices, err) < 0)
                return -1;
        if (o->limits.devices) {
                if (!p->devices)
                        p->devices = json_array();
                json_array_extend(p->devices, o->limits.devices);
        }
        if (!o->no_cgroup) {
                const char *parent = o->cgroup_parent ? o->cgroup_parent : "/hull";
                p->cgroups_path = xasprintf("%s%s/%s", parent[0] == '/' ? "" : "/", parent, id);
                p->resources = limits_resources(&o->limits, o->privileged);
        }
        if (net_plan(ctx, o, id, &p->netns, err) < 0)
                return -1;
        if (o->init && !(p->init_path = find_init()))
                return herr_set(err, 0, "--init: hull-init was not found beside hull or in %s", HULL_LIBEXECDIR);
        return 0;
}

static int has_limits(const struct limits *l)
{
        return l->memory || l->memory_swap || l->memory_reservation || l->cpu_shares || l->cpu_period ||
               l->cpu_quota || l->cpuset_cpus || l->cpuset_mems || l->pids_limit != -2 || l->oom_kill_disable;
}

static int check_opts(const struct run_opts *o, struct herr *err)
{
        if (limits_check(&o->limits, NULL, err) < 0)
                return -1;
        if (o->no_cgroup && (has_limits(&o->limits) || o->cgroup_parent))
                return herr_set(err, 0, "resource limits and --cgroup-parent need a cgroup: drop --cgroups=disabled");
        if (o->cgroup_parent && (strstr(o->cgroup_parent, "..") || !o->cgroup_parent[strspn(o->cgroup_parent, "/")]))
                return herr_set(err, 0, "invalid --cgroup-parent \"%s\"", o->cgroup_parent);
        if (o->workdir && o->workdir[0] != '/')
                return herr_set(err, 0, "the working directory '%s' is invalid, it needs to be an absolute path",
                                o->workdir);
        /* Refused here, before volumes or -v sources are made; meta_build
         * parses them again into the container's record. */
        _cleanup_json_ json_t *restart = NULL;
        if (restart_policy_parse(o->restart ? o->restart : "no", &restart, err) < 0)
                return -1;
        struct log_opts lo = { 0, 1 };
        for (size_t i = 0; o->log_opts && o->log_opts[i]; i++)
                if (log_opt_parse(&lo, o->log_opts[i], err) < 0)
                        return -1;
        return 0;
}

static json_t *build_spec(const struct run_opts *o, const struct image *img, const struct plan *p,
                          const struct container *c)
{
        json_t *cfg = json_object_get(img->config, "config");
        const char *wd = o->workdir ? o->workdir : json_str(cfg, "WorkingDir");
        _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", c->dir);
        _cleanup_free_ char *overlay = overlay_options(img, c->dir, p->vols.mountpoints);
        struct winsize ws = { 0 };
        if (o->tty)
                ioctl(STDIN_FILENO, TIOCGWINSZ, &ws);
        struct spec_input in = {
                .o = o,
                .hostname = p->hostname,
                .args = p->args,
                .env = p->env,
                .cwd = wd && *wd ? wd : "/",
                .user = &p->user,
                .caps = p->caps,
                .rootfs = rootfs,
                .overlay = overlay,
                .files_dir = c->dir,
                .init_path = p->init_path,
                .seccomp = p->seccomp,
                .devices = p->devices,
                .cgroups_path = p->cgroups_path,
                .resources = p->resources,
                .rlimits = o->limits.rlimits,
                .user_mounts = p->vols.oci,
                .host_network = o->network && !strcmp(o->network, "host"),
                .netns = p->netns,
                .rows = ws.ws_row,
                .cols = ws.ws_col,
        };
        json_t *spec = spec_generate(&in);
        volume_plan_spec(&p->vols, spec);
        return spec;
}

/* What Docker keeps of a container (inspect's Config and HostConfig);
 * ps and inspect read it back. */
static json_t *meta_config(const struct run_opts *o, const struct image *img, const struct plan *p,
                           json_t *health)
{
        json_t *icfg = json_object_get(img->config, "config");
        json_t *labels = json_object();
        json_t *il = json_object_get(icfg, "Labels");
        if (json_is_object(il))
                json_object_update(labels, il);
        for (size_t i = 0; o->labels && o->labels[i]; i++) {
                const char *eq = strchr(o->labels[i], '=');
                _cleanup_free_ char *k = eq ? strndup(o->labels[i], (size_t)(eq - o->labels[i])) : xstrdup(o->labels[i]);
                json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
        }
        json_t *cmd = o->cmd && o->cmd[0] ? json_from_strv(o->cmd)
                                          : json_incref(json_object_get(icfg, "Cmd") ?: json_null());
        /* Docker: an attached -i (run -i, create -i) closes the container's
         * stdin when the attached client's input ends; run -d -i keeps it. */
        int stdin_once = o->interactive && !o->detach;
        json_t *c = json_pack("{s:s, s:s, s:o, s:o, s:O, s:s, s:s, s:o, s:b, s:b, s:b, s:b}",
                              "Hostname", p->hostname, "User", o->user ? o->user : json_str(icfg, "User") ?: "",
                              "Env", json_from_strv(p->env), "Cmd", cmd,
                              "Entrypoint", json_object_get(icfg, "Entrypoint") ?: json_null(), "Image", o->image,
                              "WorkingDir", o->workdir ? o->workdir : json_str(icfg, "WorkingDir") ?: "", "Labels",
                              labels, "Tty", o->tty, "OpenStdin", o->interactive, "AttachStdin", o->interactive,
                              "StdinOnce", stdin_once);
        if (o->entrypoint)
                json_object_set_new(c, "Entrypoint", *o->entrypoint ? json_pack("[s]", o->entrypoint) : json_null());
        if (health)
                json_object_set(c, "Healthcheck", health);
        const char *stop = o->stop_signal ? o->stop_signal : json_str(icfg, "StopSignal");
        if (stop)
                json_object_set_new(c, "StopSignal", json_string(stop));
        return c;
}

static json_t *meta_host_config(const struct run_opts *o, json_t *restart, json_t *log_config)
{
        const struct limits *l = &o->limits;
        return json_pack("{s:b, s:b, s:b, s:s, s:O, s:{s:s, s:O}, s:o, s:o, s:b, s:I, s:I, s:I, s:I, s:s, s:I, s:s}",
                         "AutoRemove", o->rm, "Privileged", o->privileged, "ReadonlyRootfs", o->read_only,
                         "NetworkMode", o->network ? o->network : "none", "RestartPolicy", restart, "LogConfig",
                         "Type", "json-file", "Config", log_config, "CapAdd", json_from_strv(o->cap_add), "CapDrop",
                         json_from_strv(o->cap_drop), "Init", o->init, "Memory", (json_int_t)l->memory,
                         "MemorySwap", (json_int_t)l->memory_swap, "CpuShares", (json_int_t)l->cpu_shares,
                         "CpuQuota", (json_int_t)l->cpu_quota, "CpusetCpus", l->cpuset_cpus ? l->cpuset_cpus : "",
                         "PidsLimit", (json_int_t)(l->pids_limit == -2 ? 0 : l->pids_limit), "CgroupParent",
                         o->cgroup_parent ? o->cgroup_parent : "");
}

static int meta_build(const struct run_opts *o, const struct image *img, const struct plan *p,
                      const struct container *c, json_t **ret, struct herr *err)
{
        _cleanup_json_ json_t *restart = NULL, *health = NULL, *logc = json_object();
        if (restart_policy_parse(o->restart ? o->restart : "no", &restart, err) < 0)
                return -1;
        if (o->rm && strcmp(json_str(restart, "Name"), "no"))
                return herr_set(err, 0, "conflicting options: --restart and --rm");
        struct log_opts lo = { 0, 1 };
        for (size_t i = 0; o->log_opts && o->log_opts[i]; i++) {
                const char *eq = strchr(o->log_opts[i], '=');
                if (log_opt_parse(&lo, o->log_opts[i], err) < 0)
                        return -1;
                _cleanup_free_ char *k = strndup(o->log_opts[i], (size_t)(eq - o->log_opts[i]));
                json_object_set_new(logc, k, json_string(eq + 1));
        }
        if (healthcheck_config(o, json_object_get(json_object_get(img->config, "config"), "Healthcheck"), &health,
                               err) < 0)
                return -1;
        /* Path and Args are the user's command, without hull-init. */
        char **args = o->init ? p->args + 2 : p->args;
        char now[40];
        rfc3339_now(now);
        *ret = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:o, s:o, s:O, s:{s:{}}}", "Id", c->id, "Created",
                         now, "Path", args[0], "Args", json_from_strv(args + 1), "Image", img->id, "ImageName",
                         o->image, "Name", c->name, "Config", meta_config(o, img, p, health), "HostConfig",
                         meta_host_config(o, restart, logc), "Mounts", p->vols.docker, "NetworkSettings", "Networks");
        volume_plan_meta(&p->vols, o, *ret);
        return 0;
}

/* Everything but starting it: the container is left "created", or, on
 * error, not at all. */
static int create_container(const struct engine_ctx *ctx, const struct run_opts *o, const struct image *img,
                            const struct plan *p, struct container *c, json_t *spec_json, struct herr *err)
{
        if (net_setup(ctx, o, img, c, p->hostname, err) < 0 ||
            json_write_path(c->dirfd, "config.json", spec_json, 0, err) < 0 ||
            meta_build(o, img, p, c, &c->meta, err) < 0 || (net_summary(c), container_meta_save(c, err) < 0))
                return -1;
        c->state.status = CTR_CREATED;
        return container_state_save(c, err);
}

static int start_foreground(const struct engine_ctx *ctx, const struct run_opts *o, struct container *c,
                            json_t *spec_json, struct run_result *res, struct herr *err)
{
        _cleanup_spec_ struct oci_spec *spec = NULL;
        if (rt_spec_parse(spec_json, c->dir, &spec, err) < 0)
                return -1;
        _cleanup_free_ char *cache = xasprintf("%s/cache/seccomp", ctx->root);
        return supervise_foreground(spec, o, cache, c, res, err);
}

static int run_planned(const struct engine_ctx *ctx, const struct run_opts *o, const struct image *img,
                       const struct plan *p, struct container *c, struct run_result *res,
                       struct herr *err)
{
        _cleanup_json_ json_t *spec_json = build_spec(o, img, p, c);
        if (o->dry_run) {
                json_dumpf(spec_json, stdout, JSON_INDENT(2));
                fputc('\n', stdout);
                res->status = 0;
                return 0;
        }
        if (create_container(ctx, o, img, p, c, spec_json, err) < 0)
                return -2;      /* not created: remove whatever --rm says */
        if (o->create_only)
                return 0;
        if (o->detach) {
                struct monitor_opts mo = { .spec = spec_json };
                return monitor_start(ctx, c, &mo, err);
        }
        return start_foreground(ctx, o, c, spec_json, res, err);
}

static int should_remove(const struct run_opts *o, const struct container *c, int r)
{
        if (o->dry_run || r == -2 || (r < 0 && !c->meta))
                return 1;       /* never fully created */
        if (o->detach || o->create_only)
                return 0;       /* the monitor carries out --rm when it ends */
        return o->rm;           /* foreground: it ended, or could not start */
}

int engine_run(const struct engine_ctx *ctx, const struct run_opts *o, struct run_result *ret, struct herr *err)
{
        if (check_opts(o, err) < 0)
                return -1;
        __attribute__((cleanup(store_closep))) struct image_store *store = NULL;
        __attribute__((cleanup(image_freep))) struct image *img = NULL;
        if (image_store_open(ctx->root, &store, err) < 0 || run_image_get(ctx, store, o, &img, err) < 0)
                return -1;
        struct plan p = { 0 };
        struct container c = CONTAINER_INIT;
        if (volume_plan_check(ctx, o, img, &p.vols, err) < 0 || container_new(ctx, o->name, &c, err) < 0) {
                plan_free(&p);
                return -1;
        }
        memset(ret, 0, sizeof *ret);
        snprintf(ret->id, sizeof ret->id, "%s", c.id);
        /* Volumes and -v sources are made only once everything else has
         * been checked. */
        int r = make_plan(ctx, o, img, c.id, &p, err);
        if (r >= 0)
                r = volume_plan_apply(ctx, img, c.id, o->dry_run, &p.vols, err);
        if (r >= 0 && !o->dry_run)
                r = volume_plan_mountpoints(ctx, img, &p.vols, err);
        if (r >= 0)
                r = run_planned(ctx, o, img, &p, &c, ret, err);
        /* A container that could not be created leaves nothing; one that
         * ran in the foreground goes with --rm; a detached one's monitor
         * carries out --rm itself. */
        if (should_remove(o, &c, r)) {
                struct herr rm_err;
                if (container_remove(ctx, &c, &rm_err) < 0 && r >= 0) {
                        *err = rm_err;
                        r = -1;
                }
                if (!o->dry_run)
                        volumes_release(ctx, c.id, p.vols.docker, 1);
        }
        plan_free(&p);
        container_close(&c);
        return r < 0 ? -1 : 0;
}
