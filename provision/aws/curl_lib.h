/* curl_lib.h — libcurl, loaded when the first HTTP client is made rather than at start.
 *
 * Linked the usual way, libcurl brings 28 shared libraries of its own (OpenSSL's libssl,
 * GnuTLS through librtmp, HTTP/2, IDN, LDAP, SSH, Kerberos, brotli, zstd …) into every run,
 * and loading them was 8 of the 10 ms of `pipewright version`. Commands that never talk to
 * AWS (version, validate, pipeline run --from-file … --to file://) should not pay for them, so
 * the binary does not link libcurl: http.c calls it through this table, filled by dlopen on
 * first use. The headers are still libcurl's own, so the types and constants are checked at
 * compile time against the version we build with. */
#ifndef PW_CURL_LIB_H
#define PW_CURL_LIB_H

#include <curl/curl.h>

#include "provision/aws/error.h"

/* The soname of Debian's libcurl4 (OpenSSL flavour), the library we build against. */
#define CURL_LIB_SONAME "libcurl.so.4"

struct curl_lib {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *easy, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *easy, CURLINFO info, ...);
    CURLcode (*easy_perform)(CURL *easy);
    void (*easy_reset)(CURL *easy);
    void (*easy_cleanup)(CURL *easy);
    const char *(*easy_strerror)(CURLcode rc);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_setopt)(CURLM *multi, CURLMoption option, ...);
    CURLMcode (*multi_add_handle)(CURLM *multi, CURL *easy);
    CURLMcode (*multi_remove_handle)(CURLM *multi, CURL *easy);
    CURLMcode (*multi_perform)(CURLM *multi, int *running);
    CURLMcode (*multi_poll)(CURLM *multi, struct curl_waitfd extra[], unsigned n, int timeout_ms,
                            int *ret);
    CURLMsg *(*multi_info_read)(CURLM *multi, int *left);
    CURLMcode (*multi_cleanup)(CURLM *multi);
    CURLSH *(*share_init)(void);
    CURLSHcode (*share_setopt)(CURLSH *share, CURLSHoption option, ...);
    CURLSHcode (*share_cleanup)(CURLSH *share);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
    void (*slist_free_all)(struct curl_slist *list);
};

/* The loaded library with curl_global_init done, the same table for every caller and thread;
 * NULL with err filled when libcurl cannot be loaded or initialised. The library stays loaded
 * for the life of the process. */
const struct curl_lib *curl_lib_get(struct pw_error *err);

#endif
