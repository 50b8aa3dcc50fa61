/* curl_lib.c — dlopen of libcurl on first use (why: curl_lib.h). */
#include "provision/aws/curl_lib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static struct curl_lib lib;
static int loaded;
static char load_error[256];

/* Every entry of the table with the symbol it is filled from, so the loader is one loop. */
#define ENTRY(field, symbol) { offsetof(struct curl_lib, field), #symbol }
static const struct {
    size_t offset;
    const char *symbol;
} entries[] = {
    ENTRY(global_init, curl_global_init),
    ENTRY(easy_init, curl_easy_init),
    ENTRY(easy_setopt, curl_easy_setopt),
    ENTRY(easy_getinfo, curl_easy_getinfo),
    ENTRY(easy_perform, curl_easy_perform),
    ENTRY(easy_reset, curl_easy_reset),
    ENTRY(easy_cleanup, curl_easy_cleanup),
    ENTRY(easy_strerror, curl_easy_strerror),
    ENTRY(multi_init, curl_multi_init),
    ENTRY(multi_setopt, curl_multi_setopt),
    ENTRY(multi_add_handle, curl_multi_add_handle),
    ENTRY(multi_remove_handle, curl_multi_remove_handle),
    ENTRY(multi_perform, curl_multi_perform),
    ENTRY(multi_poll, curl_multi_poll),
    ENTRY(multi_info_read, curl_multi_info_read),
    ENTRY(multi_cleanup, curl_multi_cleanup),
    ENTRY(share_init, curl_share_init),
    ENTRY(share_setopt, curl_share_setopt),
    ENTRY(share_cleanup, curl_share_cleanup),
    ENTRY(slist_append, curl_slist_append),
    ENTRY(slist_free_all, curl_slist_free_all),
};

static void load(void)
{
    void *handle = dlopen(CURL_LIB_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(load_error, sizeof load_error, "cannot load libcurl: %s", dlerror());
        return;
    }
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
        void *f = dlsym(handle, entries[i].symbol);
        if (!f) {
            snprintf(load_error, sizeof load_error, "cannot load libcurl: %s has no %s",
                     CURL_LIB_SONAME, entries[i].symbol);
            return;
        }
        /* POSIX guarantees a function pointer survives the trip through void *. */
        memcpy((char *)&lib + entries[i].offset, &f, sizeof f);
    }
    if (lib.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(load_error, sizeof load_error, "cannot initialise libcurl");
        return;
    }
    loaded = 1;
}

const struct curl_lib *curl_lib_get(struct pw_error *err)
{
    pthread_once(&load_once, load);
    if (!loaded) {
        pw_fail(err, PW_EXIT_FAILED, "%s", load_error);
        return NULL;
    }
    return &lib;
}
