/*
 * Financial ratios (docs/api.md "Dashboard and financials"), computed exactly on
 * amounts in cents with 128-bit integers, rounded half away from zero to
 * 4 decimals. Pure code, unit-tested (tests/unit/test_ratios.c).
 */
#ifndef MAPLAT_RATIOS_H
#define MAPLAT_RATIOS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t revenue, cost_of_goods_sold, operating_expenses, ebitda, net_income, current_assets,
        current_liabilities, inventory, total_debt, total_equity, interest_expense;
} maplat_fin_t;

enum {
    MAPLAT_R_CURRENT,
    MAPLAT_R_QUICK,
    MAPLAT_R_DEBT_TO_EQUITY,
    MAPLAT_R_GROSS_MARGIN,
    MAPLAT_R_EBITDA_MARGIN,
    MAPLAT_R_NET_MARGIN,
    MAPLAT_R_INTEREST_COVERAGE,
    MAPLAT_R_COUNT
};

extern const char *const maplat_ratio_names[MAPLAT_R_COUNT];

/* "-123.45" -> -12345 cents. At most 2 decimals and 16 integer digits. */
int maplat_cents(const char *s, int64_t *out);

/* num/den to 4 decimals as text ("1.2345", "-0.5000"); returns 0, or -1
 * when den is 0 (the ratio is null). */
int maplat_ratio4(int64_t num, int64_t den, char *out, size_t outlen);

/* All seven ratios; null[i] is set when a denominator is 0. */
void maplat_ratios(const maplat_fin_t *f, char out[MAPLAT_R_COUNT][48], int null[MAPLAT_R_COUNT]);

#endif
