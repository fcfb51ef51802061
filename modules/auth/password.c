/*
 * Passwords: bcrypt through libxcrypt (crypt_rn/crypt_gensalt_rn), which is
 * thread-safe with a per-call crypt_data. Passwords over 72 bytes are
 * refused by the callers (bcrypt would silently ignore the rest).
 */
#include "auth.h"
#include "apr_strings.h"
#include "apr_thread_cond.h"
#include "apr_thread_mutex.h"
#include "http_log.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <string.h>

static const char *dummy_hash; /* same cost as real ones, made at start-up */

/* the bcrypt slots of this child */
static apr_thread_mutex_t *slot_mu;
static apr_thread_cond_t *slot_cv;
static int slots_busy;

void maplat_bcrypt_child_init(apr_pool_t *p, server_rec *s)
{
    if (apr_thread_mutex_create(&slot_mu, APR_THREAD_MUTEX_DEFAULT, p) != APR_SUCCESS ||
        apr_thread_cond_create(&slot_cv, p) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     MAPLAT_LOGNO(02016) "cannot create the bcrypt slots; logins are not limited");
        slot_mu = NULL;
    }
}

int maplat_bcrypt_enter(request_rec *r)
{
    apr_time_t start = apr_time_now(), deadline = start + apr_time_from_sec(10), now;
    int waited = 0;

    if (!slot_mu) {
        return 1;
    }
    apr_thread_mutex_lock(slot_mu);
    while (slots_busy >= maplat_auth_g.bcrypt_concurrency) {
        waited = 1;
        now = apr_time_now();
        if (now >= deadline) {
            apr_thread_mutex_unlock(slot_mu);
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          MAPLAT_LOGNO(02017) "no bcrypt slot free for 10 s (" MAPLAT_DIR_BCRYPT_CONCURRENCY
                                              " %d): 503",
                          maplat_auth_g.bcrypt_concurrency);
            return 0;
        }
        apr_thread_cond_timedwait(slot_cv, slot_mu, deadline - now);
    }
    slots_busy++;
    apr_thread_mutex_unlock(slot_mu);
    if (waited) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      MAPLAT_LOGNO(02018) "waited %" APR_TIME_T_FMT
                                          " ms for a bcrypt slot (" MAPLAT_DIR_BCRYPT_CONCURRENCY " %d)",
                      apr_time_as_msec(apr_time_now() - start), maplat_auth_g.bcrypt_concurrency);
    }
    return 1;
}

void maplat_bcrypt_leave(void)
{
    if (!slot_mu) {
        return;
    }
    apr_thread_mutex_lock(slot_mu);
    slots_busy--;
    apr_thread_cond_signal(slot_cv);
    apr_thread_mutex_unlock(slot_mu);
}

const char *maplat_password_hash(apr_pool_t *p, const char *password, int cost)
{
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd;
    const char *h;

    if (!password || strlen(password) > MAPLAT_PASSWORD_MAX_BYTES) {
        return NULL;
    }
    if (!crypt_gensalt_rn("$2b$", (unsigned long)cost, NULL, 0, setting, sizeof(setting))) {
        return NULL;
    }
    cd = apr_pcalloc(p, sizeof(*cd));
    h = crypt_rn(password, setting, cd, (int)sizeof(*cd));
    if (!h || h[0] == '*') {
        return NULL;
    }
    return apr_pstrdup(p, h);
}

apr_status_t maplat_password_init(apr_pool_t *p)
{
    dummy_hash = maplat_password_hash(p, "maplat-dummy-password-for-timing", maplat_auth_g.bcrypt_cost);
    return dummy_hash ? APR_SUCCESS : APR_EGENERAL;
}

int maplat_password_needs_rehash(const char *hash, int cost)
{
    /* "$2b$12$" + 53 characters; anything else ($2a$, $2y$, another cost) is redone */
    return hash && !(strncmp(hash, "$2b$", 4) == 0 && hash[4] >= '0' && hash[4] <= '9' && hash[5] >= '0' &&
                     hash[5] <= '9' && hash[6] == '$' && (hash[4] - '0') * 10 + (hash[5] - '0') == cost);
}

int maplat_password_verify(apr_pool_t *p, const char *password, const char *hash)
{
    struct crypt_data *cd = apr_pcalloc(p, sizeof(*cd));
    const char *use = hash ? hash : dummy_hash;
    const char *h;
    size_t n;

    if (!use) {
        return 0;
    }
    h = crypt_rn(password, use, cd, (int)sizeof(*cd));
    n = strlen(use);
    if (!h || strlen(h) != n) {
        return 0;
    }
    return hash != NULL && CRYPTO_memcmp(h, use, n) == 0;
}
