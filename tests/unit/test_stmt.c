/* Unit tests of statements with named parameters (modules/common/stmt.c):
 * the translation to apr_dbd's positional form and the binding by name. */
#include "stmt.h"
#include "unit.h"
#include <string.h>

static apr_pool_t *p;

/* translated SQL, or NULL (and *why) */
static const char *tr(const char *sql, int *nnames, int *nslots, const char **why)
{
    const char *out = NULL;
    apr_array_header_t *names = NULL, *slots = NULL;
    *why = NULL;
    if (maplat_stmt_translate(p, sql, &out, &names, &slots, why) != 0) {
        return NULL;
    }
    if (nnames) {
        *nnames = names->nelts;
    }
    if (nslots) {
        *nslots = slots->nelts;
    }
    return out;
}

static int same(const char *a, const char *b)
{
    int eq = a && b && strcmp(a, b) == 0;
    if (!eq) {
        fprintf(stderr, "  got:  %s\n  want: %s\n", a ? a : "(null)", b ? b : "(null)");
    }
    return eq;
}

static int contains(const char *s, const char *part)
{
    int in = s && strstr(s, part) != NULL;
    if (!in) {
        fprintf(stderr, "  '%s' does not contain '%s'\n", s ? s : "(null)", part);
    }
    return in;
}

int main(void)
{
    const char *why, *out;
    int nn = 0, ns = 0;
    maplat_stmt_t *st;
    maplat_args_t *a;
    const char *const *vals;
    int n;

    apr_initialize();
    apr_pool_create(&p, NULL);

    /* ---- translation */
    CHECK(same(tr("SELECT 1", &nn, &ns, &why), "SELECT 1") && nn == 0 && ns == 0);
    CHECK(same(tr("SELECT :a, :b", &nn, &ns, &why), "SELECT %s, %s") && nn == 2 && ns == 2);
    /* a name used as often as needed: one name, a placeholder per use */
    CHECK(same(tr("WHERE org = :org::uuid OR x.org = :org::uuid AND :org_id", &nn, &ns, &why),
               "WHERE org = %s::uuid OR x.org = %s::uuid AND %s") &&
          nn == 2 && ns == 3);
    /* casts are never parameters, also without spaces and with type modifiers */
    CHECK(same(tr("SELECT x::text, :v::numeric(18,2), y::timestamp with time zone", &nn, &ns, &why),
               "SELECT x::text, %s::numeric(18,2), y::timestamp with time zone") &&
          nn == 1);
    /* literals: nothing inside them is a parameter; '' and E'\'' do not end them */
    CHECK(same(tr("SELECT ':no', 'it''s :no', E'\\' :no', e'x\\\\' || :yes", &nn, &ns, &why),
               "SELECT ':no', 'it''s :no', E'\\' :no', e'x\\\\' || %s") &&
          nn == 1 && ns == 1);
    /* an identifier ending in e before a quote is not an E'' string */
    CHECK(same(tr("SELECT some'\\' , :a", &nn, &ns, &why), "SELECT some'\\' , %s") && nn == 1);
    CHECK(same(tr("SELECT \":q\"\"x\", :a", &nn, &ns, &why), "SELECT \":q\"\"x\", %s") && nn == 1);
    /* comments and dollar quotes */
    CHECK(same(tr("SELECT 1 -- :no\n, :a /* :no /* nested :no */ :no */ + 1", &nn, &ns, &why),
               "SELECT 1 -- :no\n, %s /* :no /* nested :no */ :no */ + 1") &&
          nn == 1);
    CHECK(same(tr("SELECT $$ :no ' $$, $f$ :no $$ $f$, :a", &nn, &ns, &why),
               "SELECT $$ :no ' $$, $f$ :no $$ $f$, %s") &&
          nn == 1);
    /* '%' is an ordinary character: doubled for apr_dbd, inside literals too */
    CHECK(same(tr("SELECT 7 % 2, '100%', x LIKE '%' || :q || '%%'", &nn, &ns, &why),
               "SELECT 7 %% 2, '100%%', x LIKE '%%' || %s || '%%%%'"));
    /* a colon that is not a parameter: array slices with numbers, := in text */
    CHECK(same(tr("SELECT a[1:2], :x", &nn, &ns, &why), "SELECT a[1:2], %s"));
    /* names: letters, digits, _; case matters */
    CHECK(tr(":Org :org", &nn, &ns, &why) && nn == 2);
    CHECK(tr(":a1_b", &nn, &ns, &why) && nn == 1);
    /* refused */
    CHECK(!tr("SELECT 'open", NULL, NULL, &why) && contains(why, "unterminated string"));
    CHECK(!tr("SELECT E'open\\'", NULL, NULL, &why) && contains(why, "unterminated string"));
    CHECK(!tr("SELECT \"open", NULL, NULL, &why) && contains(why, "quoted identifier"));
    CHECK(!tr("SELECT 1 /* open /* */", NULL, NULL, &why) && contains(why, "unterminated comment"));
    CHECK(!tr("SELECT $x$ open $y$", NULL, NULL, &why) && contains(why, "dollar quote"));
    CHECK(!tr("SELECT $1", NULL, NULL, &why) && contains(why, "positional"));
    CHECK(!tr("SELECT %s::uuid", NULL, NULL, &why) && contains(why, "placeholder"));
    CHECK(!tr(NULL, NULL, NULL, &why));
    {
        char longname[80];
        longname[0] = ':';
        memset(longname + 1, 'n', 70);
        longname[71] = '\0';
        CHECK(!tr(longname, NULL, NULL, &why) && contains(why, "longer"));
    }
    /* the same name in a literal and outside: only the outside one counts */
    CHECK(same(tr("SELECT ':org', :org", &nn, &ns, &why), "SELECT ':org', %s") && nn == 1 && ns == 1);
    out = tr("x", NULL, NULL, &why);
    CHECK(out && !why);

    /* ---- statements: declared vs used */
    st = maplat_stmt_make(p, "t_get", "id org", "json version",
                          "SELECT j AS json, v AS version FROM t WHERE id = :id::uuid AND org = :org::uuid"
                          " AND parent_org = :org::uuid");
    CHECK(st->error == NULL && st->nparams == 2 && st->nslots == 3 && st->ncols == 2);
    CHECK(st->slot_param[0] == 0 && st->slot_param[1] == 1 && st->slot_param[2] == 1);
    CHECK(maplat_stmt_col(st, "version") == 1 && maplat_stmt_col(st, "nope") == -1);
    CHECK(maplat_stmt_param(st, "org") == 1 && maplat_stmt_param(st, "ORG") == -1);
    /* declared in another order than used: slots follow the declaration */
    st = maplat_stmt_make(p, "t_order", "b, a", "", "SELECT :a, :b, :a");
    CHECK(st->error == NULL && st->slot_param[0] == 1 && st->slot_param[1] == 0 && st->slot_param[2] == 1);
    st = maplat_stmt_make(p, "t_undeclared", "id", "", "SELECT :id, :org");
    CHECK(st->error && contains(st->error, "'t_undeclared'") && contains(st->error, ":org"));
    st = maplat_stmt_make(p, "t_unused", "id org", "", "SELECT :id");
    CHECK(st->error && contains(st->error, "'t_unused'") && contains(st->error, "'org'"));
    st = maplat_stmt_make(p, "t_twice", "id id", "", "SELECT :id");
    CHECK(st->error && contains(st->error, "declared twice"));
    st = maplat_stmt_make(p, "t_colstwice", "", "a a", "SELECT 1 AS a, 2 AS a");
    CHECK(st->error && contains(st->error, "column 'a' is declared twice"));
    st = maplat_stmt_make(p, "t_badname", "i-d", "", "SELECT 1");
    CHECK(st->error && contains(st->error, "not a valid parameter name"));
    st = maplat_stmt_make(p, "t_badsql", "", "", "SELECT 'x");
    CHECK(st->error && contains(st->error, "'t_badsql'") && contains(st->error, "unterminated"));
    st = maplat_stmt_make(p, NULL, "", "", "SELECT 1");
    CHECK(st->error != NULL);

    /* ---- binding */
    st = maplat_stmt_make(
        p, "t_bind", "org id flag", "n",
        "SELECT count(*) AS n FROM t WHERE org = :org::uuid AND (id = :id::uuid OR :flag::bool)"
        " AND org2 = :org::uuid");
    CHECK(st->error == NULL && st->nslots == 4);
    a = maplat_args_make(p, st);
    CHECK(maplat_args_bind(a, "id", "I") == 0);
    CHECK(maplat_args_bind(a, "org", "O") == 0);
    /* unbound parameter: refused, naming statement and parameter */
    CHECK(maplat_args_positional(p, a, &vals, &n, &why) == -1 && contains(why, "'t_bind'") &&
          contains(why, "'flag' is not bound"));
    CHECK(maplat_args_bind(a, "flag", NULL) == 0); /* SQL NULL is a value */
    CHECK(maplat_args_positional(p, a, &vals, &n, &why) == 0 && n == 4);
    CHECK(n == 4 && same(vals[0], "O") && same(vals[1], "I") && vals[2] == NULL && same(vals[3], "O"));
    /* binding again replaces */
    CHECK(maplat_args_bind(a, "org", "P") == 0);
    CHECK(maplat_args_positional(p, a, &vals, &n, &why) == 0 && same(vals[0], "P") && same(vals[3], "P"));
    /* unknown name: the run is refused even when everything else is bound */
    CHECK(maplat_args_bind(a, "orgg", "X") == -1);
    CHECK(maplat_args_positional(p, a, &vals, &n, &why) == -1 && contains(why, "'t_bind'") &&
          contains(why, "unknown parameter 'orgg'"));
    /* the first error is the one reported */
    CHECK(maplat_args_bind(a, "other", "X") == -1);
    CHECK(maplat_args_positional(p, a, &vals, &n, &why) == -1 && contains(why, "'orgg'"));
    CHECK(maplat_args_bind(a, NULL, "X") == -1);
    CHECK(maplat_args_bind(NULL, "org", "X") == -1);
    /* no statement, a refused statement */
    a = maplat_args_make(p, NULL);
    CHECK(maplat_args_bind(a, "org", "X") == -1);
    CHECK(maplat_args_positional(p, a, &vals, &n, &why) == -1 && why);
    st = maplat_stmt_make(p, "t_refused", "id", "", "SELECT :id, :org");
    a = maplat_args_make(p, st);
    CHECK(maplat_args_bind(a, "id", "1") == 0);
    CHECK(maplat_args_positional(p, a, &vals, &n, &why) == -1 && contains(why, "'t_refused'"));
    /* a statement without parameters */
    st = maplat_stmt_make(p, "t_none", "", "one", "SELECT 1 AS one");
    a = maplat_args_make(p, st);
    CHECK(st->error == NULL && maplat_args_positional(p, a, &vals, &n, &why) == 0 && n == 0);

    apr_pool_destroy(p);
    apr_terminate();
    UNIT_DONE();
}
