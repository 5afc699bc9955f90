/* One registry, over the distribution API: URLs, TLS, authentication
 * (basic and bearer tokens), retries and limits, on libcurl. */
#pragma once
#include <curl/curl.h>
#include <stddef.h>
#include "base/err.h"
#include "image/registry_module.h"

#define REG_MANIFEST_MAX (4 << 20)      /* a manifest or config larger than this is refused */
#define REG_CONFIG_MAX (16 << 20)
#define REG_RETRIES 3                   /* attempts after the first, on 5xx and resets */

struct reg_client {
        char host[IMAGE_REF_NAME_MAX + 1];      /* host[:port] in URLs: registry-1.docker.io, 127.0.0.1:5000 */
        char cred_key[IMAGE_REF_NAME_MAX + 1];  /* key of the credentials in auth files */
        char repo[IMAGE_REF_NAME_MAX + 1];      /* repository path: library/busybox */
        const char *scheme;                     /* "https" or "http" */
        int tls_verify;                         /* verify certificates */
        int insecure;                           /* plain HTTP allowed */
        char *basic;                            /* base64(user:pass), or NULL */
        char *token;                            /* bearer token, or NULL */
        char *realm, *service;                  /* from the registry's Bearer challenge */
        const char *actions;                    /* token scope: "pull" or "pull,push" */
        long timeout;                           /* seconds without progress before giving up */
        long rate;                              /* bytes/s download limit (0: none) */
        int fetching_token;                     /* no token refresh inside the token request */
        char *mount_from;                       /* another repository whose blobs a push mounts */
};

struct reg_resp {
        long status;
        char *content_type;
        char *digest;           /* Docker-Content-Digest */
        char *location;
        char *www_auth;
        char *range;
        char *body;             /* NUL-terminated; only for requests with max_body */
        size_t len;
};

struct reg_req {
        const char *method;     /* "GET", "HEAD", "PUT", "POST", "PATCH" */
        const char *url;        /* absolute, or a path from the host ("/v2/...") */
        const char *accept;
        const char *content_type;
        const void *body;       /* request body in memory ... */
        size_t body_len;
        int body_fd;            /* ... or from a file (-1: none) */
        long long body_off;     /* where in the file the body starts */
        long long body_size;
        const char *header;     /* one more request header, or NULL */
        size_t max_body;        /* keep the response body, up to this many bytes */
        /* Called as the body goes out (uploads), for progress lines. */
        void (*on_sent)(void *data, long long sent, long long total);
        void *sent_data;
};
#define REG_REQ_INIT { .method = "GET", .body_fd = -1 }

/* Resolve domain (as image_ref has it; "" for Docker Hub) and find how to
 * talk to it: the scheme (HTTPS, or HTTP for an insecure registry that
 * does not speak TLS), the authentication it asks for, the credentials
 * stored for it (or basic, base64 user:password, when given).  actions is
 * the token scope wanted for repo ("" for none). */
int reg_open(struct reg_client *c, const char *root, const char *domain, const char *repo, const char *actions,
             const char *basic, const struct hull_registry_conn *conn, struct herr *err);
void reg_close(struct reg_client *c);

/* One request, with retries on 5xx and dropped connections and one new
 * token after a 401.  Statuses other than 2xx are returned, not errors. */
int reg_do(struct reg_client *c, const struct reg_req *rq, struct reg_resp *rs, struct herr *err);
void reg_resp_free(struct reg_resp *rs);

/* An easy handle set up for c: timeouts, TLS, redirects, auth header
 * (returned in *headers, which the caller frees after the transfer). */
CURL *reg_easy(struct reg_client *c, const char *url, struct curl_slist **headers, struct herr *err);
char *reg_url(const struct reg_client *c, const char *path);
/* The registry's error ("MANIFEST_UNKNOWN: manifest unknown") or the
 * status line, for messages. */
char *reg_resp_error(const struct reg_resp *rs);
/* Whether a curl result is worth another attempt. */
int reg_curl_retryable(CURLcode rc);
/* Sleep before attempt n (1, 2, ...): 250 ms doubling. */
void reg_backoff(int attempt);
/* Credentials for a registry (the auth file key) as base64(user:pass). */
int reg_fetch_token(struct reg_client *c, struct herr *err);
