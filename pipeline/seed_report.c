/* seed_report.c — what seed did, for people and as one JSON object (docs/seed.md). */
#include <stdio.h>
#include <string.h>

#include "pipeline/seed.h"

static double per_second(size_t n, long ms)
{
    return ms > 0 ? (double)n * 1000.0 / (double)ms : 0.0;
}

static const char *plural(size_t n, const char *word, const char *words)
{
    return n == 1 ? word : words;
}

static const char *table_name(const struct seed_data *d, const struct seed_report *rep)
{
    return rep && rep->table[0] ? rep->table : d->table ? d->table->name.v : "";
}

int seed_render_text(const struct seed_data *d, const struct seed_options *o,
                     const struct seed_report *rep, struct buf *out)
{
    int rc = buf_appendf(out, "table %s (table.%s)\n", table_name(d, rep), d->table->id.v);
    if (o->from || o->generate > 0)
        rc |= buf_appendf(out, "  read     %zu %s from %s%s%s%s, %.1f KB\n", d->n,
                          plural(d->n, "item", "items"), d->source, o->from ? " (" : "",
                          o->from ? seed_format_name(d->format) : "", o->from ? ")" : "",
                          (double)d->bytes / 1024.0);
    if (!rep) {
        rc |= buf_appends(out, "  written  nothing (--dry-run)\n");
        return rc ? -1 : 0;
    }
    if (o->from || o->generate > 0)
        rc |= buf_appendf(out, "  written  %zu %s in %.2f s (%.0f items/s), %zu %s, %zu %s resent, "
                          "%zu %s throttled; %zu failed\n", rep->written,
                          plural(rep->written, "item", "items"), (double)rep->write_ms / 1000.0,
                          per_second(rep->written, rep->write_ms), rep->requests,
                          plural(rep->requests, "request", "requests"), rep->resent,
                          plural(rep->resent, "item", "items"), rep->throttled,
                          plural(rep->throttled, "request", "requests"), rep->failed);
    if (o->mutate > 0 && (rep->scanned || rep->modified || rep->deleted))
        rc |= buf_appendf(out, "  mutated  %zu of %zu %s in %.2f s: %zu modified, %zu deleted; "
                          "%zu gone, %zu failed\n", rep->modified + rep->deleted, rep->scanned,
                          plural(rep->scanned, "item", "items"), (double)rep->mutate_ms / 1000.0,
                          rep->modified, rep->deleted, rep->gone, rep->mutate_failed);
    return rc ? -1 : 0;
}

static void add_problems(cJSON *o, const struct seed_data *d)
{
    cJSON *list = cJSON_AddArrayToObject(o, "problems");
    for (size_t i = 0; list && i < d->problems.len; i++) {
        const struct diag *g = &d->problems.items[i];
        cJSON *p = cJSON_CreateObject();
        if (!p || !cJSON_AddItemToArray(list, p)) {
            cJSON_Delete(p);
            return;
        }
        cJSON_AddStringToObject(p, "file", d->problems.path ? d->problems.path : d->source);
        if (g->loc.line > 0) {
            cJSON_AddNumberToObject(p, "line", g->loc.line);
            cJSON_AddNumberToObject(p, "column", g->loc.col);
        }
        cJSON_AddStringToObject(p, "message", g->msg);
    }
    cJSON_AddNumberToObject(o, "problem_count", (double)d->n_problems);
}

int seed_render_json(const struct seed_data *d, const struct seed_options *o,
                     const struct seed_report *rep, const struct pw_error *err, struct buf *out)
{
    cJSON *j = cJSON_CreateObject();
    char line[1400];
    int rc = -1;
    if (!j)
        return -1;
    cJSON_AddBoolToObject(j, "ok", err == NULL);
    cJSON_AddStringToObject(j, "table", table_name(d, rep));
    cJSON_AddStringToObject(j, "id", d->table ? d->table->id.v : o->table);
    cJSON_AddBoolToObject(j, "dry_run", rep == NULL && err == NULL);
    if (o->from || o->generate > 0) {
        cJSON_AddStringToObject(j, "source", d->source);
        cJSON_AddStringToObject(j, "format", o->from ? seed_format_name(d->format) : "generator");
        cJSON_AddNumberToObject(j, "items", (double)d->n);
        cJSON_AddNumberToObject(j, "bytes", (double)d->bytes);
    }
    if (d->n_problems)
        add_problems(j, d);
    if (rep) {
        cJSON_AddNumberToObject(j, "written", (double)rep->written);
        cJSON_AddNumberToObject(j, "failed", (double)rep->failed);
        cJSON_AddNumberToObject(j, "requests", (double)rep->requests);
        cJSON_AddNumberToObject(j, "resent", (double)rep->resent);
        cJSON_AddNumberToObject(j, "throttled", (double)rep->throttled);
        cJSON_AddNumberToObject(j, "seconds", (double)rep->write_ms / 1000.0);
        cJSON_AddNumberToObject(j, "items_per_second", per_second(rep->written, rep->write_ms));
        if (o->mutate > 0) {
            cJSON *m = cJSON_AddObjectToObject(j, "mutate");
            cJSON_AddNumberToObject(m, "requested", (double)o->mutate);
            cJSON_AddNumberToObject(m, "scanned", (double)rep->scanned);
            cJSON_AddNumberToObject(m, "modified", (double)rep->modified);
            cJSON_AddNumberToObject(m, "deleted", (double)rep->deleted);
            cJSON_AddNumberToObject(m, "gone", (double)rep->gone);
            cJSON_AddNumberToObject(m, "failed", (double)rep->mutate_failed);
            cJSON_AddNumberToObject(m, "seconds", (double)rep->mutate_ms / 1000.0);
        }
    }
    if (err) {
        pw_error_format(err, line, sizeof line);
        cJSON_AddStringToObject(j, "error", line);
    }
    char *text = cJSON_Print(j);
    if (text) {
        rc = buf_appends(out, text);
        cJSON_free(text);
    }
    cJSON_Delete(j);
    return rc;
}
