/* The hull command line: each command parses its arguments into an option
 * struct, calls one engine function and prints.  No kernel calls, no file
 * formats here. */
#pragma once
#include "base/err.h"
#include "engine/engine.h"

struct cli_cmd {
        const char *name;
        const char *summary;
        int (*run)(const struct engine_ctx *ctx, int argc, char **argv);
};

/* Print "hull: <message>" and return the error's exit code. */
int cli_fail(const struct herr *err);
/* Print Docker's hint for a bad flag and return 125. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "2 hours ago", "About a minute ago", ... */
void cli_human_age(long long seconds, char *buf, size_t len);
/* "4.2MB" in Docker's (decimal) units */
void cli_human_size(long long bytes, char *buf, size_t len);

int cmd_run(const struct engine_ctx *ctx, int argc, char **argv);
/* cmd_container.c */
int cmd_create(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_start(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_stop(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_kill(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_restart(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_wait(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_rm(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_rename(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_inspect(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_container(const struct engine_ctx *ctx, int argc, char **argv);
/* cmd_ps.c */
int cmd_ps(const struct engine_ctx *ctx, int argc, char **argv);
/* cmd_logs.c */
int cmd_logs(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_attach(const struct engine_ctx *ctx, int argc, char **argv);
/* cmd_exec.c */
int cmd_exec(const struct engine_ctx *ctx, int argc, char **argv);
/* cmd_stats.c */
int cmd_top(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_stats(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_pause(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_unpause(const struct engine_ctx *ctx, int argc, char **argv);

/* `hull run` arguments; the vectors own what -e, --env-file, --cap-add and
 * --cap-drop collected, and o points into them and into argv. */
struct run_args {
        struct run_opts o;
        char **env, **env_files, **cap_add, **cap_drop, **log_opts, **labels;
        char **volumes, **mounts, **tmpfs, **volumes_from;
};
/* Returns -1 when the command should run, or the exit status to end with
 * (0 after --help, 125 after a usage error, which it has printed). */
int run_args_parse(struct run_args *a, int argc, char **argv);
void run_args_free(struct run_args *a);
int cmd_images(const struct engine_ctx *ctx, int argc, char **argv);
/* cmd_image.c */
int cmd_load(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_save(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_import(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_export(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_commit(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_tag(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_rmi(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_history(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_image(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_system(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_volume(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_info(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_version(const struct engine_ctx *ctx, int argc, char **argv);
/* cmd_network.c */
int cmd_network(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_port(const struct engine_ctx *ctx, int argc, char **argv);
/* cmd_registry.c */
int cmd_pull(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_push(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_login(const struct engine_ctx *ctx, int argc, char **argv);
int cmd_logout(const struct engine_ctx *ctx, int argc, char **argv);
