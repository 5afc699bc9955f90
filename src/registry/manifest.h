/* Manifests as registries serve them: Docker schema 2 and OCI image
 * manifests, Docker manifest lists and OCI indexes. */
#pragma once
#include <stddef.h>
#include "base/err.h"
#include "image/ref.h"

#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_DOCKER_LAYER_TAR "application/vnd.docker.image.rootfs.diff.tar"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER_TAR "application/vnd.oci.image.layer.v1.tar"
#define MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define MT_ACCEPT MT_OCI_INDEX ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST ", " MT_DOCKER_MANIFEST

struct mf_desc {
        char digest[IMAGE_DIGEST_LEN + 1];
        long long size;
};

struct manifest {
        int is_index;
        struct mf_desc config;
        struct mf_desc *layers;
        size_t n_layers;
};

/* Parse body (served with content_type, which may be NULL): an image
 * manifest fills config and layers; an index sets is_index only. */
int manifest_parse(const char *body, const char *content_type, struct manifest *ret, struct herr *err);
void manifest_free(struct manifest *m);
/* From an index, the manifest for platform ("os/arch[/variant]", NULL for
 * the host's). */
int manifest_pick(const char *body, const char *platform, struct mf_desc *ret, struct herr *err);
/* "os/arch[/variant]" of this host, as Go names them (amd64, arm64 ...). */
void host_platform(char *buf, size_t len);
