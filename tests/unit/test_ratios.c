/* Unit tests of the financial ratios (modules/api/ratios.c), against
 * hand-computed statements. */
#include "ratios.h"
#include "unit.h"
#include <string.h>

static const char *r4(int64_t n, int64_t d)
{
    static char buf[48];
    if (maplat_ratio4(n, d, buf, sizeof(buf)) != 0) {
        return "null";
    }
    return buf;
}

int main(void)
{
    int64_t c;
    maplat_fin_t f;
    char out[MAPLAT_R_COUNT][48];
    int null[MAPLAT_R_COUNT];

    CHECK(maplat_cents("0", &c) == 0 && c == 0);
    CHECK(maplat_cents("12.3", &c) == 0 && c == 1230);
    CHECK(maplat_cents("12.34", &c) == 0 && c == 1234);
    CHECK(maplat_cents("-5.01", &c) == 0 && c == -501);
    CHECK(maplat_cents("9999999999999999.99", &c) == 0 && c == 999999999999999999LL);
    CHECK(maplat_cents("12.345", &c) != 0);
    CHECK(maplat_cents("12.", &c) != 0);
    CHECK(maplat_cents(".5", &c) != 0);
    CHECK(maplat_cents("01", &c) != 0);
    CHECK(maplat_cents("1e3", &c) != 0);
    CHECK(maplat_cents("", &c) != 0);
    CHECK(maplat_cents("-", &c) != 0);
    CHECK(maplat_cents("10000000000000000", &c) != 0);

    CHECK(strcmp(r4(1, 3), "0.3333") == 0);
    CHECK(strcmp(r4(2, 3), "0.6667") == 0);
    CHECK(strcmp(r4(1, 8), "0.1250") == 0);
    CHECK(strcmp(r4(1, 20000), "0.0001") == 0);   /* 0.00005 rounds half up */
    CHECK(strcmp(r4(-1, 20000), "-0.0001") == 0); /* half away from zero */
    CHECK(strcmp(r4(1, 30000), "0.0000") == 0);
    CHECK(strcmp(r4(-1, 30000), "0.0000") == 0); /* no "-0.0000" */
    CHECK(strcmp(r4(5, 0), "null") == 0);
    CHECK(strcmp(r4(0, 7), "0.0000") == 0);
    CHECK(strcmp(r4(7, -2), "-3.5000") == 0);

    /* A hand-computed statement (amounts in cents):
     * revenue 1,000,000.00  cogs 600,000.00  ebitda 250,000.00  net 120,000.00
     * current assets 500,000.00  current liabilities 250,000.00  inventory 100,000.00
     * debt 300,000.00  equity 600,000.00  interest 50,000.00 */
    memset(&f, 0, sizeof(f));
    f.revenue = 100000000;
    f.cost_of_goods_sold = 60000000;
    f.ebitda = 25000000;
    f.net_income = 12000000;
    f.current_assets = 50000000;
    f.current_liabilities = 25000000;
    f.inventory = 10000000;
    f.total_debt = 30000000;
    f.total_equity = 60000000;
    f.interest_expense = 5000000;
    maplat_ratios(&f, out, null);
    CHECK(!null[MAPLAT_R_CURRENT] && strcmp(out[MAPLAT_R_CURRENT], "2.0000") == 0);
    CHECK(strcmp(out[MAPLAT_R_QUICK], "1.6000") == 0);
    CHECK(strcmp(out[MAPLAT_R_DEBT_TO_EQUITY], "0.5000") == 0);
    CHECK(strcmp(out[MAPLAT_R_GROSS_MARGIN], "0.4000") == 0);
    CHECK(strcmp(out[MAPLAT_R_EBITDA_MARGIN], "0.2500") == 0);
    CHECK(strcmp(out[MAPLAT_R_NET_MARGIN], "0.1200") == 0);
    CHECK(strcmp(out[MAPLAT_R_INTEREST_COVERAGE], "5.0000") == 0);

    /* zero denominators: revenue 0, no liabilities, no equity, no interest */
    memset(&f, 0, sizeof(f));
    f.current_assets = 12345;
    f.net_income = -500;
    maplat_ratios(&f, out, null);
    for (int i = 0; i < MAPLAT_R_COUNT; i++) {
        CHECK(null[i]);
    }
    /* a loss-making company: negative margins */
    memset(&f, 0, sizeof(f));
    f.revenue = 300;
    f.net_income = -100;
    f.ebitda = -50;
    f.interest_expense = 7;
    f.current_liabilities = 3;
    f.current_assets = 1;
    maplat_ratios(&f, out, null);
    CHECK(strcmp(out[MAPLAT_R_NET_MARGIN], "-0.3333") == 0);
    CHECK(strcmp(out[MAPLAT_R_EBITDA_MARGIN], "-0.1667") == 0);
    CHECK(strcmp(out[MAPLAT_R_INTEREST_COVERAGE], "-7.1429") == 0);
    CHECK(strcmp(out[MAPLAT_R_CURRENT], "0.3333") == 0);
    CHECK(strcmp(out[MAPLAT_R_GROSS_MARGIN], "1.0000") == 0);
    UNIT_DONE();
}
