/* --format: a small interpreter for the Go text/template subset that
 * Docker users write, over JSON rows, and Go's tabwriter for "table".
 * The grammar and the messages follow Go's where the subset allows. */
#include "cli/format.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/strv.h"

const struct format_field format_ps_fields[] = {
        { "ID", "CONTAINER ID" },  { "Image", "IMAGE" },    { "Command", "COMMAND" },
        { "CreatedAt", "CREATED AT" }, { "RunningFor", "CREATED" }, { "Ports", "PORTS" },
        { "State", "STATE" },      { "Status", "STATUS" },  { "Size", "SIZE" },
        { "Names", "NAMES" },      { "Labels", "LABELS" },  { "Mounts", "MOUNTS" },
        { "Networks", "NETWORKS" }, { "LocalVolumes", "LOCAL VOLUMES" }, { NULL, NULL },
};

/* ------------------------------------------------------------ buffers */

struct buf {
        char *p;
        size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 256;
                while (cap < b->len + n + 1)
                        cap *= 2;
                char *p = realloc(b->p, cap);
                if (!p)
                        abort();        /* as xasprintf: output this small cannot run out */
                b->p = p;
                b->cap = cap;
        }
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
        buf_add(b, s, strlen(s));
}

static void buf_fill(struct buf *b, char c, size_t n)
{
        for (size_t i = 0; i < n; i++)
                buf_add(b, &c, 1);
}

static __attribute__((format(printf, 2, 3))) void buf_printf(struct buf *b, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *s = NULL;
        int n = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (n < 0)
                abort();
        buf_add(b, s, (size_t)n);
}

/* Columns are counted in characters, as Go counts runes. */
static size_t utf8_width(const char *s, size_t n)
{
        size_t w = 0;
        for (size_t i = 0; i < n; i++)
                w += ((unsigned char)s[i] & 0xc0) != 0x80;
        return w;
}

static __attribute__((format(printf, 2, 3))) int terr(struct herr *err, const char *fmt, ...)
{
        char msg[900];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        return herr_setc(err, HERR_ENGINE, 0, "template: format: %s", msg);
}

/* ------------------------------------------------------------- the tree */

enum arg_kind { ARG_DOT, ARG_FIELD, ARG_STRING, ARG_INT, ARG_BOOL, ARG_IDENT, ARG_PIPE };

struct action;

struct arg {
        enum arg_kind kind;
        char **path;            /* ARG_FIELD: .A.B -> {"A", "B"} */
        char *str;              /* ARG_STRING, ARG_IDENT */
        long long num;          /* ARG_INT, ARG_BOOL */
        struct action *sub;     /* ARG_PIPE: (a pipeline) */
};

struct eval;
struct func {
        const char *name;
        size_t min, max;        /* arguments, the piped value included */
        int header_passthrough; /* Docker's header functions return their first argument */
        json_t *(*call)(struct eval *ev, json_t **a, size_t n);
};

struct cmd {
        const struct func *fn;  /* NULL: a value, or the method .Label */
        int label;              /* {{.Label "key"}} */
        struct arg *args;
        size_t nargs;
};

struct action {
        struct cmd *cmds;
        size_t ncmds;
};

struct node {
        char *text;             /* literal text, or */
        struct action *act;
};

struct format {
        struct node *nodes;
        size_t nnodes;
        int table;
        const struct format_field *fields;
        struct buf rows;        /* table mode: every row, for the tabwriter */
};

static void action_free(struct action *act);

static void arg_free(struct arg *a)
{
        strv_free(a->path);
        free(a->str);
        action_free(a->sub);
}

static void action_free(struct action *act)
{
        for (size_t i = 0; act && i < act->ncmds; i++) {
                for (size_t j = 0; j < act->cmds[i].nargs; j++)
                        arg_free(&act->cmds[i].args[j]);
                free(act->cmds[i].args);
        }
        if (act)
                free(act->cmds);
        free(act);
}

void format_free(struct format *f)
{
        if (!f)
                return;
        for (size_t i = 0; i < f->nnodes; i++) {
                free(f->nodes[i].text);
                action_free(f->nodes[i].act);
        }
        free(f->nodes);
        free(f->rows.p);
        free(f);
}

static void *grow(void *v, size_t n, size_t size)
{
        void *p = realloc(v, (n + 1) * size);
        if (!p)
                abort();
        return p;
}

static void add_node(struct format *f, char *text, struct action *act)
{
        f->nodes = grow(f->nodes, f->nnodes, sizeof *f->nodes);
        f->nodes[f->nnodes++] = (struct node){ .text = text, .act = act };
}

/* ----------------------------------------------------------- the lexer */

struct parser {
        const char *s;
        size_t pos;
        struct herr *err;
        const struct format *f;
};

static int is_ident_start(char c)
{
        return isalpha((unsigned char)c) || c == '_';
}

static int is_ident(char c)
{
        return isalnum((unsigned char)c) || c == '_';
}

static char *take_ident(struct parser *ps)
{
        size_t start = ps->pos;
        while (is_ident(ps->s[ps->pos]))
                ps->pos++;
        return strndup(ps->s + start, ps->pos - start);
}

static int lex_field(struct parser *ps, struct arg *a)
{
        a->kind = ARG_FIELD;
        while (ps->s[ps->pos] == '.' && is_ident_start(ps->s[ps->pos + 1])) {
                ps->pos++;
                if (strv_consume(&a->path, take_ident(ps)) < 0)
                        abort();
        }
        if (ps->s[ps->pos] == '.')
                return terr(ps->err, "bad character after field name: \".\"");
        return 0;
}

static int lex_escape(struct parser *ps, struct buf *b)
{
        char c = ps->s[ps->pos++];
        static const char from[] = "nt\\\"'r0", to[] = "\n\t\\\"'\r\0";
        const char *k = c ? strchr(from, c) : NULL;
        if (k) {
                buf_add(b, to + (k - from), 1);
                return 0;
        }
        return terr(ps->err, "unknown escape sequence \"\\%c\" in a string", c ? c : ' ');
}

static int lex_string(struct parser *ps, struct arg *a)
{
        char quote = ps->s[ps->pos++];
        struct buf b = { 0 };
        buf_add(&b, "", 0);
        for (;;) {
                char c = ps->s[ps->pos];
                if (!c || (c == '\n' && quote == '"')) {
                        free(b.p);
                        return terr(ps->err, "unterminated quoted string");
                }
                ps->pos++;
                if (c == quote)
                        break;
                if (c == '\\' && quote == '"') {
                        if (lex_escape(ps, &b) < 0) {
                                free(b.p);
                                return -1;
                        }
                        continue;
                }
                buf_add(&b, &c, 1);
        }
        a->kind = ARG_STRING;
        a->str = b.p;
        return 0;
}

static int lex_number(struct parser *ps, struct arg *a)
{
        const char *start = ps->s + ps->pos;
        char *end;
        a->kind = ARG_INT;
        a->num = strtoll(start, &end, 0);
        if (*end == '.' || *end == 'e' || is_ident(*end))
                return terr(ps->err, "bad number syntax: \"%.*s\"", (int)strcspn(start, " }|"), start);
        ps->pos += (size_t)(end - start);
        return 0;
}

static const char *const keywords[] = { "if", "else", "end", "range", "with", "define", "template", "block",
                                        "break", "continue", "nil" };

static int lex_ident(struct parser *ps, struct arg *a)
{
        char *id = take_ident(ps);
        for (size_t i = 0; i < ARRAY_SIZE(keywords); i++)
                if (!strcmp(id, keywords[i])) {
                        terr(ps->err, "\"%s\" is not supported in hull's templates", id);
                        free(id);
                        return -1;
                }
        if (!strcmp(id, "true") || !strcmp(id, "false")) {
                a->kind = ARG_BOOL;
                a->num = id[0] == 't';
                free(id);
                return 0;
        }
        a->kind = ARG_IDENT;
        a->str = id;
        return 0;
}

static int lex_paren(struct parser *ps, struct arg *a);

/* One operand at ps->pos (not a space, not the end of the action). */
static int lex_operand(struct parser *ps, struct arg *a)
{
        const char *p = ps->s + ps->pos;
        if (p[0] == '.' && is_ident_start(p[1]))
                return lex_field(ps, a);
        if (p[0] == '.') {
                ps->pos++;
                a->kind = ARG_DOT;
                return 0;
        }
        if (p[0] == '"' || p[0] == '`')
                return lex_string(ps, a);
        if (isdigit((unsigned char)p[0]) || (p[0] == '-' && isdigit((unsigned char)p[1])))
                return lex_number(ps, a);
        if (is_ident_start(p[0]))
                return lex_ident(ps, a);
        if (p[0] == '$')
                return terr(ps->err, "variables are not supported in hull's templates");
        if (p[0] == '(')
                return lex_paren(ps, a);
        return terr(ps->err, "unexpected \"%c\" in command", p[0]);
}

/* ---------------------------------------------------------- the parser */

static const struct func funcs[];

static const struct func *func_find(const char *name)
{
        for (const struct func *fn = funcs; fn->name; fn++)
                if (!strcmp(fn->name, name))
                        return fn;
        return NULL;
}

static const struct format_field *field_find(const struct format_field *fields, const char *name)
{
        for (; fields && fields->name; fields++)
                if (!strcmp(fields->name, name))
                        return fields;
        return NULL;
}

/* What can be known before any row: the fields exist, functions exist and
 * get as many arguments as they take. */
static int check_arg(const struct format *f, const struct arg *a, struct herr *err)
{
        if (a->kind == ARG_IDENT)
                return terr(err, "wrong number of args for %s: a function cannot be an argument", a->str);
        if (a->kind != ARG_FIELD || !f->fields)
                return 0;
        if (!strcmp(a->path[0], "Label"))
                return terr(err, "wrong number of args for Label: want 1 got 0");
        const struct format_field *fd = field_find(f->fields, a->path[0]);
        if (!fd)
                return terr(err, "can't evaluate field %s", a->path[0]);
        if (a->path[1])
                return terr(err, "can't evaluate field %s in type string", a->path[1]);
        return 0;
}

static int check_cmd(const struct format *f, struct cmd *c, int piped, struct herr *err)
{
        struct arg *first = &c->args[0];
        size_t given = c->nargs - 1 + (size_t)piped;
        if (first->kind == ARG_IDENT) {
                c->fn = func_find(first->str);
                if (!c->fn)
                        return terr(err, "function \"%s\" not defined", first->str);
                if (given < c->fn->min || given > c->fn->max)
                        return terr(err, "wrong number of args for %s: want %zu got %zu", c->fn->name, c->fn->min,
                                    given);
        } else if (first->kind == ARG_FIELD && !first->path[1] && !strcmp(first->path[0], "Label")) {
                c->label = 1;
                if (given != 1)
                        return terr(err, "wrong number of args for Label: want 1 got %zu", given);
        } else if (given > 0) {
                return terr(err, "can't give argument to non-function %s",
                            first->kind == ARG_FIELD ? first->path[0] : "a value");
        } else if (check_arg(f, first, err) < 0) {
                return -1;
        }
        for (size_t i = 1; i < c->nargs; i++)
                if (check_arg(f, &c->args[i], err) < 0)
                        return -1;
        return 0;
}

static struct cmd *new_cmd(struct action *act)
{
        act->cmds = grow(act->cmds, act->ncmds, sizeof *act->cmds);
        act->cmds[act->ncmds] = (struct cmd){ 0 };
        return &act->cmds[act->ncmds++];
}

static void skip_space(struct parser *ps)
{
        while (isspace((unsigned char)ps->s[ps->pos]))
                ps->pos++;
}

/* The end of the action ("}}", or " -}}" which trims after it) or of a
 * parenthesized pipeline (")"): the length of the delimiter, or 0. */
static size_t at_close(struct parser *ps, int paren, int *trim_after)
{
        const char *p = ps->s + ps->pos;
        *trim_after = 0;
        if (paren)
                return *p == ')';
        if (!strncmp(p, "}}", 2))
                return 2;
        if (!strncmp(p, "-}}", 3) && ps->pos > 0 && isspace((unsigned char)p[-1])) {
                *trim_after = 1;
                return 3;
        }
        return 0;
}

static int parse_pipeline(struct parser *ps, struct action *act, int paren, int *trim_after)
{
        struct cmd *c = new_cmd(act);
        for (;;) {
                skip_space(ps);
                size_t close = at_close(ps, paren, trim_after);
                if (paren && !strncmp(ps->s + ps->pos, "}}", 2))
                        return terr(ps->err, "unclosed left paren");
                if (close || ps->s[ps->pos] == '|') {
                        if (!c->nargs)
                                return terr(ps->err, close && act->ncmds == 1 ? "missing value for command"
                                                                              : "missing command in pipeline");
                        if (close) {
                                ps->pos += close;
                                return 0;
                        }
                        ps->pos++;
                        c = new_cmd(act);
                        continue;
                }
                if (!ps->s[ps->pos])
                        return terr(ps->err, "unclosed action");
                c->args = grow(c->args, c->nargs, sizeof *c->args);
                c->args[c->nargs] = (struct arg){ 0 };
                if (lex_operand(ps, &c->args[c->nargs++]) < 0)
                        return -1;
        }
}

/* {{/ * ... * /}} (without the spaces); ps->pos is at the slash. */
static int parse_comment(struct parser *ps, int *trim_after)
{
        const char *end = strstr(ps->s + ps->pos + 2, "*/");
        if (!end)
                return terr(ps->err, "unclosed comment");
        ps->pos = (size_t)(end - ps->s) + 2;
        *trim_after = !strncmp(ps->s + ps->pos, " -}}", 4);
        size_t skip = *trim_after ? 4 : 2;
        if (!*trim_after && strncmp(ps->s + ps->pos, "}}", 2))
                return terr(ps->err, "comment ends before closing delimiter");
        ps->pos += skip;
        return 0;
}

/* A pipeline up to "}}" or, in parentheses, up to ")"; checked. */
static struct action *parse_checked(struct parser *ps, int paren, int *trim_after)
{
        struct action *act = calloc(1, sizeof *act);
        if (!act)
                abort();
        if (parse_pipeline(ps, act, paren, trim_after) < 0)
                goto fail;
        for (size_t i = 0; i < act->ncmds; i++)
                if (check_cmd(ps->f, &act->cmds[i], i > 0, ps->err) < 0)
                        goto fail;
        return act;
fail:
        action_free(act);
        return NULL;
}

static int lex_paren(struct parser *ps, struct arg *a)
{
        int ignored;
        ps->pos++;
        a->kind = ARG_PIPE;
        a->sub = parse_checked(ps, 1, &ignored);
        return a->sub ? 0 : -1;
}

static int parse_action(struct format *f, struct parser *ps, int *trim_after)
{
        if (!strncmp(ps->s + ps->pos, "/*", 2))
                return parse_comment(ps, trim_after);
        struct action *act = parse_checked(ps, 0, trim_after);
        if (!act)
                return -1;
        add_node(f, NULL, act);
        return 0;
}

static void add_text(struct format *f, const char *s, size_t n, int trim_before, int trim_after)
{
        while (trim_before && n && isspace((unsigned char)*s))
                s++, n--;
        while (trim_after && n && isspace((unsigned char)s[n - 1]))
                n--;
        if (n)
                add_node(f, strndup(s, n), NULL);
}

static int parse(struct format *f, const char *s, struct herr *err)
{
        struct parser ps = { .s = s, .err = err, .f = f };
        int trim = 0;
        while (s[ps.pos]) {
                const char *open = strstr(s + ps.pos, "{{");
                size_t end = open ? (size_t)(open - s) : strlen(s);
                /* "{{- " trims the space before it; "{{-3}}" is a number. */
                int trim_left = open && open[2] == '-' && isspace((unsigned char)open[3]);
                add_text(f, s + ps.pos, end - ps.pos, trim, trim_left);
                if (!open)
                        break;
                ps.pos = end + (trim_left ? 4 : 2);
                skip_space(&ps);
                if (parse_action(f, &ps, &trim) < 0)
                        return -1;
        }
        return 0;
}

/* Docker's preparation of the template: "table" prefix, surrounding
 * spaces, and the \t \n escapes. */
static char *prepare(const char *tmpl, const char *table_default, int *ret_table)
{
        *ret_table = !strncmp(tmpl, "table", 5);
        if (!strcmp(tmpl, "json"))
                tmpl = "{{json .}}";
        if (!strcmp(tmpl, "table") && table_default && !strncmp(table_default, "table", 5))
                tmpl = table_default;
        if (*ret_table)
                tmpl += 5;
        while (*tmpl == ' ')
                tmpl++;
        struct buf b = { 0 };
        buf_add(&b, "", 0);
        for (const char *p = tmpl; *p; p++) {
                if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
                        buf_add(&b, p[1] == 't' ? "\t" : "\n", 1);
                        p++;
                } else {
                        buf_add(&b, p, 1);
                }
        }
        while (b.len && b.p[b.len - 1] == ' ')
                b.p[--b.len] = '\0';
        return b.p;
}

int format_compile(const char *tmpl, const struct format_field *fields, const char *table_default,
                   struct format **ret, struct herr *err)
{
        struct format *f = calloc(1, sizeof *f);
        if (!f)
                return herr_set(err, ENOMEM, "compiling the template");
        f->fields = fields;
        _cleanup_free_ char *s = prepare(tmpl, table_default, &f->table);
        if (parse(f, s, err) < 0) {
                format_free(f);
                return -1;
        }
        *ret = f;
        return 0;
}

int format_is_table(const struct format *f)
{
        return f->table;
}

/* --------------------------------------------------------- evaluation */

struct eval {
        const struct format *f;
        json_t *dot;
        int header;             /* rendering the table's header line */
        struct herr *err;
};

static const char *go_type(const json_t *v)
{
        if (!v)
                return "<nil>";
        switch (json_typeof(v)) {
        case JSON_STRING: return "string";
        case JSON_INTEGER: return "int";
        case JSON_REAL: return "float64";
        case JSON_TRUE:
        case JSON_FALSE: return "bool";
        case JSON_OBJECT: return "map[string]interface {}";
        case JSON_ARRAY: return "[]interface {}";
        default: return "<nil>";
        }
}

/* The shortest %g that reads back as the same number, as Go prints floats. */
static void fmt_real(struct buf *b, double d)
{
        char s[64];
        for (int prec = 1; prec <= 17; prec++) {
                snprintf(s, sizeof s, "%.*g", prec, d);
                if (strtod(s, NULL) == d)
                        break;
        }
        buf_puts(b, s);
}

static int cmp_keys(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Go's %v: strings as they are, maps as map[k:v] with sorted keys, slices
 * as [a b]. */
static void fmt_value(struct buf *b, const json_t *v)
{
        switch (json_typeof(v)) {
        case JSON_STRING: buf_add(b, json_string_value(v), json_string_length(v)); return;
        case JSON_INTEGER: buf_printf(b, "%lld", (long long)json_integer_value(v)); return;
        case JSON_REAL: fmt_real(b, json_real_value(v)); return;
        case JSON_TRUE: buf_puts(b, "true"); return;
        case JSON_FALSE: buf_puts(b, "false"); return;
        case JSON_ARRAY:
                buf_puts(b, "[");
                for (size_t i = 0; i < json_array_size(v); i++) {
                        if (i)
                                buf_puts(b, " ");
                        fmt_value(b, json_array_get(v, i));
                }
                buf_puts(b, "]");
                return;
        case JSON_OBJECT: {
                size_t n = json_object_size(v), i = 0;
                _cleanup_free_ const char **keys = calloc(n + 1, sizeof *keys);
                const char *k;
                json_t *x;
                if (!keys)
                        abort();
                json_object_foreach((json_t *)v, k, x) keys[i++] = k;
                qsort(keys, n, sizeof *keys, cmp_keys);
                buf_puts(b, "map[");
                for (i = 0; i < n; i++) {
                        buf_printf(b, "%s%s:", i ? " " : "", keys[i]);
                        fmt_value(b, json_object_get(v, keys[i]));
                }
                buf_puts(b, "]");
                return;
        }
        default: buf_puts(b, "<nil>");
        }
}

/* A title derived from a name: "CreatedAt" -> "CREATED AT". */
static json_t *derived_header(const char *name)
{
        struct buf b = { 0 };
        buf_add(&b, "", 0);
        for (const char *p = name; *p; p++) {
                if (p > name && isupper((unsigned char)*p) && islower((unsigned char)p[-1]))
                        buf_add(&b, " ", 1);
                char c = (char)toupper((unsigned char)*p);
                buf_add(&b, &c, 1);
        }
        json_t *s = json_string(b.p);
        free(b.p);
        return s;
}

static json_t *field_header(const struct eval *ev, char **path)
{
        size_t n = strv_len(path);
        const struct format_field *fd = field_find(ev->f->fields, path[0]);
        return fd ? json_string(fd->header) : derived_header(path[n - 1]);
}

static json_t *field_value(struct eval *ev, char **path)
{
        json_t *v = ev->dot;
        for (size_t i = 0; path[i]; i++) {
                if (!json_is_object(v)) {
                        terr(ev->err, "can't evaluate field %s in type %s", path[i], go_type(v));
                        return NULL;
                }
                json_t *next = json_object_get(v, path[i]);
                if (!next) {
                        /* A known field that this row lacks is empty. */
                        if (ev->f->fields)
                                return json_string("");
                        terr(ev->err, "can't evaluate field %s", path[i]);
                        return NULL;
                }
                v = next;
        }
        return json_incref(v);
}

static json_t *eval_pipe(struct eval *ev, const struct action *act);

static json_t *eval_arg(struct eval *ev, const struct arg *a)
{
        switch (a->kind) {
        case ARG_DOT: return ev->header ? json_string("") : json_incref(ev->dot);
        case ARG_FIELD: return ev->header ? field_header(ev, a->path) : field_value(ev, a->path);
        case ARG_STRING: return json_string(a->str);
        case ARG_INT: return json_integer(a->num);
        case ARG_BOOL: return json_boolean(a->num);
        case ARG_PIPE: return eval_pipe(ev, a->sub);
        default: terr(ev->err, "unexpected %s", a->str); return NULL;
        }
}

static json_t *eval_label(struct eval *ev, json_t *key)
{
        if (!json_is_string(key)) {
                terr(ev->err, "wrong type for value; expected string; got %s", go_type(key));
                return NULL;
        }
        if (ev->header)
                return json_string("LABEL");
        json_t *v = json_object_get(json_object_get(ev->dot, "LabelsMap"), json_string_value(key));
        return json_is_string(v) ? json_incref(v) : json_string("");
}

static void decref_all(json_t **a, size_t n)
{
        for (size_t i = 0; i < n; i++)
                json_decref(a[i]);
}

static json_t *eval_cmd(struct eval *ev, const struct cmd *c, json_t *piped)
{
        size_t n = c->nargs - (c->fn || c->label ? 1 : 0);
        const struct arg *args = c->args + (c->fn || c->label ? 1 : 0);
        if (!c->fn && !c->label)
                return eval_arg(ev, &c->args[0]);
        json_t *a[16];
        if (n + 1 > ARRAY_SIZE(a)) {
                terr(ev->err, "too many arguments for %s", c->fn ? c->fn->name : "Label");
                return NULL;
        }
        for (size_t i = 0; i < n; i++) {
                a[i] = eval_arg(ev, &args[i]);
                if (!a[i]) {
                        decref_all(a, i);
                        return NULL;
                }
        }
        if (piped)
                a[n++] = json_incref(piped);
        json_t *r;
        if (c->label)
                r = eval_label(ev, a[0]);
        else if (ev->header && c->fn->header_passthrough)
                r = json_incref(a[0]);
        else
                r = c->fn->call(ev, a, n);
        decref_all(a, n);
        return r;
}

static json_t *eval_pipe(struct eval *ev, const struct action *act)
{
        json_t *v = NULL;
        for (size_t i = 0; i < act->ncmds; i++) {
                json_t *next = eval_cmd(ev, &act->cmds[i], v);
                json_decref(v);
                if (!next)
                        return NULL;
                v = next;
        }
        return v;
}

static int eval_action(struct eval *ev, const struct action *act, struct buf *out)
{
        json_t *v = eval_pipe(ev, act);
        if (!v)
                return -1;
        fmt_value(out, v);
        json_decref(v);
        return 0;
}

static int render(const struct format *f, json_t *dot, int header, struct buf *out, struct herr *err)
{
        struct eval ev = { .f = f, .dot = dot, .header = header, .err = err };
        for (size_t i = 0; i < f->nnodes; i++) {
                if (f->nodes[i].text)
                        buf_puts(out, f->nodes[i].text);
                else if (eval_action(&ev, f->nodes[i].act, out) < 0)
                        return -1;
        }
        buf_add(out, "\n", 1);
        return 0;
}

/* ---------------------------------------------------------- functions */

static int want_int(struct eval *ev, const json_t *v, long long *ret)
{
        if (!json_is_integer(v)) {
                terr(ev->err, "wrong type for value; expected int; got %s", go_type(v));
                return -1;
        }
        *ret = json_integer_value(v);
        return 0;
}

static int want_string(struct eval *ev, const json_t *v, const char **ret)
{
        if (!json_is_string(v)) {
                terr(ev->err, "wrong type for value; expected string; got %s", go_type(v));
                return -1;
        }
        *ret = json_string_value(v);
        return 0;
}

/* Docker's json function: json.Encoder without HTML escaping.  Rows hide
 * what is not a field (LabelsMap) from {{json .}}. */
static json_t *fn_json(struct eval *ev, json_t **a, size_t n)
{
        json_t *v = a[0];
        _cleanup_json_ json_t *shown = NULL;
        if (v == ev->dot && ev->f->fields && json_is_object(v)) {
                shown = json_object();
                for (const struct format_field *fd = ev->f->fields; fd->name; fd++) {
                        json_t *x = json_object_get(v, fd->name);
                        if (x)
                                json_object_set(shown, fd->name, x);
                }
                v = shown;
        }
        _cleanup_free_ char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        return json_string(s ? s : "null");
}

static json_t *buf_to_string(struct buf *b)
{
        json_t *s = json_stringn(b->p ? b->p : "", b->len);
        free(b->p);
        return s;
}

/* ASCII only: the multi-byte characters of UTF-8 stay as they are. */
static json_t *map_chars(json_t *v, int (*conv)(int))
{
        struct buf b = { 0 };
        fmt_value(&b, v);
        for (size_t i = 0; i < b.len; i++)
                if (!((unsigned char)b.p[i] & 0x80))
                        b.p[i] = (char)conv((unsigned char)b.p[i]);
        return buf_to_string(&b);
}

static json_t *fn_upper(struct eval *ev, json_t **a, size_t n)
{
        return map_chars(a[0], toupper);
}

static json_t *fn_lower(struct eval *ev, json_t **a, size_t n)
{
        return map_chars(a[0], tolower);
}

/* strings.Title: the first letter of every word in upper case. */
static json_t *fn_title(struct eval *ev, json_t **a, size_t n)
{
        struct buf b = { 0 };
        fmt_value(&b, a[0]);
        for (size_t i = 0; i < b.len; i++) {
                unsigned char prev = i ? (unsigned char)b.p[i - 1] : ' ';
                if (!(isalnum(prev) || prev == '_' || (prev & 0x80)))
                        b.p[i] = (char)toupper((unsigned char)b.p[i]);
        }
        return buf_to_string(&b);
}

static json_t *fn_truncate(struct eval *ev, json_t **a, size_t n)
{
        const char *s;
        long long len;
        if (want_string(ev, a[0], &s) < 0 || want_int(ev, a[1], &len) < 0)
                return NULL;
        if (len < 0) {
                terr(ev->err, "truncate: negative length %lld", len);
                return NULL;
        }
        return (size_t)len > strlen(s) ? json_string(s) : json_stringn(s, (size_t)len);
}

static json_t *fn_pad(struct eval *ev, json_t **a, size_t n)
{
        const char *s;
        long long before, after;
        if (want_string(ev, a[0], &s) < 0 || want_int(ev, a[1], &before) < 0 || want_int(ev, a[2], &after) < 0)
                return NULL;
        struct buf b = { 0 };
        buf_add(&b, "", 0);
        buf_fill(&b, ' ', before > 0 ? (size_t)before : 0);
        buf_puts(&b, s);
        buf_fill(&b, ' ', after > 0 ? (size_t)after : 0);
        json_t *r = json_stringn(b.p, b.len);
        free(b.p);
        return r;
}

static json_t *fn_join(struct eval *ev, json_t **a, size_t n)
{
        const char *sep;
        if (!json_is_array(a[0])) {
                terr(ev->err, "wrong type for value; expected []string; got %s", go_type(a[0]));
                return NULL;
        }
        if (want_string(ev, a[1], &sep) < 0)
                return NULL;
        struct buf b = { 0 };
        buf_add(&b, "", 0);
        for (size_t i = 0; i < json_array_size(a[0]); i++) {
                if (i)
                        buf_puts(&b, sep);
                fmt_value(&b, json_array_get(a[0], i));
        }
        json_t *r = json_stringn(b.p, b.len);
        free(b.p);
        return r;
}

/* strings.Split; an empty separator splits into characters. */
static json_t *fn_split(struct eval *ev, json_t **a, size_t n)
{
        const char *s, *sep;
        if (want_string(ev, a[0], &s) < 0 || want_string(ev, a[1], &sep) < 0)
                return NULL;
        json_t *r = json_array();
        size_t seplen = strlen(sep);
        while (!seplen && *s) {
                size_t len = 1;
                while (((unsigned char)s[len] & 0xc0) == 0x80)
                        len++;
                json_array_append_new(r, json_stringn(s, len));
                s += len;
        }
        for (const char *hit; seplen && (hit = strstr(s, sep)); s = hit + seplen)
                json_array_append_new(r, json_stringn(s, (size_t)(hit - s)));
        if (seplen)
                json_array_append_new(r, json_string(s));
        return r;
}

static json_t *fn_len(struct eval *ev, json_t **a, size_t n)
{
        if (json_is_string(a[0]))
                return json_integer((json_int_t)json_string_length(a[0]));
        if (json_is_array(a[0]))
                return json_integer((json_int_t)json_array_size(a[0]));
        if (json_is_object(a[0]))
                return json_integer((json_int_t)json_object_size(a[0]));
        terr(ev->err, "error calling len: len of type %s", go_type(a[0]));
        return NULL;
}

static json_t *fn_index(struct eval *ev, json_t **a, size_t n)
{
        json_t *v = a[0];
        for (size_t i = 1; i < n; i++) {
                if (json_is_object(v) && json_is_string(a[i])) {
                        v = json_object_get(v, json_string_value(a[i]));
                        if (!v)
                                return json_string("");
                } else if (json_is_array(v) && json_is_integer(a[i])) {
                        json_int_t k = json_integer_value(a[i]);
                        if (k < 0 || (size_t)k >= json_array_size(v)) {
                                terr(ev->err, "error calling index: index out of range: %lld", (long long)k);
                                return NULL;
                        }
                        v = json_array_get(v, (size_t)k);
                } else {
                        terr(ev->err, "error calling index: can't index item of type %s", go_type(v));
                        return NULL;
                }
        }
        return json_incref(v);
}

/* fmt.Sprint puts a space between operands when neither is a string;
 * Sprintln between all of them, and a newline at the end. */
static json_t *sprint(json_t **a, size_t n, int ln)
{
        struct buf b = { 0 };
        buf_add(&b, "", 0);
        for (size_t i = 0; i < n; i++) {
                if (i && (ln || (!json_is_string(a[i - 1]) && !json_is_string(a[i]))))
                        buf_puts(&b, " ");
                fmt_value(&b, a[i]);
        }
        if (ln)
                buf_puts(&b, "\n");
        json_t *r = json_stringn(b.p, b.len);
        free(b.p);
        return r;
}

static json_t *fn_print(struct eval *ev, json_t **a, size_t n)
{
        return sprint(a, n, 0);
}

static json_t *fn_println(struct eval *ev, json_t **a, size_t n)
{
        return sprint(a, n, 1);
}

/* printf: Go's verbs %v %s %q %d %x %X %f %e %g %t %T with flags - + 0 and
 * space, width and precision; mismatches print as Go does (%!d(string=x)). */
struct verb {
        int minus, plus, zero, space;
        size_t width;
        int prec;               /* -1: none */
        char c;
};

static void put_padded(struct buf *b, const struct verb *vb, const char *s, size_t n, int numeric)
{
        size_t w = utf8_width(s, n), fill = vb->width > w ? vb->width - w : 0;
        if (vb->minus) {
                buf_add(b, s, n);
                buf_fill(b, ' ', fill);
        } else if (vb->zero && numeric) {
                size_t sign = n && (*s == '-' || *s == '+' || *s == ' ');
                buf_add(b, s, sign);
                buf_fill(b, '0', fill);
                buf_add(b, s + sign, n - sign);
        } else {
                buf_fill(b, ' ', fill);
                buf_add(b, s, n);
        }
}

static void bad_verb(struct buf *b, char c, const json_t *v)
{
        buf_printf(b, "%%!%c(", c);
        if (json_is_null(v)) {
                buf_puts(b, "<nil>)");
                return;
        }
        buf_printf(b, "%s=", go_type(v));
        fmt_value(b, v);
        buf_puts(b, ")");
}

static void put_int(struct buf *b, const struct verb *vb, long long x)
{
        char s[80];
        const char *sign = x < 0 ? "-" : vb->plus ? "+" : vb->space ? " " : "";
        unsigned long long u = x < 0 ? -(unsigned long long)x : (unsigned long long)x;
        if (vb->c == 'd')
                snprintf(s, sizeof s, "%s%llu", sign, u);
        else
                snprintf(s, sizeof s, vb->c == 'x' ? "%s%llx" : "%s%llX", sign, u);
        put_padded(b, vb, s, strlen(s), 1);
}

static void put_float(struct buf *b, const struct verb *vb, double d)
{
        char s[400];
        int prec = vb->prec;
        const char *sign = d >= 0 && vb->plus ? "+" : d >= 0 && vb->space ? " " : "";
        if (strchr("gG", vb->c) && prec < 0) {
                struct buf t = { 0 };
                fmt_real(&t, d);
                snprintf(s, sizeof s, "%s%s", sign, t.p);
                free(t.p);
        } else if (strchr("eE", vb->c)) {
                snprintf(s, sizeof s, vb->c == 'e' ? "%s%.*e" : "%s%.*E", sign, prec < 0 ? 6 : prec, d);
        } else if (strchr("gG", vb->c)) {
                snprintf(s, sizeof s, vb->c == 'g' ? "%s%.*g" : "%s%.*G", sign, prec, d);
        } else {
                snprintf(s, sizeof s, "%s%.*f", sign, prec < 0 ? 6 : prec, d);
        }
        put_padded(b, vb, s, strlen(s), 1);
}

static void put_text(struct buf *b, const struct verb *vb, const json_t *v, int quote)
{
        struct buf t = { 0 };
        buf_add(&t, "", 0);
        if (quote) {
                _cleanup_free_ char *q = json_dumps(v, JSON_ENCODE_ANY);
                buf_puts(&t, q ? q : "\"\"");
        } else {
                fmt_value(&t, v);
        }
        size_t n = t.len;
        if (vb->prec >= 0 && !quote)
                for (size_t i = 0, chars = 0; i < t.len; i++)
                        if (((unsigned char)t.p[i] & 0xc0) != 0x80 && chars++ == (size_t)vb->prec) {
                                n = i;
                                break;
                        }
        put_padded(b, vb, t.p, n, 0);
        free(t.p);
}

static void put_verb(struct buf *b, const struct verb *vb, const json_t *v)
{
        char c = vb->c;
        if (c == 'v' || (c == 's' && !json_is_number(v) && !json_is_boolean(v)))
                put_text(b, vb, v, 0);
        else if (c == 'q' && json_is_string(v))
                put_text(b, vb, v, 1);
        else if (strchr("dxX", c) && json_is_integer(v))
                put_int(b, vb, (long long)json_integer_value(v));
        else if (strchr("xX", c) && json_is_string(v))
                for (const char *p = json_string_value(v); *p; p++)
                        buf_printf(b, c == 'x' ? "%02x" : "%02X", (unsigned char)*p);
        else if (strchr("eEfFgG", c) && json_is_real(v))
                put_float(b, vb, json_real_value(v));
        else if (c == 't' && json_is_boolean(v))
                buf_puts(b, json_is_true(v) ? "true" : "false");
        else if (c == 'T')
                buf_puts(b, go_type(v));
        else
                bad_verb(b, c, v);
}

static const char *parse_verb(const char *p, struct verb *vb)
{
        *vb = (struct verb){ .prec = -1 };
        for (;; p++) {
                if (*p == '-')
                        vb->minus = 1;
                else if (*p == '+')
                        vb->plus = 1;
                else if (*p == '0')
                        vb->zero = !vb->minus;
                else if (*p == ' ')
                        vb->space = 1;
                else if (*p != '#')
                        break;
        }
        while (isdigit((unsigned char)*p))
                vb->width = vb->width * 10 + (size_t)(*p++ - '0');
        if (*p == '.') {
                vb->prec = 0;
                while (isdigit((unsigned char)*++p))
                        vb->prec = vb->prec * 10 + (*p - '0');
        }
        vb->c = *p;
        return p;
}

static json_t *fn_printf(struct eval *ev, json_t **a, size_t n)
{
        const char *fmt;
        if (want_string(ev, a[0], &fmt) < 0)
                return NULL;
        struct buf b = { 0 };
        buf_add(&b, "", 0);
        size_t next = 1;
        for (const char *p = fmt; *p; p++) {
                if (*p != '%') {
                        buf_add(&b, p, 1);
                        continue;
                }
                if (p[1] == '%') {
                        buf_add(&b, "%", 1);
                        p++;
                        continue;
                }
                struct verb vb;
                p = parse_verb(p + 1, &vb);
                if (!vb.c) {
                        buf_puts(&b, "%!(NOVERB)");
                        break;
                }
                if (next >= n)
                        buf_printf(&b, "%%!%c(MISSING)", vb.c);
                else
                        put_verb(&b, &vb, a[next++]);
        }
        if (next < n) {
                buf_puts(&b, "%!(EXTRA ");
                for (size_t i = next; i < n; i++) {
                        buf_printf(&b, "%s%s=", i > next ? ", " : "", go_type(a[i]));
                        fmt_value(&b, a[i]);
                }
                buf_puts(&b, ")");
        }
        json_t *r = json_stringn(b.p, b.len);
        free(b.p);
        return r;
}

static const struct func funcs[] = {
        { "json", 1, 1, 1, fn_json },
        { "upper", 1, 1, 1, fn_upper },
        { "lower", 1, 1, 1, fn_lower },
        { "title", 1, 1, 1, fn_title },
        { "truncate", 2, 2, 1, fn_truncate },
        { "pad", 3, 3, 1, fn_pad },
        { "join", 2, 2, 1, fn_join },
        { "split", 2, 2, 1, fn_split },
        { "printf", 1, 15, 0, fn_printf },
        { "print", 0, 15, 0, fn_print },
        { "println", 0, 15, 0, fn_println },
        { "len", 1, 1, 0, fn_len },
        { "index", 1, 15, 0, fn_index },
        { NULL, 0, 0, 0, NULL },
};

/* --------------------------------------------------------- tabwriter */

/* Go's text/tabwriter as Docker configures it (minwidth 10, tabwidth 1,
 * padding 3, padchar ' ', no flags): tab-terminated cells are columns; a
 * column's width is set per block of consecutive lines that have that
 * column; the last cell of a line does not count. */
enum { TW_MINWIDTH = 10, TW_PADDING = 3 };

struct tw_cell {
        const char *s;
        size_t len, width;
};

struct tw_line {
        struct tw_cell *cells;
        size_t n;
        int newline;
};

struct tw {
        struct tw_line *lines;
        size_t nlines;
        size_t *widths, nwidths;
        FILE *out;
};

static void tw_write_lines(struct tw *t, size_t line0, size_t line1)
{
        for (size_t i = line0; i < line1; i++) {
                const struct tw_line *l = &t->lines[i];
                for (size_t j = 0; j < l->n; j++) {
                        fwrite(l->cells[j].s, 1, l->cells[j].len, t->out);
                        for (size_t k = l->cells[j].width; j < t->nwidths && k < t->widths[j]; k++)
                                fputc(' ', t->out);
                }
                if (l->newline)
                        fputc('\n', t->out);
        }
}

static void tw_format(struct tw *t, size_t line0, size_t line1)
{
        size_t column = t->nwidths;
        for (size_t this = line0; this < line1; this++) {
                if (column + 1 >= t->lines[this].n)
                        continue;
                /* A cell in this column: the lines before it are done. */
                tw_write_lines(t, line0, this);
                line0 = this;
                size_t width = TW_MINWIDTH;
                for (; this < line1 && column + 1 < t->lines[this].n; this++)
                        if (t->lines[this].cells[column].width + TW_PADDING > width)
                                width = t->lines[this].cells[column].width + TW_PADDING;
                t->widths[t->nwidths++] = width;
                tw_format(t, line0, this);
                t->nwidths--;
                line0 = this;
        }
        tw_write_lines(t, line0, line1);
}

static void tw_split_line(struct tw_line *l, const char *s, size_t n)
{
        for (;;) {
                const char *tab = memchr(s, '\t', n);
                size_t len = tab ? (size_t)(tab - s) : n;
                l->cells = grow(l->cells, l->n, sizeof *l->cells);
                l->cells[l->n++] = (struct tw_cell){ .s = s, .len = len, .width = utf8_width(s, len) };
                if (!tab)
                        return;
                s += len + 1;
                n -= len + 1;
        }
}

static void tabwrite(const char *text, size_t len, FILE *out)
{
        struct tw t = { .out = out };
        size_t maxcells = 1;
        for (const char *p = text, *end = text + len; p < end;) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
                t.lines = grow(t.lines, t.nlines, sizeof *t.lines);
                struct tw_line *l = &t.lines[t.nlines++];
                *l = (struct tw_line){ .newline = nl != NULL };
                tw_split_line(l, p, n);
                if (l->n > maxcells)
                        maxcells = l->n;
                p += n + (nl ? 1 : 0);
        }
        t.widths = calloc(maxcells, sizeof *t.widths);
        if (!t.widths)
                abort();
        tw_format(&t, 0, t.nlines);
        for (size_t i = 0; i < t.nlines; i++)
                free(t.lines[i].cells);
        free(t.lines);
        free(t.widths);
}

/* ------------------------------------------------------------ output */

int format_row(struct format *f, json_t *row, FILE *out, struct herr *err)
{
        if (f->table) {
                size_t mark = f->rows.len;
                if (render(f, row, 0, &f->rows, err) < 0) {
                        f->rows.len = mark;
                        return -1;
                }
                return 0;
        }
        struct buf b = { 0 };
        int r = render(f, row, 0, &b, err);
        if (r == 0)
                fwrite(b.p, 1, b.len, out);
        free(b.p);
        return r;
}

int format_flush(struct format *f, FILE *out, struct herr *err)
{
        if (f->table) {
                struct buf all = { 0 };
                if (render(f, NULL, 1, &all, err) < 0) {
                        free(all.p);
                        return -1;
                }
                if (f->rows.len)
                        buf_add(&all, f->rows.p, f->rows.len);
                tabwrite(all.p, all.len, out);
                free(all.p);
                f->rows.len = 0;
        }
        if (fflush(out) != 0)
                return herr_set(err, errno, "writing the output");
        return 0;
}

int format_render(const char *tmpl, json_t *row, FILE *out, struct herr *err)
{
        _cleanup_(format_freep) struct format *f = NULL;
        if (format_compile(tmpl, NULL, NULL, &f, err) < 0 || format_row(f, row, out, err) < 0)
                return -1;
        return format_flush(f, out, err);
}
