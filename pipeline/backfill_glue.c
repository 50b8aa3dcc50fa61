/* backfill_glue.c — `pipeline backfill --engine glue`: the provisioned Glue job runs the
 * transform over the whole table; this starts the run and waits for its end (see backfill.h).
 *
 * The job's DefaultArguments already carry the pipeline (up sets them from the same
 * job_pipeline_arguments); the run's Arguments repeat them, so that a job edited by hand since
 * `up` still runs the spec's transform, and add the backfill's own. Polling: GetJobRun, first
 * after poll_ms, then doubling to 30 s, until a final state or the wait timeout. A run that
 * ends in any state but SUCCEEDED fails the backfill with Glue's ErrorMessage, and the
 * checkpoints are not moved. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/backfill.h"
#include "provision/calls.h"
#include "provision/glue.h"
#include "provision/job.h"

#define POLL_MS_DEFAULT 2000
#define POLL_MS_MAX 30000
#define SCRIPT_NAME "flatten_join.py"

static int oom(struct pw_error *err)
{
    return pw_fail(err, PW_EXIT_FAILED, "out of memory");
}

const struct spec_job *backfill_glue_job(const struct spec *s, const char *id, struct pw_error *err)
{
    if (id) {
        const struct spec_job *j = spec_job_find(s, id);
        if (!j)
            pw_fail(err, PW_EXIT_USAGE, "the spec declares no job '%s'", id);
        return j;
    }
    const struct spec_job *found = NULL;
    size_t n = 0;
    for (size_t i = 0; i < s->n_jobs; i++) {
        const char *slash = strrchr(s->jobs[i].script.v, '/');
        if (strcmp(slash ? slash + 1 : s->jobs[i].script.v, SCRIPT_NAME) == 0) {
            found = &s->jobs[i];
            n++;
        }
    }
    if (n == 1)
        return found;
    pw_fail(err, PW_EXIT_USAGE, n ? "several jobs run %s: name one with --job ID"
                                  : "no job of the spec runs %s: declare one (jobs: {flatten_join: "
                                    "{script: templates/glue/flatten_join.py, ...}}) or name one "
                                    "with --job ID", SCRIPT_NAME);
    return NULL;
}

cJSON *backfill_glue_arguments(const struct spec *s, const struct backfill_options *o)
{
    struct kvlist args;
    kvlist_init(&args);
    cJSON *out = cJSON_CreateObject();
    int rc = out && job_pipeline_arguments(s, &args) == 0 ? 0 : -1;
    if (rc == 0 && o->from_export)
        rc = kvlist_add(&args, "--source_path", o->from_export);
    if (rc == 0 && o->dimension_from_export)
        rc = kvlist_add(&args, "--dimension_path", o->dimension_from_export);
    if (rc == 0)
        rc = kvlist_add(&args, "--backfill", "true");
    for (size_t i = 0; rc == 0 && i < args.len; i++)
        if (!cJSON_AddStringToObject(out, args.items[i].name, args.items[i].value))
            rc = -1;
    kvlist_release(&args);
    if (rc < 0) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}

int backfill_glue_state(const char *state)
{
    static const char *const going[] = {"STARTING", "RUNNING", "STOPPING", "WAITING"};
    if (!state || !state[0])
        return 0;                   /* not told yet: ask again */
    if (strcmp(state, "SUCCEEDED") == 0)
        return 1;
    for (size_t i = 0; i < sizeof going / sizeof going[0]; i++)
        if (strcmp(state, going[i]) == 0)
            return 0;
    return -1;                      /* FAILED, STOPPED, TIMEOUT, ERROR, EXPIRED, anything new */
}

static void progress(const struct backfill_options *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void progress(const struct backfill_options *o, const char *fmt, ...)
{
    char line[600];
    va_list ap;
    if (!o->progress)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    o->progress(o->progress_ctx, line);
}

static int start_run(const struct backfill_options *o, const char *job, struct backfill_report *rep,
                     struct pw_error *err)
{
    cJSON *in = cJSON_CreateObject(), *out = NULL;
    cJSON *args = backfill_glue_arguments(o->spec, o);
    if (!in || !args || !cJSON_AddStringToObject(in, "JobName", job)) {
        cJSON_Delete(in);
        cJSON_Delete(args);
        return oom(err);
    }
    cJSON_AddItemToObject(in, "Arguments", args);
    int rc = glue_call(o->client, "StartJobRun", in, &out, err);
    const char *id = rc == 0 ? json_str(out, "JobRunId") : NULL;
    if (rc == 0 && !id)
        rc = pw_fail(err, PW_EXIT_FAILED, "glue StartJobRun of job '%s': no JobRunId in the answer",
                     job);
    if (rc == 0)
        snprintf(rep->job_run_id, sizeof rep->job_run_id, "%s", id);
    cJSON_Delete(out);
    return rc;
}

/* One GetJobRun: the run's state into rep, and Glue's ErrorMessage into why. */
static int poll_run(const struct backfill_options *o, struct backfill_report *rep, char *why,
                    size_t n, struct pw_error *err)
{
    cJSON *in = cJSON_CreateObject(), *out = NULL;
    if (!in || !cJSON_AddStringToObject(in, "JobName", rep->job_name) ||
        !cJSON_AddStringToObject(in, "RunId", rep->job_run_id)) {
        cJSON_Delete(in);
        return oom(err);
    }
    int rc = glue_call(o->client, "GetJobRun", in, &out, err);
    if (rc == 0) {
        const cJSON *run = cJSON_GetObjectItemCaseSensitive(out, "JobRun");
        const char *state = json_str(run, "JobRunState");
        const char *msg = json_str(run, "ErrorMessage");
        snprintf(rep->job_state, sizeof rep->job_state, "%s", state ? state : "");
        snprintf(why, n, "%s", msg && msg[0] ? msg : "Glue gave no reason");
    }
    cJSON_Delete(out);
    return rc;
}

int backfill_glue_run(const struct backfill_options *o, struct backfill_report *rep,
                      struct pw_error *err)
{
    const struct spec_job *j = backfill_glue_job(o->spec, o->job, err);
    if (!j)
        return -1;
    snprintf(rep->job_name, sizeof rep->job_name, "%s", j->name.v);
    snprintf(rep->source, sizeof rep->source, "%s",
             o->from_export ? o->from_export : o->spec->pipeline.source->name.v);
    if (o->spec->pipeline.join.table)
        snprintf(rep->dimension, sizeof rep->dimension, "%s", o->dimension_from_export
                 ? o->dimension_from_export : o->spec->pipeline.join.table->name.v);
    if (start_run(o, j->name.v, rep, err) < 0) {
        pw_error_prefix(err, "starting glue job '%s'", j->name.v);
        return -1;
    }
    progress(o, "glue job '%s': run %s started", j->name.v, rep->job_run_id);
    long timeout_ms = (o->wait_timeout_s > 0 ? o->wait_timeout_s : j->timeout * 60) * 1000;
    long step = o->poll_ms > 0 ? o->poll_ms : POLL_MS_DEFAULT;
    long t0 = calls_now_ms();
    char why[1024];
    for (;;) {
        long waited = calls_now_ms() - t0;
        long left = timeout_ms - waited;
        if (left <= 0)
            return pw_fail(err, PW_EXIT_FAILED, "glue job '%s' run %s: still %s after %ld s "
                           "(--wait-timeout); it goes on in Glue, and the checkpoints were not "
                           "moved", j->name.v, rep->job_run_id,
                           rep->job_state[0] ? rep->job_state : "not started", waited / 1000);
        calls_sleep_ms(step < left ? step : left);
        step = step * 2 > POLL_MS_MAX ? POLL_MS_MAX : step * 2;
        if (poll_run(o, rep, why, sizeof why, err) < 0) {
            pw_error_prefix(err, "waiting for glue job '%s' run %s", j->name.v, rep->job_run_id);
            return -1;
        }
        int st = backfill_glue_state(rep->job_state);
        progress(o, "glue job '%s' run %s: %s after %ld s", j->name.v, rep->job_run_id,
                 rep->job_state[0] ? rep->job_state : "(no state yet)",
                 (calls_now_ms() - t0) / 1000);
        if (st > 0)
            return 0;
        if (st < 0)
            return pw_fail(err, PW_EXIT_FAILED, "glue job '%s' run %s ended %s: %s", j->name.v,
                           rep->job_run_id, rep->job_state, why);
    }
}
