/* One registry over HTTP(S) with libcurl (interface: client.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "config.h"
#include "registry/authfile.h"
#include "registry/client.h"

#define USER_AGENT "hull/" HULL_VERSION

char *reg_url(const struct reg_client *c, const char *path)
{
        if (!strncmp(path, "http://", 7) || !strncmp(path, "https://", 8))
                return xstrdup(path);
        return xasprintf("%s://%s%s", c->scheme, c->host, path);
}

void reg_backoff(int attempt)
{
        long ms = 250L << (attempt > 4 ? 4 : attempt - 1);
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

int reg_curl_retryable(CURLcode rc)
{
        return rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING ||
               rc == CURLE_PARTIAL_FILE || rc == CURLE_COULDNT_CONNECT || rc == CURLE_HTTP2 ||
               rc == CURLE_HTTP2_STREAM;
}

static long env_long(const char *name, long dflt)
{
        const char *v = getenv(name);
        char *end;
        long n = v && *v ? strtol(v, &end, 10) : dflt;
        return v && *v && (*end || n < 0) ? dflt : n;
}

CURL *reg_easy(struct reg_client *c, const char *url, struct curl_slist **headers, struct herr *err)
{
        CURL *h = curl_easy_init();
        if (!h) {
                herr_set(err, ENOMEM, "starting an HTTP transfer");
                return NULL;
        }
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_USERAGENT, USER_AGENT);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, c->insecure ? "http,https" : "https");
        curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, c->insecure ? "http,https" : "https");
        /* Blobs are often served by a redirect to a storage host; a loop
         * ends after a few hops with an error naming it. */
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
        /* A registry that accepts and then says nothing must not hang a
         * pull forever: give up when under 1 byte/s for timeout seconds. */
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->timeout < 30 ? c->timeout : 30L);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->timeout);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->tls_verify ? 1L : 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->tls_verify ? 2L : 0L);
        if (c->rate > 0)
                curl_easy_setopt(h, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)c->rate);
        *headers = NULL;
        _cleanup_free_ char *auth = NULL;
        if (c->token)
                auth = xasprintf("Authorization: Bearer %s", c->token);
        else if (c->basic)
                auth = xasprintf("Authorization: Basic %s", c->basic);
        /* curl drops a custom Authorization header on a redirect to
         * another host, so a storage backend never sees the credentials. */
        if (auth)
                *headers = curl_slist_append(NULL, auth);
        return h;
}

/* Response headers kept by name. */
static void keep_header(char **slot, const char *v, size_t n)
{
        while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
                n--;
        free(*slot);
        *slot = strndup(v, n);
}

static size_t on_header(char *buf, size_t size, size_t n, void *data)
{
        struct reg_resp *rs = data;
        size_t len = size * n;
        static const struct {
                const char *name;
                size_t off;
        } keep[] = {
                { "content-type:", offsetof(struct reg_resp, content_type) },
                { "docker-content-digest:", offsetof(struct reg_resp, digest) },
                { "location:", offsetof(struct reg_resp, location) },
                { "www-authenticate:", offsetof(struct reg_resp, www_auth) },
                { "range:", offsetof(struct reg_resp, range) },
        };
        /* A new status line (after a redirect or 100 Continue): forget the
         * previous response's headers. */
        if (len > 5 && !strncmp(buf, "HTTP/", 5)) {
                for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
                        char **slot = (char **)((char *)rs + keep[i].off);
                        free(*slot);
                        *slot = NULL;
                }
                return len;
        }
        for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
                size_t k = strlen(keep[i].name);
                if (len > k && !strncasecmp(buf, keep[i].name, k)) {
                        const char *v = buf + k;
                        while (v < buf + len && *v == ' ')
                                v++;
                        keep_header((char **)((char *)rs + keep[i].off), v, len - (size_t)(v - buf));
                }
        }
        return len;
}

struct sink {
        struct reg_resp *rs;
        size_t max;
        int too_big;
};

static size_t on_body(char *buf, size_t size, size_t n, void *data)
{
        struct sink *s = data;
        size_t len = size * n;
        if (!s->max)
                return len;     /* not wanted (an error page, say) */
        if (s->rs->len + len > s->max) {
                s->too_big = 1;
                return 0;       /* aborts the transfer */
        }
        char *nb = realloc(s->rs->body, s->rs->len + len + 1);
        if (!nb)
                return 0;
        memcpy(nb + s->rs->len, buf, len);
        s->rs->len += len;
        nb[s->rs->len] = '\0';
        s->rs->body = nb;
        return len;
}

struct source {
        const struct reg_req *rq;
        long long off;
};

static size_t on_read(char *buf, size_t size, size_t n, void *data)
{
        struct source *src = data;
        size_t want = size * n;
        if (src->rq->body_fd < 0) {
                size_t left = src->rq->body_len - (size_t)src->off;
                if (want > left)
                        want = left;
                memcpy(buf, (const char *)src->rq->body + src->off, want);
                src->off += (long long)want;
                return want;
        }
        if ((long long)want > src->rq->body_size - src->off)
                want = (size_t)(src->rq->body_size - src->off);
        ssize_t got = pread(src->rq->body_fd, buf, want, src->rq->body_off + src->off);
        if (got < 0)
                return CURL_READFUNC_ABORT;
        src->off += got;
        return (size_t)got;
}

static int on_xfer(void *data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
        const struct reg_req *rq = data;
        if (ultotal > 0)
                rq->on_sent(rq->sent_data, (long long)ulnow, (long long)ultotal);
        return 0;
}

/* curl rewinds the body when a redirect makes it send it again. */
static int on_seek(void *data, curl_off_t off, int origin)
{
        struct source *src = data;
        if (origin != SEEK_SET)
                return CURL_SEEKFUNC_CANTSEEK;
        src->off = (long long)off;
        return CURL_SEEKFUNC_OK;
}

void reg_resp_free(struct reg_resp *rs)
{
        free(rs->content_type);
        free(rs->digest);
        free(rs->location);
        free(rs->www_auth);
        free(rs->range);
        free(rs->body);
        memset(rs, 0, sizeof *rs);
}

static void slist_freep(struct curl_slist **l)
{
        curl_slist_free_all(*l);
}

static void easy_freep(CURL **h)
{
        if (*h)
                curl_easy_cleanup(*h);
}

/* One attempt.  Returns the curl result; rs is filled either way. */
static CURLcode attempt(struct reg_client *c, const struct reg_req *rq, struct reg_resp *rs, struct herr *err)
{
        _cleanup_free_ char *url = reg_url(c, rq->url);
        _cleanup_(slist_freep) struct curl_slist *hdr = NULL;
        _cleanup_(easy_freep) CURL *h = reg_easy(c, url, &hdr, err);
        if (!h)
                return CURLE_OUT_OF_MEMORY;
        _cleanup_free_ char *accept = rq->accept ? xasprintf("Accept: %s", rq->accept) : NULL;
        _cleanup_free_ char *ctype = rq->content_type ? xasprintf("Content-Type: %s", rq->content_type) : NULL;
        if (accept)
                hdr = curl_slist_append(hdr, accept);
        if (ctype)
                hdr = curl_slist_append(hdr, ctype);
        if (rq->header)
                hdr = curl_slist_append(hdr, rq->header);
        struct sink sk = { .rs = rs, .max = rq->max_body };
        struct source src = { .rq = rq };
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, rs);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &sk);
        if (!strcmp(rq->method, "HEAD")) {
                curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        } else if (!strcmp(rq->method, "PUT") || !strcmp(rq->method, "POST") || !strcmp(rq->method, "PATCH")) {
                long long size = rq->body_fd >= 0 ? rq->body_size : (long long)rq->body_len;
                curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
                curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
                curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
                curl_easy_setopt(h, CURLOPT_READDATA, &src);
                curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
                curl_easy_setopt(h, CURLOPT_SEEKDATA, &src);
                curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
                if (rq->on_sent) {
                        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
                        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_xfer);
                        curl_easy_setopt(h, CURLOPT_XFERINFODATA, rq);
                }
                /* No "Expect: 100-continue" round trip. */
                hdr = curl_slist_append(hdr, "Expect:");
        }
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
        CURLcode rc = curl_easy_perform(h);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rs->status);
        if (sk.too_big) {
                herr_set(err, 0, "%s %s: response larger than %zu bytes", rq->method, url, rq->max_body);
                return CURLE_WRITE_ERROR;
        }
        if (rc == CURLE_TOO_MANY_REDIRECTS)
                herr_set(err, 0, "%s %s: too many redirects (a redirect loop?)", rq->method, url);
        else if (rc == CURLE_OPERATION_TIMEDOUT)
                herr_set(err, 0, "%s %s: registry timed out (no data for %ld s)", rq->method, url, c->timeout);
        else if (rc != CURLE_OK)
                herr_set(err, 0, "%s %s: %s", rq->method, url, curl_easy_strerror(rc));
        return rc;
}

int reg_do(struct reg_client *c, const struct reg_req *rq, struct reg_resp *rs, struct herr *err)
{
        int refreshed = 0;
        for (int n = 0;; n++) {
                reg_resp_free(rs);
                CURLcode rc = attempt(c, rq, rs, err);
                int retry = rc != CURLE_OK ? reg_curl_retryable(rc) : rs->status >= 500;
                if (retry && n < REG_RETRIES) {
                        reg_backoff(n + 1);
                        continue;
                }
                if (rc != CURLE_OK) {
                        err->code = HERR_ENGINE;
                        return -1;
                }
                /* A token that expired or lacks a scope: fetch a new one, once. */
                if (rs->status == 401 && !refreshed && c->realm && !c->fetching_token) {
                        refreshed = 1;
                        if (reg_fetch_token(c, err) < 0)
                                return -1;
                        continue;
                }
                return 0;
        }
}

char *reg_resp_error(const struct reg_resp *rs)
{
        _cleanup_json_ json_t *j = rs->body ? json_loads(rs->body, 0, NULL) : NULL;
        json_t *e0 = json_array_get(json_object_get(j, "errors"), 0);
        const char *code = json_str(e0, "code"), *msg = json_str(e0, "message");
        if (code && msg)
                return xasprintf("%s: %s (HTTP %ld)", code, msg, rs->status);
        if (rs->status == 401)
                return xstrdup("unauthorized: authentication required (HTTP 401)");
        return xasprintf("HTTP status %ld", rs->status);
}

/* One parameter of a challenge: key="value" (quoted or not). */
static char *challenge_param(const char *ch, const char *key)
{
        size_t k = strlen(key);
        for (const char *p = ch; (p = strcasestr(p, key)); p += k) {
                if (p > ch && p[-1] != ' ' && p[-1] != ',')
                        continue;
                if (p[k] != '=')
                        continue;
                const char *v = p + k + 1;
                if (*v == '"') {
                        const char *end = strchr(v + 1, '"');
                        return end ? strndup(v + 1, (size_t)(end - v - 1)) : NULL;
                }
                return strndup(v, strcspn(v, ", "));
        }
        return NULL;
}

static char *escape(const char *s)
{
        char *e = curl_easy_escape(NULL, s, 0);
        char *r = xstrdup(e ? e : "");
        curl_free(e);
        return r;
}

int reg_fetch_token(struct reg_client *c, struct herr *err)
{
        _cleanup_free_ char *svc = c->service ? escape(c->service) : NULL;
        _cleanup_free_ char *scope_raw = c->repo[0] ? xasprintf("repository:%s:%s", c->repo, c->actions) : NULL;
        _cleanup_free_ char *scope = scope_raw ? escape(scope_raw) : NULL;
        /* A cross-repository mount needs pull access to the source too. */
        _cleanup_free_ char *from_raw = c->mount_from ? xasprintf("repository:%s:pull", c->mount_from) : NULL;
        _cleanup_free_ char *from = from_raw ? escape(from_raw) : NULL;
        _cleanup_free_ char *url = xasprintf("%s%s%s%s%s%s%s%s", c->realm, strchr(c->realm, '?') ? "&" : "?",
                                             svc ? "service=" : "", svc ? svc : "", scope ? "&scope=" : "",
                                             scope ? scope : "", from ? "&scope=" : "", from ? from : "");
        /* The token endpoint takes the stored credentials as basic auth;
         * without any it hands out anonymous tokens (or refuses). */
        free(c->token);
        c->token = NULL;
        struct reg_req rq = REG_REQ_INIT;
        struct reg_resp rs = { 0 };
        rq.url = url;
        rq.max_body = 1 << 20;
        c->fetching_token = 1;
        int r = reg_do(c, &rq, &rs, err);
        c->fetching_token = 0;
        if (r == 0 && rs.status / 100 != 2) {
                _cleanup_free_ char *why = reg_resp_error(&rs);
                r = herr_setc(err, HERR_ENGINE, 0, "getting a token from %s: %s", c->realm, why);
        }
        if (r == 0) {
                _cleanup_json_ json_t *j = json_loads(rs.body ? rs.body : "", 0, NULL);
                const char *t = json_str(j, "token");
                if (!t)
                        t = json_str(j, "access_token");
                if (!t || !*t)
                        r = herr_setc(err, HERR_ENGINE, 0, "getting a token from %s: no token in the answer",
                                      c->realm);
                else
                        c->token = xstrdup(t);
        }
        reg_resp_free(&rs);
        return r;
}

/* Docker treats loopback registries as insecure: HTTP is allowed. */
static int host_is_loopback(const char *host)
{
        char h[IMAGE_REF_NAME_MAX + 1];
        snprintf(h, sizeof h, "%s", host);
        if (h[0] == '[') {
                char *end = strchr(h, ']');
                if (end)
                        *end = '\0';
                struct in6_addr a6;
                return inet_pton(AF_INET6, h + 1, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
        }
        char *colon = strchr(h, ':');
        if (colon)
                *colon = '\0';
        if (!strcmp(h, "localhost"))
                return 1;
        struct in_addr a;
        return inet_pton(AF_INET, h, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

/* $HULL_INSECURE_REGISTRIES: host[:port] entries separated by commas. */
static int listed_insecure(const char *host)
{
        const char *list = getenv("HULL_INSECURE_REGISTRIES");
        size_t n = strlen(host);
        for (const char *p = list; p && *p;) {
                size_t k = strcspn(p, ", ");
                if (k == n && !strncmp(p, host, n))
                        return 1;
                p += k;
                p += strspn(p, ", ");
        }
        return 0;
}

/* GET /v2/ tells whether the registry is there, speaks TLS and what
 * authentication it wants. */
static int ping(struct reg_client *c, struct reg_resp *rs, struct herr *err)
{
        struct reg_req rq = REG_REQ_INIT;
        rq.url = "/v2/";
        rq.max_body = 1 << 16;
        c->scheme = "https";
        if (reg_do(c, &rq, rs, err) == 0)
                return 0;
        if (!c->insecure)
                return herr_wrap(err, "pinging registry %s", c->host);
        /* An insecure registry may speak plain HTTP only. */
        c->scheme = "http";
        if (reg_do(c, &rq, rs, err) < 0)
                return herr_wrap(err, "pinging registry %s", c->host);
        return 0;
}

static int reg_authenticate(struct reg_client *c, struct reg_resp *rs, struct herr *err)
{
        if (rs->status / 100 == 2)
                return 0;
        if (rs->status != 401) {
                _cleanup_free_ char *why = reg_resp_error(rs);
                return herr_setc(err, HERR_ENGINE, 0, "registry %s: /v2/ answered %s", c->host, why);
        }
        const char *ch = rs->www_auth ? rs->www_auth : "";
        if (!strncasecmp(ch, "Bearer ", 7)) {
                free(c->realm);
                free(c->service);
                c->realm = challenge_param(ch + 7, "realm");
                c->service = challenge_param(ch + 7, "service");
                if (!c->realm)
                        return herr_setc(err, HERR_ENGINE, 0, "registry %s: Bearer challenge without a realm",
                                         c->host);
                return reg_fetch_token(c, err);
        }
        if (!strncasecmp(ch, "Basic", 5)) {
                if (!c->basic)
                        return herr_setc(err, HERR_ENGINE, 0,
                                         "registry %s: unauthorized: authentication required (hull login %s)",
                                         c->host, c->cred_key);
                /* Check the credentials now, for one clear error. */
                struct reg_req rq = REG_REQ_INIT;
                rq.url = "/v2/";
                rq.max_body = 1 << 16;
                if (reg_do(c, &rq, rs, err) < 0)
                        return -1;
                if (rs->status == 401)
                        return herr_setc(err, HERR_ENGINE, 0, "registry %s: unauthorized: wrong user name or password",
                                         c->host);
                return 0;
        }
        return herr_setc(err, HERR_ENGINE, 0, "registry %s: unsupported authentication \"%s\"", c->host, ch);
}

int reg_open(struct reg_client *c, const char *root, const char *domain, const char *repo, const char *actions,
             const char *basic, const struct hull_registry_conn *conn, struct herr *err)
{
        static int curl_ready;
        if (!curl_ready) {
                if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                        return herr_setc(err, HERR_ENGINE, 0, "initialising libcurl");
                curl_ready = 1;
        }
        memset(c, 0, sizeof *c);
        int hub = !domain[0] || !strcmp(domain, "docker.io") || !strcmp(domain, "index.docker.io");
        snprintf(c->host, sizeof c->host, "%s", hub ? "registry-1.docker.io" : domain);
        snprintf(c->cred_key, sizeof c->cred_key, "%s", hub ? AUTH_HUB_KEY : domain);
        /* Docker Hub keeps official images under library/. */
        snprintf(c->repo, sizeof c->repo, "%s%s", hub && repo && *repo && !strchr(repo, '/') ? "library/" : "",
                 repo ? repo : "");
        c->actions = actions;
        c->timeout = env_long("HULL_REGISTRY_TIMEOUT", 30);
        if (c->timeout < 1)
                c->timeout = 1;
        c->rate = env_long("HULL_PULL_RATE", 0);
        int verify = conn ? conn->tls_verify : -1;
        if (verify < 0)
                verify = !(host_is_loopback(c->host) || listed_insecure(c->host));
        c->tls_verify = verify;
        c->insecure = !verify;
        if (basic)
                c->basic = xstrdup(basic);
        else if (auth_get(root, c->cred_key, &c->basic, err) < 0)
                return -1;
        struct reg_resp rs = { 0 };
        int r = ping(c, &rs, err);
        if (r == 0)
                r = reg_authenticate(c, &rs, err);
        reg_resp_free(&rs);
        if (r < 0)
                reg_close(c);
        return r;
}

void reg_close(struct reg_client *c)
{
        free(c->basic);
        free(c->token);
        free(c->realm);
        free(c->service);
        free(c->mount_from);
        c->basic = c->token = c->realm = c->service = c->mount_from = NULL;
}
