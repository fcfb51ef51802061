/*
 * maplat_enums.h — every enumeration of the data model, declared once, and the
 * field validation helpers built on them (modules/common/enums.c, in
 * libmaplat_common: every module and mod_maplat_echo link it).
 *
 * Each list is used by the validation AND by its error message ("must be one
 * of a, b, c" is generated from the list), and names the column whose CHECK
 * constraint holds the same values in the same order: t/db/enums.t compares
 * each list with pg_constraint (through mod_maplat_echo's GET
 * /api/v1/_test/enums), so C and SQL cannot drift apart. A new value needs a
 * migration that changes the constraint AND the list here.
 */
#ifndef MAPLAT_ENUMS_H
#define MAPLAT_ENUMS_H

#include "apr_pools.h"
#include <json-c/json.h>

typedef struct maplat_enum_t {
    const char *name;          /* what a value is: "deal stage" */
    const char *db_check;      /* "table.column" with the same CHECK (col IN (…)), or NULL */
    const char *const *values; /* NULL-terminated, in the constraint's order */
} maplat_enum_t;

/* The value lists (NULL-terminated), usable in static initializers. */
extern const char *const maplat_user_role_values[];
extern const char *const maplat_deal_stage_values[];
extern const char *const maplat_prospect_stage_values[];
extern const char *const maplat_task_status_values[];
extern const char *const maplat_document_level_values[];
extern const char *const maplat_document_grant_values[];
extern const char *const maplat_community_role_values[];
extern const char *const maplat_export_type_values[];
extern const char *const maplat_export_format_values[];
extern const char *const maplat_export_status_values[];

extern const maplat_enum_t maplat_user_roles;      /* users.role */
extern const maplat_enum_t maplat_deal_stages;     /* deals.stage */
extern const maplat_enum_t maplat_prospect_stages; /* prospects.stage */
extern const maplat_enum_t maplat_task_statuses;   /* tasks.status */
extern const maplat_enum_t maplat_document_levels; /* document_permissions.level */
extern const maplat_enum_t maplat_document_grants; /* the API's levels: the above and "none" (no row) */
extern const maplat_enum_t maplat_community_roles; /* community_members.role */
extern const maplat_enum_t maplat_export_types;    /* export_jobs.type */
extern const maplat_enum_t maplat_export_formats;  /* export_jobs.format */
extern const maplat_enum_t maplat_export_statuses; /* export_jobs.status */
/* All of the above, NULL-terminated. */
extern const maplat_enum_t *const maplat_enums[];

/* 1 when v (not NULL) is one of e's values. */
int maplat_enum_has(const maplat_enum_t *e, const char *v);
/* "must be one of a, b, c" (allocated from p). */
const char *maplat_enum_message(apr_pool_t *p, const maplat_enum_t *e);
/* 1 when v is one of e's values; else adds {field, maplat_enum_message} to
 * *errors and returns 0 (v NULL counts as not one of them). */
int maplat_check_enum(apr_pool_t *p, json_object **errors, const char *field, const maplat_enum_t *e,
                      const char *v);

/* The string member `name` of obj, checked: absent (or JSON null when null_ok)
 * -> *out = NULL, returns 1. Present -> it must be a string of min..max
 * characters (UTF-8; min 0 allows ""): *out = it, returns 1; else *out = NULL,
 * {field, "must be a string of at most MAX characters" (min 0) or "must be a
 * string of MIN to MAX characters"} is added to *errors, returns 0. */
int maplat_check_str(apr_pool_t *p, json_object **errors, const char *field, json_object *obj,
                     const char *name, int min, int max, int null_ok, const char **out);
/* 1 when s (not NULL, UTF-8) has min..max characters. */
int maplat_chars_between(const char *s, int min, int max);

#endif
