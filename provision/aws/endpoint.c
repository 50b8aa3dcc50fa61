/* endpoint.c — where a service's requests go. Configured URLs in the AWS CLI's order, then
 * the AWS default for the region's partition; the defaults and signing regions are the ones
 * botocore's endpoint rules produce for the services pipewright speaks to. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "provision/aws/config.h"

static int bad_url(struct pw_error *err, const char *url, const char *source, const char *why)
{
    return pw_fail(err, PW_EXIT_FAILED, "endpoint URL '%s' from %s: %s", url, source, why);
}

/* botocore's is_valid_endpoint_url: dot-separated labels of letters, digits and '-', none
 * starting or ending with '-', at most 63 each and 255 in all; one trailing dot allowed. */
static int hostname_valid(const char *h, size_t n)
{
    if (n && h[n - 1] == '.')
        n--;
    if (n == 0 || n > 255)
        return 0;
    size_t label = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || h[i] == '.') {
            if (label == 0 || label > 63 || h[i - 1] == '-' || h[i - label] == '-')
                return 0;
            label = 0;
        } else if (isalnum((unsigned char)h[i]) || h[i] == '-') {
            label++;
        } else {
            return 0;
        }
    }
    return 1;
}

static int ipv6_valid(const char *h, size_t n)
{
    int colons = 0;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (h[i] == ':')
            colons++;
        else if (!isxdigit((unsigned char)h[i]) && h[i] != '.')
            return 0;
    }
    return colons >= 2;
}

int aws_endpoint_parse(const char *url, const char *source, struct aws_endpoint *ep, struct pw_error *err)
{
    memset(ep, 0, sizeof *ep);
    for (const char *c = url; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f)
            return bad_url(err, url, source, "contains a space or control character");
    const char *sep = strstr(url, "://");
    size_t sn = sep ? (size_t)(sep - url) : 0;
    if (sn == 5 && strncasecmp(url, "https", 5) == 0)
        memcpy(ep->scheme, "https", 6);
    else if (sn == 4 && strncasecmp(url, "http", 4) == 0)
        memcpy(ep->scheme, "http", 5);
    else
        return bad_url(err, url, source, "the scheme must be http:// or https://");

    const char *auth = sep + 3, *end = auth + strcspn(auth, "/?#");
    const char *host = auth, *hend, *port = NULL;
    if (memchr(auth, '@', (size_t)(end - auth)))
        return bad_url(err, url, source, "a user name or password does not belong in an endpoint URL");
    if (*host == '[') {
        hend = memchr(host, ']', (size_t)(end - host));
        if (!hend || !ipv6_valid(host + 1, (size_t)(hend - host - 1)))
            return bad_url(err, url, source, "malformed IPv6 address");
        hend++;
        if (hend < end && *hend != ':')
            return bad_url(err, url, source, "unexpected text after the IPv6 address");
    } else {
        hend = memchr(host, ':', (size_t)(end - host));
        if (!hend)
            hend = end;
        if (hend == host)
            return bad_url(err, url, source, "no host name");
        if (!hostname_valid(host, (size_t)(hend - host)))
            return bad_url(err, url, source, "the host name is not a valid DNS name or IP address");
    }
    long portnum = 0;
    if (hend < end) {
        port = hend + 1;
        if (port == end || end - port > 5)
            return bad_url(err, url, source, "the port must be a number from 1 to 65535");
        for (const char *c = port; c < end; c++) {
            if (!isdigit((unsigned char)*c))
                return bad_url(err, url, source, "the port must be a number from 1 to 65535");
            portnum = portnum * 10 + (*c - '0');
        }
        if (portnum < 1 || portnum > 65535)
            return bad_url(err, url, source, "the port must be a number from 1 to 65535");
    }
    if (*end == '?' || *end == '#' || strpbrk(end, "?#"))
        return bad_url(err, url, source, "a query string or fragment does not belong in an endpoint URL");
    size_t pn = strlen(end);
    while (pn && end[pn - 1] == '/')
        pn--;

    /* the default port is left out, as botocore leaves it out of the signed Host header */
    int default_port = portnum == (strcmp(ep->scheme, "https") == 0 ? 443 : 80);
    size_t hn = (size_t)(hend - host);
    int w;
    if (port && !default_port)
        w = snprintf(ep->host, sizeof ep->host, "%.*s:%ld", (int)hn, host, portnum);
    else
        w = snprintf(ep->host, sizeof ep->host, "%.*s", (int)hn, host);
    if (w < 0 || (size_t)w >= sizeof ep->host || pn >= sizeof ep->base_path)
        return bad_url(err, url, source, "too long");
    memcpy(ep->base_path, end, pn);
    ep->base_path[pn] = '\0';
    w = snprintf(ep->url, sizeof ep->url, "%s://%s%s", ep->scheme, ep->host, ep->base_path);
    if (w < 0 || (size_t)w >= sizeof ep->url)
        return bad_url(err, url, source, "too long");
    ep->custom = 1;
    ep->path_style = 1;
    snprintf(ep->source, sizeof ep->source, "%s", source);
    return 0;
}

/* botocore's ensure_boolean: only "true", in any case, is true; the environment, when set,
 * decides even when it says false. */
static int ignore_configured_urls(const struct aws_config *cfg)
{
    const char *v = aws_config_setting(cfg, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                                       "ignore_configured_endpoint_urls", NULL, 0);
    return v && strcasecmp(v, "true") == 0;
}

static int no_region(const struct aws_config *cfg, const struct aws_service *svc, struct pw_error *err)
{
    char section[300];
    if (strcmp(cfg->profile, "default") == 0)
        snprintf(section, sizeof section, "[default]");
    else
        snprintf(section, sizeof section, "[profile %s]", cfg->profile);
    return pw_fail(err, PW_EXIT_FAILED,
                   "no region configured for %s: use --region, set AWS_REGION or AWS_DEFAULT_REGION, "
                   "or add 'region = us-east-1' (your region) under %s in '%s'",
                   svc->name, section, cfg->config_path ? cfg->config_path : "~/.aws/config");
}

static int default_endpoint(const struct aws_config *cfg, const struct aws_service *svc,
                            struct aws_endpoint *ep, struct pw_error *err)
{
    const char *region = cfg->region;
    int cn = region && strncmp(region, "cn-", 3) == 0;
    const char *suffix = cn ? "amazonaws.com.cn" : "amazonaws.com";
    const char *sign = region;
    int w;
    if (svc->global) {
        /* one endpoint per partition, signed in the partition's home region */
        if (cn) {
            w = snprintf(ep->host, sizeof ep->host, "%s.cn-north-1.%s", svc->endpoint_prefix, suffix);
            sign = "cn-north-1";
        } else if (region && strncmp(region, "us-gov-", 7) == 0) {
            w = snprintf(ep->host, sizeof ep->host, "%s.us-gov.%s", svc->endpoint_prefix, suffix);
            sign = "us-gov-west-1";
        } else {
            w = snprintf(ep->host, sizeof ep->host, "%s.%s", svc->endpoint_prefix, suffix);
            sign = "us-east-1";
        }
    } else if (!region && strcmp(svc->name, "sts") == 0) {
        /* botocore reaches STS's global endpoint when no region is configured */
        w = snprintf(ep->host, sizeof ep->host, "sts.%s", suffix);
        sign = "us-east-1";
    } else if (!region) {
        return no_region(cfg, svc, err);
    } else {
        w = snprintf(ep->host, sizeof ep->host, "%s.%s.%s", svc->endpoint_prefix, region, suffix);
    }
    if (w < 0 || (size_t)w >= sizeof ep->host)
        return pw_fail(err, PW_EXIT_FAILED, "endpoint host for %s in '%s' is too long", svc->name, region);
    snprintf(ep->scheme, sizeof ep->scheme, "https");
    snprintf(ep->url, sizeof ep->url, "https://%s", ep->host);
    snprintf(ep->signing_region, sizeof ep->signing_region, "%s", sign);
    snprintf(ep->source, sizeof ep->source, "default");
    return 0;
}

int aws_config_endpoint(const struct aws_config *cfg, const struct aws_service *svc,
                        struct aws_endpoint *ep, struct pw_error *err)
{
    const char *url = NULL;
    char src[64] = "";
    memset(ep, 0, sizeof *ep);
    if (cfg->endpoint_url) {
        url = cfg->endpoint_url;
        snprintf(src, sizeof src, "--endpoint-url");
    } else if (!ignore_configured_urls(cfg)) {
        char env[96];
        snprintf(env, sizeof env, "AWS_ENDPOINT_URL_%s", svc->env_id ? svc->env_id : "");
        if (svc->env_id && (url = aws_config_getenv(cfg, env))) {
            snprintf(src, sizeof src, "%s", env);
        } else if ((url = aws_config_getenv(cfg, "AWS_ENDPOINT_URL"))) {
            snprintf(src, sizeof src, "AWS_ENDPOINT_URL");
        } else if ((url = aws_config_service_get(cfg, NULL, svc->config_key, "endpoint_url")) && url[0]) {
            snprintf(src, sizeof src, "profile %s services", cfg->profile);
        } else if ((url = aws_config_profile_get(cfg, NULL, "endpoint_url")) && url[0]) {
            snprintf(src, sizeof src, "profile %s", cfg->profile);
        } else {
            url = NULL;
        }
    }
    if (!url) {
        if (default_endpoint(cfg, svc, ep, err) < 0)
            return -1;
    } else {
        if (aws_endpoint_parse(url, src, ep, err) < 0)
            return -1;
        /* botocore signs a custom endpoint for the configured region; S3 alone falls back to
         * us-east-1 when there is none */
        if (cfg->region)
            snprintf(ep->signing_region, sizeof ep->signing_region, "%s", cfg->region);
        else if (strcmp(svc->name, "s3") == 0)
            snprintf(ep->signing_region, sizeof ep->signing_region, "us-east-1");
        else
            return no_region(cfg, svc, err);
    }
    aws_config_trace(cfg, 2, "%s endpoint %s (%s), signed for %s", svc->name, ep->url, ep->source,
                     ep->signing_region);
    return 0;
}
