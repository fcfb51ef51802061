/*
 * Templates (XML, libxml2) + data (JSON) -> the document model.
 *
 * <template title="…" subject="…">
 *   <heading level="1|2">text with {path.to.value}</heading>
 *   <paragraph>text</paragraph>            (newlines in values split paragraphs)
 *   <table source="array.path" empty="text when no rows">
 *     <column header="Name" field="row.path" width="2"
 *             format="text|fixed2|percent|money|date|datetime|label"/>
 *   </table>
 *   <chart title="…" source="array.path" category="row.path">
 *     <series name="Label" field="row.path"/>
 *   </chart>
 * </template>
 *
 * Elements may carry when="path": the element is skipped when the value at
 * path is missing, null, false, "" or an empty array; and formats="pdf docx"
 * (a list of job formats, separated by spaces or commas): the element is
 * only rendered for those formats (so a template can give CSV its raw table
 * and the documents a readable one).
 *
 * A template has no DOCTYPE: the parser is stopped at <!DOCTYPE, so no DTD,
 * no entity declarations (XXE, "billion laughs", quadratic blow-up through
 * entity references that xmlNodeGetContent would expand) and no network.
 * fuzz/fuzz_template.c fuzzes this file through mx_build_mem.
 */
#include "render.h"
#include "apr_file_io.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include <glib.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_COLS 16
#define MAX_SERIES 8
#define MAX_TEMPLATE (4 * 1024 * 1024) /* bytes */

static apr_status_t free_xml(void *d)
{
    xmlFreeDoc(d);
    return APR_SUCCESS;
}

/* The value at a dotted path below o, or NULL. json-c holds a JSON null as a
 * NULL value: *is_null (when given) tells a null apart from a missing path. */
static json_object *lookup_null(json_object *o, const char *path, int *is_null)
{
    char buf[256];
    char *save = NULL, *tok;
    size_t plen = path ? strlen(path) : 0;
    if (is_null) {
        *is_null = 0;
    }
    if (!o || !path || plen >= sizeof(buf)) {
        return NULL;
    }
    memcpy(buf, path, plen + 1);
    for (tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
        json_object *next = NULL;
        if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, tok, &next)) {
            return NULL;
        }
        o = next;
    }
    if (!o && is_null) {
        *is_null = 1;
    }
    return o;
}

static json_object *lookup(json_object *o, const char *path)
{
    return lookup_null(o, path, NULL);
}

static int truthy(json_object *v)
{
    if (!v) {
        return 0;
    }
    switch (json_object_get_type(v)) {
    case json_type_null:
        return 0;
    case json_type_boolean:
        return json_object_get_boolean(v);
    case json_type_string:
        return json_object_get_string_len(v) > 0;
    case json_type_array:
        return json_object_array_length(v) > 0;
    default:
        return 1;
    }
}

static const char *money(apr_pool_t *p, double v)
{
    /* DBL_MAX has 309 integer digits: room for all of them and their commas */
    char raw[352], out[352 + 120];
    int n, i, o = 0, digits;
    snprintf(raw, sizeof(raw), "%.2f", v);
    n = (int)strlen(raw);
    digits = n - 3 - (raw[0] == '-');
    for (i = 0; i < n; i++) {
        out[o++] = raw[i];
        if (i < n - 3 && raw[i] != '-') {
            digits--;
            if (digits > 0 && digits % 3 == 0) {
                out[o++] = ',';
            }
        }
    }
    out[o] = 0;
    return apr_pstrdup(p, out);
}

static const char *format_value(apr_pool_t *p, json_object *v, const char *fmt);

/* The first n bytes of s, never splitting a UTF-8 sequence. */
static const char *prefix(apr_pool_t *p, const char *s, size_t n)
{
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) {
        n--;
    }
    return apr_pstrndup(p, s, n);
}

static const char *const known_formats[] = {"text", "fixed2",   "percent", "money",
                                            "date", "datetime", "label"};

static int format_known(const char *fmt, size_t len)
{
    for (size_t i = 0; i < sizeof(known_formats) / sizeof(known_formats[0]); i++) {
        if (strlen(known_formats[i]) == len && strncmp(known_formats[i], fmt, len) == 0) {
            return 1;
        }
    }
    return 0;
}

static const char *unknown_format(apr_pool_t *p, const char *fmt, size_t len, int line)
{
    gchar *valid = g_utf8_make_valid(fmt, (gssize)(len > 64 ? 64 : len));
    const char *known = known_formats[0], *err;
    for (size_t i = 1; i < sizeof(known_formats) / sizeof(known_formats[0]); i++) {
        known = apr_pstrcat(p, known, ", ", known_formats[i], NULL);
    }
    err = apr_psprintf(p, "unknown format '%s' (line %d; known: %s)", valid, line, known);
    g_free(valid);
    return err;
}

/* The {path|format} references of a text or attribute value. */
static const char *check_refs(apr_pool_t *p, const char *t, int line)
{
    while (t && (t = strchr(t, '{')) != NULL) {
        const char *end, *bar;
        if (t[1] == '{') {
            t += 2;
            continue;
        }
        if ((end = strchr(t, '}')) == NULL) {
            break;
        }
        bar = memchr(t, '|', (size_t)(end - t));
        if (bar && !format_known(bar + 1, (size_t)(end - bar - 1))) {
            return unknown_format(p, bar + 1, (size_t)(end - bar - 1), line);
        }
        t = end + 1;
    }
    return NULL;
}

/* Every format a template names, in elements that this job skips too: a typo
 * fails the template at once instead of printing the value unformatted. */
static const char *check_formats(apr_pool_t *p, xmlNodePtr n)
{
    const char *err = NULL;
    for (; n && !err; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            err = check_refs(p, (const char *)n->content, n->line);
            continue;
        }
        if (n->type != XML_ELEMENT_NODE) {
            continue;
        }
        for (xmlAttrPtr a = n->properties; a && !err; a = a->next) {
            xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
            if (!v) {
                continue;
            }
            if (xmlStrcmp(a->name, (const xmlChar *)"format") == 0) {
                if (!format_known((const char *)v, strlen((const char *)v))) {
                    err = unknown_format(p, (const char *)v, strlen((const char *)v), n->line);
                }
            }
            else {
                err = check_refs(p, (const char *)v, n->line);
            }
            xmlFree(v);
        }
        if (!err) {
            err = check_formats(p, n->children);
        }
    }
    return err;
}

/* The formatted value at a path: a JSON null with a format (fixed2, money,
 * date) is "–" (a ratio that cannot be computed), a missing value "". */
static const char *value_at(apr_pool_t *p, json_object *o, const char *path, const char *fmt)
{
    int is_null;
    json_object *v = lookup_null(o, path, &is_null);
    if (!v) {
        return is_null && fmt && strcmp(fmt, "text") != 0 ? "–" : "";
    }
    return format_value(p, v, fmt);
}

const char *mx_cell(apr_pool_t *p, json_object *row, const char *field, const char *fmt)
{
    return value_at(p, row, field, fmt);
}

static const char *format_value(apr_pool_t *p, json_object *v, const char *fmt)
{
    json_type t;
    if (!v) {
        return "";
    }
    t = json_object_get_type(v);
    if (t == json_type_null) {
        return fmt && strcmp(fmt, "text") ? "–" : "";
    }
    if ((t == json_type_double || t == json_type_int) && fmt) {
        double d = json_object_get_double(v);
        if (strcmp(fmt, "fixed2") == 0) {
            return apr_psprintf(p, "%.2f", d);
        }
        if (strcmp(fmt, "percent") == 0) {
            return apr_psprintf(p, "%.1f%%", d * 100.0);
        }
        if (strcmp(fmt, "money") == 0) {
            return money(p, d);
        }
    }
    if (t == json_type_string) {
        const char *s = json_object_get_string(v);
        if (fmt && strcmp(fmt, "date") == 0 && strlen(s) >= 10) {
            return prefix(p, s, 10);
        }
        if (fmt && strcmp(fmt, "datetime") == 0 && strlen(s) >= 16 && s[10] == 'T') {
            /* 2026-12-06T02:33:09Z -> 2026-12-06 02:33 UTC (timestamps are UTC) */
            return apr_pstrcat(p, prefix(p, s, 10), " ", prefix(p, s + 11, 5), " UTC", NULL);
        }
        if (fmt && strcmp(fmt, "label") == 0) {
            /* an API value as a label: due_diligence -> Due diligence */
            char *l = apr_pstrdup(p, s);
            for (char *c = l; *c; c++) {
                if (*c == '_') {
                    *c = ' ';
                }
            }
            *l = (char)apr_toupper(*l); /* ASCII only: the API's values are */
            return l;
        }
        return s;
    }
    if (t == json_type_boolean) {
        return json_object_get_boolean(v) ? "yes" : "no";
    }
    return apr_pstrdup(p, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

/* Replaces {path} (values from root) in text; {{ and }} are literal braces. */
static const char *subst(apr_pool_t *p, const char *text, json_object *root)
{
    struct apr_text_buf {
        char *s;
        size_t n, cap;
    } b = {NULL, 0, 0};
    const char *t = text ? text : "";

#define PUT(ptr, len)                                                                                        \
    do {                                                                                                     \
        size_t l_ = (len);                                                                                   \
        if (!b.s || b.n + l_ + 1 > b.cap) {                                                                  \
            size_t c_ = (b.cap ? b.cap * 2 : 128) + l_;                                                      \
            char *s_ = apr_palloc(p, c_);                                                                    \
            if (b.n) {                                                                                       \
                memcpy(s_, b.s, b.n);                                                                        \
            }                                                                                                \
            b.s = s_;                                                                                        \
            b.cap = c_;                                                                                      \
        }                                                                                                    \
        memcpy(b.s + b.n, (ptr), l_);                                                                        \
        b.n += l_;                                                                                           \
    } while (0)

    while (*t) {
        if (t[0] == '{' && t[1] == '{') {
            PUT("{", 1);
            t += 2;
        }
        else if (t[0] == '}' && t[1] == '}') {
            PUT("}", 1);
            t += 2;
        }
        else if (t[0] == '{') {
            const char *end = strchr(t, '}');
            if (!end) {
                PUT(t, strlen(t));
                break;
            }
            {
                const char *path = apr_pstrndup(p, t + 1, (apr_size_t)(end - t - 1));
                const char *fmt = NULL, *bar = strchr(path, '|');
                const char *v;
                if (bar) {
                    fmt = bar + 1;
                    path = apr_pstrndup(p, path, (apr_size_t)(bar - path));
                }
                v = value_at(p, root, path, fmt);
                PUT(v, strlen(v));
            }
            t = end + 1;
        }
        else {
            const char *next = strpbrk(t, "{}");
            size_t l = next ? (size_t)(next - t) : strlen(t);
            if (l == 0) { /* a lone } */
                l = 1;
            }
            PUT(t, l);
            t += l;
        }
    }
#undef PUT
    if (!b.s) {
        return "";
    }
    b.s[b.n] = 0;
    return b.s;
}

static const char *attr(apr_pool_t *p, xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    const char *out;
    if (!v) {
        return NULL;
    }
    out = apr_pstrdup(p, (const char *)v);
    xmlFree(v);
    return out;
}

static const char *content(apr_pool_t *p, xmlNodePtr n)
{
    xmlChar *v = xmlNodeGetContent(n);
    const char *out = apr_pstrdup(p, v ? (const char *)v : "");
    xmlFree(v);
    return out;
}

static mx_block_t *add_block(mx_doc_t *d, mx_kind_t kind)
{
    mx_block_t *b = apr_array_push(d->blocks);
    memset(b, 0, sizeof(*b));
    b->kind = kind;
    return b;
}

static const char *build_table(apr_pool_t *p, xmlNodePtr n, json_object *root, mx_doc_t *d)
{
    const char *src = attr(p, n, "source");
    json_object *arr = lookup(root, src);
    const char *fields[MAX_COLS], *fmts[MAX_COLS];
    mx_block_t *b;
    int ncols = 0;
    size_t nrows;

    if (!src) {
        return "<table> needs a source attribute";
    }
    b = add_block(d, MX_TABLE);
    b->headers = apr_pcalloc(p, sizeof(char *) * MAX_COLS);
    b->widths = apr_pcalloc(p, sizeof(double) * MAX_COLS);
    for (xmlNodePtr c = n->children; c; c = c->next) {
        const char *w;
        if (c->type != XML_ELEMENT_NODE) {
            continue;
        }
        if (xmlStrcmp(c->name, (const xmlChar *)"column") != 0) {
            return apr_psprintf(p, "unknown element <%s> in <table> (line %d)", c->name, c->line);
        }
        if (ncols == MAX_COLS) {
            return "a table has at most 16 columns";
        }
        fields[ncols] = attr(p, c, "field");
        fmts[ncols] = attr(p, c, "format");
        b->headers[ncols] = subst(p, attr(p, c, "header"), root);
        w = attr(p, c, "width");
        b->widths[ncols] = w ? atof(w) : 1.0;
        if (!(b->widths[ncols] > 0 && b->widths[ncols] <= 100)) {
            b->widths[ncols] = 1.0;
        }
        if (!fields[ncols]) {
            return apr_psprintf(p, "<column> needs a field attribute (line %d)", c->line);
        }
        ncols++;
    }
    if (ncols == 0) {
        return "<table> needs at least one <column>";
    }
    b->ncols = ncols;
    b->text = attr(p, n, "empty");
    b->source = src;
    b->fields = apr_pmemdup(p, fields, sizeof(char *) * (size_t)ncols);
    b->formats = apr_pmemdup(p, fmts, sizeof(char *) * (size_t)ncols);
    nrows = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
    b->nrows = (int)nrows;
    b->cells = apr_palloc(p, sizeof(char **) * (nrows ? nrows : 1));
    for (size_t i = 0; i < nrows; i++) {
        json_object *row = json_object_array_get_idx(arr, i);
        const char **cells = apr_palloc(p, sizeof(char *) * (size_t)ncols);
        for (int k = 0; k < ncols; k++) {
            cells[k] = value_at(p, row, fields[k], fmts[k]);
        }
        b->cells[i] = cells;
    }
    return NULL;
}

static const char *build_chart(apr_pool_t *p, xmlNodePtr n, json_object *root, mx_doc_t *d)
{
    const char *src = attr(p, n, "source"), *cat = attr(p, n, "category");
    json_object *arr = lookup(root, src);
    const char *fields[MAX_SERIES];
    mx_block_t *b;
    int ns = 0;
    size_t ncat;

    if (!src || !cat) {
        return "<chart> needs source and category attributes";
    }
    b = add_block(d, MX_CHART);
    b->text = subst(p, attr(p, n, "title"), root);
    b->series = apr_pcalloc(p, sizeof(char *) * MAX_SERIES);
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) {
            continue;
        }
        if (xmlStrcmp(c->name, (const xmlChar *)"series") != 0) {
            return apr_psprintf(p, "unknown element <%s> in <chart> (line %d)", c->name, c->line);
        }
        if (ns == MAX_SERIES) {
            return "a chart has at most 8 series";
        }
        if (!(fields[ns] = attr(p, c, "field"))) {
            return "<series> needs a field attribute";
        }
        b->series[ns] = subst(p, attr(p, c, "name"), root);
        ns++;
    }
    if (ns == 0) {
        return "<chart> needs at least one <series>";
    }
    b->nseries = ns;
    ncat = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
    if (ncat > 24) { /* the most recent 24 categories */
        ncat = 24;
    }
    b->ncat = (int)ncat;
    b->categories = apr_pcalloc(p, sizeof(char *) * (ncat ? ncat : 1));
    b->values = apr_pcalloc(p, sizeof(double *) * (size_t)ns);
    for (int s = 0; s < ns; s++) {
        b->values[s] = apr_pcalloc(p, sizeof(double) * (ncat ? ncat : 1));
    }
    for (size_t i = 0; i < ncat; i++) {
        size_t len = json_object_array_length(arr);
        json_object *row = json_object_array_get_idx(arr, len - ncat + i);
        b->categories[i] = format_value(p, lookup(row, cat), NULL);
        for (int s = 0; s < ns; s++) {
            json_object *v = lookup(row, fields[s]);
            double x =
                v && (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int) ||
                      json_object_is_type(v, json_type_string))
                    ? json_object_get_double(v)
                    : 0.0;
            b->values[s][i] = isfinite(x) ? x : 0.0;
        }
    }
    return NULL;
}

/* Whether the job's format (data job.format) is one of the list's words. */
static int format_listed(apr_pool_t *p, const char *list, json_object *data)
{
    json_object *f = lookup(data, "job.format");
    const char *fmt = f && json_object_is_type(f, json_type_string) ? json_object_get_string(f) : NULL;
    char *copy, *save = NULL;
    if (!fmt || !*fmt) {
        return 0;
    }
    copy = apr_pstrdup(p, list);
    for (char *w = apr_strtok(copy, " ,\t\r\n", &save); w; w = apr_strtok(NULL, " ,\t\r\n", &save)) {
        if (strcmp(w, fmt) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The first line of a libxml2 message, as valid UTF-8 without control characters: the
 * messages quote bytes of the template (a broken tag name, say), and the text becomes
 * the job's error, a PostgreSQL text value. Invalid bytes become U+FFFD. */
static const char *clean_message(apr_pool_t *p, const char *m)
{
    gchar *valid = g_utf8_make_valid(m, (gssize)strcspn(m, "\n"));
    char *out = apr_pstrdup(p, valid);
    g_free(valid);
    for (char *o = out; *o; o++) {
        if ((unsigned char)*o < 0x20 || *o == 0x7F) {
            *o = ' ';
        }
    }
    return out;
}

/* SAX internalSubset: called at <!DOCTYPE, before any declaration is read. */
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                           const xmlChar *system_id)
{
    xmlParserCtxtPtr c = ctx;
    *(int *)c->_private = 1;
    xmlStopParser(c);
}

/* Parses buf: NULL and *doc, or an error text. */
static const char *parse(apr_pool_t *p, const char *name, const char *buf, size_t len, xmlDocPtr *doc)
{
    xmlParserCtxtPtr c;
    int doctype = 0, ok;
    const char *why = NULL;

    if (len == 0) {
        return apr_psprintf(p, "template %s is not well-formed XML: it is empty", name);
    }
    if (len > MAX_TEMPLATE) {
        return apr_psprintf(p, "template %s is too large (more than %d bytes)", name, MAX_TEMPLATE);
    }
    if (!(c = xmlCreateMemoryParserCtxt(buf, (int)len))) {
        return apr_psprintf(p, "template %s could not be parsed (out of memory)", name);
    }
    /* no network, no entity expansion (XXE), no DTD loading */
    xmlCtxtUseOptions(c, XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    c->sax->internalSubset = refuse_doctype;
    c->_private = &doctype;
    xmlParseDocument(c);
    ok = c->wellFormed && !doctype && c->myDoc;
    if (!ok && !doctype && c->lastError.message) {
        why = clean_message(p, c->lastError.message);
    }
    *doc = ok ? c->myDoc : NULL;
    if (!ok && c->myDoc) {
        xmlFreeDoc(c->myDoc);
    }
    c->myDoc = NULL;
    xmlFreeParserCtxt(c);
    if (doctype) {
        return apr_psprintf(p, "template %s has a DOCTYPE (templates may not declare a DTD or entities)",
                            name);
    }
    if (!ok) {
        return apr_psprintf(p, "template %s is not well-formed XML%s%s", name, why ? ": " : "",
                            why ? why : "");
    }
    return NULL;
}

const char *mx_build(apr_pool_t *p, const char *path, json_object *data, mx_doc_t **out)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t got;
    apr_status_t rv;
    char *buf, msg[120];

    if ((rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, APR_FPROT_OS_DEFAULT, p)) !=
            APR_SUCCESS ||
        (rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f)) != APR_SUCCESS) {
        return apr_psprintf(p, "template %s cannot be read: %s", path, apr_strerror(rv, msg, sizeof(msg)));
    }
    if (fi.size > MAX_TEMPLATE) {
        apr_file_close(f);
        return apr_psprintf(p, "template %s is too large (more than %d bytes)", path, MAX_TEMPLATE);
    }
    buf = apr_palloc(p, (apr_size_t)fi.size + 1);
    rv = fi.size > 0 ? apr_file_read_full(f, buf, (apr_size_t)fi.size, &got) : APR_SUCCESS;
    apr_file_close(f);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(p, "template %s cannot be read: %s", path, apr_strerror(rv, msg, sizeof(msg)));
    }
    return mx_build_mem(p, path, buf, (size_t)fi.size, data, out);
}

const char *mx_build_mem(apr_pool_t *p, const char *name, const char *buf, size_t len, json_object *data,
                         mx_doc_t **out)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr root;
    mx_doc_t *d;
    const char *err;

    if ((err = parse(p, name, buf, len, &doc)) != NULL) {
        return err;
    }
    apr_pool_cleanup_register(p, doc, free_xml, apr_pool_cleanup_null);
    root = xmlDocGetRootElement(doc);
    if (!root || xmlStrcmp(root->name, (const xmlChar *)"template") != 0) {
        return "a template's root element must be <template>";
    }
    if ((err = check_formats(p, root)) != NULL) {
        return err;
    }
    d = apr_pcalloc(p, sizeof(*d));
    d->blocks = apr_array_make(p, 32, sizeof(mx_block_t));
    d->title = subst(p, attr(p, root, "title"), data);
    if (!*d->title) {
        d->title = "Export";
    }
    d->subject = subst(p, attr(p, root, "subject"), data);
    d->author = format_value(p, lookup(data, "user.name"), NULL);
    d->footer = format_value(p, lookup(data, "organization.name"), NULL);

    for (xmlNodePtr n = root->children; n && !err; n = n->next) {
        const char *when, *formats;
        if (n->type != XML_ELEMENT_NODE) {
            continue;
        }
        when = attr(p, n, "when");
        if (when && !truthy(lookup(data, when))) {
            continue;
        }
        formats = attr(p, n, "formats");
        if (formats && !format_listed(p, formats, data)) {
            continue;
        }
        if (xmlStrcmp(n->name, (const xmlChar *)"heading") == 0) {
            mx_block_t *b = add_block(d, MX_HEADING);
            const char *lv = attr(p, n, "level");
            b->level = lv && strcmp(lv, "2") == 0 ? 2 : 1;
            b->text = subst(p, content(p, n), data);
        }
        else if (xmlStrcmp(n->name, (const xmlChar *)"paragraph") == 0) {
            const char *text = subst(p, content(p, n), data);
            /* one block per non-empty line: wrapping and page breaks per paragraph */
            char *copy = apr_pstrdup(p, text), *save = NULL;
            for (char *line = apr_strtok(copy, "\n", &save); line; line = apr_strtok(NULL, "\n", &save)) {
                size_t l = strlen(line);
                while (l && (line[l - 1] == '\r' || line[l - 1] == ' ')) {
                    line[--l] = 0;
                }
                if (l) {
                    add_block(d, MX_PARAGRAPH)->text = line;
                }
            }
        }
        else if (xmlStrcmp(n->name, (const xmlChar *)"table") == 0) {
            err = build_table(p, n, data, d);
        }
        else if (xmlStrcmp(n->name, (const xmlChar *)"chart") == 0) {
            err = build_chart(p, n, data, d);
        }
        else {
            err = apr_psprintf(p, "unknown template element <%s> (line %d)", n->name, n->line);
        }
    }
    if (err) {
        return err;
    }
    *out = d;
    return NULL;
}
