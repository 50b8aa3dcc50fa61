/* test_credentials.c — the credential chain without a network: its order, the environment and
 * profile sources, credential_process, the source_profile rules, and the error when nothing is
 * configured. Instance metadata is disabled in every case so that nothing waits on 169.254.169.254;
 * the HTTP sources have their own test (test_credentials_http.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "provision/aws/credentials.h"
#include "tests/unit/cfgtest.h"

static void init(struct cfgtest *t, const char *config, const char *credentials)
{
    cfgtest_init(t, config, credentials);
    cfgtest_env(t, "AWS_EC2_METADATA_DISABLED=true");
}

/* Loads the configuration and resolves; the configuration must load. */
static int resolve(struct cfgtest *t, struct aws_credentials *c)
{
    if (cfgtest_load(t) != 0)
        fail_msg("config: %s", t->err.message);
    int rc = aws_credentials_resolve(&t->cfg, NULL, c, &t->err);
    aws_config_release(&t->cfg);
    return rc;
}

static void expect_error(struct cfgtest *t, enum pw_exit exit, const char *message)
{
    struct aws_credentials c;
    assert_int_equal(resolve(t, &c), -1);
    assert_null(c.access_key_id);
    assert_int_equal(t->err.exit, exit);
    assert_string_equal(t->err.message, message);
}

static void test_environment(void **state)
{
    (void)state;
    struct cfgtest t;
    struct aws_credentials c;
    init(&t, "[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = S\n", NULL);
    cfgtest_env(&t, "AWS_ACCESS_KEY_ID=AKIDENV");
    cfgtest_env(&t, "AWS_SECRET_ACCESS_KEY=SECRETENV");
    cfgtest_env(&t, "AWS_SESSION_TOKEN=TOKENENV");
    cfgtest_env(&t, "AWS_CREDENTIAL_EXPIRATION=2999-01-01T00:00:00Z");
    assert_int_equal(resolve(&t, &c), 0);
    assert_string_equal(c.access_key_id, "AKIDENV");   /* the environment beats the profile */
    assert_string_equal(c.secret_access_key, "SECRETENV");
    assert_string_equal(c.session_token, "TOKENENV");
    assert_int_equal(c.expiration, 32472144000);
    assert_string_equal(c.source, "environment");

    struct aws_credentials copy;
    assert_int_equal(aws_credentials_copy(&copy, &c, &t.err), 0);
    assert_string_equal(copy.session_token, "TOKENENV");
    assert_ptr_not_equal(copy.secret_access_key, c.secret_access_key);
    aws_credentials_release(&copy);
    aws_credentials_release(&c);
    assert_null(c.secret_access_key);
    aws_credentials_release(&c);   /* twice is harmless */
    aws_credentials_release(NULL);

    /* --profile names the profile explicitly: the AWS CLI then ignores environment keys */
    t.opt.profile = "default";
    assert_int_equal(resolve(&t, &c), 0);
    assert_string_equal(c.access_key_id, "AKIDCONFIG");
    assert_string_equal(c.source, "profile default (config file)");
    assert_null(c.session_token);
    aws_credentials_release(&c);
    cfgtest_free(&t);

    init(&t, NULL, NULL);
    cfgtest_env(&t, "AWS_ACCESS_KEY_ID=AKID");
    cfgtest_env(&t, "AWS_SECURITY_TOKEN=OLDTOKEN");
    expect_error(&t, PW_EXIT_AUTH, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    cfgtest_env(&t, "AWS_SECRET_ACCESS_KEY=S");
    assert_int_equal(resolve(&t, &c), 0);
    assert_string_equal(c.session_token, "OLDTOKEN");
    assert_int_equal(c.expiration, 0);
    aws_credentials_release(&c);
    cfgtest_env(&t, "AWS_CREDENTIAL_EXPIRATION=2001-01-01T00:00:00Z");
    expect_error(&t, PW_EXIT_AUTH, "the credentials in the environment: the credentials expired at 2001-01-01T00:00:00Z");
    cfgtest_free(&t);
}

static void test_profile_static_keys(void **state)
{
    (void)state;
    struct cfgtest t;
    struct aws_credentials c;
    init(&t, "[profile dev]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = SC\n"
             "credential_process = echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"SP\"}'\n",
         "[dev]\nAWS_ACCESS_KEY_ID = AKIDCREDS\naws_secret_access_key = SCREDS\naws_session_token = T\n");
    cfgtest_env(&t, "AWS_PROFILE=dev");
    assert_int_equal(resolve(&t, &c), 0);
    assert_string_equal(c.access_key_id, "AKIDCREDS");
    assert_string_equal(c.session_token, "T");
    assert_string_equal(c.source, "profile dev (credentials file)");
    aws_credentials_release(&c);
    cfgtest_free(&t);

    /* credential_process comes before the config file's static keys (botocore's order) */
    init(&t, "[profile dev]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = SC\n"
             "credential_process = echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"SP\"}'\n",
         NULL);
    cfgtest_env(&t, "AWS_PROFILE=dev");
    assert_int_equal(resolve(&t, &c), 0);
    assert_string_equal(c.access_key_id, "AKIDPROC");
    assert_string_equal(c.source, "credential_process (profile dev)");
    aws_credentials_release(&c);
    cfgtest_free(&t);

    init(&t, NULL, "[default]\naws_access_key_id = AKID\n");
    char want[256];
    snprintf(want, sizeof want, "profile 'default' in '%s' has aws_access_key_id but no aws_secret_access_key",
             t.credentials);
    expect_error(&t, PW_EXIT_AUTH, want);
    cfgtest_free(&t);
}

static void test_credential_process(void **state)
{
    (void)state;
    struct cfgtest t;
    struct aws_credentials c;
    /* the command runs with the configuration's environment, not the process's */
    init(&t, "[default]\ncredential_process = printf '{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":"
             "\"SECRETPROC\",\"SessionToken\":\"TOK\",\"Expiration\":\"2999-06-01T10:00:00.123+02:00\"}' \"$PW_AKID\"\n",
         NULL);
    cfgtest_env(&t, "PW_AKID=AKIDFROMENV");
    assert_int_equal(resolve(&t, &c), 0);
    assert_string_equal(c.access_key_id, "AKIDFROMENV");
    assert_string_equal(c.secret_access_key, "SECRETPROC");
    assert_string_equal(c.session_token, "TOK");
    assert_int_equal(c.expiration, 32485219200);   /* 2999-06-01T08:00:00Z */
    aws_credentials_release(&c);
    cfgtest_free(&t);
}

static void expect_process_error(const char *command, const char *message)
{
    struct cfgtest t;
    char config[1024];
    snprintf(config, sizeof config, "[profile p]\ncredential_process = %s\n", command);
    init(&t, config, NULL);
    cfgtest_env(&t, "AWS_PROFILE=p");
    expect_error(&t, PW_EXIT_AUTH, message);
    assert_null(strstr(t.err.message, "SUPERSECRET"));
    cfgtest_free(&t);
}

static void test_credential_process_failures(void **state)
{
    (void)state;
    expect_process_error("sh -c 'echo \"{\\\"SecretAccessKey\\\": \\\"SUPERSECRET\\\"}\"; echo \"sso session expired: run login\" >&2; "
                         "echo second line >&2; exit 3'",
                         "credential_process of profile 'p' failed with exit status 3: sso session expired: run login");
    expect_process_error("exit 1", "credential_process of profile 'p' failed with exit status 1: (nothing on stderr)");
    expect_process_error("kill -TERM $$", "credential_process of profile 'p' was killed by signal 15");
    expect_process_error("echo 'first' >&2; echo 'second' >&2; exit 127",
                         "credential_process of profile 'p' failed with exit status 127: first");
    expect_process_error("echo '{\"SecretAccessKey\": \"SUPERSECRET\"'",
                         "credential_process of profile 'p' did not print a JSON object");
    expect_process_error("echo '[1]'", "credential_process of profile 'p' did not print a JSON object");
    expect_process_error("echo '{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"SUPERSECRET\"}'",
                         "credential_process of profile 'p': Version is missing; only Version 1 is supported");
    expect_process_error("echo '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"SUPERSECRET\"}'",
                         "credential_process of profile 'p': Version is 2; only Version 1 is supported");
    expect_process_error("echo '{\"Version\": \"1\", \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"SUPERSECRET\"}'",
                         "credential_process of profile 'p': Version is not a number; only Version 1 is supported");
    expect_process_error("echo '{\"Version\": 1, \"AccessKeyId\": \"A\"}'",
                         "credential_process of profile 'p': the answer has no SecretAccessKey");
    expect_process_error("echo '{\"Version\": 1, \"SecretAccessKey\": \"SUPERSECRET\"}'",
                         "credential_process of profile 'p': the answer has no AccessKeyId");
    expect_process_error("echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"SUPERSECRET\", "
                         "\"Expiration\": \"tomorrow\"}'",
                         "credential_process of profile 'p': Expiration 'tomorrow' is not an ISO-8601 time");
    expect_process_error("echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"SUPERSECRET\", "
                         "\"Expiration\": \"2020-02-29T23:59:59Z\"}'",
                         "credential_process of profile 'p': the credentials expired at 2020-02-29T23:59:59Z");
}

static void test_parse_time(void **state)
{
    (void)state;
    time_t t;
    assert_int_equal(aws_credentials_parse_time("1970-01-01T00:00:00Z", &t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(aws_credentials_parse_time("2024-02-29T12:34:56Z", &t), 0);
    assert_int_equal(t, 1709210096);
    assert_int_equal(aws_credentials_parse_time("2024-02-29T12:34:56.789Z", &t), 0);
    assert_int_equal(t, 1709210096);
    assert_int_equal(aws_credentials_parse_time("2024-02-29T14:34:56+02:00", &t), 0);
    assert_int_equal(t, 1709210096);
    assert_int_equal(aws_credentials_parse_time("2024-02-29T07:04:56-0530", &t), 0);
    assert_int_equal(t, 1709210096);
    assert_int_equal(aws_credentials_parse_time("2024-02-29T12:34:56", &t), 0);   /* no zone: UTC */
    assert_int_equal(t, 1709210096);
    assert_int_equal(aws_credentials_parse_time("2023-02-29T00:00:00Z", &t), -1);
    assert_int_equal(aws_credentials_parse_time("2024-13-01T00:00:00Z", &t), -1);
    assert_int_equal(aws_credentials_parse_time("2024-01-01T24:00:00Z", &t), -1);
    assert_int_equal(aws_credentials_parse_time("2024-01-01", &t), -1);
    assert_int_equal(aws_credentials_parse_time("2024-01-01T00:00:00Zjunk", &t), -1);
    assert_int_equal(aws_credentials_parse_time("2024-01-01T00:00:00.Z", &t), -1);
    assert_int_equal(aws_credentials_parse_time("", &t), -1);
    assert_int_equal(aws_credentials_parse_time(NULL, &t), -1);
}

static void test_source_profile_rules(void **state)
{
    (void)state;
    struct cfgtest t;
    init(&t, "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n"
             "[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = c\n"
             "[profile c]\nrole_arn = arn:aws:iam::123456789012:role/c\nsource_profile = a\n"
             "[profile self]\nrole_arn = arn:aws:iam::123456789012:role/s\nsource_profile = self\n"
             "[profile missing]\nrole_arn = arn:aws:iam::123456789012:role/m\nsource_profile = ghost\n"
             "[profile both]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = a\n"
             "credential_source = Environment\n"
             "[profile neither]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
             "[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = keys\n"
             "mfa_serial = arn:aws:iam::123456789012:mfa/me\n"
             "[profile weird]\nrole_arn = arn:aws:iam::123456789012:role/x\ncredential_source = Laptop\n"
             "[profile envsrc]\nrole_arn = arn:aws:iam::123456789012:role/x\ncredential_source = Environment\n"
             "[profile nokeys]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = empty\n"
             "[profile empty]\nregion = eu-west-1\n"
             "[profile longdur]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = keys\n"
             "duration_seconds = 10\n"
             "[profile keys]\naws_access_key_id = A\naws_secret_access_key = S\n",
         NULL);
    t.opt.profile = "a";
    expect_error(&t, PW_EXIT_AUTH, "profile 'c': source_profile 'a' makes a loop (a -> b -> c -> a)");
    t.opt.profile = "self";   /* naming itself is allowed only with static keys of its own */
    expect_error(&t, PW_EXIT_AUTH, "profile 'self': source_profile 'self' makes a loop (self -> self)");
    t.opt.profile = "missing";
    char want[512];
    snprintf(want, sizeof want, "profile 'missing': source_profile 'ghost' is not defined in '%s' or '%s'", t.config,
             t.credentials);
    expect_error(&t, PW_EXIT_AUTH, want);
    t.opt.profile = "both";
    expect_error(&t, PW_EXIT_AUTH, "profile 'both' sets both source_profile and credential_source; keep one");
    t.opt.profile = "neither";
    expect_error(&t, PW_EXIT_AUTH, "profile 'neither' sets role_arn but neither source_profile nor credential_source");
    t.opt.profile = "mfa";
    expect_error(&t, PW_EXIT_AUTH,
                 "profile 'mfa' sets mfa_serial: assuming a role with multi-factor authentication is not supported; "
                 "export credentials with: eval \"$(aws configure export-credentials --profile mfa --format env)\"");
    t.opt.profile = "weird";
    expect_error(&t, PW_EXIT_AUTH, "profile 'weird': credential_source 'Laptop' is not one of Environment, "
                                   "EcsContainer, Ec2InstanceMetadata");
    t.opt.profile = "envsrc";
    expect_error(&t, PW_EXIT_AUTH, "profile 'envsrc': credential_source Environment found no credentials");
    t.opt.profile = "nokeys";
    expect_error(&t, PW_EXIT_AUTH, "source profile 'empty' has no credentials");
    t.opt.profile = "longdur";
    expect_error(&t, PW_EXIT_AUTH, "profile 'longdur': duration_seconds '10' is not a number of seconds from 900 to 43200");
    cfgtest_free(&t);
}

static void test_unsupported_profiles(void **state)
{
    (void)state;
    struct cfgtest t;
    init(&t, "[profile sso]\nsso_session = corp\nsso_account_id = 1\n"
             "[profile wif]\nrole_arn = arn:aws:iam::1:role/x\nweb_identity_token_file = /var/token\n",
         NULL);
    t.opt.profile = "sso";
    expect_error(&t, PW_EXIT_AUTH,
                 "profile 'sso' uses IAM Identity Center (sso_session), which pipewright does not support; export "
                 "credentials with: eval \"$(aws configure export-credentials --profile sso --format env)\"");
    t.opt.profile = "wif";
    struct aws_credentials c;
    assert_int_equal(resolve(&t, &c), -1);
    assert_non_null(strstr(t.err.message, "profile 'wif' uses web identity federation"));
    cfgtest_free(&t);
}

static void test_nothing_configured(void **state)
{
    (void)state;
    struct cfgtest t;
    init(&t, "[profile dev]\nregion = eu-west-1\n", NULL);
    expect_error(&t, PW_EXIT_AUTH, "no credentials found (tried environment, profile default, container, instance metadata)");
    cfgtest_env(&t, "AWS_PROFILE=dev");
    expect_error(&t, PW_EXIT_AUTH, "no credentials found (tried environment, profile dev, container, instance metadata)");
    t.opt.profile = "dev";
    expect_error(&t, PW_EXIT_AUTH, "no credentials found (tried profile dev, container, instance metadata)");
    cfgtest_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_environment),
        cmocka_unit_test(test_profile_static_keys),
        cmocka_unit_test(test_credential_process),
        cmocka_unit_test(test_credential_process_failures),
        cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_source_profile_rules),
        cmocka_unit_test(test_unsupported_profiles),
        cmocka_unit_test(test_nothing_configured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
