/* Reading manifests and indexes (interface: manifest.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "registry/manifest.h"

static int desc_parse(const json_t *j, struct mf_desc *d, const char *what, struct herr *err)
{
        const char *dg = json_str(j, "digest");
        json_t *size = json_object_get(j, "size");
        if (!dg || !image_digest_valid(dg))
                return herr_set(err, 0, "malformed manifest: %s has no valid sha256 digest", what);
        if (!json_is_integer(size) || json_integer_value(size) < 0)
                return herr_set(err, 0, "malformed manifest: %s %s has no valid size", what, dg);
        snprintf(d->digest, sizeof d->digest, "%s", dg);
        d->size = json_integer_value(size);
        return 0;
}

/* Layers hull can unpack: tar, plain or compressed (the unpacker finds
 * the compression from the bytes).  Foreign and encrypted layers are not. */
static int layer_type_ok(const char *mt)
{
        return !mt || !strcmp(mt, MT_DOCKER_LAYER_GZIP) || !strcmp(mt, MT_DOCKER_LAYER_TAR) ||
               !strncmp(mt, MT_OCI_LAYER_TAR, strlen(MT_OCI_LAYER_TAR));
}

static int is_index_type(const char *mt)
{
        return mt && (!strncmp(mt, MT_OCI_INDEX, strlen(MT_OCI_INDEX)) ||
                      !strncmp(mt, MT_DOCKER_LIST, strlen(MT_DOCKER_LIST)));
}

int manifest_parse(const char *body, const char *content_type, struct manifest *ret, struct herr *err)
{
        json_error_t je;
        _cleanup_json_ json_t *j = json_loads(body, 0, &je);
        memset(ret, 0, sizeof *ret);
        if (!json_is_object(j))
                return herr_set(err, 0, "malformed manifest: %s", j ? "not a JSON object" : je.text);
        const char *mt = json_str(j, "mediaType");
        if (!mt)
                mt = content_type;
        if (json_int(j, "schemaVersion", 0) != 2)
                return herr_set(err, 0, "unsupported manifest: schemaVersion %lld (want 2)",
                                json_int(j, "schemaVersion", 0));
        if (is_index_type(mt) || (!mt && json_is_array(json_object_get(j, "manifests")))) {
                ret->is_index = 1;
                return 0;
        }
        json_t *layers = json_object_get(j, "layers");
        if (!json_is_array(layers))
                return herr_set(err, 0, "malformed manifest: no \"layers\" array");
        if (desc_parse(json_object_get(j, "config"), &ret->config, "config", err) < 0)
                return -1;
        ret->layers = calloc(json_array_size(layers) + 1, sizeof *ret->layers);
        if (!ret->layers)
                return herr_set(err, ENOMEM, "reading manifest");
        size_t i;
        json_t *l;
        json_array_foreach(layers, i, l) {
                const char *lmt = json_str(l, "mediaType");
                if (!layer_type_ok(lmt)) {
                        manifest_free(ret);
                        return herr_set(err, 0, "unsupported layer media type \"%s\"", lmt);
                }
                if (desc_parse(l, &ret->layers[i], "layer", err) < 0) {
                        manifest_free(ret);
                        return -1;
                }
                ret->n_layers++;
        }
        return 0;
}

void manifest_free(struct manifest *m)
{
        free(m->layers);
        m->layers = NULL;
        m->n_layers = 0;
}

void host_platform(char *buf, size_t len)
{
        static const struct {
                const char *machine, *platform;
        } map[] = {
                { "x86_64", "linux/amd64" }, { "aarch64", "linux/arm64" }, { "armv7l", "linux/arm/v7" },
                { "armv6l", "linux/arm/v6" }, { "i686", "linux/386" }, { "i386", "linux/386" },
                { "ppc64le", "linux/ppc64le" }, { "s390x", "linux/s390x" }, { "riscv64", "linux/riscv64" },
        };
        struct utsname u;
        uname(&u);
        for (size_t i = 0; i < ARRAY_SIZE(map); i++)
                if (!strcmp(u.machine, map[i].machine)) {
                        snprintf(buf, len, "%s", map[i].platform);
                        return;
                }
        snprintf(buf, len, "linux/%s", u.machine);
}

int manifest_pick(const char *body, const char *platform, struct mf_desc *ret, struct herr *err)
{
        char want[128], host[64];
        host_platform(host, sizeof host);
        snprintf(want, sizeof want, "%s", platform && *platform ? platform : host);
        char *os = want, *arch = strchr(want, '/'), *variant = NULL;
        if (!arch || !arch[1])
                return herr_set(err, 0, "invalid platform \"%s\": want os/arch[/variant]", want);
        *arch++ = '\0';
        if ((variant = strchr(arch, '/')))
                *variant++ = '\0';
        _cleanup_json_ json_t *j = json_loads(body, 0, NULL);
        json_t *list = json_object_get(j, "manifests");
        if (!json_is_array(list))
                return herr_set(err, 0, "malformed index: no \"manifests\" array");
        size_t i;
        json_t *m;
        int best = -1;
        json_array_foreach(list, i, m) {
                json_t *p = json_object_get(m, "platform");
                const char *v = json_str(p, "variant");
                if (!json_str(p, "os") || strcmp(json_str(p, "os"), os) || !json_str(p, "architecture") ||
                    strcmp(json_str(p, "architecture"), arch))
                        continue;
                if (variant && (!v || strcmp(v, variant)))
                        continue;
                /* Without a variant asked for, the first match wins (as in Docker). */
                best = (int)i;
                break;
        }
        if (best < 0) {
                snprintf(want, sizeof want, "%s", platform && *platform ? platform : host);
                return herr_set(err, 0, "no matching manifest for %s in the manifest list entries", want);
        }
        return desc_parse(json_array_get(list, (size_t)best), ret, "index entry", err);
}
