/* spec (runc's default config.json) and features (what this runtime
 * takes, as runc's `features` reports it). */
#include "oci/oci.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "runtime/spec.h"

/* runc spec's output, field for field. */
static const char default_spec[] =
        "{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},"
        "\"args\":[\"sh\"],\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
        "\"TERM=xterm\"],\"cwd\":\"/\",\"capabilities\":{"
        "\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
        "\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
        "\"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
        "\"ambient\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]},"
        "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],\"noNewPrivileges\":true},"
        "\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"hostname\":\"runc\",\"mounts\":["
        "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
        "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
        "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]},"
        "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
        "{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\",\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
        "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
        "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}],"
        "\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
        "\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"},{\"type\":\"cgroup\"}],"
        "\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\",\"/proc/latency_stats\","
        "\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\",\"/sys/firmware\",\"/proc/scsi\"],"
        "\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]}}";

static const struct oci_opt spec_options[] = { { "bundle", 'b', 1 }, { "rootless", 0, 0 }, { NULL, 0, 0 } };

int cmd_spec(const struct oci_global *g, struct oci_args *a, struct herr *err)
{
        const char *v, *bundle = ".";
        int k;
        while ((k = oci_opt_next(a, spec_options, &v, err)) >= 0)
                if (k == 0)
                        bundle = v;
        if (k == -2)
                return -1;
        json_error_t je;
        _cleanup_json_ json_t *j = json_loads(default_spec, 0, &je);
        if (!j)
                return herr_set(err, 0, "the default spec: %s", je.text);
        _cleanup_close_ int dir = open(bundle, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (dir < 0)
                return herr_set(err, errno, "bundle %s", bundle);
        if (faccessat(dir, "config.json", F_OK, 0) == 0)
                return herr_set(err, 0, "File config.json exists. Remove it first");
        _cleanup_free_ char *text = json_dumps(j, JSON_INDENT(2));
        size_t len = strlen(text);
        text[len] = '\n';
        int r = write_file_new(dir, "config.json", text, len + 1, 0644, err);
        text[len] = '\0';
        return r;
}

static json_t *strings(const char *const *v, size_t n)
{
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(a, json_string(v[i]));
        return a;
}

int cmd_features(const struct oci_global *g, struct oci_args *a, struct herr *err)
{
        static const char *const hooks[] = {
                "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
        };
        static const char *const mount_opts[] = {
                "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "mand", "noatime",
                "nodev", "nodiratime", "noexec", "nomand", "norelatime", "nostrictatime", "nosuid", "private",
                "rbind", "relatime", "remount", "ro", "rprivate", "rro", "rrw", "rshared", "rslave", "runbindable",
                "rw", "shared", "slave", "strictatime", "suid", "sync", "unbindable", "rnosuid", "rnodev",
                "rnoexec", "rnoatime",
        };
        static const char *const namespaces[] = { "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts" };
        static const char *const actions[] = {
                "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP",
        };
        static const char *const operators[] = {
                "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
                "SCMP_CMP_NE",
        };
        static const char *const archs[] = { "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32" };
        json_t *caps = json_array();
        for (int c = 0; c <= rt_cap_last(); c++)
                json_array_append_new(caps, json_string(rt_cap_name(c)));
        _cleanup_json_ json_t *j = json_pack(
                "{s:s, s:s, s:o, s:o, s:{s:o, s:o, s:{s:b, s:b, s:b}, s:{s:b, s:o, s:o, s:o}, s:{s:b}, s:{s:b}}}",
                "ociVersionMin", "1.0.0", "ociVersionMax", "1.1.0", "hooks", strings(hooks, ARRAY_SIZE(hooks)),
                "mountOptions", strings(mount_opts, ARRAY_SIZE(mount_opts)), "linux", "namespaces",
                strings(namespaces, ARRAY_SIZE(namespaces)), "capabilities", caps, "cgroup", "v1", 1, "v2", 1,
                "systemd", 0, "seccomp", "enabled", 1, "actions", strings(actions, ARRAY_SIZE(actions)), "operators",
                strings(operators, ARRAY_SIZE(operators)), "archs", strings(archs, ARRAY_SIZE(archs)), "apparmor",
                "enabled", 0, "selinux", "enabled", 0);
        if (!j)
                return herr_set(err, ENOMEM, "features");
        json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
        return 0;
}
