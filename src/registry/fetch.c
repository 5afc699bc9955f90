/* Parallel, verified, resumable blob downloads (interface: fetch.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/sha256.h"
#include "registry/fetch.h"

enum { X_QUEUED, X_ACTIVE, X_DONE };

struct xfer {
        struct fetch_item *it;
        int state;
        CURL *h;
        struct curl_slist *hdr;
        int fd;                 /* the partial file, flock()ed */
        char *partial;
        struct sha256 hash;     /* over the first `have` bytes of the partial file */
        long long have;
        long long resumed;      /* bytes found on disk when the pull started */
        long long flushed;      /* bytes whose writeback has been started */
        long status;            /* of the response whose body is arriving */
        int body_started;
        int too_big;
        int write_failed;
        int stream_lost;        /* the unpacker died mid-blob: start again without it */
        char *pend;             /* taken from libcurl, not yet into the unpacker's pipe */
        size_t pend_len, pend_cap;
        int paused;             /* libcurl holds the rest until pend is written */
        char errbody[4096];     /* an error response's body, for its message */
        size_t errlen;
        int attempts;
        int reauthed;
        double retry_at;
        int announced;          /* fetch_ready called */
        struct progress *p;
};

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void stream_stop(struct xfer *x)
{
        layer_stream_abort(x->it->ls);
        x->it->ls = NULL;
        x->pend_len = 0;
}

static int restart_from_zero(struct xfer *x)
{
        stream_stop(x);
        x->have = x->flushed = 0;
        sha256_begin(&x->hash);
        return ftruncate(x->fd, 0);
}

static int pend_keep(struct xfer *x, const char *buf, size_t len)
{
        if (len > x->pend_cap) {
                char *p = realloc(x->pend, len);
                if (!p)
                        return -1;
                x->pend = p;
                x->pend_cap = len;
        }
        memcpy(x->pend, buf, len);
        x->pend_len = len;
        return 0;
}

/* Hand the unpacker what it could not take before; 1 when all of it is
 * gone, -1 when the unpacker is. */
static int pend_flush(struct xfer *x)
{
        if (!x->pend_len)
                return 1;
        ssize_t w = layer_stream_write(x->it->ls, x->pend, x->pend_len);
        if (w < 0)
                return -1;
        memmove(x->pend, x->pend + w, x->pend_len - (size_t)w);
        x->pend_len -= (size_t)w;
        return x->pend_len == 0;
}

static size_t on_data(char *buf, size_t size, size_t n, void *data)
{
        struct xfer *x = data;
        size_t len = size * n;
        if (!x->body_started) {
                x->body_started = 1;
                curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
                /* 200 to a Range request: the registry sends it all again. */
                if (x->status == 200 && x->have > 0 && restart_from_zero(x) < 0) {
                        x->write_failed = errno;
                        return 0;
                }
        }
        if (x->status / 100 != 2) {
                size_t room = sizeof x->errbody - 1 - x->errlen;
                memcpy(x->errbody + x->errlen, buf, len < room ? len : room);
                x->errlen += len < room ? len : room;
                x->errbody[x->errlen] = '\0';
                return len;
        }
        if (x->have + (long long)len > x->it->d.size) {
                x->too_big = 1;
                return 0;
        }
        if (x->it->ls) {
                /* The unpacker keeps the copy on disk and hashes it too.  A
                 * full pipe pauses this transfer only, not the others. */
                if (x->stream_lost)
                        return 0;
                if (x->pend_len) {
                        x->paused = 1;
                        return CURL_WRITEFUNC_PAUSE;
                }
                ssize_t w = layer_stream_write(x->it->ls, buf, len);
                if (w < 0) {
                        x->stream_lost = 1;
                        return 0;
                }
                if ((size_t)w < len && pend_keep(x, buf + w, len - (size_t)w) < 0) {
                        x->write_failed = ENOMEM;
                        return 0;
                }
        } else {
                if (fd_pwrite_all(x->fd, buf, len, (off_t)x->have) < 0) {
                        x->write_failed = errno;
                        return 0;
                }
                sha256_add(&x->hash, buf, len);
        }
        x->have += (long long)len;
        /* Before the blob is named by its digest it is fsync()ed. */
        if (!x->it->ls)
                fd_writeback(x->fd, &x->flushed, x->have);
        progress_set(x->p, x->it->line, PROG_DOWNLOADING, x->have, x->it->d.size);
        return len;
}

/* Hash what an earlier pull left in the partial file, so that only the
 * rest is asked for. */
static int resume_point(struct xfer *x, struct herr *err)
{
        struct stat st;
        char buf[64 * 1024];
        sha256_begin(&x->hash);
        x->have = 0;
        if (fstat(x->fd, &st) < 0)
                return herr_set(err, errno, "reading %s", x->partial);
        if (st.st_size > x->it->d.size)
                return restart_from_zero(x) < 0 ? herr_set(err, errno, "truncating %s", x->partial) : 0;
        while (x->have < st.st_size) {
                ssize_t got = pread(x->fd, buf, sizeof buf, (off_t)x->have);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got <= 0)
                        return herr_set(err, got < 0 ? errno : EIO, "reading %s", x->partial);
                sha256_add(&x->hash, buf, (size_t)got);
                x->have += got;
        }
        x->resumed = x->flushed = x->have;
        return 0;
}

static int blob_present(struct image_store *s, const char *digest)
{
        _cleanup_free_ char *name = xasprintf("blobs/sha256/%s", digest_hex(digest));
        return faccessat(s->dirfd, name, F_OK, 0) == 0;
}

/* Whether fd is still the file at path (not renamed into blobs/ or
 * unlinked by the pull that held it before us). */
static int same_file(int fd, const char *path)
{
        struct stat a, b;
        return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* 1 when the blob turned up meanwhile (another pull fetched it). */
static int open_partial(struct image_store *s, struct xfer *x, struct herr *err)
{
        x->partial = xasprintf("%s/" FETCH_DIR "/%s.partial", s->dir, digest_hex(x->it->d.digest));
        /* Bounded: each round means another pull finished with the file. */
        for (int round = 0; round < 8; round++) {
                x->fd = open(x->partial, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
                if (x->fd < 0)
                        return herr_set(err, errno, "creating %s", x->partial);
                /* Another pull of the same blob: wait for it, then use its work. */
                if (flock(x->fd, LOCK_EX | LOCK_NB) < 0 && (errno != EWOULDBLOCK || flock(x->fd, LOCK_EX) < 0))
                        return herr_set(err, errno, "locking %s", x->partial);
                if (blob_present(s, x->it->d.digest)) {
                        /* An empty file we made after the other pull renamed its own. */
                        if (same_file(x->fd, x->partial))
                                unlink(x->partial);
                        return 1;
                }
                if (same_file(x->fd, x->partial)) {
                        /* What a killed pull was unpacking as it went: a
                         * resumed download is unpacked from the blob. */
                        _cleanup_free_ char *rel = xasprintf(FETCH_DIR "/%s.layer", digest_hex(x->it->d.digest));
                        if (rm_rf_at(s->dirfd, rel, err) < 0)
                                return -1;
                        return resume_point(x, err);
                }
                close(x->fd);
                x->fd = -1;
        }
        return herr_set(err, EBUSY, "locking %s", x->partial);
}

static int commit(struct image_store *s, struct xfer *x, struct herr *err)
{
        char hex[SHA256_HEX_LEN + 1];
        const char *digest = x->it->d.digest;
        long long have = x->have;
        if (x->it->ls) {
                char got[IMAGE_DIGEST_LEN + 1];
                int f;
                while ((f = pend_flush(x)) == 0) {
                        struct pollfd pfd = { .fd = layer_stream_fd(x->it->ls), .events = POLLOUT };
                        poll(&pfd, 1, -1);
                }
                struct herr lost;
                if (f < 0 || layer_stream_end(x->it->ls, got, &have, &lost) < 0) {
                        /* The unpacker died (or could not keep its copy) with
                         * the whole blob given: all again, without it.  A
                         * write error comes back then from our own write. */
                        x->it->stream = 0;
                        if (restart_from_zero(x) < 0)
                                return herr_set(err, errno, "truncating %s", x->partial);
                        progress_set(x->p, x->it->line, PROG_RETRYING, 0, x->it->d.size);
                        return 1;
                }
                snprintf(hex, sizeof hex, "%s", digest_hex(got));
        } else {
                sha256_end_hex(&x->hash, hex);
        }
        if (have != x->it->d.size) {
                stream_stop(x);
                unlink(x->partial);
                return herr_set(err, 0, "blob %s: got %lld bytes, the manifest says %lld", digest, have,
                                x->it->d.size);
        }
        progress_set(x->p, x->it->line, PROG_VERIFYING, have, have);
        if (strcmp(hex, digest_hex(digest))) {
                /* What an earlier pull left may be what is wrong (a torn
                 * write, a changed disk): fetch the whole blob once more. */
                if (x->resumed > 0) {
                        x->resumed = 0;
                        if (restart_from_zero(x) < 0)
                                return herr_set(err, errno, "truncating %s", x->partial);
                        progress_set(x->p, x->it->line, PROG_RETRYING, 0, x->it->d.size);
                        return 1;
                }
                /* Useless for a resume too: start from nothing next time. */
                stream_stop(x);
                unlink(x->partial);
                return herr_set(err, 0, "blob %s: digest mismatch, the content hashes to sha256:%s", digest, hex);
        }
        _cleanup_free_ char *dst = xasprintf("%s/blobs/sha256/%s", s->dir, hex);
        if (fchmod(x->fd, 0644) < 0 || fsync(x->fd) < 0 || rename(x->partial, dst) < 0)
                return herr_set(err, errno, "storing blob %s", digest);
        progress_set(x->p, x->it->line, PROG_DOWNLOADED, have, have);
        return 0;
}

static void xfer_drop(CURLM *m, struct xfer *x)
{
        if (x->h) {
                curl_multi_remove_handle(m, x->h);
                curl_easy_cleanup(x->h);
                x->h = NULL;
        }
        curl_slist_free_all(x->hdr);
        x->hdr = NULL;
}

/* Unpack while the bytes arrive, from the first one: the layer is then
 * ready about when its download ends, instead of a whole unpack later. */
static void stream_begin(struct image_store *s, struct xfer *x)
{
        struct herr ignored;
        if (!x->it->stream || x->it->ls || x->have > 0)
                return;
        _cleanup_free_ char *rel = xasprintf(FETCH_DIR "/%s.layer", digest_hex(x->it->d.digest));
        if (layer_stream_begin(s, x->it->d.digest, rel, x->fd, &x->it->ls, &ignored) < 0)
                x->it->ls = NULL;       /* unpacked from the blob afterwards, as without streaming */
}

static int start(struct reg_client *c, struct image_store *s, CURLM *m, struct xfer *x, struct herr *err)
{
        _cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", c->repo, x->it->d.digest);
        _cleanup_free_ char *url = reg_url(c, path);
        x->h = reg_easy(c, url, &x->hdr, err);
        if (!x->h)
                return -1;
        curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->hdr);
        curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
        curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
        /* Fewer, larger writes to the file, the hash and the unpacker.  Not
         * under $HULL_PULL_RATE: libcurl's rate limit checks between reads,
         * so large ones let a whole small blob through at once. */
        if (!c->rate)
                curl_easy_setopt(x->h, CURLOPT_BUFFERSIZE, FETCH_BUFFER);
        stream_begin(s, x);
        char range[64];
        if (x->have > 0) {
                snprintf(range, sizeof range, "%lld-", x->have);
                curl_easy_setopt(x->h, CURLOPT_RANGE, range);
        }
        x->body_started = 0;
        x->paused = 0;
        x->status = 0;
        x->errlen = 0;
        x->state = X_ACTIVE;
        progress_set(x->p, x->it->line, PROG_DOWNLOADING, x->have, x->it->d.size);
        if (curl_multi_add_handle(m, x->h) != CURLM_OK)
                return herr_set(err, 0, "starting the download of %s", x->it->d.digest);
        return 0;
}

/* A finished transfer: stored, to be tried again, or an error. */
static int finish(struct reg_client *c, struct image_store *s, CURLM *m, struct xfer *x, CURLcode rc,
                  struct herr *err)
{
        const char *digest = x->it->d.digest;
        long status = x->status;
        if (!x->body_started)
                curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
        xfer_drop(m, x);
        x->state = X_QUEUED;
        if (x->stream_lost) {
                /* Not counted as an attempt: the registry did nothing wrong. */
                x->stream_lost = 0;
                x->it->stream = 0;
                return restart_from_zero(x) < 0 ? herr_set(err, errno, "truncating %s", x->partial) : 0;
        }
        if (x->too_big) {
                unlink(x->partial);
                return herr_set(err, 0, "blob %s: larger than the %lld bytes the manifest says", digest,
                                x->it->d.size);
        }
        if (x->write_failed)
                return herr_set(err, x->write_failed, "writing %s", x->partial);
        /* A token that expired during a long pull: a new one, once. */
        if (rc == CURLE_OK && status == 401 && c->realm && !x->reauthed) {
                x->reauthed = 1;
                return reg_fetch_token(c, err);
        }
        int retry = rc != CURLE_OK ? reg_curl_retryable(rc) : status >= 500 || status == 416;
        if (retry && x->attempts < REG_RETRIES) {
                if (status == 416 && restart_from_zero(x) < 0)
                        return herr_set(err, errno, "truncating %s", x->partial);
                x->attempts++;
                x->retry_at = now_s() + 0.25 * (1 << (x->attempts - 1));
                progress_set(x->p, x->it->line, PROG_RETRYING, x->have, x->it->d.size);
                return 0;
        }
        if (rc == CURLE_TOO_MANY_REDIRECTS)
                return herr_set(err, 0, "fetching blob %s: too many redirects (a redirect loop?)", digest);
        if (rc == CURLE_OPERATION_TIMEDOUT)
                return herr_set(err, 0, "fetching blob %s: registry timed out (no data for %ld s)", digest,
                                c->timeout);
        if (rc != CURLE_OK)
                return herr_set(err, 0, "fetching blob %s: %s", digest, curl_easy_strerror(rc));
        if (status / 100 != 2) {
                struct reg_resp rs = { .status = status, .body = x->errbody };
                _cleanup_free_ char *why = reg_resp_error(&rs);
                return herr_set(err, 0, "fetching blob %s: %s", digest, why);
        }
        x->state = X_DONE;
        int r = commit(s, x, err);
        if (r > 0)
                x->state = X_QUEUED;
        return r < 0 ? -1 : 0;
}

static int pending(struct xfer *xs, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (xs[i].state != X_DONE)
                        return 1;
        return 0;
}

static int start_ready(struct reg_client *c, struct image_store *s, CURLM *m, struct xfer *xs, size_t n,
                       struct herr *err)
{
        size_t active = 0;
        double t = now_s();
        for (size_t i = 0; i < n; i++)
                active += xs[i].state == X_ACTIVE;
        for (size_t i = 0; i < n && active < FETCH_PARALLEL; i++) {
                if (xs[i].state != X_QUEUED || xs[i].retry_at > t)
                        continue;
                if (start(c, s, m, &xs[i], err) < 0)
                        return -1;
                active++;
        }
        return 0;
}

/* Tell the caller about every blob stored since the last call. */
static int announce(struct xfer *xs, size_t n, const struct fetch_ready *ready, struct herr *err)
{
        for (size_t i = 0; i < n; i++) {
                if (xs[i].state != X_DONE || xs[i].announced)
                        continue;
                xs[i].announced = 1;
                if (ready && ready->fn(ready->data, i, err) < 0)
                        return -1;
        }
        return 0;
}

/* Feed the unpackers that could not take all they were given, and let
 * their transfers go on once they have.  Fills fds with the pipes still
 * full, for the wait. */
static unsigned feed(struct xfer *xs, size_t n, struct curl_waitfd *fds, unsigned max)
{
        unsigned k = 0;
        for (size_t i = 0; i < n; i++) {
                struct xfer *x = &xs[i];
                if (x->state != X_ACTIVE || !x->it->ls || !x->pend_len)
                        continue;
                int f = pend_flush(x);
                if (f < 0) {
                        /* Ends the transfer; finish() starts it again. */
                        x->stream_lost = 1;
                        if (x->paused) {
                                x->paused = 0;
                                curl_easy_pause(x->h, CURLPAUSE_CONT);
                        }
                } else if (f > 0 && x->paused) {
                        x->paused = 0;
                        curl_easy_pause(x->h, CURLPAUSE_CONT);
                } else if (f == 0 && k < max) {
                        fds[k++] = (struct curl_waitfd){ .fd = layer_stream_fd(x->it->ls), .events = CURL_WAIT_POLLOUT };
                }
        }
        return k;
}

static int run(struct reg_client *c, struct image_store *s, CURLM *m, struct xfer *xs, size_t n,
               const struct fetch_ready *ready, struct herr *err)
{
        for (;;) {
                int running;
                if (start_ready(c, s, m, xs, n, err) < 0)
                        return -1;
                if (curl_multi_perform(m, &running) != CURLM_OK)
                        return herr_set(err, 0, "downloading layers: libcurl failed");
                /* Publishing a layer (waiting for its unpacker to finish the
                 * last bytes, or unpacking a blob that was not streamed)
                 * stalls the transfers meanwhile, but the kernel keeps
                 * receiving into the sockets' buffers. */
                if (announce(xs, n, ready, err) < 0)
                        return -1;
                CURLMsg *msg;
                int left;
                while ((msg = curl_multi_info_read(m, &left))) {
                        if (msg->msg != CURLMSG_DONE)
                                continue;
                        struct xfer *x;
                        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
                        if (finish(c, s, m, x, msg->data.result, err) < 0)
                                return -1;
                }
                /* A blob just stored gets its layer published now, not after
                 * the next wait. */
                if (announce(xs, n, ready, err) < 0)
                        return -1;
                if (!pending(xs, n))
                        return 0;
                struct curl_waitfd fds[FETCH_PARALLEL];
                unsigned nfds = feed(xs, n, fds, FETCH_PARALLEL);
                curl_multi_poll(m, fds, nfds, 100, NULL);
        }
}

/* A pull killed after it stored a blob, but before it published the layer
 * it unpacked as the blob arrived, leaves downloads/<hex>.layer behind,
 * and the blob is not fetched again to clear it.  A pull still at work on
 * that directory holds the blob locked (the stored blob is its renamed
 * partial file, locked until the pull's fetch ends; its unpacker, which
 * may outlive a killed pull for a moment, shares that lock): wait for it,
 * then what is left is stale. */
static int sweep_stream_dir(struct image_store *s, const char *digest, struct herr *err)
{
        _cleanup_free_ char *rel = xasprintf(FETCH_DIR "/%s.layer", digest_hex(digest));
        if (faccessat(s->dirfd, rel, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                return 0;
        _cleanup_free_ char *bp = xasprintf("blobs/sha256/%s", digest_hex(digest));
        _cleanup_close_ int fd = openat(s->dirfd, bp, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;       /* not stored after all: its next download clears it */
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return herr_set(err, errno, "locking %s/%s", s->dir, bp);
        return rm_rf_at(s->dirfd, rel, err);
}

static int prepare(struct image_store *s, struct fetch_item *items, size_t n, struct progress *p, struct xfer *xs,
                   struct herr *err)
{
        for (size_t i = 0; i < n; i++) {
                xs[i].it = &items[i];
                xs[i].fd = -1;
                xs[i].p = p;
                xs[i].state = X_DONE;
                if (!items[i].wanted) {
                        if (sweep_stream_dir(s, items[i].d.digest, err) < 0)
                                return herr_wrap(err, "blob %s", items[i].d.digest);
                        continue;
                }
                int r = open_partial(s, &xs[i], err);
                if (r < 0)
                        return herr_wrap(err, "blob %s", items[i].d.digest);
                if (r > 0) {
                        progress_set(p, items[i].line, PROG_DOWNLOADED, items[i].d.size, items[i].d.size);
                        continue;
                }
                xs[i].state = X_QUEUED;
                /* All of it there already (killed between download and rename). */
                if (xs[i].have == items[i].d.size) {
                        xs[i].state = X_DONE;
                        int c = commit(s, &xs[i], err);
                        if (c < 0)
                                return -1;
                        if (c > 0)
                                xs[i].state = X_QUEUED;
                }
        }
        return 0;
}

int fetch_blobs(struct reg_client *c, struct image_store *s, struct fetch_item *items, size_t n,
                struct progress *p, const struct fetch_ready *ready, struct herr *err)
{
        if (mkdirat(s->dirfd, FETCH_DIR, 0700) < 0 && errno != EEXIST)
                return herr_set(err, errno, "creating %s/" FETCH_DIR, s->dir);
        struct xfer *xs = calloc(n + 1, sizeof *xs);
        CURLM *m = curl_multi_init();
        int r = -1;
        if (!xs || !m)
                herr_set(err, ENOMEM, "downloading layers");
        else if (prepare(s, items, n, p, xs, err) == 0)
                r = run(c, s, m, xs, n, ready, err);
        for (size_t i = 0; xs && i < n; i++) {
                /* Before the partial file's lock goes: the unpack directory is
                 * only ours while we hold it. */
                if (xs[i].it)
                        stream_stop(&xs[i]);
                free(xs[i].pend);
                xfer_drop(m, &xs[i]);
                if (xs[i].fd >= 0)
                        close(xs[i].fd);
                free(xs[i].partial);
        }
        if (m)
                curl_multi_cleanup(m);
        free(xs);
        return r;
}

int fetch_small(struct reg_client *c, const struct mf_desc *d, size_t max, char **ret, struct herr *err)
{
        char hex[SHA256_HEX_LEN + 1];
        _cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", c->repo, d->digest);
        struct reg_req rq = REG_REQ_INIT;
        struct reg_resp rs = { 0 };
        if ((size_t)d->size > max)
                return herr_set(err, 0, "blob %s: %lld bytes is more than the %zu allowed", d->digest, d->size, max);
        rq.url = path;
        rq.max_body = max;
        int r = reg_do(c, &rq, &rs, err);
        if (r == 0 && rs.status / 100 != 2) {
                _cleanup_free_ char *why = reg_resp_error(&rs);
                r = herr_set(err, 0, "fetching blob %s: %s", d->digest, why);
        }
        if (r == 0 && (long long)rs.len != d->size)
                r = herr_set(err, 0, "blob %s: got %zu bytes, the manifest says %lld", d->digest, rs.len, d->size);
        if (r == 0) {
                sha256_hex(rs.body ? rs.body : "", rs.len, hex);
                if (strcmp(hex, digest_hex(d->digest)))
                        r = herr_set(err, 0, "blob %s: digest mismatch, the content hashes to sha256:%s", d->digest,
                                      hex);
        }
        if (r == 0)
                *ret = TAKE_PTR(rs.body);
        reg_resp_free(&rs);
        return r;
}
