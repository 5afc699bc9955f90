/* Per-layer progress lines (interface: progress.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "registry/progress.h"

struct line {
        char id[13];
        enum prog_state st;
        long long done, total;
};

struct progress {
        size_t n;
        int quiet, tty, push, drawn;
        FILE *out;
        struct timespec last;
        struct line *lines;
};

static const char *state_text(enum prog_state st, int push)
{
        switch (st) {
        case PROG_WAITING: return push ? "Preparing" : "Pulling fs layer";
        case PROG_EXISTS: return push ? "Layer already exists" : "Already exists";
        case PROG_DOWNLOADING: return "Downloading";
        case PROG_VERIFYING: return "Verifying Checksum";
        case PROG_DOWNLOADED: return "Download complete";
        case PROG_EXTRACTING: return "Extracting";
        case PROG_DONE: return "Pull complete";
        case PROG_PUSHING: return "Pushing";
        case PROG_PUSHED: return "Pushed";
        case PROG_MOUNTED: return "Mounted from another repository";
        case PROG_RETRYING: return "Retrying";
        }
        return "";
}

struct progress *progress_new(FILE *out, size_t n, int quiet, int push)
{
        struct progress *p = calloc(1, sizeof *p);
        if (!p || !(p->lines = calloc(n + 1, sizeof *p->lines)))
                abort();
        p->n = n;
        p->quiet = quiet;
        p->push = push;
        p->out = out;
        p->tty = isatty(fileno(out)) && getenv("TERM") && strcmp(getenv("TERM"), "dumb");
        return p;
}

void progress_name(struct progress *p, size_t i, const char *digest)
{
        const char *hex = strchr(digest, ':');
        snprintf(p->lines[i].id, sizeof p->lines[i].id, "%.12s", hex ? hex + 1 : digest);
}

static void human(long long b, char *buf, size_t len)
{
        if (b >= 1000LL * 1000 * 1000)
                snprintf(buf, len, "%.2fGB", (double)b / 1e9);
        else if (b >= 1000LL * 1000)
                snprintf(buf, len, "%.2fMB", (double)b / 1e6);
        else if (b >= 1000)
                snprintf(buf, len, "%.2fkB", (double)b / 1e3);
        else
                snprintf(buf, len, "%lldB", b);
}

static void draw_line(FILE *f, const struct line *l, int push)
{
        fprintf(f, "\r\033[2K%s: %s", l->id, state_text(l->st, push));
        if ((l->st == PROG_DOWNLOADING || l->st == PROG_PUSHING || l->st == PROG_EXTRACTING) && l->total > 0) {
                char a[32], b[32], bar[51];
                int w = (int)(l->done * 50 / l->total);
                if (w > 50)
                        w = 50;
                for (int k = 0; k < 50; k++)
                        bar[k] = k < w ? '=' : k == w ? '>' : ' ';
                bar[50] = '\0';
                human(l->done, a, sizeof a);
                human(l->total, b, sizeof b);
                fprintf(f, " [%s] %s/%s", bar, a, b);
        }
        fprintf(f, "\n");
}

/* Redraw every line, at most ten times a second while bytes flow. */
static void redraw(struct progress *p, int force)
{
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (now.tv_sec - p->last.tv_sec) * 1000 + (now.tv_nsec - p->last.tv_nsec) / 1000000;
        if (!force && ms < 100)
                return;
        p->last = now;
        if (p->drawn)
                fprintf(p->out, "\033[%zuA", p->n);
        for (size_t i = 0; i < p->n; i++)
                draw_line(p->out, &p->lines[i], p->push);
        p->drawn = 1;
        fflush(p->out);
}

void progress_set(struct progress *p, size_t i, enum prog_state st, long long done, long long total)
{
        struct line *l = &p->lines[i];
        int changed = l->st != st || (p->tty && !p->drawn);
        l->st = st;
        l->done = done;
        l->total = total;
        if (p->quiet)
                return;
        if (p->tty) {
                redraw(p, changed);
                return;
        }
        if (changed || st == PROG_WAITING) {
                fprintf(p->out, "%s: %s\n", l->id, state_text(st, p->push));
                fflush(p->out);
        }
}

void progress_end(struct progress *p)
{
        if (p->tty && !p->quiet && p->n)
                redraw(p, 1);
}

void progress_free(struct progress *p)
{
        if (!p)
                return;
        free(p->lines);
        free(p);
}
