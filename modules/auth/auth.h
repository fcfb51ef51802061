/*
 * Private declarations of mod_maplat_auth.
 */
#ifndef MAPLAT_AUTH_H
#define MAPLAT_AUTH_H

#include "maplat.h"
#include "maplat_enums.h"
#include "jwt.h"

#define MAPLAT_DIR_TOKEN_KEY "MaplatTokenKey"
#define MAPLAT_DIR_TOKEN_TTL "MaplatTokenTTL"
#define MAPLAT_DIR_REFRESH_TTL "MaplatRefreshTTL"
#define MAPLAT_DIR_TOKEN_ISSUER "MaplatTokenIssuer"
#define MAPLAT_DIR_TOKEN_AUDIENCE "MaplatTokenAudience"
#define MAPLAT_DIR_BCRYPT_COST "MaplatBcryptCost"
#define MAPLAT_DIR_BCRYPT_CONCURRENCY "MaplatBcryptConcurrency"
#define MAPLAT_DIR_CORS "MaplatCORSAllowOrigin"
#define MAPLAT_DIR_ID_HEADERS "MaplatIdentityHeaders"

#define MAPLAT_DEFAULT_TOKEN_TTL 900
#define MAPLAT_DEFAULT_REFRESH_TTL (14 * 24 * 3600)
#define MAPLAT_DEFAULT_ISSUER "maplat"
#define MAPLAT_DEFAULT_AUDIENCE "maplat-api"
#define MAPLAT_DEFAULT_BCRYPT_COST 12
#define MAPLAT_REFRESH_GRACE_S 2 /* a parallel refresh inside this is not "reuse" */
#define MAPLAT_PASSWORD_MIN_CHARS 12
#define MAPLAT_PASSWORD_MAX_BYTES 72    /* bcrypt reads no more */
#define MAPLAT_TOKEN_VERSION_CACHE_S 10 /* a cached token version lives at most this long */
#define MAPLAT_RESET_TTL_S (24 * 3600)  /* password reset tokens */

extern module AP_MODULE_DECLARE_DATA maplat_auth_module;
#ifndef MAPLAT_AUTH_MAIN
APLOG_USE_MODULE(maplat_auth);
#endif

/* Process-wide settings (main server only). */
typedef struct {
    maplat_jwt_conf_t jwt;
    int token_ttl;
    int refresh_ttl;
    int bcrypt_cost;
    int bcrypt_concurrency;           /* per child; 0: the number of CPUs */
    apr_array_header_t *cors_origins; /* const char * */
} maplat_auth_globals_t;

extern maplat_auth_globals_t maplat_auth_g;
extern const maplat_core_t *auth_core;

/* Per-directory settings. */
typedef struct {
    int identity_headers; /* -1 unset, 0 off, 1 on */
} maplat_auth_dir_cfg_t;

/* password.c */
apr_status_t maplat_password_init(apr_pool_t *p);
/* bcrypt hash of password (NUL-free, <= 72 bytes) or NULL. */
const char *maplat_password_hash(apr_pool_t *p, const char *password, int cost);
/* 1 when password matches hash; a NULL hash runs against a dummy hash so
 * unknown users take as long as known ones, and returns 0. */
int maplat_password_verify(apr_pool_t *p, const char *password, const char *hash);
/* Whether a stored hash should be redone at the next login: not "$2b$" with `cost`. */
int maplat_password_needs_rehash(const char *hash, int cost);
/* At most MaplatBcryptConcurrency bcrypt computations at once per child:
 * enter waits for a slot (up to 10 s; 0 = none came: answer 503), leave
 * gives it back. A flood of logins queues here instead of taking every CPU. */
void maplat_bcrypt_child_init(apr_pool_t *p, server_rec *s);
int maplat_bcrypt_enter(request_rec *r);
void maplat_bcrypt_leave(void);

/* mod_maplat_auth.c */
/* Authenticates the request's Bearer token (what AuthType maplat does in
 * check_user_id): OK with the identity and r->user set, or
 * HTTP_UNAUTHORIZED with WWW-Authenticate and the note maplat-error-detail
 * set. For handlers of public routes that accept a token but do not need
 * one (POST /auth/logout with a cookie session). */
int maplat_auth_bearer(request_rec *r);

/* What the access token of the request said beyond the identity. */
typedef struct {
    apr_int64_t ver; /* token version */
    const char *sid; /* session (refresh-token family), or NULL */
} maplat_auth_token_t;
/* The request's verified token (NULL when none was verified). */
const maplat_auth_token_t *maplat_auth_token(request_rec *r);

/* tokenver.c: the user's current token version (memcached, else PostgreSQL) */
void maplat_token_version_sql(void);
/* OK when a token of version ver for the user is still good; HTTP_UNAUTHORIZED
 * (*why set, for the log) when stale or the user is inactive; 503/500. */
int maplat_token_version_check(request_rec *r, const char *user_id, const char *org_id, apr_int64_t ver,
                               const char **why);
/* After a committed change of users.token_version/active: tell every server. */
void maplat_token_version_publish(request_rec *r, const char *user_id, const char *version, int active);

/* handlers.c */
const char *maplat_auth_routes(apr_pool_t *pconf);
void maplat_auth_sql(void);
/* Normalised e-mail: NFKC, lower case, trimmed. NULL when not plausible. */
const char *maplat_email_normalize(apr_pool_t *p, const char *email);

#endif
