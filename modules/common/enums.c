/*
 * The enumerations of the data model and the field validation helpers
 * (maplat_enums.h). The modules and mod_maplat_echo (which shows the lists to
 * t/db/enums.t) share it.
 */
#include "apr_strings.h"
#include "maplat.h"
#include "maplat_enums.h"

#include <glib.h>
#include <string.h>

const char *const maplat_user_role_values[] = {"admin", "member", "viewer", NULL};
const char *const maplat_deal_stage_values[] = {"sourcing", "evaluation", "due_diligence", "negotiation",
                                                "closing",  "won",        "lost",          NULL};
const char *const maplat_prospect_stage_values[] = {"new",       "contacted", "qualified", "engaged",
                                                    "converted", "lost",      NULL};
const char *const maplat_task_status_values[] = {"open", "in_progress", "done", NULL};
const char *const maplat_document_level_values[] = {"viewer", "editor", "owner", NULL};
const char *const maplat_document_grant_values[] = {"viewer", "editor", "owner", "none", NULL};
const char *const maplat_community_role_values[] = {"member", "moderator", "admin", NULL};
const char *const maplat_export_type_values[] = {"document", "deal_report", "deals", NULL};
const char *const maplat_export_format_values[] = {"pdf", "docx", "csv", NULL};
const char *const maplat_export_status_values[] = {"pending", "processing", "completed",
                                                   "failed",  "canceled",   NULL};

const maplat_enum_t maplat_user_roles = {"user role", "users.role", maplat_user_role_values};
const maplat_enum_t maplat_deal_stages = {"deal stage", "deals.stage", maplat_deal_stage_values};
const maplat_enum_t maplat_prospect_stages = {"prospect stage", "prospects.stage",
                                              maplat_prospect_stage_values};
const maplat_enum_t maplat_task_statuses = {"task status", "tasks.status", maplat_task_status_values};
const maplat_enum_t maplat_document_levels = {"document level", "document_permissions.level",
                                              maplat_document_level_values};
const maplat_enum_t maplat_document_grants = {"document grant", NULL, maplat_document_grant_values};
const maplat_enum_t maplat_community_roles = {"community role", "community_members.role",
                                              maplat_community_role_values};
const maplat_enum_t maplat_export_types = {"export type", "export_jobs.type", maplat_export_type_values};
const maplat_enum_t maplat_export_formats = {"export format", "export_jobs.format",
                                             maplat_export_format_values};
const maplat_enum_t maplat_export_statuses = {"export status", "export_jobs.status",
                                              maplat_export_status_values};

const maplat_enum_t *const maplat_enums[] = {
    &maplat_user_roles,
    &maplat_deal_stages,
    &maplat_prospect_stages,
    &maplat_task_statuses,
    &maplat_document_levels,
    &maplat_document_grants,
    &maplat_community_roles,
    &maplat_export_types,
    &maplat_export_formats,
    &maplat_export_statuses,
    NULL,
};

int maplat_enum_has(const maplat_enum_t *e, const char *v)
{
    if (!v) {
        return 0;
    }
    for (const char *const *x = e->values; *x; x++) {
        if (strcmp(*x, v) == 0) {
            return 1;
        }
    }
    return 0;
}

const char *maplat_enum_message(apr_pool_t *p, const maplat_enum_t *e)
{
    const char *list = NULL;
    for (const char *const *x = e->values; *x; x++) {
        list = list ? apr_pstrcat(p, list, ", ", *x, NULL) : *x;
    }
    return apr_pstrcat(p, "must be one of ", list ? list : "", NULL);
}

int maplat_check_enum(apr_pool_t *p, json_object **errors, const char *field, const maplat_enum_t *e,
                      const char *v)
{
    if (maplat_enum_has(e, v)) {
        return 1;
    }
    maplat_error_add(errors, field, maplat_enum_message(p, e));
    return 0;
}

int maplat_chars_between(const char *s, int min, int max)
{
    glong n;
    if (!s) {
        return 0;
    }
    n = g_utf8_strlen(s, -1);
    return n >= min && n <= max;
}

int maplat_check_str(apr_pool_t *p, json_object **errors, const char *field, json_object *obj,
                     const char *name, int min, int max, int null_ok, const char **out)
{
    json_object *v = NULL;
    *out = NULL;
    if (!obj || !json_object_object_get_ex(obj, name, &v) ||
        (null_ok && json_object_is_type(v, json_type_null))) {
        return 1;
    }
    if (v && json_object_is_type(v, json_type_string) &&
        maplat_chars_between(json_object_get_string(v), min, max)) {
        *out = json_object_get_string(v);
        return 1;
    }
    maplat_error_add(errors, field,
                     min <= 0 ? apr_psprintf(p, "must be a string of at most %d characters", max)
                              : apr_psprintf(p, "must be a string of %d to %d characters", min, max));
    return 0;
}
