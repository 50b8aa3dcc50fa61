/* spec_names.c — AWS's naming rules, checked before any request is sent. Each returns NULL
 * for a valid name or the rule it breaks, phrased to follow "invalid bucket name 'x': ". */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "provision/spec/spec_int.h"

static const char *length(size_t n, size_t lo, size_t hi)
{
    static _Thread_local char why[64];
    if (n >= lo && n <= hi)
        return NULL;
    snprintf(why, sizeof why, "must be %zu to %zu characters long, not %zu", lo, hi, n);
    return why;
}

static int only(const char *s, const char *extra, int upper)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isdigit(*p) || islower(*p) || (upper && isupper(*p)) || strchr(extra, *p))
            continue;
        return 0;
    }
    return 1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html */
const char *name_check_bucket(const char *name)
{
    static const char *const bad_prefix[] = {"xn--", "sthree-", "amzn-s3-demo-"};
    static const char *const bad_suffix[] = {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"};
    static _Thread_local char why[96];
    const char *w = length(strlen(name), 3, 63);
    if (w)
        return w;
    for (const char *p = name; *p; p++)
        if (isupper((unsigned char)*p))
            return "bucket names are lower case";
    if (!only(name, ".-", 0))
        return "use only lower-case letters, digits, '.' and '-'";
    if (!isalnum((unsigned char)name[0]) || !isalnum((unsigned char)name[strlen(name) - 1]))
        return "must begin and end with a letter or digit";
    if (strstr(name, ".."))
        return "must not contain '..'";
    int a, b, c, d;
    char tail;
    if (sscanf(name, "%d.%d.%d.%d%c", &a, &b, &c, &d, &tail) == 4)
        return "must not look like an ip address";
    for (size_t i = 0; i < sizeof bad_prefix / sizeof bad_prefix[0]; i++) {
        if (strncmp(name, bad_prefix[i], strlen(bad_prefix[i])) == 0) {
            snprintf(why, sizeof why, "the prefix '%s' is reserved by aws", bad_prefix[i]);
            return why;
        }
    }
    for (size_t i = 0; i < sizeof bad_suffix / sizeof bad_suffix[0]; i++) {
        if (ends_with(name, bad_suffix[i])) {
            snprintf(why, sizeof why, "the suffix '%s' is reserved by aws", bad_suffix[i]);
            return why;
        }
    }
    return NULL;
}

const char *name_check_table(const char *name)
{
    const char *w = length(strlen(name), 3, 255);
    if (w)
        return w;
    if (!only(name, "_.-", 1))
        return "use only letters, digits, '_', '-' and '.'";
    return NULL;
}

/* Crawlers, jobs, workflows and triggers: any single line of text up to 255 characters. */
const char *name_check_glue(const char *name)
{
    const char *w = length(strlen(name), 1, 255);
    if (w)
        return w;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return "must be a single line without control characters";
    return NULL;
}

/* Databases and tables: Glue would lower-case them anyway, and Athena only queries names
 * of lower-case letters, digits and '_'. */
const char *name_check_glue_catalog(const char *name)
{
    const char *w = length(strlen(name), 1, 255);
    if (w)
        return w;
    if (!only(name, "_", 0))
        return "use only lower-case letters, digits and '_' (athena cannot query other names)";
    return NULL;
}

const char *name_check_topic(const char *name)
{
    const char *w = length(strlen(name), 1, 256);
    if (w)
        return w;
    if (!only(name, "_-", 1))
        return "use only letters, digits, '_' and '-'";
    return NULL;
}

const char *name_check_role(const char *name)
{
    const char *w = length(strlen(name), 1, 64);
    if (w)
        return w;
    if (!only(name, "+=,.@_-", 1))
        return "use only letters, digits and + = , . @ _ -";
    return NULL;
}

const char *name_check_schedule(const char *name)
{
    const char *w = length(strlen(name), 1, 64);
    if (w)
        return w;
    if (!only(name, "_.-", 1))
        return "use only letters, digits, '_', '-' and '.'";
    return NULL;
}

/* us-east-1, ap-south-1, us-gov-west-1, cn-north-1, eu-central-2, ... */
const char *name_check_region(const char *name)
{
    const char *p = name;
    int parts = 0;
    if (!(islower((unsigned char)p[0]) && islower((unsigned char)p[1]) && p[2] == '-'))
        return "expected a region like us-east-1 or ap-south-1";
    p += 3;
    while (islower((unsigned char)*p)) {
        while (islower((unsigned char)*p))
            p++;
        if (*p != '-')
            return "expected a region like us-east-1 or ap-south-1";
        p++;
        parts++;
    }
    if (!parts || !isdigit((unsigned char)*p) || strspn(p, "0123456789") != strlen(p))
        return "expected a region like us-east-1 or ap-south-1";
    return NULL;
}

/* The stack becomes part of every default name and of the stack tag, so it must fit the
 * strictest of them (S3): lower case, digits and '-'. */
const char *name_check_stack(const char *name)
{
    const char *w = length(strlen(name), 1, 32);
    if (w)
        return w;
    if (!islower((unsigned char)name[0]) || !only(name, "-", 0) || ends_with(name, "-"))
        return "use lower-case letters, digits and '-', starting with a letter and not ending "
               "with '-'";
    return NULL;
}

/* arn:aws:iam::123456789012:role/path/name (aws-cn, aws-us-gov, ... partitions too). */
const char *name_check_role_arn(const char *arn)
{
    const char *p = arn;
    if (strncmp(p, "arn:aws", 7) != 0)
        return "expected arn:aws:iam::<account>:role/<name>";
    p += 7;
    while (*p == '-' || islower((unsigned char)*p))
        p++;
    if (strncmp(p, ":iam::", 6) != 0)
        return "expected arn:aws:iam::<account>:role/<name>";
    p += 6;
    if (strspn(p, "0123456789") != 12 || p[12] != ':')
        return "the account in a role arn is 12 digits";
    p += 13;
    if (strncmp(p, "role/", 5) != 0)
        return "expected arn:aws:iam::<account>:role/<name>";
    p += 5;
    const char *name = strrchr(p, '/');
    name = name ? name + 1 : p;
    const char *w = name_check_role(name);
    return w ? "the role name after the last '/' is not a valid iam role name" : NULL;
}
