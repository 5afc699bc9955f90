/* --format: the subset of Go's text/template that people pass to docker
 * ps / images / inspect, with Docker's "table" mode.
 *
 *   {{.Field}} {{.A.B}} {{.}} {{json .}} {{json .Field}} {{.Label "key"}}
 *   {{upper .X}} {{lower .X}} {{title .X}} {{truncate .X 12}} {{pad .X 1 2}}
 *   {{join .X ","}} {{split .X ","}} {{printf "%-20s" .X}} {{print ...}}
 *   {{println ...}} {{len .X}} {{index .X "key"}}  pipelines: {{.X | upper}},
 *   also in parentheses: {{join (split .X ",") ";"}}
 *   {{- trim markers -}}, template comments, literal text, and the escapes
 *   \t and \n (replaced before parsing, as Docker does).
 *
 * "table TEMPLATE" prints a header line (each field's column title) and
 * aligns the tab-separated columns as Docker's tabwriter does (minimum
 * width 10, padding 3).  "table" alone is the caller's default table and
 * "json" is {{json .}}.
 *
 * Use: format_compile once (every error, unknown fields included, comes
 * out here, before anything is printed), format_row per row, format_flush
 * at the end (which prints the whole table in table mode). */
#pragma once
#include <jansson.h>
#include <stdio.h>
#include "base/err.h"

struct format;

struct format_field {
        const char *name;       /* key in each row: "ID" */
        const char *header;     /* its column title: "CONTAINER ID" */
};

/* Docker's ps fields and titles; rows also carry "LabelsMap" (an object)
 * for {{.Label "key"}}.  Terminated by { NULL, NULL }. */
extern const struct format_field format_ps_fields[];

/* Docker's default ps table, for "--format table". */
#define FORMAT_PS_TABLE "table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.RunningFor}}\\t{{.Status}}\\t{{.Ports}}\\t{{.Names}}"

/* fields NULL: any key of the row is a field (a missing one is an error
 * when rendering), and titles are derived from the names ("CreatedAt" ->
 * "CREATED AT").  table_default: what "table" alone means (NULL: no
 * columns).  Errors read "template: format: ..." (code 125). */
int format_compile(const char *tmpl, const struct format_field *fields, const char *table_default,
                   struct format **ret, struct herr *err);
int format_is_table(const struct format *f);
/* Render one row, followed by a newline.  Printed at once, or kept for the
 * table until format_flush.  A failing row prints nothing. */
int format_row(struct format *f, json_t *row, FILE *out, struct herr *err);
/* Table mode: the header and every row, aligned.  Otherwise nothing. */
int format_flush(struct format *f, FILE *out, struct herr *err);
void format_free(struct format *f);
static inline void format_freep(struct format **f)
{
        format_free(*f);
}
/* One row with its own template (no field list), e.g. inspect --format. */
int format_render(const char *tmpl, json_t *row, FILE *out, struct herr *err);
