#include "engine/spec_gen.h"

#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "runtime/spec.h"

/* Docker's defaults (moby's oci/defaults.go): what a container may not
 * see or change in /proc and /sys unless --privileged. */
const char *const default_masked_paths[] = {
        "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
        "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap", NULL,
};
const char *const default_readonly_paths[] = {
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static json_t *mount_entry(const char *dst, const char *type, const char *src, const char *opts)
{
        json_t *o = json_array();
        _cleanup_free_ char *copy = xstrdup(opts);
        char *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                json_array_append_new(o, json_string(t));
        return json_pack("{s:s, s:s, s:s, s:o}", "destination", dst, "type", type, "source", src, "options", o);
}

/* The volumes, binds and tmpfs mounts after the defaults; one of them on
 * a default's place (/dev/shm, say) replaces that default. */
static json_t *with_user_mounts(json_t *m, json_t *user)
{
        size_t i, k;
        json_t *u, *d;
        json_array_foreach(user, i, u)
                for (k = json_array_size(m); k > 0; k--)
                        if ((d = json_array_get(m, k - 1)) &&
                            !strcmp(json_str(d, "destination"), json_str(u, "destination") ?: ""))
                                json_array_remove(m, k - 1);
        if (user)
                json_array_extend(m, user);
        return m;
}

static json_t *gen_mounts(const struct spec_input *in)
{
        int priv = in->o->privileged;
        json_t *m = json_array();
        json_array_append_new(m, mount_entry("/proc", "proc", "proc", "nosuid,noexec,nodev"));
        json_array_append_new(m, mount_entry("/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"));
        json_array_append_new(m, mount_entry("/dev/pts", "devpts", "devpts",
                                             "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"));
        json_array_append_new(m, mount_entry("/sys", "sysfs", "sysfs", priv ? "nosuid,noexec,nodev" : "nosuid,noexec,nodev,ro"));
        json_array_append_new(m, mount_entry("/sys/fs/cgroup", "cgroup", "cgroup",
                                             priv ? "nosuid,noexec,nodev,relatime" : "nosuid,noexec,nodev,relatime,ro"));
        json_array_append_new(m, mount_entry("/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"));
        json_array_append_new(m, mount_entry("/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=67108864"));
        static const char *const files[] = { "resolv.conf", "hostname", "hosts" };
        for (size_t i = 0; i < 3; i++) {
                _cleanup_free_ char *src = xasprintf("%s/%s", in->files_dir, files[i]);
                _cleanup_free_ char *dst = xasprintf("/etc/%s", files[i]);
                json_array_append_new(m, mount_entry(dst, "bind", src, "rbind,rprivate"));
        }
        if (in->init_path)
                json_array_append_new(m, mount_entry("/sbin/hull-init", "bind", in->init_path, "bind,ro,nosuid,nodev"));
        return with_user_mounts(m, in->user_mounts);
}

static json_t *gen_caps(const struct spec_input *in)
{
        json_t *all = json_from_strv(in->caps);
        /* A non-root user starts with empty effective and permitted sets
         * (the bounding set still limits what setuid binaries can gain),
         * and inheritable stays empty for everyone (CVE-2022-24769). */
        int root = in->user->uid == 0;
        return json_pack("{s:o, s:o, s:o, s:[], s:[]}", "bounding", all, "effective",
                         root ? json_copy(all) : json_array(), "permitted", root ? json_copy(all) : json_array(),
                         "inheritable", "ambient");
}

static json_t *gen_process(const struct spec_input *in)
{
        json_t *gids = json_array();
        for (size_t i = 0; i < in->user->n_gids; i++)
                json_array_append_new(gids, json_integer(in->user->gids[i]));
        json_t *p = json_pack("{s:b, s:{s:I, s:I, s:o}, s:o, s:o, s:s, s:o, s:b}",
                              "terminal", in->o->tty,
                              "user", "uid", (json_int_t)in->user->uid, "gid", (json_int_t)in->user->gid,
                              "additionalGids", gids,
                              "args", json_from_strv(in->args),
                              "env", json_from_strv(in->env),
                              "cwd", in->cwd,
                              "capabilities", gen_caps(in),
                              "noNewPrivileges", in->o->no_new_privileges);
        if (in->rlimits)
                json_object_set(p, "rlimits", in->rlimits);
        if (in->o->limits.has_oom_score_adj)
                json_object_set_new(p, "oomScoreAdj", json_integer(in->o->limits.oom_score_adj));
        if (in->o->tty && in->rows && in->cols)
                json_object_set_new(p, "consoleSize", json_pack("{s:i, s:i}", "height", in->rows, "width", in->cols));
        return p;
}

static json_t *gen_namespaces(const struct spec_input *in)
{
        json_t *ns = json_pack("[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}]", "type", "pid", "type", "ipc", "type", "uts",
                               "type", "mount", "type", "cgroup");
        if (in->netns)
                json_array_append_new(ns, json_pack("{s:s, s:s}", "type", "network", "path", in->netns));
        else if (!in->host_network)
                json_array_append_new(ns, json_pack("{s:s}", "type", "network"));
        return ns;
}

static json_t *gen_linux(const struct spec_input *in)
{
        json_t *l = json_pack("{s:o}", "namespaces", gen_namespaces(in));
        if (!in->o->privileged) {
                json_object_set_new(l, "maskedPaths", json_from_strv((char **)default_masked_paths));
                json_object_set_new(l, "readonlyPaths", json_from_strv((char **)default_readonly_paths));
        }
        if (in->seccomp)
                json_object_set(l, "seccomp", in->seccomp);
        if (in->devices)
                json_object_set(l, "devices", in->devices);
        if (in->cgroups_path)
                json_object_set_new(l, "cgroupsPath", json_string(in->cgroups_path));
        if (in->resources)
                json_object_set(l, "resources", in->resources);
        return l;
}

json_t *spec_generate(const struct spec_input *in)
{
        json_t *s = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}",
                              "ociVersion", "1.0.2",
                              "process", gen_process(in),
                              "root", "path", in->rootfs, "readonly", in->o->read_only,
                              "hostname", in->hostname,
                              "mounts", gen_mounts(in),
                              "linux", gen_linux(in));
        if (in->overlay)
                json_object_set_new(s, "annotations", json_pack("{s:s}", RT_ANNOTATION_OVERLAY, in->overlay));
        return s;
}
