/*
 * maplat-admin — first-run and recovery administration, straight on the database.
 *
 *   maplat-admin [-d CONNINFO] create-org --name NAME --admin-email EMAIL
 *   maplat-admin [-d CONNINFO] create-master-admin --email EMAIL [--org-name NAME]
 *   maplat-admin [-d CONNINFO] reset-password --email EMAIL
 *   maplat-admin [-d CONNINFO] list-orgs
 *
 * An empty database has no user who could log in and create the others through
 * the API: this command creates the first organization with its admin and the
 * platform's master admin, resets a password when nobody can log in any more,
 * and lists the organizations. Passwords are asked for on the terminal (no
 * echo, twice) or read from standard input (--password-stdin), never taken
 * from the command line (which every user of the machine can read in ps).
 *
 * Hashes are made exactly as mod_maplat_auth makes them: bcrypt "$2b$" through
 * libxcrypt with MaplatBcryptCost (default MAPLAT_DEFAULT_BCRYPT_COST from
 * modules/auth/auth.h; --bcrypt-cost for another configured value — a stored
 * hash of another cost is redone by the server at the next login anyway).
 * The password rules are the API's: 12 characters at least, 72 bytes at most.
 *
 * Every change is one transaction with its audit entries (user.create,
 * organization.create, user.password_reset), like the API writes them, with
 * details {"tool":"maplat-admin","os_user":…} since no maplat user acts.
 *
 * The database is libpq's: -d CONNINFO (a connection string or URI), else the
 * PG* environment variables; passwords from a passfile (PGPASSFILE,
 * passfile=…, ~/.pgpass) or PGPASSWORD. The command never prompts for the
 * database password.
 *
 * Exit status: 0 done, 1 failed (nothing changed), 2 usage error.
 */
#define MAPLAT_AUTH_MAIN /* auth.h's constants only, no module */
#include "auth.h"
#include "maplat.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glib.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define PROG "maplat-admin"
#define PASSWORD_BUF 1024
#define DEFAULT_MASTER_ORG "Platform operations"

static const char *usage_text =
    "usage: " PROG " [options] COMMAND [command options]\n"
    "\n"
    "commands:\n"
    "  create-org --name NAME --admin-email EMAIL [--first-name F] [--last-name L]\n"
    "        create an organization and its first admin (role admin)\n"
    "  create-master-admin --email EMAIL [--org-name NAME] [--first-name F] [--last-name L]\n"
    "        create the platform operator: a master admin in an organization of its own\n"
    "        (default name \"" DEFAULT_MASTER_ORG "\"), which sees no customer's data\n"
    "  reset-password --email EMAIL\n"
    "        set a new password; revokes the user's refresh tokens (sessions end when\n"
    "        their access tokens expire, MaplatTokenTTL) and bumps users.token_version\n"
    "  list-orgs\n"
    "        list the organizations: id, users, active admins, name\n"
    "\n"
    "options:\n"
    "  -d, --db CONNINFO     libpq connection string or URI (default: the PG* variables)\n"
    "      --password-stdin  read the password from the first line of standard input\n"
    "                        (default: ask twice on the terminal, without echo)\n"
    "      --bcrypt-cost N   bcrypt cost of the new hash, 4..31 (default 12, as\n"
    "                        MaplatBcryptCost's default; give the configured value)\n"
    "  -h, --help            this text\n"
    "\n"
    "Passwords: 12 characters at least, 72 bytes at most. Never on the command line.\n";

typedef struct {
    const char *conninfo;
    const char *name, *email, *first, *last, *org_name;
    int password_stdin;
    int cost;
} opts_t;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n\n", stderr);
    fputs(usage_text, stderr);
    exit(2);
}

/* ------------------------------------------------------------ input checks */

/* The server's normalisation (mod_maplat_auth): NFKC, lower case, trimmed,
 * one '@', no white space, 3..254 bytes. Returns a g_malloc'd string or NULL. */
static void check_text(const char *what, const char *v, long min, long max)
{
    long n;
    if (!v) {
        return;
    }
    if (!g_utf8_validate(v, -1, NULL)) {
        die("%s is not valid UTF-8", what);
    }
    n = g_utf8_strlen(v, -1);
    if (n < min || n > max) {
        die("%s must be %ld to %ld characters", what, min, max);
    }
}

static const char *password_problem(const char *pw)
{
    if (!g_utf8_validate(pw, -1, NULL)) {
        return "the password is not valid UTF-8";
    }
    if (g_utf8_strlen(pw, -1) < MAPLAT_PASSWORD_MIN_CHARS) {
        return "the password must be at least 12 characters";
    }
    if (strlen(pw) > MAPLAT_PASSWORD_MAX_BYTES) {
        return "the password must be at most 72 bytes (UTF-8)";
    }
    return NULL;
}

/* ------------------------------------------------------------ passwords */

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r')) {
        s[--n] = 0;
    }
}

/* One line from the terminal without echo; 0 on success. */
static int tty_read(FILE *tty, const char *prompt, char *buf, size_t size)
{
    struct termios old, quiet;
    int fd = fileno(tty), restore = 0, ok;

    fputs(prompt, tty);
    fflush(tty);
    if (tcgetattr(fd, &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
    }
    ok = fgets(buf, (int)size, tty) != NULL;
    if (restore) {
        tcsetattr(fd, TCSAFLUSH, &old);
    }
    fputc('\n', tty);
    fflush(tty);
    if (!ok) {
        return -1;
    }
    chomp(buf);
    return 0;
}

/* The new password into buf (PASSWORD_BUF bytes), checked against the rules. */
static void read_password(const opts_t *o, const char *email, char *buf)
{
    const char *problem;

    if (o->password_stdin) {
        if (!fgets(buf, PASSWORD_BUF, stdin)) {
            die("--password-stdin: no password on standard input");
        }
        if (!strchr(buf, '\n') && !feof(stdin)) {
            die("--password-stdin: the line is too long");
        }
        chomp(buf);
        if ((problem = password_problem(buf)) != NULL) {
            die("%s", problem);
        }
        return;
    }
    {
        FILE *tty = fopen("/dev/tty", "r+");
        char again[PASSWORD_BUF];
        char *prompt;
        if (!tty) {
            die("no terminal to ask for the password on: use --password-stdin");
        }
        prompt = g_strdup_printf("New password for %s: ", email);
        for (int tries = 0;; tries++) {
            if (tries == 3) {
                fclose(tty);
                die("no password set");
            }
            if (tty_read(tty, prompt, buf, PASSWORD_BUF) != 0) {
                fclose(tty);
                die("no password given");
            }
            if ((problem = password_problem(buf)) != NULL) {
                fprintf(tty, "%s\n", problem);
                continue;
            }
            if (tty_read(tty, "Again: ", again, sizeof(again)) != 0) {
                fclose(tty);
                die("no password given");
            }
            if (strcmp(buf, again) != 0) {
                fputs("the two passwords differ\n", tty);
                continue;
            }
            break;
        }
        explicit_bzero(again, sizeof(again));
        g_free(prompt);
        fclose(tty);
    }
}

/* bcrypt as mod_maplat_auth's maplat_password_hash(): "$2b$", the given cost. */
static char *password_hash(const char *password, int cost)
{
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd;
    const char *h;
    char *out;

    if (!crypt_gensalt_rn("$2b$", (unsigned long)cost, NULL, 0, setting, sizeof(setting))) {
        die("bcrypt is not available from libcrypt: %s", strerror(errno));
    }
    cd = g_malloc0(sizeof(*cd));
    h = crypt_rn(password, setting, cd, (int)sizeof(*cd));
    if (!h || h[0] == '*') {
        die("bcrypt failed");
    }
    out = g_strdup(h);
    explicit_bzero(cd, sizeof(*cd));
    g_free(cd);
    return out;
}

/* ------------------------------------------------------------ database */

static PGconn *db_connect(const opts_t *o)
{
    const char *keys[] = {"dbname", "application_name", "client_encoding", NULL};
    const char *vals[] = {o->conninfo ? o->conninfo : NULL, PROG, "UTF8", NULL};
    PGconn *c;

    if (!o->conninfo) {
        keys[0] = "application_name";
        vals[0] = PROG;
        keys[1] = "client_encoding";
        vals[1] = "UTF8";
        keys[2] = NULL;
    }
    /* expand_dbname: "dbname" may be a whole connection string or URI */
    c = PQconnectdbParams(keys, vals, 1);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        die("cannot connect to the database: %s", c ? PQerrorMessage(c) : "out of memory");
    }
    return c;
}

static PGresult *q(PGconn *c, const char *sql, int n, const char *const *args, ExecStatusType want)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, args, NULL, NULL, 0);
    if (PQresultStatus(r) != want) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        char *msg = g_strdup(PQresultErrorMessage(r));
        g_strchomp(msg);
        if (state && strcmp(state, "42P01") == 0) {
            die("%s\n(apply the migrations first: migrate)", msg);
        }
        die("%s", msg);
    }
    return r;
}

static void exec0(PGconn *c, const char *sql)
{
    PQclear(q(c, sql, 0, NULL, PGRES_COMMAND_OK));
}

static const char *os_user(void)
{
    struct passwd *pw = getpwuid(getuid());
    const char *sudo = getenv("SUDO_USER");
    static char buf[256];
    snprintf(buf, sizeof(buf), "%s%s%s", pw ? pw->pw_name : "?", sudo ? " via sudo from " : "",
             sudo ? sudo : "");
    return buf;
}

#define AUDIT_SQL                                                                                            \
    "INSERT INTO audit_log (organization_id, user_id, action, resource_type, resource_id, details, source)"  \
    " VALUES ($1::uuid, NULL, $2, $3, $4, jsonb_build_object('tool', '" PROG "', 'os_user', $5::text)"       \
    " || COALESCE($6::jsonb, '{}'::jsonb), 'server')"

static void audit(PGconn *c, const char *org, const char *action, const char *type, const char *id,
                  const char *details)
{
    const char *args[6] = {org, action, type, id, os_user(), details};
    PQclear(q(c, AUDIT_SQL, 6, args, PGRES_COMMAND_OK));
}

static char *create_org(PGconn *c, const char *name, const char *details)
{
    const char *args[1] = {name};
    PGresult *r = q(c, "INSERT INTO organizations (name) VALUES ($1) RETURNING id", 1, args, PGRES_TUPLES_OK);
    char *id = g_strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    audit(c, id, "organization.create", "organization", id, details);
    return id;
}

static char *create_user(PGconn *c, const char *org, const char *email, const char *hash, const opts_t *o,
                         int master)
{
    const char *args[6] = {
        org, email, hash, o->first ? o->first : "", o->last ? o->last : "", master ? "t" : "f"};
    PGresult *r = q(c,
                    "INSERT INTO users (organization_id, email, password_hash, first_name, last_name, role,"
                    " master_admin) VALUES ($1::uuid, $2, $3, $4, $5, 'admin', $6::bool)"
                    " ON CONFLICT ((lower(email))) DO NOTHING RETURNING id",
                    6, args, PGRES_TUPLES_OK);
    char *id;
    if (PQntuples(r) != 1) {
        die("a user with the e-mail address %s already exists (reset-password sets a new password)", email);
    }
    id = g_strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    audit(c, org, "user.create", "user", id,
          master ? "{\"role\":\"admin\",\"master_admin\":true}"
                 : "{\"role\":\"admin\",\"master_admin\":false}");
    return id;
}

/* ------------------------------------------------------------ commands */

static int cmd_create(PGconn *c, const opts_t *o, int master)
{
    const char *org_name = master ? (o->org_name ? o->org_name : DEFAULT_MASTER_ORG) : o->name;
    char *email, *hash, *org, *user;
    char pw[PASSWORD_BUF];

    if (master ? !o->email : (!o->name || !o->email)) {
        usage_error(master ? "create-master-admin needs --email"
                           : "create-org needs --name and --admin-email");
    }
    check_text(master ? "--org-name" : "--name", org_name, 1, 200);
    check_text("--first-name", o->first, 0, 100);
    check_text("--last-name", o->last, 0, 100);
    if (!(email = maplat_email_normalize_dup(o->email))) {
        die("'%s' is not an e-mail address", o->email);
    }
    read_password(o, email, pw);
    hash = password_hash(pw, o->cost);
    explicit_bzero(pw, sizeof(pw));

    exec0(c, "BEGIN");
    org = create_org(c, org_name, master ? "{\"purpose\":\"platform operators\"}" : NULL);
    user = create_user(c, org, email, hash, o, master);
    exec0(c, "COMMIT");
    printf("organization %s  %s\n", org, org_name);
    printf("%s %s  %s\n", master ? "master admin" : "admin", user, email);
    g_free(email);
    g_free(hash);
    g_free(org);
    g_free(user);
    return 0;
}

static int cmd_reset(PGconn *c, const opts_t *o)
{
    char *email, *hash;
    char pw[PASSWORD_BUF];
    const char *args[2];
    PGresult *r;

    if (!o->email) {
        usage_error("reset-password needs --email");
    }
    if (!(email = maplat_email_normalize_dup(o->email))) {
        die("'%s' is not an e-mail address", o->email);
    }
    args[0] = email;
    r = q(c, "SELECT 1 FROM users WHERE lower(email) = $1", 1, args, PGRES_TUPLES_OK);
    if (PQntuples(r) != 1) {
        die("no user with the e-mail address %s", email);
    }
    PQclear(r);
    read_password(o, email, pw);
    hash = password_hash(pw, o->cost);
    explicit_bzero(pw, sizeof(pw));

    exec0(c, "BEGIN");
    args[0] = email;
    args[1] = hash;
    /* token_version + 1: every access token of the user stops working */
    r = q(c,
          "UPDATE users SET password_hash = $2, token_version = token_version + 1"
          " WHERE lower(email) = $1 RETURNING id, organization_id, active",
          2, args, PGRES_TUPLES_OK);
    if (PQntuples(r) != 1) {
        die("no user with the e-mail address %s", email);
    }
    {
        char *id = g_strdup(PQgetvalue(r, 0, 0)), *org = g_strdup(PQgetvalue(r, 0, 1));
        int active = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
        const char *a1[1] = {id};
        PQclear(r);
        PQclear(q(c,
                  "UPDATE refresh_token_families SET revoked_at = now(), revoked_reason = 'password_change'"
                  " WHERE user_id = $1::uuid AND revoked_at IS NULL",
                  1, a1, PGRES_COMMAND_OK));
        audit(c, org, "user.password_reset", "user", id, NULL);
        exec0(c, "COMMIT");
        printf("password set for %s (%s); their refresh tokens are revoked%s\n", email, id,
               active ? "" : "\nnote: the user is deactivated and cannot log in until reactivated");
        g_free(id);
        g_free(org);
    }
    g_free(email);
    g_free(hash);
    return 0;
}

static int cmd_list(PGconn *c)
{
    PGresult *r = q(c,
                    "SELECT o.id, count(u.id), count(u.id) FILTER (WHERE u.role = 'admin' AND u.active),"
                    "       bool_or(u.master_admin), o.name"
                    " FROM organizations o LEFT JOIN users u ON u.organization_id = o.id"
                    " GROUP BY o.id ORDER BY o.created_at, o.id",
                    0, NULL, PGRES_TUPLES_OK);
    printf("%-36s  %5s  %6s  %s\n", "id", "users", "admins", "name");
    for (int i = 0; i < PQntuples(r); i++) {
        printf("%-36s  %5s  %6s  %s%s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
               PQgetvalue(r, i, 4), strcmp(PQgetvalue(r, i, 3), "t") == 0 ? "  [master admin]" : "");
    }
    PQclear(r);
    return 0;
}

int main(int argc, char **argv)
{
    enum { O_NAME = 256, O_ADMIN_EMAIL, O_EMAIL, O_FIRST, O_LAST, O_ORG_NAME, O_STDIN, O_COST, O_PASSWORD };
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"name", required_argument, NULL, O_NAME},
                                             {"admin-email", required_argument, NULL, O_ADMIN_EMAIL},
                                             {"email", required_argument, NULL, O_EMAIL},
                                             {"first-name", required_argument, NULL, O_FIRST},
                                             {"last-name", required_argument, NULL, O_LAST},
                                             {"org-name", required_argument, NULL, O_ORG_NAME},
                                             {"password-stdin", no_argument, NULL, O_STDIN},
                                             {"bcrypt-cost", required_argument, NULL, O_COST},
                                             {"password", required_argument, NULL, O_PASSWORD},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    opts_t o;
    const char *cmd;
    PGconn *c;
    int ch, rc;

    memset(&o, 0, sizeof(o));
    o.cost = MAPLAT_DEFAULT_BCRYPT_COST;
    while ((ch = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            o.conninfo = optarg;
            break;
        case O_NAME:
            o.name = optarg;
            break;
        case O_ADMIN_EMAIL:
        case O_EMAIL:
            o.email = optarg;
            break;
        case O_FIRST:
            o.first = optarg;
            break;
        case O_LAST:
            o.last = optarg;
            break;
        case O_ORG_NAME:
            o.org_name = optarg;
            break;
        case O_STDIN:
            o.password_stdin = 1;
            break;
        case O_COST: {
            char *end;
            long v;
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || v < 4 || v > 31) {
                usage_error("--bcrypt-cost: '%s' is not a number from 4 to 31", optarg);
            }
            o.cost = (int)v;
            break;
        }
        case O_PASSWORD:
            usage_error(
                "passwords are never taken from the command line: use --password-stdin or the prompt");
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        default:
            fputs(usage_text, stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        usage_error(optind >= argc ? "no command" : "one command at a time");
    }
    cmd = argv[optind];
    if (strcmp(cmd, "create-org") && strcmp(cmd, "create-master-admin") && strcmp(cmd, "reset-password") &&
        strcmp(cmd, "list-orgs")) {
        usage_error("unknown command '%s'", cmd);
    }
    c = db_connect(&o);
    /* errors are reported by die(): the connection closes, an open transaction rolls back */
    if (strcmp(cmd, "create-org") == 0) {
        rc = cmd_create(c, &o, 0);
    }
    else if (strcmp(cmd, "create-master-admin") == 0) {
        rc = cmd_create(c, &o, 1);
    }
    else if (strcmp(cmd, "reset-password") == 0) {
        rc = cmd_reset(c, &o);
    }
    else {
        rc = cmd_list(c);
    }
    PQfinish(c);
    return rc;
}
