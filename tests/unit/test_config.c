/* test_config.c — the INI reader, profile and region selection, retry settings and endpoint
 * resolution, each source against the next one in the AWS CLI's order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "provision/aws/ini.h"
#include "tests/unit/cfgtest.h"

/* ---- INI ---------------------------------------------------------------------------- */

static struct aws_ini *parse(const char *text, struct pw_error *err)
{
    return ini_parse("/x/config", text, strlen(text), err);
}

static void test_ini_basics(void **state)
{
    (void)state;
    struct pw_error err;
    struct aws_ini *ini = parse("# comment\n"
                                "; another\n"
                                "[default]\n"
                                "Region = us-east-1 # kept, as configparser keeps it\n"
                                "output: json\n"
                                "  \n"
                                "empty =\n"
                                "url = http://a:1/b\n"
                                "\t# indented comment\n"
                                "[profile dev]\r\n"
                                "multi = one\r\n"
                                "  two\r\n"
                                "\r\n"
                                "  three\r\n"
                                "\r\n"
                                "next = x = y\n",
                                &err);
    assert_non_null(ini);
    const struct ini_section *d = ini_section_find(ini, "default");
    assert_non_null(d);
    assert_string_equal(ini_get(ini, d, "region"), "us-east-1 # kept, as configparser keeps it");
    assert_string_equal(ini_get(ini, d, "REGION"), "us-east-1 # kept, as configparser keeps it");
    assert_string_equal(ini_get(ini, d, "output"), "json");
    assert_string_equal(ini_get(ini, d, "empty"), "");
    assert_string_equal(ini_get(ini, d, "url"), "http://a:1/b");
    const struct ini_section *p = ini_section_find(ini, "profile dev");
    assert_non_null(p);
    assert_string_equal(ini_get(ini, p, "multi"), "one\ntwo\n\nthree");
    assert_string_equal(ini_get(ini, p, "next"), "x = y");
    assert_null(ini_section_find(ini, "Default"));
    ini_free(ini);
}

static void test_ini_nested_and_defaults(void **state)
{
    (void)state;
    struct pw_error err;
    struct aws_ini *ini = parse("[DEFAULT]\n"
                                "region = eu-west-1\n"
                                "[services local]\n"
                                "s3 =\n"
                                "  endpoint_url = http://localhost:4566\n"
                                "  # comment inside\n"
                                "\n"
                                "  Addressing_Style = path\n"
                                "dynamodb =\n"
                                "    endpoint_url = http://localhost:8000\n"
                                "[profile a]\n"
                                "  key = indented first\n"
                                "other = 1\n"
                                "  continued\n",
                                &err);
    assert_non_null(ini);
    const struct ini_section *s = ini_section_find(ini, "services local");
    assert_string_equal(ini_get_nested(ini, s, "s3", "endpoint_url"), "http://localhost:4566");
    assert_string_equal(ini_get_nested(ini, s, "s3", "Addressing_Style"), "path");
    assert_null(ini_get_nested(ini, s, "s3", "addressing_style"));   /* nested keys keep case */
    assert_string_equal(ini_get_nested(ini, s, "DynamoDB", "endpoint_url"), "http://localhost:8000");
    assert_null(ini_get(ini, s, "s3"));                               /* a block is not a value */
    assert_string_equal(ini_get(ini, s, "region"), "eu-west-1");      /* from [DEFAULT] */
    assert_null(ini_section_find(ini, "DEFAULT"));
    const struct ini_section *a = ini_section_find(ini, "profile a");
    assert_string_equal(ini_get(ini, a, "key"), "indented first");
    assert_string_equal(ini_get(ini, a, "other"), "1\ncontinued");
    ini_free(ini);
}

static void expect_parse_error(const char *text, const char *message)
{
    struct pw_error err;
    struct aws_ini *ini = parse(text, &err);
    assert_null(ini);
    assert_int_equal(err.exit, PW_EXIT_FAILED);
    assert_string_equal(err.message, message);
}

static void test_ini_errors(void **state)
{
    (void)state;
    expect_parse_error("region = x\n[default]\n",
                       "reading '/x/config': line 1: a setting before any [section] header");
    expect_parse_error("# c\n[default]\nregion = x\njust words\n",
                       "reading '/x/config': line 4: expected 'name = value', a [section] header or a comment");
    expect_parse_error("[default]\na = 1\n\n[default]\n",
                       "reading '/x/config': line 4: section [default] appears twice (first at line 1)");
    expect_parse_error("[default]\nRegion = a\nregion = b\n",
                       "reading '/x/config': line 3: 'region' is set twice in [default] (first at line 2)");
    expect_parse_error("[services x]\ns3 =\n  endpoint_url = http://a\n  nonsense\n",
                       "reading '/x/config': line 4: expected 'name = value' in the nested settings of 's3'");
    expect_parse_error("[default]\n= value\n", "reading '/x/config': line 2: a setting without a name");
    expect_parse_error("[default]\nregion = \xff\n", "reading '/x/config': line 2: not valid UTF-8");
    expect_parse_error("[]\n", "reading '/x/config': line 1: a setting before any [section] header");
}

static void test_ini_section_names(void **state)
{
    (void)state;
    char name[64];
    assert_int_equal(ini_section_qualified("profile dev", "profile", name, sizeof name), 0);
    assert_string_equal(name, "dev");
    assert_int_equal(ini_section_qualified("profile   \"my dev\"", "profile", name, sizeof name), 0);
    assert_string_equal(name, "my dev");
    assert_int_equal(ini_section_qualified("profile 'a b'", "profile", name, sizeof name), 0);
    assert_string_equal(name, "a b");
    assert_int_equal(ini_section_qualified("profile", "profile", name, sizeof name), -1);
    assert_int_equal(ini_section_qualified("profile a b", "profile", name, sizeof name), -1);
    assert_int_equal(ini_section_qualified("profile \"open", "profile", name, sizeof name), -1);
    assert_int_equal(ini_section_qualified("services dev", "profile", name, sizeof name), -1);
}

/* ---- profile and region --------------------------------------------------------------- */

static const char *const PROFILES =
    "[default]\nregion = us-west-2\n"
    "[profile dev]\nregion = eu-west-1\n"
    "[profile ops]\nregion = ap-south-1\n"
    "[profile bare]\noutput = json\n";

static void test_profile_selection(void **state)
{
    (void)state;
    struct cfgtest t;
    cfgtest_init(&t, PROFILES, NULL);
    assert_int_equal(cfgtest_load(&t), 0);
    assert_string_equal(t.cfg.profile, "default");
    assert_string_equal(t.cfg.profile_source, "default");
    aws_config_release(&t.cfg);

    cfgtest_env(&t, "AWS_DEFAULT_PROFILE=ops");
    assert_int_equal(cfgtest_load(&t), 0);
    assert_string_equal(t.cfg.profile, "ops");
    assert_string_equal(t.cfg.profile_source, "AWS_DEFAULT_PROFILE");
    assert_string_equal(t.cfg.region, "ap-south-1");
    assert_string_equal(t.cfg.region_source, "profile ops");
    aws_config_release(&t.cfg);

    cfgtest_env(&t, "AWS_PROFILE=dev");   /* CLI v2: AWS_PROFILE before AWS_DEFAULT_PROFILE */
    assert_int_equal(cfgtest_load(&t), 0);
    assert_string_equal(t.cfg.profile, "dev");
    assert_string_equal(t.cfg.profile_source, "AWS_PROFILE");
    assert_string_equal(t.cfg.region, "eu-west-1");
    aws_config_release(&t.cfg);

    t.opt.profile = "bare";
    assert_int_equal(cfgtest_load(&t), 0);
    assert_string_equal(t.cfg.profile, "bare");
    assert_string_equal(t.cfg.profile_source, "--profile");
    assert_null(t.cfg.region);
    aws_config_release(&t.cfg);

    t.opt.profile = "nope";
    assert_int_equal(cfgtest_load(&t), -1);
    assert_int_equal(t.err.exit, PW_EXIT_FAILED);
    assert_non_null(strstr(t.err.message, "profile 'nope' (from --profile) is not defined in '"));
    assert_null(t.cfg.profile);   /* released on failure */
    cfgtest_free(&t);
}

static void test_default_profile_may_be_absent(void **state)
{
    (void)state;
    struct cfgtest t;
    cfgtest_init(&t, NULL, NULL);
    assert_int_equal(cfgtest_load(&t), 0);
    assert_null(t.cfg.config_file);
    assert_null(t.cfg.credentials_file);
    assert_null(t.cfg.region);
    assert_int_equal(t.cfg.max_attempts, 3);
    assert_string_equal(t.cfg.retry_mode, "standard");
    cfgtest_free(&t);
}

static void test_region_precedence(void **state)
{
    (void)state;
    struct cfgtest t;
    cfgtest_init(&t, PROFILES, NULL);
    cfgtest_env(&t, "AWS_DEFAULT_REGION=ca-central-1");
    assert_int_equal(cfgtest_load(&t), 0);
    assert_string_equal(t.cfg.region, "ca-central-1");
    assert_string_equal(t.cfg.region_source, "AWS_DEFAULT_REGION");
    aws_config_release(&t.cfg);

    cfgtest_env(&t, "AWS_REGION=sa-east-1");
    assert_int_equal(cfgtest_load(&t), 0);
    assert_string_equal(t.cfg.region, "sa-east-1");
    assert_string_equal(t.cfg.region_source, "AWS_REGION");
    aws_config_release(&t.cfg);

    t.opt.region = "me-south-1";
    assert_int_equal(cfgtest_load(&t), 0);
    assert_string_equal(t.cfg.region, "me-south-1");
    assert_string_equal(t.cfg.region_source, "--region");
    aws_config_release(&t.cfg);

    t.opt.region = "us east 1";
    assert_int_equal(cfgtest_load(&t), -1);
    assert_string_equal(t.err.message, "region 'us east 1' from --region is not a region name "
                                       "(letters, digits and '-', like 'eu-west-1')");
    cfgtest_free(&t);

    cfgtest_init(&t, PROFILES, NULL);
    cfgtest_env(&t, "AWS_REGION=");   /* empty counts as unset */
    assert_int_equal(cfgtest_load(&t), 0);
    assert_string_equal(t.cfg.region, "us-west-2");
    assert_string_equal(t.cfg.region_source, "profile default");
    cfgtest_free(&t);
}

static void test_credentials_file_overrides_config(void **state)
{
    (void)state;
    struct cfgtest t;
    cfgtest_init(&t, "[profile dev]\nregion = eu-west-1\noutput = json\n",
                 "[dev]\nregion = eu-north-1\n[profile dev]\nregion = never\n");
    cfgtest_env(&t, "AWS_PROFILE=dev");
    assert_int_equal(cfgtest_load(&t), 0);
    assert_string_equal(t.cfg.region, "eu-north-1");   /* botocore merges credentials over config */
    assert_string_equal(aws_config_profile_get(&t.cfg, NULL, "output"), "json");
    assert_null(aws_config_profile_get(&t.cfg, "profile dev", "output"));
    cfgtest_free(&t);

    /* [default] and [profile default]: the later section wins, whole */
    cfgtest_init(&t, "[default]\nregion = a-1\noutput = text\n[profile default]\nregion = b-2\n", NULL);
    assert_int_equal(cfgtest_load(&t), 0);
    assert_string_equal(t.cfg.region, "b-2");
    assert_null(aws_config_profile_get(&t.cfg, NULL, "output"));
    cfgtest_free(&t);

    /* a profile only in the credentials file exists; quoted names work */
    cfgtest_init(&t, "[profile \"my dev\"]\nregion = x-1\n", "[ci]\naws_access_key_id = A\n");
    t.opt.profile = "ci";
    assert_int_equal(cfgtest_load(&t), 0);
    assert_true(aws_config_profile_exists(&t.cfg, "my dev"));
    assert_string_equal(aws_config_profile_get(&t.cfg, "my dev", "region"), "x-1");
    cfgtest_free(&t);
}

static void test_config_parse_error_is_reported(void **state)
{
    (void)state;
    struct cfgtest t;
    cfgtest_init(&t, "[default]\nregion = us-east-1\noops\n", NULL);
    assert_int_equal(cfgtest_load(&t), -1);
    char want[256];
    snprintf(want, sizeof want,
             "reading '%s': line 3: expected 'name = value', a [section] header or a comment", t.config);
    assert_string_equal(t.err.message, want);
    cfgtest_free(&t);
}

static void test_file_paths_expand(void **state)
{
    (void)state;
    struct cfgtest t;
    cfgtest_init(&t, "[default]\nregion = eu-west-3\n", NULL);
    /* AWS_CONFIG_FILE=$DIR/<name> and ~ from HOME, as botocore expands them */
    char dir[64], *slash;
    snprintf(dir, sizeof dir, "%s", t.config);
    slash = strrchr(dir, '/');
    *slash = '\0';
    free(t.env[0]);
    t.env[0] = NULL;
    char line[256];
    snprintf(line, sizeof line, "AWS_CONFIG_FILE=${PWDIR}/%s", slash + 1);
    t.env[0] = strdup(line);
    cfgtest_env(&t, "PWDIR=%s", dir);
    assert_int_equal(cfgtest_load(&t), 0);
    assert_string_equal(t.cfg.config_path, t.config);
    assert_string_equal(t.cfg.region, "eu-west-3");
    aws_config_release(&t.cfg);

    free(t.env[0]);
    snprintf(line, sizeof line, "AWS_CONFIG_FILE=~/%s", slash + 1);
    t.env[0] = strdup(line);
    free(t.env[2]);
    snprintf(line, sizeof line, "HOME=%s/", dir);
    t.env[2] = strdup(line);
    assert_int_equal(cfgtest_load(&t), 0);
    assert_string_equal(t.cfg.config_path, t.config);
    cfgtest_free(&t);
}

static void test_retry_settings(void **state)
{
    (void)state;
    struct cfgtest t;
    cfgtest_init(&t, "[default]\nmax_attempts = 7\nretry_mode = adaptive\n", NULL);
    assert_int_equal(cfgtest_load(&t), 0);
    assert_int_equal(t.cfg.max_attempts, 7);
    assert_string_equal(t.cfg.retry_mode, "adaptive");
    aws_config_release(&t.cfg);

    cfgtest_env(&t, "AWS_MAX_ATTEMPTS=5");
    cfgtest_env(&t, "AWS_RETRY_MODE=standard");
    assert_int_equal(cfgtest_load(&t), 0);
    assert_int_equal(t.cfg.max_attempts, 5);
    assert_string_equal(t.cfg.retry_mode, "standard");
    cfgtest_free(&t);

    cfgtest_init(&t, "[default]\nmax_attempts = 0\n", NULL);
    assert_int_equal(cfgtest_load(&t), -1);
    assert_string_equal(t.err.message, "max_attempts '0' from profile default is not a whole number of at least 1");
    cfgtest_free(&t);

    cfgtest_init(&t, NULL, NULL);
    cfgtest_env(&t, "AWS_RETRY_MODE=fast");
    assert_int_equal(cfgtest_load(&t), -1);
    assert_string_equal(t.err.message, "retry_mode 'fast' from AWS_RETRY_MODE is not one of standard, adaptive, legacy");
    cfgtest_free(&t);
}

/* ---- endpoints ------------------------------------------------------------------------ */

static const char *const ENDPOINTS =
    "[default]\n"
    "region = eu-west-1\n"
    "endpoint_url = http://profile-global:1000\n"
    "services = local\n"
    "[services local]\n"
    "s3 =\n"
    "  endpoint_url = http://services-s3:2000/base/\n";

static void resolve(struct cfgtest *t, const char *service, struct aws_endpoint *ep)
{
    assert_int_equal(cfgtest_load(t), 0);
    int rc = aws_config_endpoint(&t->cfg, aws_service_find(service), ep, &t->err);
    if (rc != 0)
        fail_msg("%s", t->err.message);
    aws_config_release(&t->cfg);
}

static void test_endpoint_precedence(void **state)
{
    (void)state;
    struct cfgtest t;
    struct aws_endpoint ep;
    cfgtest_init(&t, ENDPOINTS, NULL);

    resolve(&t, "dynamodb", &ep);   /* no services entry for dynamodb: the profile's endpoint_url */
    assert_string_equal(ep.url, "http://profile-global:1000");
    assert_string_equal(ep.source, "profile default");
    assert_true(ep.custom);
    assert_true(ep.path_style);

    resolve(&t, "s3", &ep);
    assert_string_equal(ep.url, "http://services-s3:2000/base");
    assert_string_equal(ep.host, "services-s3:2000");
    assert_string_equal(ep.base_path, "/base");
    assert_string_equal(ep.source, "profile default services");
    assert_string_equal(ep.signing_region, "eu-west-1");

    cfgtest_env(&t, "AWS_ENDPOINT_URL=http://env-global:3000");
    resolve(&t, "s3", &ep);
    assert_string_equal(ep.url, "http://env-global:3000");
    assert_string_equal(ep.source, "AWS_ENDPOINT_URL");

    cfgtest_env(&t, "AWS_ENDPOINT_URL_S3=https://env-s3.example.com:443/");
    resolve(&t, "s3", &ep);
    assert_string_equal(ep.url, "https://env-s3.example.com");   /* default port dropped */
    assert_string_equal(ep.host, "env-s3.example.com");
    assert_string_equal(ep.scheme, "https");
    assert_string_equal(ep.source, "AWS_ENDPOINT_URL_S3");
    resolve(&t, "dynamodb", &ep);
    assert_string_equal(ep.source, "AWS_ENDPOINT_URL");

    cfgtest_env(&t, "AWS_ENDPOINT_URL_DYNAMODB_STREAMS=http://127.0.0.1:4000");
    resolve(&t, "dynamodbstreams", &ep);
    assert_string_equal(ep.host, "127.0.0.1:4000");
    assert_string_equal(ep.source, "AWS_ENDPOINT_URL_DYNAMODB_STREAMS");

    t.opt.endpoint_url = "http://[::1]:5000";
    resolve(&t, "s3", &ep);
    assert_string_equal(ep.host, "[::1]:5000");
    assert_string_equal(ep.source, "--endpoint-url");
    cfgtest_free(&t);
}

static void test_endpoint_ignore_flag(void **state)
{
    (void)state;
    struct cfgtest t;
    struct aws_endpoint ep;
    cfgtest_init(&t, ENDPOINTS, NULL);
    cfgtest_env(&t, "AWS_ENDPOINT_URL_S3=http://env-s3:1");
    cfgtest_env(&t, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=TRUE");
    resolve(&t, "s3", &ep);
    assert_string_equal(ep.url, "https://s3.eu-west-1.amazonaws.com");
    assert_string_equal(ep.source, "default");
    assert_false(ep.custom);
    assert_false(ep.path_style);

    t.opt.endpoint_url = "http://cli:9";   /* --endpoint-url is never ignored */
    resolve(&t, "s3", &ep);
    assert_string_equal(ep.url, "http://cli:9");
    cfgtest_free(&t);

    /* the profile's flag; the environment saying false beats it */
    cfgtest_init(&t, "[default]\nregion = eu-west-1\nendpoint_url = http://p:1\n"
                     "ignore_configured_endpoint_urls = true\n", NULL);
    resolve(&t, "sns", &ep);
    assert_string_equal(ep.url, "https://sns.eu-west-1.amazonaws.com");
    cfgtest_env(&t, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false");
    resolve(&t, "sns", &ep);
    assert_string_equal(ep.url, "http://p:1");
    cfgtest_free(&t);
}

static void expect_default(const char *region, const char *service, const char *url, const char *signing)
{
    struct cfgtest t;
    struct aws_endpoint ep;
    cfgtest_init(&t, NULL, NULL);
    if (region)
        cfgtest_env(&t, "AWS_REGION=%s", region);
    resolve(&t, service, &ep);
    assert_string_equal(ep.url, url);
    assert_string_equal(ep.signing_region, signing);
    assert_string_equal(ep.source, "default");
    assert_false(ep.path_style);
    cfgtest_free(&t);
}

static void test_endpoint_defaults(void **state)
{
    (void)state;
    expect_default("us-east-1", "dynamodb", "https://dynamodb.us-east-1.amazonaws.com", "us-east-1");
    expect_default("eu-west-1", "dynamodbstreams", "https://streams.dynamodb.eu-west-1.amazonaws.com", "eu-west-1");
    expect_default("cn-north-1", "glue", "https://glue.cn-north-1.amazonaws.com.cn", "cn-north-1");
    expect_default("ap-south-1", "s3", "https://s3.ap-south-1.amazonaws.com", "ap-south-1");
    expect_default("cn-northwest-1", "s3", "https://s3.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1");
    expect_default("eu-west-1", "iam", "https://iam.amazonaws.com", "us-east-1");
    expect_default(NULL, "iam", "https://iam.amazonaws.com", "us-east-1");
    expect_default("cn-northwest-1", "iam", "https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1");
    expect_default("us-gov-east-1", "iam", "https://iam.us-gov.amazonaws.com", "us-gov-west-1");
    expect_default(NULL, "sts", "https://sts.amazonaws.com", "us-east-1");
    expect_default("eu-central-1", "sts", "https://sts.eu-central-1.amazonaws.com", "eu-central-1");
    expect_default("eu-west-1", "events", "https://events.eu-west-1.amazonaws.com", "eu-west-1");
}

static void test_endpoint_custom_signing_region(void **state)
{
    (void)state;
    struct cfgtest t;
    struct aws_endpoint ep;
    /* botocore signs IAM at a custom endpoint for the configured region, not us-east-1 */
    cfgtest_init(&t, NULL, NULL);
    cfgtest_env(&t, "AWS_REGION=eu-west-1");
    t.opt.endpoint_url = "http://localhost:5000";
    resolve(&t, "iam", &ep);
    assert_string_equal(ep.signing_region, "eu-west-1");
    cfgtest_free(&t);

    /* without a region, only S3 signs a custom endpoint (us-east-1), as botocore does */
    cfgtest_init(&t, NULL, NULL);
    t.opt.endpoint_url = "http://localhost:5000";
    resolve(&t, "s3", &ep);
    assert_string_equal(ep.signing_region, "us-east-1");
    assert_int_equal(cfgtest_load(&t), 0);
    assert_int_equal(aws_config_endpoint(&t.cfg, aws_service_find("iam"), &ep, &t.err), -1);
    assert_non_null(strstr(t.err.message, "no region configured for iam: use --region"));
    cfgtest_free(&t);
}

static void test_endpoint_missing_region(void **state)
{
    (void)state;
    struct cfgtest t;
    struct aws_endpoint ep;
    cfgtest_init(&t, "[profile dev]\noutput = json\n", NULL);
    cfgtest_env(&t, "AWS_PROFILE=dev");
    assert_int_equal(cfgtest_load(&t), 0);
    assert_int_equal(aws_config_endpoint(&t.cfg, aws_service_find("dynamodb"), &ep, &t.err), -1);
    assert_int_equal(t.err.exit, PW_EXIT_FAILED);
    char want[512];
    snprintf(want, sizeof want,
             "no region configured for dynamodb: use --region, set AWS_REGION or AWS_DEFAULT_REGION, "
             "or add 'region = us-east-1' (your region) under [profile dev] in '%s'", t.config);
    assert_string_equal(t.err.message, want);
    cfgtest_free(&t);
}

static void expect_bad_url(const char *url, const char *why)
{
    struct aws_endpoint ep;
    struct pw_error err;
    char want[512];
    assert_int_equal(aws_endpoint_parse(url, "AWS_ENDPOINT_URL", &ep, &err), -1);
    snprintf(want, sizeof want, "endpoint URL '%s' from AWS_ENDPOINT_URL: %s", url, why);
    assert_string_equal(err.message, want);
}

static void test_endpoint_url_parsing(void **state)
{
    (void)state;
    expect_bad_url("localhost:4566", "the scheme must be http:// or https://");
    expect_bad_url("ftp://host", "the scheme must be http:// or https://");
    expect_bad_url("http://", "no host name");
    expect_bad_url("http://:80", "no host name");
    expect_bad_url("http://host:0", "the port must be a number from 1 to 65535");
    expect_bad_url("http://host:99999", "the port must be a number from 1 to 65535");
    expect_bad_url("http://host:", "the port must be a number from 1 to 65535");
    expect_bad_url("http://host:8x", "the port must be a number from 1 to 65535");
    expect_bad_url("http://my_host:1", "the host name is not a valid DNS name or IP address");
    expect_bad_url("http://-host", "the host name is not a valid DNS name or IP address");
    expect_bad_url("http://a..b", "the host name is not a valid DNS name or IP address");
    expect_bad_url("http://user:pw@host", "a user name or password does not belong in an endpoint URL");
    expect_bad_url("http://host/path?x=1", "a query string or fragment does not belong in an endpoint URL");
    expect_bad_url("http://host#f", "a query string or fragment does not belong in an endpoint URL");
    expect_bad_url("http://ho st", "contains a space or control character");
    expect_bad_url("http://[zz::1]", "malformed IPv6 address");

    struct aws_endpoint ep;
    struct pw_error err;
    assert_int_equal(aws_endpoint_parse("HTTP://LocalHost:80//", "x", &ep, &err), 0);
    assert_string_equal(ep.url, "http://LocalHost");
    assert_string_equal(ep.base_path, "");
    assert_int_equal(aws_endpoint_parse("https://h.example:8443/a/b", "x", &ep, &err), 0);
    assert_string_equal(ep.url, "https://h.example:8443/a/b");
    assert_string_equal(ep.host, "h.example:8443");
    assert_string_equal(ep.base_path, "/a/b");

    /* a malformed configured URL fails when it is resolved, naming where it came from */
    struct cfgtest t;
    cfgtest_init(&t, "[default]\nregion = eu-west-1\nservices = s\n[services s]\nsns =\n  endpoint_url = localhost\n", NULL);
    assert_int_equal(cfgtest_load(&t), 0);
    assert_int_equal(aws_config_endpoint(&t.cfg, aws_service_find("sns"), &ep, &t.err), -1);
    assert_string_equal(t.err.message,
                        "endpoint URL 'localhost' from profile default services: the scheme must be http:// or https://");
    aws_config_release(&t.cfg);
    t.opt.endpoint_url = "nope";
    assert_int_equal(cfgtest_load(&t), -1);   /* --endpoint-url is checked at load */
    assert_string_equal(t.err.message, "endpoint URL 'nope' from --endpoint-url: the scheme must be http:// or https://");
    cfgtest_free(&t);
}

static void test_getenv_snapshot(void **state)
{
    (void)state;
    struct cfgtest t;
    cfgtest_init(&t, NULL, NULL);
    cfgtest_env(&t, "PW_EMPTY=");
    cfgtest_env(&t, "PW_X=a=b");
    assert_int_equal(cfgtest_load(&t), 0);
    assert_null(aws_config_getenv(&t.cfg, "PW_EMPTY"));
    assert_string_equal(aws_config_getenv(&t.cfg, "PW_X"), "a=b");
    assert_null(aws_config_getenv(&t.cfg, "PATH"));   /* only what envp holds */
    cfgtest_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ini_basics),
        cmocka_unit_test(test_ini_nested_and_defaults),
        cmocka_unit_test(test_ini_errors),
        cmocka_unit_test(test_ini_section_names),
        cmocka_unit_test(test_profile_selection),
        cmocka_unit_test(test_default_profile_may_be_absent),
        cmocka_unit_test(test_region_precedence),
        cmocka_unit_test(test_credentials_file_overrides_config),
        cmocka_unit_test(test_config_parse_error_is_reported),
        cmocka_unit_test(test_file_paths_expand),
        cmocka_unit_test(test_retry_settings),
        cmocka_unit_test(test_endpoint_precedence),
        cmocka_unit_test(test_endpoint_ignore_flag),
        cmocka_unit_test(test_endpoint_defaults),
        cmocka_unit_test(test_endpoint_custom_signing_region),
        cmocka_unit_test(test_endpoint_missing_region),
        cmocka_unit_test(test_endpoint_url_parsing),
        cmocka_unit_test(test_getenv_snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
