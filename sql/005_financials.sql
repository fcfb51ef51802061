-- 005: financial statements, the ratios computed from them, and narratives.
--
-- Statements, ratios and narratives belong to the organization and optionally to one of
-- its deals (deal_id NULL = organization level). "Latest" is the newest created_at
-- (ties broken by id) for (organization_id, deal_id); for the organization level query
-- with "deal_id IS NULL" (IS NOT DISTINCT FROM cannot use the index).
-- Hard-deleting a deal deletes its financial rows (they describe that target only).

CREATE TABLE financial_statements (
    id                  uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id     uuid          NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    deal_id             uuid,
    period              text          NOT NULL CHECK (char_length(period) BETWEEN 1 AND 50),
    revenue             numeric(20,2) NOT NULL,
    cost_of_goods_sold  numeric(20,2) NOT NULL,
    operating_expenses  numeric(20,2) NOT NULL,
    ebitda              numeric(20,2) NOT NULL,
    net_income          numeric(20,2) NOT NULL,
    current_assets      numeric(20,2) NOT NULL,
    current_liabilities numeric(20,2) NOT NULL,
    inventory           numeric(20,2) NOT NULL,
    total_debt          numeric(20,2) NOT NULL,
    total_equity        numeric(20,2) NOT NULL,
    interest_expense    numeric(20,2) NOT NULL,
    created_by          uuid          NOT NULL,
    created_at          timestamptz   NOT NULL DEFAULT now(),
    UNIQUE (organization_id, id),
    FOREIGN KEY (organization_id, deal_id) REFERENCES deals (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, created_by) REFERENCES users (organization_id, id)
);

CREATE INDEX financial_statements_org_deal_created_idx
    ON financial_statements (organization_id, deal_id, created_at DESC);

-- One row of ratios per statement, computed by the server when the statement is stored:
--   current_ratio     = current_assets / current_liabilities
--   quick_ratio       = (current_assets - inventory) / current_liabilities
--   debt_to_equity    = total_debt / total_equity
--   gross_margin      = (revenue - cost_of_goods_sold) / revenue
--   ebitda_margin     = ebitda / revenue
--   net_margin        = net_income / revenue
--   interest_coverage = ebitda / interest_expense
-- each rounded to 4 decimals (SQL: round(x / nullif(y, 0), 4)), NULL when the
-- denominator is 0. numeric(30,4): the quotient of two numeric(20,2) values can reach
-- about 2e20, which numeric(20,4) could not hold.
CREATE TABLE financial_ratios (
    id                  uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id     uuid          NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    statement_id        uuid          NOT NULL UNIQUE,
    deal_id             uuid,
    period              text          NOT NULL CHECK (char_length(period) BETWEEN 1 AND 50),
    current_ratio       numeric(30,4),
    quick_ratio         numeric(30,4),
    debt_to_equity      numeric(30,4),
    gross_margin        numeric(30,4),
    ebitda_margin       numeric(30,4),
    net_margin          numeric(30,4),
    interest_coverage   numeric(30,4),
    created_at          timestamptz   NOT NULL DEFAULT now(),
    FOREIGN KEY (organization_id, statement_id) REFERENCES financial_statements (organization_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (organization_id, deal_id) REFERENCES deals (organization_id, id) ON DELETE CASCADE
);

CREATE INDEX financial_ratios_org_deal_created_idx
    ON financial_ratios (organization_id, deal_id, created_at DESC);

CREATE TABLE financial_narratives (
    id                  uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id     uuid          NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    deal_id             uuid,
    period              text          NOT NULL CHECK (char_length(period) BETWEEN 1 AND 50),
    text                text          NOT NULL CHECK (char_length(text) >= 1),
    created_by          uuid          NOT NULL,
    created_at          timestamptz   NOT NULL DEFAULT now(),
    FOREIGN KEY (organization_id, deal_id) REFERENCES deals (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, created_by) REFERENCES users (organization_id, id)
);

CREATE INDEX financial_narratives_org_deal_created_idx
    ON financial_narratives (organization_id, deal_id, created_at DESC);
