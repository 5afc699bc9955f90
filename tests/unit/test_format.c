/* --format templates: fields, functions, errors before output, Docker's
 * table mode with Go's tabwriter alignment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "cli/format.h"

static json_t *ps_row(const char *id, const char *names, const char *state)
{
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "ID", id, "Names", names,
                         "Image", "busybox", "Command", "\"sleep 1000\"", "State", state, "Status", "Up 2 minutes",
                         "RunningFor", "2 minutes ago", "Size", "0B", "Labels", "a=1,com.x=y", "LabelsMap", "a",
                         "1", "com.x", "y");
}

/* Everything one compiled template prints for these rows (NULL-terminated). */
static char *run_rows(const char *tmpl, json_t **rows, struct herr *err, int *rc)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        struct format *f = NULL;
        *rc = format_compile(tmpl, format_ps_fields, FORMAT_PS_TABLE, &f, err);
        for (size_t i = 0; *rc == 0 && rows[i]; i++)
                *rc = format_row(f, rows[i], out, err);
        if (*rc == 0)
                *rc = format_flush(f, out, err);
        format_free(f);
        fclose(out);
        return buf;
}

/* One row; the output must match exactly. */
static void expect(const char *tmpl, const char *want)
{
        _cleanup_json_ json_t *r = ps_row("0123456789ab", "web", "running");
        json_t *rows[] = { r, NULL };
        struct herr err = { 0 };
        int rc;
        char *got = run_rows(tmpl, rows, &err, &rc);
        if (rc < 0)
                fail_msg("%s: %s", tmpl, err.msg);
        if (strcmp(got, want))
                fail_msg("%s:\n got  [%s]\n want [%s]", tmpl, got, want);
        free(got);
}

/* Compiling fails with exactly this message and prints nothing. */
static void expect_error(const char *tmpl, const char *msg)
{
        struct format *f = NULL;
        struct herr err = { 0 };
        assert_int_equal(format_compile(tmpl, format_ps_fields, FORMAT_PS_TABLE, &f, &err), -1);
        assert_null(f);
        assert_int_equal(err.code, 125);
        if (strcmp(err.msg, msg))
                fail_msg("%s:\n got  [%s]\n want [%s]", tmpl, err.msg, msg);
}

static void fields_and_text(void **state)
{
        expect("{{.ID}} {{.Names}} {{.Status}}", "0123456789ab web Up 2 minutes\n");
        expect("{{.ID}}\\t{{.Names}}", "0123456789ab\tweb\n");
        expect("id={{.ID}}\\nname={{.Names}}", "id=0123456789ab\nname=web\n");
        expect("  {{.Names}}  ", "web\n");               /* Docker trims the spaces around */
        expect("{{.Ports}}|{{.Mounts}}|{{.LocalVolumes}}", "||\n");      /* known but absent: empty */
        expect("{{.Label \"com.x\"}} {{.Label \"a\"}} [{{.Label \"none\"}}]", "y 1 []\n");
        expect("plain text", "plain text\n");
        expect("{{ .Names }}", "web\n");
}

static void functions(void **state)
{
        expect("{{upper .Names}} {{lower \"ABC\"}} {{title \"hello big world\"}}", "WEB abc Hello Big World\n");
        expect("{{.Names | upper}}", "WEB\n");
        expect("{{truncate .ID 4}}|{{truncate .Names 10}}|{{.Names | printf \"<%s>\"}}", "0123|web|<web>\n");
        expect("{{pad .Names 2 1}}|", "  web |\n");
        expect("{{split .Labels \",\"}} {{split \"ab\" \"\"}} {{index (split .Labels \",\") 1}}",
               "[a=1 com.x=y] [a b] com.x=y\n");
        expect("{{join (split .Labels \",\") \";\" | upper}}", "A=1;COM.X=Y\n");
}

static void functions_arrays(void **state)
{
        _cleanup_json_ json_t *doc = json_pack("{s:[s, s, s], s:s}", "Names", "a", "b", "c", "L", "x=1,y=2");
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        struct herr err;
        assert_int_equal(format_render("{{join .Names \", \"}}|{{split .L \",\"}}|{{split \"ab\" \"\"}}|"
                                       "{{len .Names}}|{{index .Names 2}}|{{.L | len}}|{{.L | split \",\" | len}}",
                                       doc, out, &err),
                         0);
        fclose(out);
        assert_string_equal(buf, "a, b, c|[x=1 y=2]|[a b]|3|c|7|1\n");
        free(buf);
}

static void printf_verbs(void **state)
{
        expect("{{printf \"%-6s|%6s|\" .Names .Names}}", "web   |   web|\n");
        expect("{{printf \"%5d|%-4d|%05d|%+d|%x\" 42 7 -42 3 255}}", "   42|7   |-0042|+3|ff\n");
        expect("{{printf \"%q %v %.2s %%\" .Names .Names .Names}}", "\"web\" web we %\n");
        expect("{{printf \"%s\" 42}}", "%!s(int=42)\n");
        expect("{{printf \"%d\" .Names}}", "%!d(string=web)\n");
        expect("{{printf \"%s %s\" .Names}}", "web %!s(MISSING)\n");
        expect("{{printf \"%s\" .Names .ID}}", "web%!(EXTRA string=0123456789ab)\n");
        expect("{{print .Names 1 2 \"x\"}}|{{println .Names 1}}", "web1 2x|web 1\n\n");
        expect("{{len .Names}} {{len .}}", "3 10\n");
}

static void json_output(void **state)
{
        expect("{{json .Names}}", "\"web\"\n");
        expect("{{.Label \"a\" | json}}", "\"1\"\n");
}

static void json_dot(void **state)
{
        /* Every field, sorted, without what is not a field (LabelsMap). */
        expect("{{json .}}",
               "{\"Command\":\"\\\"sleep 1000\\\"\",\"ID\":\"0123456789ab\",\"Image\":\"busybox\",\"Labels\":"
               "\"a=1,com.x=y\",\"Names\":\"web\",\"RunningFor\":\"2 minutes ago\",\"Size\":\"0B\",\"State\":"
               "\"running\",\"Status\":\"Up 2 minutes\"}\n");
        expect("json", "{\"Command\":\"\\\"sleep 1000\\\"\",\"ID\":\"0123456789ab\",\"Image\":\"busybox\",\"Labels\":"
                       "\"a=1,com.x=y\",\"Names\":\"web\",\"RunningFor\":\"2 minutes ago\",\"Size\":\"0B\",\"State\":"
                       "\"running\",\"Status\":\"Up 2 minutes\"}\n");
        /* No HTML escaping, as Docker's json function. */
        _cleanup_json_ json_t *r = json_pack("{s:s}", "ID", "<a&b>");
        json_t *rows[] = { r, NULL };
        struct herr err;
        int rc;
        char *got = run_rows("{{json .ID}}", rows, &err, &rc);
        assert_int_equal(rc, 0);
        assert_string_equal(got, "\"<a&b>\"\n");
        free(got);
}

static void trim_and_comments(void **state)
{
        expect("a  {{- .Names -}}  b", "awebb\n");
        expect("a {{- .Names}} b", "aweb b\n");
        expect("x{{/* a comment */}}y", "xy\n");
        expect("x {{- /* a comment */ -}} y", "xy\n");
        expect("{{-3}}", "-3\n");
}

static void errors_before_output(void **state)
{
        expect_error("{{.Nope}}", "template: format: can't evaluate field Nope");
        expect_error("{{.ID}} {{upper .Nope}}", "template: format: can't evaluate field Nope");
        expect_error("table {{.ID}}\\t{{.Nope}}", "template: format: can't evaluate field Nope");
        expect_error("{{.ID.X}}", "template: format: can't evaluate field X in type string");
        expect_error("{{.ID", "template: format: unclosed action");
        expect_error("{{nope .ID}}", "template: format: function \"nope\" not defined");
        expect_error("{{upper}}", "template: format: wrong number of args for upper: want 1 got 0");
        expect_error("{{.ID .Names}}", "template: format: can't give argument to non-function ID");
        expect_error("{{.Label}}", "template: format: wrong number of args for Label: want 1 got 0");
        expect_error("{{}}", "template: format: missing value for command");
        expect_error("{{.ID | }}", "template: format: missing command in pipeline");
        expect_error("{{if .ID}}x{{end}}", "template: format: \"if\" is not supported in hull's templates");
        expect_error("{{$x := .ID}}", "template: format: variables are not supported in hull's templates");
        expect_error("{{\"abc}}", "template: format: unterminated quoted string");
        expect_error("{{/* open", "template: format: unclosed comment");
        expect_error("{{json .Label \"a\"}}", "template: format: wrong number of args for json: want 1 got 2");
        expect_error("{{printf \"%s\" .Label}}", "template: format: wrong number of args for Label: want 1 got 0");
        expect_error("{{index (.ID 1}}", "template: format: unclosed left paren");
        expect_error("{{upper (.Nope)}}", "template: format: can't evaluate field Nope");
}

static void runtime_errors(void **state)
{
        /* Types are only known per row: the failing row prints nothing. */
        _cleanup_json_ json_t *r = ps_row("0123456789ab", "web", "running");
        json_t *rows[] = { r, NULL };
        struct herr err = { 0 };
        int rc;
        char *got = run_rows("before {{truncate .Names .ID}}", rows, &err, &rc);
        assert_int_equal(rc, -1);
        assert_string_equal(err.msg, "template: format: wrong type for value; expected int; got string");
        assert_string_equal(got, "");
        free(got);
}

static void table_alignment(void **state)
{
        _cleanup_json_ json_t *a = ps_row("0123456789ab", "web", "running");
        _cleanup_json_ json_t *b = ps_row("ffff", "database-primary", "exited");
        json_t *rows[] = { a, b, NULL };
        struct herr err = { 0 };
        int rc;
        char *got = run_rows("table {{.ID}}\\t{{.Names}}\\t{{.State}}", rows, &err, &rc);
        assert_int_equal(rc, 0);
        /* Column width: the widest cell + 3, at least 10; the last column
         * is not padded. */
        assert_string_equal(got, "CONTAINER ID   NAMES              STATE\n"
                                 "0123456789ab   web                running\n"
                                 "ffff           database-primary   exited\n");
        free(got);
        got = run_rows("table {{.State}}\t{{.Names}}", rows, &err, &rc);
        assert_string_equal(got, "STATE     NAMES\n"
                                 "running   web\n"
                                 "exited    database-primary\n");
        free(got);
        /* Without tabs the lines pass through; functions keep the title. */
        got = run_rows("table {{upper .Names}}", rows, &err, &rc);
        assert_string_equal(got, "NAMES\nWEB\nDATABASE-PRIMARY\n");
        free(got);
        got = run_rows("table {{.Label \"a\"}}\\t{{.CreatedAt}}\\t{{.RunningFor}}", rows, &err, &rc);
        assert_string_equal(got, "LABEL     CREATED AT   CREATED\n"
                                 "1                      2 minutes ago\n"
                                 "1                      2 minutes ago\n");
        free(got);
}

static void table_empty_and_default(void **state)
{
        json_t *none[] = { NULL };
        struct herr err = { 0 };
        int rc;
        char *got = run_rows("table {{.ID}}\\t{{.Names}}", none, &err, &rc);
        assert_string_equal(got, "CONTAINER ID   NAMES\n");
        free(got);
        got = run_rows("table", none, &err, &rc);
        assert_string_equal(got, "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n");
        free(got);
        /* Not a table: no rows, no output. */
        got = run_rows("{{.ID}}", none, &err, &rc);
        assert_string_equal(got, "");
        free(got);
        struct format *f = NULL;
        assert_int_equal(format_compile("table {{.ID}}", format_ps_fields, NULL, &f, &err), 0);
        assert_true(format_is_table(f));
        format_free(f);
        assert_int_equal(format_compile("{{.ID}}", format_ps_fields, NULL, &f, &err), 0);
        assert_false(format_is_table(f));
        format_free(f);
}

static void table_unicode_and_blocks(void **state)
{
        /* "…" is one column wide; cells are counted in characters. */
        _cleanup_json_ json_t *a = json_pack("{s:s, s:s}", "A", "\"sh -c 'sleep 1000…\"", "B", "x");
        _cleanup_json_ json_t *b = json_pack("{s:s, s:s}", "A", "short", "B", "y");
        json_t *rows[] = { a, b, NULL };
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        struct format *f = NULL;
        struct herr err;
        assert_int_equal(format_compile("table {{.A}}\\t{{.B}}", NULL, NULL, &f, &err), 0);
        for (size_t i = 0; rows[i]; i++)
                assert_int_equal(format_row(f, rows[i], out, &err), 0);
        assert_int_equal(format_flush(f, out, &err), 0);
        format_free(f);
        fclose(out);
        assert_string_equal(buf, "A                      B\n"
                                 "\"sh -c 'sleep 1000…\"   x\n"
                                 "short                  y\n");
        free(buf);
}

static void tabwriter_blocks(void **state)
{
        /* A line with fewer cells ends a column block: widths are per block. */
        _cleanup_json_ json_t *a = json_pack("{s:s}", "A", "longer-cell-text\ty");
        _cleanup_json_ json_t *b = json_pack("{s:s}", "A", "zz");
        _cleanup_json_ json_t *c = json_pack("{s:s}", "A", "p\tq");
        json_t *rows[] = { a, b, c, NULL };
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        struct format *f = NULL;
        struct herr err;
        assert_int_equal(format_compile("table {{.A}}", NULL, NULL, &f, &err), 0);
        for (size_t i = 0; rows[i]; i++)
                assert_int_equal(format_row(f, rows[i], out, &err), 0);
        assert_int_equal(format_flush(f, out, &err), 0);
        format_free(f);
        fclose(out);
        assert_string_equal(buf, "A\nlonger-cell-text   y\nzz\np         q\n");
        free(buf);
}

static void render_any_json(void **state)
{
        /* inspect-like: no field list, nested fields, index, Go's %v. */
        _cleanup_json_ json_t *doc = json_pack("{s:s, s:{s:s, s:b, s:i, s:n}, s:{s:{s:s}}, s:[s, s]}", "Id", "abc",
                                               "State", "Status", "running", "Running", 1, "Pid", 42, "Health",
                                               "Config", "Labels", "k", "v", "Args", "a", "b");
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        struct herr err;
        assert_int_equal(format_render("{{.State.Status}} {{.State.Running}} {{.State.Pid}} {{.State.Health}} "
                                       "{{index .Config.Labels \"k\"}} [{{index .Config.Labels \"x\"}}] {{.Args}} "
                                       "{{json .Config}} {{.Config.Labels}} {{index .Args 1}} {{json .State.Pid}}",
                                       doc, out, &err),
                         0);
        fflush(out);
        assert_string_equal(buf, "running true 42 <nil> v [] [a b] {\"Labels\":{\"k\":\"v\"}} map[k:v] b 42\n");
        fclose(out);
        free(buf);
        out = open_memstream(&buf, &len);
        assert_int_equal(format_render("{{.State.Nope}}", doc, out, &err), -1);
        assert_string_equal(err.msg, "template: format: can't evaluate field Nope");
        assert_int_equal(format_render("{{.Id.Nope}}", doc, out, &err), -1);
        assert_string_equal(err.msg, "template: format: can't evaluate field Nope in type string");
        fclose(out);
        assert_string_equal(buf, "");
        free(buf);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(fields_and_text),
                cmocka_unit_test(functions),
                cmocka_unit_test(functions_arrays),
                cmocka_unit_test(printf_verbs),
                cmocka_unit_test(json_output),
                cmocka_unit_test(json_dot),
                cmocka_unit_test(trim_and_comments),
                cmocka_unit_test(errors_before_output),
                cmocka_unit_test(runtime_errors),
                cmocka_unit_test(table_alignment),
                cmocka_unit_test(table_empty_and_default),
                cmocka_unit_test(table_unicode_and_blocks),
                cmocka_unit_test(tabwriter_blocks),
                cmocka_unit_test(render_any_json),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
