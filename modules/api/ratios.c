#include "ratios.h"

#include <stdio.h>
#include <string.h>

const char *const maplat_ratio_names[MAPLAT_R_COUNT] = {"current_ratio",    "quick_ratio",   "debt_to_equity",
                                                        "gross_margin",     "ebitda_margin", "net_margin",
                                                        "interest_coverage"};

int maplat_cents(const char *s, int64_t *out)
{
    int neg = 0, ints = 0, decs = 0;
    int64_t v = 0;

    if (!s || !*s) {
        return -1;
    }
    if (*s == '-') {
        neg = 1;
        s++;
    }
    while (*s >= '0' && *s <= '9') {
        if (++ints > 16 || (ints == 2 && v == 0)) {
            return -1; /* too long, or a leading zero */
        }
        v = v * 10 + (*s++ - '0');
    }
    if (ints == 0) {
        return -1;
    }
    v *= 100;
    if (*s == '.') {
        s++;
        if (*s >= '0' && *s <= '9') {
            v += (int64_t)(*s++ - '0') * 10;
            decs++;
        }
        if (*s >= '0' && *s <= '9') {
            v += *s++ - '0';
            decs++;
        }
        if (decs == 0) {
            return -1;
        }
    }
    if (*s) {
        return -1;
    }
    *out = neg ? -v : v;
    return 0;
}

int maplat_ratio4(int64_t num, int64_t den, char *out, size_t outlen)
{
    __int128 n = num, d = den, q;
    int neg;
    unsigned __int128 a;

    if (den == 0) {
        return -1;
    }
    neg = (n < 0) != (d < 0) && n != 0;
    if (n < 0) {
        n = -n;
    }
    if (d < 0) {
        d = -d;
    }
    /* round(n * 10^4 / d), half away from zero */
    q = (n * 10000 * 2 + d) / (2 * d);
    a = (unsigned __int128)q;
    {
        unsigned long long whole = (unsigned long long)(a / 10000), frac = (unsigned long long)(a % 10000);
        if (a / 10000 > (unsigned __int128)UINT64_MAX) {
            return -1;
        }
        snprintf(out, outlen, "%s%llu.%04llu", neg && a != 0 ? "-" : "", whole, frac);
    }
    return 0;
}

void maplat_ratios(const maplat_fin_t *f, char out[MAPLAT_R_COUNT][48], int null[MAPLAT_R_COUNT])
{
    const int64_t nums[MAPLAT_R_COUNT] = {f->current_assets, f->current_assets - f->inventory,
                                          f->total_debt,     f->revenue - f->cost_of_goods_sold,
                                          f->ebitda,         f->net_income,
                                          f->ebitda};
    const int64_t dens[MAPLAT_R_COUNT] = {
        f->current_liabilities, f->current_liabilities, f->total_equity, f->revenue, f->revenue, f->revenue,
        f->interest_expense};
    for (int i = 0; i < MAPLAT_R_COUNT; i++) {
        null[i] = maplat_ratio4(nums[i], dens[i], out[i], sizeof(out[i])) != 0;
    }
}
