/* Manifests and indexes as registries serve them (src/registry/manifest.c),
 * and the base64 of stored credentials. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "registry/authfile.h"
#include "registry/manifest.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static void parses_schema2(void **state)
{
        struct manifest m;
        struct herr err = { 0 };
        const char *body = "{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_MANIFEST "\","
                           "\"config\":{\"mediaType\":\"" MT_DOCKER_CONFIG "\",\"size\":7,\"digest\":\"" D1 "\"},"
                           "\"layers\":[{\"mediaType\":\"" MT_DOCKER_LAYER_GZIP "\",\"size\":10,\"digest\":\"" D2 "\"},"
                           "{\"mediaType\":\"" MT_DOCKER_LAYER_GZIP "\",\"size\":20,\"digest\":\"" D3 "\"}]}";
        assert_int_equal(manifest_parse(body, NULL, &m, &err), 0);
        assert_false(m.is_index);
        assert_string_equal(m.config.digest, D1);
        assert_int_equal(m.n_layers, 2);
        assert_string_equal(m.layers[1].digest, D3);
        assert_int_equal(m.layers[1].size, 20);
        manifest_free(&m);
}

static void parses_oci_by_content_type(void **state)
{
        struct manifest m;
        struct herr err = { 0 };
        const char *body = "{\"schemaVersion\":2,\"config\":{\"size\":7,\"digest\":\"" D1 "\"},"
                           "\"layers\":[{\"mediaType\":\"" MT_OCI_LAYER_ZSTD "\",\"size\":10,\"digest\":\"" D2 "\"}]}";
        assert_int_equal(manifest_parse(body, MT_OCI_MANIFEST, &m, &err), 0);
        assert_int_equal(m.n_layers, 1);
        manifest_free(&m);
        assert_int_equal(manifest_parse("{\"schemaVersion\":2,\"manifests\":[]}", MT_OCI_INDEX, &m, &err), 0);
        assert_true(m.is_index);
}

static void refuses_bad_manifests(void **state)
{
        struct manifest m;
        struct herr err = { 0 };
        assert_true(manifest_parse("{\"schemaVersion\":2,\"layers\":[", NULL, &m, &err) < 0);
        assert_non_null(strstr(err.msg, "malformed manifest"));
        assert_true(manifest_parse("[]", NULL, &m, &err) < 0);
        assert_true(manifest_parse("{\"schemaVersion\":1,\"fsLayers\":[]}", NULL, &m, &err) < 0);
        assert_non_null(strstr(err.msg, "schemaVersion 1"));
        assert_true(manifest_parse("{\"schemaVersion\":2,\"config\":{\"size\":1,\"digest\":\"" D1 "\"}}", NULL, &m,
                                   &err) < 0);
        assert_true(manifest_parse("{\"schemaVersion\":2,\"config\":{\"size\":1,\"digest\":\"sha256:abc\"},"
                                   "\"layers\":[]}", NULL, &m, &err) < 0);
        assert_true(manifest_parse("{\"schemaVersion\":2,\"config\":{\"size\":-1,\"digest\":\"" D1 "\"},"
                                   "\"layers\":[]}", NULL, &m, &err) < 0);
        assert_true(manifest_parse("{\"schemaVersion\":2,\"config\":{\"size\":1,\"digest\":\"" D1 "\"},"
                                   "\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.foreign."
                                   "diff.tar.gzip\",\"size\":1,\"digest\":\"" D2 "\"}]}", NULL, &m, &err) < 0);
        assert_non_null(strstr(err.msg, "unsupported layer media type"));
}

static const char index_body[] =
        "{\"schemaVersion\":2,\"manifests\":["
        "{\"digest\":\"" D1 "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}},"
        "{\"digest\":\"" D2 "\",\"size\":2,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
        "{\"digest\":\"" D3 "\",\"size\":3,\"platform\":{\"os\":\"linux\",\"architecture\":\"s390x\"}}]}";

static void picks_a_platform(void **state)
{
        struct mf_desc d;
        struct herr err = { 0 };
        assert_int_equal(manifest_pick(index_body, "linux/arm/v7", &d, &err), 0);
        assert_string_equal(d.digest, D2);
        assert_int_equal(manifest_pick(index_body, "linux/arm", &d, &err), 0);
        assert_string_equal(d.digest, D1);
        assert_int_equal(manifest_pick(index_body, "linux/s390x", &d, &err), 0);
        assert_int_equal(d.size, 3);
        assert_true(manifest_pick(index_body, "linux/riscv64", &d, &err) < 0);
        assert_non_null(strstr(err.msg, "no matching manifest for linux/riscv64"));
        assert_true(manifest_pick(index_body, "linux", &d, &err) < 0);
        assert_non_null(strstr(err.msg, "invalid platform"));
        assert_true(manifest_pick("{}", "linux/amd64", &d, &err) < 0);
}

static void host_platform_is_go_named(void **state)
{
        char p[64];
        host_platform(p, sizeof p);
        assert_int_equal(strncmp(p, "linux/", 6), 0);
        assert_null(strstr(p, "x86_64"));
        assert_null(strstr(p, "aarch64"));
}

static void base64(void **state)
{
        static const struct {
                const char *in, *out;
        } v[] = { { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" }, { "alice:secret", "YWxpY2U6c2VjcmV0" } };
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
                char *e = base64_encode(v[i].in, strlen(v[i].in));
                assert_string_equal(e, v[i].out);
                free(e);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(parses_schema2),         cmocka_unit_test(parses_oci_by_content_type),
                cmocka_unit_test(refuses_bad_manifests),  cmocka_unit_test(picks_a_platform),
                cmocka_unit_test(host_platform_is_go_named), cmocka_unit_test(base64),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
