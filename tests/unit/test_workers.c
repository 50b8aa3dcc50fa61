/* The worker pool: every task runs exactly once, on a client of its own thread, with the
 * credentials of the base client; a task's failure stays that task's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <unistd.h>

#include "provision/aws/workers.h"

struct task {
    int id;
    int runs;
    struct aws_client *client;
    char key[64];
};

static int run_task(struct aws_client *c, void *arg, struct pw_error *err)
{
    struct task *t = arg;
    const struct aws_credentials *creds;
    t->runs++;
    t->client = c;
    if (aws_client_credentials(c, &creds, err) < 0)
        return -1;
    snprintf(t->key, sizeof t->key, "%s", creds->access_key_id);
    usleep(1000); /* long enough that one thread cannot take every task */
    if (t->id % 10 == 3)
        return pw_fail(err, PW_EXIT_FAILED, "task %d failed on purpose", t->id);
    return t->id;
}

static void every_task_once_on_worker_clients(void **state)
{
    (void)state;
    char *envp[] = {"AWS_REGION=eu-west-1", "AWS_EC2_METADATA_DISABLED=true", NULL};
    struct aws_config_options o = {0};
    struct aws_config cfg;
    struct aws_client base;
    struct pw_error err;
    assert_int_equal(aws_config_load(&cfg, &o, envp, &err), 0);
    assert_int_equal(aws_client_init(&base, &cfg, &err), 0);
    struct aws_credentials creds;
    aws_credentials_init(&creds);
    creds.access_key_id = "AKIDWORKERS";
    creds.secret_access_key = "secret";
    assert_int_equal(aws_client_use_credentials(&base, &creds, &err), 0);

    enum { N = 100 };
    struct task tasks[N];
    void *ptrs[N];
    struct worker_result results[N];
    for (int i = 0; i < N; i++) {
        tasks[i] = (struct task){.id = i};
        ptrs[i] = &tasks[i];
    }
    assert_int_equal(workers_run(&base, 4, run_task, ptrs, N, results, &err), 0);

    struct aws_client *seen[N];
    size_t nseen = 0;
    for (int i = 0; i < N; i++) {
        assert_int_equal(tasks[i].runs, 1);
        assert_string_equal(tasks[i].key, "AKIDWORKERS");
        assert_ptr_not_equal(tasks[i].client, &base);
        if (i % 10 == 3) {
            assert_int_equal(results[i].rc, -1);
            assert_non_null(strstr(results[i].err.message, "failed on purpose"));
        } else {
            assert_int_equal(results[i].rc, i);
        }
        size_t k = 0;
        while (k < nseen && seen[k] != tasks[i].client)
            k++;
        if (k == nseen)
            seen[nseen++] = tasks[i].client;
    }
    assert_true(nseen > 1 && nseen <= 4);
    aws_client_release(&base);
    aws_config_release(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_task_once_on_worker_clients),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
