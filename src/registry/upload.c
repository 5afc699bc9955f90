/* Parallel monolithic uploads (interface: upload.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "registry/upload.h"

enum { U_QUEUED, U_ACTIVE, U_DONE };

struct up {
        struct upload_job *job;
        int state;
        int fd;
        CURL *h;
        struct curl_slist *hdr;
        long long off;          /* bytes of the body read so far */
        int attempts;
        double retry_at;
        char errbody[4096];
        size_t errlen;
        struct progress *pr;
};

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t on_read(char *buf, size_t size, size_t n, void *data)
{
        struct up *u = data;
        size_t want = size * n;
        if ((long long)want > u->job->d.size - u->off)
                want = (size_t)(u->job->d.size - u->off);
        ssize_t got = pread(u->fd, buf, want, u->off);
        if (got < 0)
                return CURL_READFUNC_ABORT;
        u->off += got;
        return (size_t)got;
}

static int on_seek(void *data, curl_off_t off, int origin)
{
        struct up *u = data;
        if (origin != SEEK_SET)
                return CURL_SEEKFUNC_CANTSEEK;
        u->off = (long long)off;
        return CURL_SEEKFUNC_OK;
}

static int on_xfer(void *data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
        struct up *u = data;
        if (ultotal > 0)
                progress_set(u->pr, u->job->line, PROG_PUSHING, (long long)ulnow, (long long)ultotal);
        return 0;
}

/* The answer's body, kept for the registry's error message. */
static size_t on_body(char *buf, size_t size, size_t n, void *data)
{
        struct up *u = data;
        size_t len = size * n, room = sizeof u->errbody - 1 - u->errlen;
        memcpy(u->errbody + u->errlen, buf, len < room ? len : room);
        u->errlen += len < room ? len : room;
        u->errbody[u->errlen] = '\0';
        return len;
}

static void up_drop(CURLM *m, struct up *u)
{
        if (u->h) {
                curl_multi_remove_handle(m, u->h);
                curl_easy_cleanup(u->h);
                u->h = NULL;
        }
        curl_slist_free_all(u->hdr);
        u->hdr = NULL;
}

static int start(struct reg_client *c, CURLM *m, struct up *u, struct herr *err)
{
        const char *loc = u->job->location;
        _cleanup_free_ char *path = xasprintf("%s%sdigest=%s", loc, strchr(loc, '?') ? "&" : "?", u->job->d.digest);
        _cleanup_free_ char *url = reg_url(c, path);
        u->h = reg_easy(c, url, &u->hdr, err);
        if (!u->h)
                return -1;
        u->hdr = curl_slist_append(u->hdr, "Content-Type: application/octet-stream");
        u->hdr = curl_slist_append(u->hdr, "Expect:");
        curl_easy_setopt(u->h, CURLOPT_HTTPHEADER, u->hdr);
        curl_easy_setopt(u->h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(u->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u->job->d.size);
        curl_easy_setopt(u->h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(u->h, CURLOPT_READDATA, u);
        curl_easy_setopt(u->h, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(u->h, CURLOPT_SEEKDATA, u);
        curl_easy_setopt(u->h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(u->h, CURLOPT_XFERINFOFUNCTION, on_xfer);
        curl_easy_setopt(u->h, CURLOPT_XFERINFODATA, u);
        curl_easy_setopt(u->h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(u->h, CURLOPT_WRITEDATA, u);
        curl_easy_setopt(u->h, CURLOPT_PRIVATE, u);
        u->off = 0;
        u->errlen = 0;
        u->state = U_ACTIVE;
        progress_set(u->pr, u->job->line, PROG_PUSHING, 0, u->job->d.size);
        if (curl_multi_add_handle(m, u->h) != CURLM_OK)
                return herr_set(err, 0, "starting the upload of %s", u->job->d.digest);
        return 0;
}

static int finish(CURLM *m, struct up *u, CURLcode rc, struct herr *err)
{
        long status = 0;
        curl_easy_getinfo(u->h, CURLINFO_RESPONSE_CODE, &status);
        up_drop(m, u);
        u->state = U_QUEUED;
        int retry = rc != CURLE_OK ? reg_curl_retryable(rc) : status >= 500;
        if (retry && u->attempts < REG_RETRIES) {
                u->attempts++;
                u->retry_at = now_s() + 0.25 * (1 << (u->attempts - 1));
                progress_set(u->pr, u->job->line, PROG_RETRYING, 0, u->job->d.size);
                return 0;
        }
        if (rc != CURLE_OK)
                return herr_set(err, 0, "uploading blob %s: %s", u->job->d.digest, curl_easy_strerror(rc));
        if (status != 201) {
                struct reg_resp rs = { .status = status, .body = u->errbody };
                _cleanup_free_ char *why = reg_resp_error(&rs);
                return herr_set(err, 0, "uploading blob %s: %s", u->job->d.digest, why);
        }
        u->state = U_DONE;
        progress_set(u->pr, u->job->line, PROG_PUSHED, u->job->d.size, u->job->d.size);
        return 0;
}

static int run(struct reg_client *c, CURLM *m, struct up *us, size_t n, struct herr *err)
{
        for (;;) {
                size_t active = 0, left = 0;
                double t = now_s();
                for (size_t i = 0; i < n; i++) {
                        active += us[i].state == U_ACTIVE;
                        left += us[i].state != U_DONE;
                }
                if (!left)
                        return 0;
                for (size_t i = 0; i < n && active < UPLOAD_PARALLEL; i++)
                        if (us[i].state == U_QUEUED && us[i].retry_at <= t) {
                                if (start(c, m, &us[i], err) < 0)
                                        return -1;
                                active++;
                        }
                int running;
                if (curl_multi_perform(m, &running) != CURLM_OK)
                        return herr_set(err, 0, "uploading layers: libcurl failed");
                CURLMsg *msg;
                int q;
                while ((msg = curl_multi_info_read(m, &q))) {
                        struct up *u;
                        if (msg->msg != CURLMSG_DONE)
                                continue;
                        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&u);
                        if (finish(m, u, msg->data.result, err) < 0)
                                return -1;
                }
                curl_multi_poll(m, NULL, 0, 100, NULL);
        }
}

int upload_blobs(struct reg_client *c, struct image_store *s, struct upload_job *jobs, size_t n,
                 struct progress *pr, struct herr *err)
{
        struct up *us = calloc(n + 1, sizeof *us);
        CURLM *m = curl_multi_init();
        int r = 0;
        if (!us || !m)
                r = herr_set(err, ENOMEM, "uploading layers");
        for (size_t i = 0; us && i < n; i++)
                us[i].fd = -1;
        for (size_t i = 0; r == 0 && i < n; i++) {
                us[i].job = &jobs[i];
                us[i].pr = pr;
                us[i].fd = blob_open(s, jobs[i].d.digest, err);
                if (us[i].fd < 0)
                        r = -1;
        }
        if (r == 0)
                r = run(c, m, us, n, err);
        for (size_t i = 0; us && i < n; i++) {
                up_drop(m, &us[i]);
                if (us[i].fd >= 0)
                        close(us[i].fd);
        }
        if (m)
                curl_multi_cleanup(m);
        free(us);
        return r;
}
