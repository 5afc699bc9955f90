/* hull pull: manifest (through an index to this platform), config, then
 * the layers in parallel into the store, unpacked and recorded. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/sha256.h"
#include "base/strv.h"
#include "image/image.h"
#include "image/layer.h"
#include "image/store.h"
#include "registry/fetch.h"
#include "registry/registry.h"

static void store_closep(struct image_store **s)
{
        image_store_close(*s);
}

static void reg_closep(struct reg_client *c)
{
        reg_close(c);
}

static void progress_freep(struct progress **p)
{
        progress_free(*p);
}

/* GET a manifest by tag or digest, checked against the digest when it
 * was asked for by one; ret_digest is what its bytes hash to. */
static int get_manifest(struct reg_client *c, const char *ref, struct reg_resp *rs,
                        char ret_digest[IMAGE_DIGEST_LEN + 1], struct herr *err)
{
        char hex[SHA256_HEX_LEN + 1];
        _cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", c->repo, ref);
        struct reg_req rq = REG_REQ_INIT;
        rq.url = path;
        rq.accept = MT_ACCEPT;
        rq.max_body = REG_MANIFEST_MAX;
        if (reg_do(c, &rq, rs, err) < 0) {
                if (strstr(err->msg, "response larger than"))
                        return herr_set(err, 0, "manifest %s:%s is larger than %d bytes", c->repo, ref,
                                        REG_MANIFEST_MAX);
                return herr_wrap(err, "fetching manifest");
        }
        if (rs->status / 100 != 2) {
                _cleanup_free_ char *why = reg_resp_error(rs);
                if (rs->status == 404)
                        return herr_set(err, 0, "manifest for %s/%s:%s not found: %s", c->host, c->repo, ref, why);
                return herr_set(err, 0, "fetching manifest for %s/%s:%s: %s", c->host, c->repo, ref, why);
        }
        if (!rs->body)
                return herr_set(err, 0, "manifest for %s:%s is empty", c->repo, ref);
        sha256_hex(rs->body, rs->len, hex);
        snprintf(ret_digest, IMAGE_DIGEST_LEN + 1, "sha256:%s", hex);
        if (!strncmp(ref, "sha256:", 7) && strcmp(ref, ret_digest))
                return herr_set(err, 0, "manifest %s: digest mismatch, the content hashes to %s", ref, ret_digest);
        return 0;
}

struct pulled {
        struct reg_resp top;            /* the manifest (or index) the reference names */
        char top_digest[IMAGE_DIGEST_LEN + 1];
        struct reg_resp img;            /* the image manifest, when top is an index */
        struct manifest m;
        char *config;
        json_t *config_json;
        char **diff_ids;
};

static void pulled_free(struct pulled *p)
{
        reg_resp_free(&p->top);
        reg_resp_free(&p->img);
        manifest_free(&p->m);
        free(p->config);
        json_decref(p->config_json);
        strv_free(p->diff_ids);
}

static int resolve_manifest(struct reg_client *c, const struct image_ref *r, const char *platform, struct pulled *p,
                            struct herr *err)
{
        char d[IMAGE_DIGEST_LEN + 1];
        if (get_manifest(c, r->digest[0] ? r->digest : r->tag, &p->top, p->top_digest, err) < 0 ||
            manifest_parse(p->top.body, p->top.content_type, &p->m, err) < 0)
                return -1;
        if (!p->m.is_index)
                return 0;
        struct mf_desc pick;
        if (manifest_pick(p->top.body, platform, &pick, err) < 0 ||
            get_manifest(c, pick.digest, &p->img, d, err) < 0 ||
            manifest_parse(p->img.body, p->img.content_type, &p->m, err) < 0)
                return -1;
        if (p->m.is_index)
                return herr_set(err, 0, "manifest %s: an index inside an index", pick.digest);
        return 0;
}

static int load_config(struct reg_client *c, struct pulled *p, struct herr *err)
{
        json_error_t je;
        if (fetch_small(c, &p->m.config, REG_CONFIG_MAX, &p->config, err) < 0)
                return -1;
        p->config_json = json_loads(p->config, 0, &je);
        if (!json_is_object(p->config_json))
                return herr_set(err, 0, "image config %s: %s", p->m.config.digest,
                                p->config_json ? "not a JSON object" : je.text);
        if (json_strv(json_object_get(p->config_json, "rootfs"), "diff_ids", &p->diff_ids, err) < 0)
                return herr_wrap(err, "image config %s", p->m.config.digest);
        if (strv_len(p->diff_ids) != p->m.n_layers)
                return herr_set(err, 0, "image config %s names %zu layers, the manifest %zu", p->m.config.digest,
                                strv_len(p->diff_ids), p->m.n_layers);
        for (size_t i = 0; p->diff_ids[i]; i++)
                if (!image_digest_valid(p->diff_ids[i]))
                        return herr_set(err, 0, "image config %s: bad diff_id \"%s\"", p->m.config.digest,
                                        p->diff_ids[i]);
        return 0;
}

/* Which layers must be fetched: not those unpacked already (same chain),
 * nor those whose blob is stored. */
static int plan_fetch(struct image_store *s, struct pulled *p, struct fetch_item *items, struct progress *pr,
                      struct herr *err)
{
        char chain[IMAGE_DIGEST_LEN + 1] = "";
        for (size_t i = 0; i < p->m.n_layers; i++) {
                struct layer_info li;
                layer_chain_id(i ? chain : NULL, p->diff_ids[i], chain);
                items[i].d = p->m.layers[i];
                items[i].line = i;
                progress_name(pr, i, items[i].d.digest);
                int r = layer_get(s, chain, &li, err);
                if (r < 0)
                        return -1;
                _cleanup_free_ char *bp = blob_path(s, items[i].d.digest);
                items[i].unpacked = r > 0;
                items[i].wanted = !r && access(bp, F_OK) < 0;
                items[i].stream = items[i].wanted;
                progress_set(pr, i, r ? PROG_EXISTS : PROG_WAITING, 0, items[i].d.size);
        }
        return 0;
}

struct unpacker {
        struct image_store *s;
        struct pulled *p;
        struct fetch_item *items;
        struct progress *pr;
        char **chains;          /* chain ids of the layers unpacked so far */
        int *ready;
        size_t next;            /* the lowest layer not unpacked yet */
        long long size;
};

/* Unpack layers bottom up as far as their blobs are there, each under the
 * store lock (taken per layer, so that a long download never holds it). */
static int unpack_ready(void *data, size_t i, struct herr *err)
{
        struct unpacker *u = data;
        u->ready[i] = 1;
        while (u->next < u->p->m.n_layers && u->ready[u->next]) {
                size_t k = u->next;
                struct layer_info li;
                _cleanup_store_unlock_ struct image_store *locked = NULL;
                if (store_lock(u->s, err) < 0)
                        return -1;
                locked = u->s;
                if (!u->items[k].unpacked)
                        progress_set(u->pr, k, PROG_EXTRACTING, 0, 0);
                const char *parent = k ? u->chains[k - 1] : NULL;
                struct layer_stream *ls = TAKE_PTR(u->items[k].ls);
                if (ls ? layer_stream_finish(u->s, ls, parent, u->p->diff_ids[k], &li, err) < 0
                       : layer_create(u->s, u->p->m.layers[k].digest, parent, u->p->diff_ids[k], &li, err) < 0)
                        return -1;
                u->chains[k] = xstrdup(li.chain_id);
                u->size += li.size;
                if (!u->items[k].unpacked)
                        progress_set(u->pr, k, PROG_DONE, 0, 0);
                u->next++;
        }
        return 0;
}

static int record(struct image_store *s, const struct image_ref *r, struct pulled *p, struct unpacker *u,
                  char ret_id[IMAGE_DIGEST_LEN + 1], struct herr *err)
{
        _cleanup_store_unlock_ struct image_store *locked = NULL;
        char dg[IMAGE_DIGEST_LEN + 1];
        if (u->next != p->m.n_layers)
                return herr_set(err, 0, "layer %zu was not fetched", u->next);
        if (store_lock(s, err) < 0)
                return -1;
        locked = s;
        /* The layers must still be there: a prune may have run meanwhile. */
        for (size_t i = 0; i < p->m.n_layers; i++) {
                struct layer_info li;
                int found = layer_get(s, u->chains[i], &li, err);
                if (found <= 0)
                        return found < 0 ? -1 : herr_set(err, 0, "layer %s went away during the pull", u->chains[i]);
        }
        if (image_record_create(s, p->config, strlen(p->config), u->chains, u->size, ret_id, err) < 0)
                return -1;
        /* The manifests too, so that the image can be pushed or inspected
         * as the registry had it. */
        if (blob_put(s, p->top.body, p->top.len, dg, err) < 0 ||
            (p->img.body && blob_put(s, p->img.body, p->img.len, dg, err) < 0))
                return herr_wrap(err, "storing manifest");
        _cleanup_free_ char *rd = xasprintf("%s@%s", r->name, p->top_digest);
        if (store_digest_set(s, rd, ret_id, err) < 0)
                return -1;
        if (r->tag[0]) {
                _cleanup_free_ char *nt = xasprintf("%s:%s", r->name, r->tag);
                if (store_tag_set(s, nt, ret_id, err) < 0)
                        return -1;
        }
        return 0;
}

int registry_pull(const char *root, const struct hull_pull_opts *o, char ret_id[IMAGE_DIGEST_LEN + 1],
                  struct herr *err)
{
        struct image_ref r;
        _cleanup_(reg_closep) struct reg_client c = { 0 };
        _cleanup_(store_closep) struct image_store *s = NULL;
        _cleanup_(progress_freep) struct progress *pr = NULL;
        _cleanup_(pulled_free) struct pulled p = { 0 };
        FILE *out = o->out ? o->out : stdout;
        if (image_ref_parse(o->ref, &r, err) < 0)
                return -1;
        _cleanup_free_ char *shown = image_ref_string(&r);
        if (!o->quiet)
                fprintf(out, "%s: Pulling from %s%s\n", r.tag[0] ? r.tag : r.digest,
                        !r.domain[0] && !strchr(r.path, '/') ? "library/" : "", r.path);
        fflush(out);
        if (reg_open(&c, root, r.domain, r.path, "pull", NULL, &o->conn, err) < 0 ||
            resolve_manifest(&c, &r, o->platform, &p, err) < 0 || load_config(&c, &p, err) < 0)
                return herr_wrap(err, "pulling %s", shown);
        if (image_store_open(root, &s, err) < 0)
                return -1;
        _cleanup_free_ struct fetch_item *items = calloc(p.m.n_layers + 1, sizeof *items);
        if (!items)
                return herr_set(err, ENOMEM, "pulling %s", shown);
        /* Docker's "up to date": the tag named this image already. */
        char before[IMAGE_DIGEST_LEN + 1] = "";
        _cleanup_free_ char *nt = r.tag[0] ? xasprintf("%s:%s", r.name, r.tag) : NULL;
        if (nt && store_tag_get(s, nt, before, err) < 0)
                return -1;
        pr = progress_new(out, p.m.n_layers, o->quiet, 0);
        _cleanup_strv_ char **chains = calloc(p.m.n_layers + 1, sizeof(char *));
        _cleanup_free_ int *ready = calloc(p.m.n_layers + 1, sizeof(int));
        if (!chains || !ready)
                return herr_set(err, ENOMEM, "pulling %s", shown);
        struct unpacker u = { .s = s, .p = &p, .items = items, .pr = pr, .chains = chains, .ready = ready };
        struct fetch_ready fr = { unpack_ready, &u };
        int rc = plan_fetch(s, &p, items, pr, err);
        if (rc == 0)
                rc = fetch_blobs(&c, s, items, p.m.n_layers, pr, &fr, err);
        progress_end(pr);
        if (rc < 0 || record(s, &r, &p, &u, ret_id, err) < 0)
                return herr_wrap(err, "pulling %s", shown);
        int fresh = strcmp(before, ret_id) != 0;
        if (o->quiet) {
                fprintf(out, "%s\n", shown);
                return 0;
        }
        fprintf(out, "Digest: %s\nStatus: %s %s\n%s\n", p.top_digest,
                fresh ? "Downloaded newer image for" : "Image is up to date for", shown, shown);
        return 0;
}
