#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "image/image.h"
#include "image/ref.h"

static const char images_help[] =
        "\nUsage:  hull images [OPTIONS]\n\n"
        "List images\n\n"
        "Options:\n"
        "  -a, --all        Show all images (hull keeps no intermediate images: the same list)\n"
        "      --digests    Show digests\n"
        "      --no-trunc   Don't truncate output\n"
        "  -q, --quiet      Only show image IDs\n"
        "      --help       Print usage\n";

static void print_row(const struct image *img, const char *tag, int quiet, int no_trunc, int digests, time_t now)
{
        const char *hex = strncmp(img->id, "sha256:", 7) ? img->id : img->id + 7;
        char id[80];
        snprintf(id, sizeof id, "%s", no_trunc ? img->id : hex);
        if (!no_trunc)
                id[12] = '\0';
        if (quiet) {
                printf("%s\n", id);
                return;
        }
        char repo[256] = "<none>", t[128] = "<none>", age[64], size[32];
        if (tag) {
                const char *colon = strrchr(tag, ':');
                snprintf(repo, sizeof repo, "%.*s", colon ? (int)(colon - tag) : (int)strlen(tag), tag);
                if (colon)
                        snprintf(t, sizeof t, "%s", colon + 1);
        }
        cli_human_age((long long)(now - img->created), age, sizeof age);
        cli_human_size(img->size, size, sizeof size);
        if (digests) {
                const char *dg = "<none>";
                size_t rl = strlen(repo);
                for (size_t i = 0; img->repo_digests && img->repo_digests[i]; i++)
                        if (!strncmp(img->repo_digests[i], repo, rl) && img->repo_digests[i][rl] == '@')
                                dg = img->repo_digests[i] + rl + 1;
                printf("%-16s %-10s %-71s %-14s %-18s %s\n", repo, t, dg, id, age, size);
        }
        else
                printf("%-16s %-10s %-14s %-18s %s\n", repo, t, id, age, size);
}

int cmd_images(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option opts[] = {
                { "quiet", no_argument, NULL, 'q' },
                { "no-trunc", no_argument, NULL, 'n' },
                { "all", no_argument, NULL, 'a' },
                { "digests", no_argument, NULL, 'd' },
                { "help", no_argument, NULL, 'H' },
                { NULL, 0, NULL, 0 },
        };
        int quiet = 0, no_trunc = 0, digests = 0, c;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+qa", opts, NULL)) != -1) {
                if (c == 'q')
                        quiet = 1;
                else if (c == 'n')
                        no_trunc = 1;
                else if (c == 'd')
                        digests = 1;
                else if (c == 'a')
                        continue;
                else if (c == 'H')
                        return fputs(images_help, stdout), 0;
                else
                        return cli_usage_error("images", "unknown flag: %s", argv[optind - 1]);
        }
        if (argc - optind > 1)
                return cli_usage_error("images", "\"hull images\" accepts at most 1 argument.");
        /* images REPOSITORY[:TAG]: the rows of that repository (and tag) */
        char want[IMAGE_REF_NAME_MAX + IMAGE_REF_TAG_MAX + 2] = "";
        int want_tag = 0;
        if (optind < argc) {
                struct image_ref r;
                struct herr perr = { 0 };
                if (image_ref_parse(argv[optind], &r, &perr) < 0)
                        return cli_fail(&perr);
                want_tag = strchr(argv[optind] + (strrchr(argv[optind], '/') ? strrchr(argv[optind], '/') - argv[optind]
                                                                               : 0), ':') != NULL;
                snprintf(want, sizeof want, want_tag ? "%s:%s" : "%s:", r.name, r.tag);
        }
        struct herr err = { 0 };
        struct image_store *store = NULL;
        struct image **imgs = NULL;
        size_t n = 0;
        if (image_store_open(ctx->root, &store, &err) < 0 || image_ensure_builtin(store, &err) < 0 ||
            image_list(store, &imgs, &n, &err) < 0) {
                image_store_close(store);
                return cli_fail(&err);
        }
        time_t now = time(NULL);
        if (!quiet && digests)
                printf("%-16s %-10s %-71s %-14s %-18s %s\n", "REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED",
                       "SIZE");
        else if (!quiet)
                printf("%-16s %-10s %-14s %-18s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
        for (size_t i = 0; i < n; i++) {
                if ((!imgs[i]->repo_tags || !imgs[i]->repo_tags[0]) && !want[0])
                        print_row(imgs[i], NULL, quiet, no_trunc, digests, now);
                for (size_t k = 0; imgs[i]->repo_tags && imgs[i]->repo_tags[k]; k++) {
                        const char *t = imgs[i]->repo_tags[k];
                        if (want[0] && (want_tag ? strcmp(t, want) : strncmp(t, want, strlen(want))))
                                continue;
                        print_row(imgs[i], imgs[i]->repo_tags[k], quiet, no_trunc, digests, now);
                        if (quiet)
                                break;
                }
        }
        image_list_free(imgs, n);
        image_store_close(store);
        return 0;
}
