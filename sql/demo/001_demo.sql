-- Demo data: what the quick-start instance holds (API.md, "Demo data").
--
-- Loaded by `scripts/migrate --demo`, after the migrations, in one transaction. Safe to
-- load again: every row has a fixed id and every INSERT says ON CONFLICT DO NOTHING, so
-- a second load adds nothing and changes nothing (rows already there are kept as they are).
-- Times are relative to the moment of the first load (now() - interval …).
--
-- Every demo password is: maplat-demo-password
-- bcrypt, cost 12, computed once and verified with libxcrypt's crypt(3), APR's
-- apr_password_validate (htpasswd -v) and pgcrypto's crypt(). The prefix is $2a$ (the
-- same algorithm as $2b$/$2y$, identical for this ASCII password) because pgcrypto only
-- recognises $2a$; libxcrypt and APR accept all three.
--
-- Fixed ids (tests may refer to them):
--
--   organizations
--     10000000-0000-4000-8000-a00000000001  Acme Capital
--     10000000-0000-4000-8000-b00000000001  Globex Partners
--     10000000-0000-4000-8000-c00000000001  Maplat Operations  (the platform operator's own
--                                           organization: ops@maplat.example is staff of the
--                                           platform, not of a customer, so it sees no
--                                           customer's tenant data; it holds nothing else)
--   users
--     20000000-0000-4000-8000-a00000000001  admin@acme.example     Acme    admin
--     20000000-0000-4000-8000-a00000000002  analyst@acme.example   Acme    member
--     20000000-0000-4000-8000-a00000000003  viewer@acme.example    Acme    viewer
--     20000000-0000-4000-8000-b00000000001  admin@globex.example   Globex  admin
--     20000000-0000-4000-8000-c00000000001  ops@maplat.example     Maplat Operations admin,
--                                                                  master_admin
--
--   other rows: T0000000-0000-4000-8000-O000000000NN where O is the organization
--   (a = Acme, b = Globex, c = Maplat Operations), NN a counter and T the kind:
--     3 deals, 4 prospects, 5 tasks, 6 documents, 7 communities, 8 posts,
--     9 financial statements, a financial ratios (same digits as their statement),
--     b financial narratives, c audit entries, d lighthouse runs.
--   e.g. Acme's "Project Falcon" deal is 30000000-0000-4000-8000-a00000000001 and
--   Globex's "Project Cobalt" deal is 30000000-0000-4000-8000-b00000000003.

-- ---------------------------------------------------------------------------
-- Organizations and users
-- ---------------------------------------------------------------------------

INSERT INTO organizations (id, name, created_at, updated_at) VALUES
    ('10000000-0000-4000-8000-a00000000001', 'Acme Capital',      now() - interval '420 days', now() - interval '420 days'),
    ('10000000-0000-4000-8000-b00000000001', 'Globex Partners',   now() - interval '380 days', now() - interval '380 days'),
    ('10000000-0000-4000-8000-c00000000001', 'Maplat Operations', now() - interval '450 days', now() - interval '450 days')
ON CONFLICT DO NOTHING;

INSERT INTO users (id, organization_id, email, password_hash, first_name, last_name, role, master_admin, active,
                   created_at, updated_at) VALUES
    ('20000000-0000-4000-8000-a00000000001', '10000000-0000-4000-8000-a00000000001', 'admin@acme.example',
     '$2a$12$3MhSRRUT6WMu4FiHYh2TUuwxhG.GC.ydr.rdhyUaw/VdAISVawrmG', 'Amelia', 'Hart', 'admin', false, true,
     now() - interval '420 days', now() - interval '420 days'),
    ('20000000-0000-4000-8000-a00000000002', '10000000-0000-4000-8000-a00000000001', 'analyst@acme.example',
     '$2a$12$3MhSRRUT6WMu4FiHYh2TUuwxhG.GC.ydr.rdhyUaw/VdAISVawrmG', 'Ravi', 'Patel', 'member', false, true,
     now() - interval '400 days', now() - interval '400 days'),
    ('20000000-0000-4000-8000-a00000000003', '10000000-0000-4000-8000-a00000000001', 'viewer@acme.example',
     '$2a$12$3MhSRRUT6WMu4FiHYh2TUuwxhG.GC.ydr.rdhyUaw/VdAISVawrmG', 'Sophie', 'Turner', 'viewer', false, true,
     now() - interval '200 days', now() - interval '200 days'),
    ('20000000-0000-4000-8000-b00000000001', '10000000-0000-4000-8000-b00000000001', 'admin@globex.example',
     '$2a$12$3MhSRRUT6WMu4FiHYh2TUuwxhG.GC.ydr.rdhyUaw/VdAISVawrmG', 'Marcus', 'Lindqvist', 'admin', false, true,
     now() - interval '380 days', now() - interval '380 days'),
    ('20000000-0000-4000-8000-c00000000001', '10000000-0000-4000-8000-c00000000001', 'ops@maplat.example',
     '$2a$12$3MhSRRUT6WMu4FiHYh2TUuwxhG.GC.ydr.rdhyUaw/VdAISVawrmG', 'Priya', 'Shah', 'admin', true, true,
     now() - interval '450 days', now() - interval '450 days')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- Deals: every stage in both organizations, some archived, mostly GBP
-- ---------------------------------------------------------------------------

INSERT INTO deals (id, organization_id, name, target_company, stage, value, currency, description, archived,
                   created_by, created_at, updated_at) VALUES
    -- Acme Capital
    ('30000000-0000-4000-8000-a00000000001', '10000000-0000-4000-8000-a00000000001',
     'Project Falcon', 'Falcon Logistics Ltd', 'due_diligence', 42500000.00, 'GBP',
     'Secondary buyout of a UK temperature-controlled logistics operator (14 depots, 620 vehicles). Vendor DD pack received; our QoE and commercial DD under way.',
     false, '20000000-0000-4000-8000-a00000000001', now() - interval '62 days', now() - interval '4 days'),
    ('30000000-0000-4000-8000-a00000000002', '10000000-0000-4000-8000-a00000000001',
     'Project Heron', 'Heron Dental Group', 'sourcing', 8750000.00, 'GBP',
     'Founder-owned group of 11 dental practices in the South West looking for a growth partner. Introduced by the Bristol corporate finance network.',
     false, '20000000-0000-4000-8000-a00000000002', now() - interval '9 days', now() - interval '9 days'),
    ('30000000-0000-4000-8000-a00000000003', '10000000-0000-4000-8000-a00000000001',
     'Project Kestrel', 'Kestrel Software Solutions Ltd', 'evaluation', 15200000.00, 'GBP',
     'Vertical SaaS for housing associations; 92% recurring revenue, net revenue retention 112%. Management wants a minority investment to fund a move into Ireland.',
     false, '20000000-0000-4000-8000-a00000000002', now() - interval '28 days', now() - interval '11 days'),
    ('30000000-0000-4000-8000-a00000000004', '10000000-0000-4000-8000-a00000000001',
     'Project Osprey', 'Osprey Marine Engineering Ltd', 'negotiation', 27000000.00, 'GBP',
     'Carve-out of the marine services division of a listed engineering group. Heads of terms agreed in principle; pension deficit treatment still open.',
     false, '20000000-0000-4000-8000-a00000000001', now() - interval '95 days', now() - interval '6 days'),
    ('30000000-0000-4000-8000-a00000000005', '10000000-0000-4000-8000-a00000000001',
     'Project Merlin', 'Merlin Analytics GmbH', 'closing', 18400000.00, 'EUR',
     'Bolt-on for our data portfolio company: Munich-based pricing analytics provider. SPA in final mark-up, completion targeted for month end.',
     false, '20000000-0000-4000-8000-a00000000001', now() - interval '130 days', now() - interval '2 days'),
    ('30000000-0000-4000-8000-a00000000006', '10000000-0000-4000-8000-a00000000001',
     'Project Swift', 'Swift Payments Inc.', 'won', 31000000.00, 'USD',
     'Acquisition of a US merchant payments processor to expand the portfolio into North America. Completed; integration in progress.',
     false, '20000000-0000-4000-8000-a00000000001', now() - interval '210 days', now() - interval '21 days'),
    ('30000000-0000-4000-8000-a00000000007', '10000000-0000-4000-8000-a00000000001',
     'Project Wren', 'Wren Home Care Ltd', 'lost', 6300000.00, 'GBP',
     'Domiciliary care provider in the North West. Lost to a trade buyer offering a higher multiple; we walked away over staffing-cost risk.',
     false, '20000000-0000-4000-8000-a00000000002', now() - interval '160 days', now() - interval '48 days'),
    ('30000000-0000-4000-8000-a00000000008', '10000000-0000-4000-8000-a00000000001',
     'Project Lark', 'Lark Foods plc', 'evaluation', 12900000.00, 'GBP',
     'Public-to-private approach for an AIM-listed chilled foods producer. Parked after the board rejected an indicative offer.',
     true, '20000000-0000-4000-8000-a00000000002', now() - interval '240 days', now() - interval '150 days'),
    ('30000000-0000-4000-8000-a00000000009', '10000000-0000-4000-8000-a00000000001',
     'Project Plover', 'Plover Environmental Services Ltd', 'sourcing', 4150000.00, 'GBP',
     'Asbestos surveying and removal specialist; potential platform for a buy-and-build in environmental compliance services.',
     false, '20000000-0000-4000-8000-a00000000002', now() - interval '3 days', now() - interval '3 days'),
    ('30000000-0000-4000-8000-a00000000010', '10000000-0000-4000-8000-a00000000001',
     'Project Harrier', 'Harrier Aerospace Components Ltd', 'won', 55000000.00, 'GBP',
     'Precision machining for civil aerospace. Completed last year; archived after handover to the portfolio team.',
     true, '20000000-0000-4000-8000-a00000000001', now() - interval '400 days', now() - interval '300 days'),
    ('30000000-0000-4000-8000-a00000000011', '10000000-0000-4000-8000-a00000000001',
     'Project Curlew', 'Curlew Veterinary Group', 'due_diligence', 21600000.00, 'GBP',
     'Independent veterinary group of 23 clinics across Yorkshire and the Midlands. Exclusivity until the end of next month.',
     false, '20000000-0000-4000-8000-a00000000001', now() - interval '45 days', now() - interval '8 days'),
    -- Globex Partners
    ('30000000-0000-4000-8000-b00000000001', '10000000-0000-4000-8000-b00000000001',
     'Project Atlas', 'Atlas Cold Chain LLC', 'sourcing', 22000000.00, 'USD',
     'Refrigerated warehousing in the US Midwest; family owners exploring a sale after the founder''s retirement.',
     false, '20000000-0000-4000-8000-b00000000001', now() - interval '12 days', now() - interval '12 days'),
    ('30000000-0000-4000-8000-b00000000002', '10000000-0000-4000-8000-b00000000001',
     'Project Borealis', 'Borealis Wind AS', 'evaluation', 64000000.00, 'EUR',
     'Norwegian onshore wind developer with 410 MW in operation and a 1.2 GW pipeline. Evaluating a co-investment alongside an infrastructure fund.',
     false, '20000000-0000-4000-8000-b00000000001', now() - interval '34 days', now() - interval '10 days'),
    ('30000000-0000-4000-8000-b00000000003', '10000000-0000-4000-8000-b00000000001',
     'Project Cobalt', 'Cobalt Mining Services Ltd', 'due_diligence', 38500000.00, 'GBP',
     'Contract drilling and mine services across the UK and Scandinavia. Environmental and health-and-safety DD are the critical path.',
     false, '20000000-0000-4000-8000-b00000000001', now() - interval '70 days', now() - interval '5 days'),
    ('30000000-0000-4000-8000-b00000000004', '10000000-0000-4000-8000-b00000000001',
     'Project Delta', 'Delta Clinical Labs Ltd', 'negotiation', 19750000.00, 'GBP',
     'Independent clinical diagnostics laboratory network; negotiating exclusivity and the earn-out mechanics.',
     false, '20000000-0000-4000-8000-b00000000001', now() - interval '88 days', now() - interval '7 days'),
    ('30000000-0000-4000-8000-b00000000005', '10000000-0000-4000-8000-b00000000001',
     'Project Ember', 'Ember Hospitality Group', 'closing', 11200000.00, 'GBP',
     'Portfolio of nine boutique hotels in Scotland. Signed; completion awaits lender consent.',
     false, '20000000-0000-4000-8000-b00000000001', now() - interval '120 days', now() - interval '1 day'),
    ('30000000-0000-4000-8000-b00000000006', '10000000-0000-4000-8000-b00000000001',
     'Project Fjord', 'Fjord Seafood ASA', 'won', 47300000.00, 'EUR',
     'Sell-side mandate for a salmon processing and export business; sold to a strategic buyer.',
     false, '20000000-0000-4000-8000-b00000000001', now() - interval '300 days', now() - interval '60 days'),
    ('30000000-0000-4000-8000-b00000000007', '10000000-0000-4000-8000-b00000000001',
     'Project Granite', 'Granite Building Products Ltd', 'lost', 9800000.00, 'GBP',
     'Manufacturer of engineered stone worktops. The vendor withdrew the process after a profit warning.',
     false, '20000000-0000-4000-8000-b00000000001', now() - interval '150 days', now() - interval '90 days'),
    ('30000000-0000-4000-8000-b00000000008', '10000000-0000-4000-8000-b00000000001',
     'Project Helix', 'Helix Biotech Ltd', 'sourcing', 5500000.00, 'GBP',
     'Early-stage antibody platform spun out of a university; too early for our mandate, archived for now.',
     true, '20000000-0000-4000-8000-b00000000001', now() - interval '200 days', now() - interval '180 days'),
    ('30000000-0000-4000-8000-b00000000009', '10000000-0000-4000-8000-b00000000001',
     'Project Ion', 'Ion Battery Recycling Ltd', 'evaluation', 14000000.00, 'GBP',
     'Lithium-ion battery recycling start-up with a first plant in the West Midlands; growth equity round.',
     false, '20000000-0000-4000-8000-b00000000001', now() - interval '20 days', now() - interval '14 days')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- Prospects: every stage in both organizations
-- ---------------------------------------------------------------------------

INSERT INTO prospects (id, organization_id, company_name, contact_name, contact_email, stage, notes, archived,
                       created_by, created_at, updated_at) VALUES
    -- Acme Capital
    ('40000000-0000-4000-8000-a00000000001', '10000000-0000-4000-8000-a00000000001',
     'Northgate Veterinary Partners', 'Helen Brooks', 'helen.brooks@northgatevets.example', 'new',
     'Came up in the Curlew work; 8 clinics in Cumbria.', false,
     '20000000-0000-4000-8000-a00000000002', now() - interval '2 days', now() - interval '2 days'),
    ('40000000-0000-4000-8000-a00000000002', '10000000-0000-4000-8000-a00000000001',
     'Saltmarsh Digital Ltd', 'Tom Ashby', 'tom@saltmarshdigital.example', 'new',
     'Digital agency, c. £3m revenue. Founder met us at the Leeds tech dinner.', false,
     '20000000-0000-4000-8000-a00000000002', now() - interval '5 days', now() - interval '5 days'),
    ('40000000-0000-4000-8000-a00000000003', '10000000-0000-4000-8000-a00000000001',
     'Bramble Cyber Ltd', 'Nadia Rahman', 'n.rahman@bramblecyber.example', 'contacted',
     'Managed security services for councils and NHS trusts. Intro email sent, follow-up call pencilled in.', false,
     '20000000-0000-4000-8000-a00000000002', now() - interval '18 days', now() - interval '10 days'),
    ('40000000-0000-4000-8000-a00000000004', '10000000-0000-4000-8000-a00000000001',
     'Thistle Renewables', 'Callum Reid', 'callum.reid@thistlerenewables.example', 'qualified',
     'Heat pump installer, strong order book; EBITDA c. £2.1m. Fits the energy transition thesis.', false,
     '20000000-0000-4000-8000-a00000000001', now() - interval '33 days', now() - interval '12 days'),
    ('40000000-0000-4000-8000-a00000000005', '10000000-0000-4000-8000-a00000000001',
     'Quayside Brewing Co', 'Gareth Jones', 'gareth@quaysidebrewing.example', 'engaged',
     'NDA signed; information memorandum received. Decide next week whether to bid.', false,
     '20000000-0000-4000-8000-a00000000001', now() - interval '41 days', now() - interval '3 days'),
    ('40000000-0000-4000-8000-a00000000006', '10000000-0000-4000-8000-a00000000001',
     'Falcon Logistics Ltd', 'Mark Ellison', 'm.ellison@falconlogistics.example', 'converted',
     'Converted into Project Falcon.', false,
     '20000000-0000-4000-8000-a00000000001', now() - interval '80 days', now() - interval '62 days'),
    ('40000000-0000-4000-8000-a00000000007', '10000000-0000-4000-8000-a00000000001',
     'Pennine Textiles Ltd', 'Janet Moss', 'janet.moss@penninetextiles.example', 'lost',
     'Owners decided not to sell this cycle; revisit in 18 months.', false,
     '20000000-0000-4000-8000-a00000000002', now() - interval '120 days', now() - interval '70 days'),
    ('40000000-0000-4000-8000-a00000000008', '10000000-0000-4000-8000-a00000000001',
     'Harbour Lane Nurseries', 'Fiona Blake', 'fiona@harbourlane.example', 'contacted',
     'Childcare group; outside our current sector focus.', true,
     '20000000-0000-4000-8000-a00000000002', now() - interval '150 days', now() - interval '100 days'),
    -- Globex Partners
    ('40000000-0000-4000-8000-b00000000001', '10000000-0000-4000-8000-b00000000001',
     'Aurora Fintech Inc.', 'Leah Kim', 'leah.kim@aurorafintech.example', 'new',
     'Embedded lending API; Series B company considering a sale.', false,
     '20000000-0000-4000-8000-b00000000001', now() - interval '4 days', now() - interval '4 days'),
    ('40000000-0000-4000-8000-b00000000002', '10000000-0000-4000-8000-b00000000001',
     'Cedar Pharma Services', 'Daniel Ortiz', 'd.ortiz@cedarpharma.example', 'contacted',
     'Contract packaging for clinical trials. Left a voicemail; try again after their board meeting.', false,
     '20000000-0000-4000-8000-b00000000001', now() - interval '16 days', now() - interval '9 days'),
    ('40000000-0000-4000-8000-b00000000003', '10000000-0000-4000-8000-b00000000001',
     'Meridian Freight BV', 'Sanne de Vries', 'sanne@meridianfreight.example', 'qualified',
     'Rotterdam freight forwarder, EUR 40m revenue; shareholders aligned on a sale in 2026.', false,
     '20000000-0000-4000-8000-b00000000001', now() - interval '30 days', now() - interval '15 days'),
    ('40000000-0000-4000-8000-b00000000004', '10000000-0000-4000-8000-b00000000001',
     'Polaris Data Centres Ltd', 'James Whitfield', 'jwhitfield@polarisdc.example', 'engaged',
     'Two edge data centres in Manchester; management presentation booked.', false,
     '20000000-0000-4000-8000-b00000000001', now() - interval '45 days', now() - interval '6 days'),
    ('40000000-0000-4000-8000-b00000000005', '10000000-0000-4000-8000-b00000000001',
     'Fjord Seafood ASA', 'Ingrid Solberg', 'ingrid.solberg@fjordseafood.example', 'converted',
     'Became the Project Fjord sell-side mandate.', false,
     '20000000-0000-4000-8000-b00000000001', now() - interval '320 days', now() - interval '300 days'),
    ('40000000-0000-4000-8000-b00000000006', '10000000-0000-4000-8000-b00000000001',
     'Summit Outdoor Retail', 'Rachel Green', 'rachel@summitoutdoor.example', 'lost',
     'Chose another adviser.', false,
     '20000000-0000-4000-8000-b00000000001', now() - interval '110 days', now() - interval '85 days')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- Tasks
-- ---------------------------------------------------------------------------

INSERT INTO tasks (id, organization_id, title, deal_id, assignee_id, due_date, status, created_by,
                   created_at, updated_at) VALUES
    -- Acme Capital
    ('50000000-0000-4000-8000-a00000000001', '10000000-0000-4000-8000-a00000000001',
     'Review Falcon quality-of-earnings draft', '30000000-0000-4000-8000-a00000000001',
     '20000000-0000-4000-8000-a00000000002', current_date + 5, 'in_progress',
     '20000000-0000-4000-8000-a00000000001', now() - interval '12 days', now() - interval '1 day'),
    ('50000000-0000-4000-8000-a00000000002', '10000000-0000-4000-8000-a00000000001',
     'Prepare investment committee paper for Falcon', '30000000-0000-4000-8000-a00000000001',
     '20000000-0000-4000-8000-a00000000001', current_date + 14, 'open',
     '20000000-0000-4000-8000-a00000000001', now() - interval '10 days', now() - interval '10 days'),
    ('50000000-0000-4000-8000-a00000000003', '10000000-0000-4000-8000-a00000000001',
     'Schedule management presentation with Osprey', '30000000-0000-4000-8000-a00000000004',
     '20000000-0000-4000-8000-a00000000001', current_date + 3, 'open',
     '20000000-0000-4000-8000-a00000000001', now() - interval '6 days', now() - interval '6 days'),
    ('50000000-0000-4000-8000-a00000000004', '10000000-0000-4000-8000-a00000000001',
     'Chase Osprey data-room access for pension advisers', '30000000-0000-4000-8000-a00000000004',
     '20000000-0000-4000-8000-a00000000002', current_date - 2, 'open',
     '20000000-0000-4000-8000-a00000000001', now() - interval '9 days', now() - interval '9 days'),
    ('50000000-0000-4000-8000-a00000000005', '10000000-0000-4000-8000-a00000000001',
     'Update Kestrel valuation model with Q3 ARR', '30000000-0000-4000-8000-a00000000003',
     '20000000-0000-4000-8000-a00000000002', current_date + 10, 'open',
     '20000000-0000-4000-8000-a00000000002', now() - interval '11 days', now() - interval '11 days'),
    ('50000000-0000-4000-8000-a00000000006', '10000000-0000-4000-8000-a00000000001',
     'Circulate Merlin SPA mark-up to counsel', '30000000-0000-4000-8000-a00000000005',
     '20000000-0000-4000-8000-a00000000001', current_date + 2, 'in_progress',
     '20000000-0000-4000-8000-a00000000001', now() - interval '4 days', now() - interval '2 days'),
    ('50000000-0000-4000-8000-a00000000007', '10000000-0000-4000-8000-a00000000001',
     'Close out Swift completion checklist', '30000000-0000-4000-8000-a00000000006',
     '20000000-0000-4000-8000-a00000000002', current_date - 6, 'done',
     '20000000-0000-4000-8000-a00000000001', now() - interval '30 days', now() - interval '7 days'),
    ('50000000-0000-4000-8000-a00000000008', '10000000-0000-4000-8000-a00000000001',
     'Send NDA to Heron Dental Group', '30000000-0000-4000-8000-a00000000002',
     '20000000-0000-4000-8000-a00000000002', current_date - 4, 'done',
     '20000000-0000-4000-8000-a00000000002', now() - interval '9 days', now() - interval '5 days'),
    ('50000000-0000-4000-8000-a00000000009', '10000000-0000-4000-8000-a00000000001',
     'File Wren loss debrief notes', '30000000-0000-4000-8000-a00000000007',
     '20000000-0000-4000-8000-a00000000003', current_date - 40, 'done',
     '20000000-0000-4000-8000-a00000000002', now() - interval '50 days', now() - interval '41 days'),
    ('50000000-0000-4000-8000-a00000000010', '10000000-0000-4000-8000-a00000000001',
     'Quarterly pipeline review with the partners', NULL,
     '20000000-0000-4000-8000-a00000000001', current_date + 21, 'open',
     '20000000-0000-4000-8000-a00000000001', now() - interval '3 days', now() - interval '3 days'),
    ('50000000-0000-4000-8000-a00000000011', '10000000-0000-4000-8000-a00000000001',
     'Book Curlew clinic site visits', '30000000-0000-4000-8000-a00000000011',
     NULL, current_date + 7, 'open',
     '20000000-0000-4000-8000-a00000000001', now() - interval '8 days', now() - interval '8 days'),
    -- Globex Partners
    ('50000000-0000-4000-8000-b00000000001', '10000000-0000-4000-8000-b00000000001',
     'Review Cobalt environmental liabilities report', '30000000-0000-4000-8000-b00000000003',
     '20000000-0000-4000-8000-b00000000001', current_date + 4, 'in_progress',
     '20000000-0000-4000-8000-b00000000001', now() - interval '15 days', now() - interval '2 days'),
    ('50000000-0000-4000-8000-b00000000002', '10000000-0000-4000-8000-b00000000001',
     'Agree exclusivity letter with Delta Clinical Labs', '30000000-0000-4000-8000-b00000000004',
     '20000000-0000-4000-8000-b00000000001', current_date + 6, 'open',
     '20000000-0000-4000-8000-b00000000001', now() - interval '7 days', now() - interval '7 days'),
    ('50000000-0000-4000-8000-b00000000003', '10000000-0000-4000-8000-b00000000001',
     'Book site visit to the Borealis Bergen operations centre', '30000000-0000-4000-8000-b00000000002',
     '20000000-0000-4000-8000-b00000000001', current_date + 15, 'open',
     '20000000-0000-4000-8000-b00000000001', now() - interval '10 days', now() - interval '10 days'),
    ('50000000-0000-4000-8000-b00000000004', '10000000-0000-4000-8000-b00000000001',
     'Finalise Ember completion funds flow', '30000000-0000-4000-8000-b00000000005',
     '20000000-0000-4000-8000-b00000000001', current_date + 1, 'in_progress',
     '20000000-0000-4000-8000-b00000000001', now() - interval '5 days', now() - interval '1 day'),
    ('50000000-0000-4000-8000-b00000000005', '10000000-0000-4000-8000-b00000000001',
     'Send Fjord post-completion invoice', '30000000-0000-4000-8000-b00000000006',
     '20000000-0000-4000-8000-b00000000001', current_date - 55, 'done',
     '20000000-0000-4000-8000-b00000000001', now() - interval '62 days', now() - interval '56 days'),
    ('50000000-0000-4000-8000-b00000000006', '10000000-0000-4000-8000-b00000000001',
     'Initial screening call with Atlas management', '30000000-0000-4000-8000-b00000000001',
     NULL, current_date + 8, 'open',
     '20000000-0000-4000-8000-b00000000001', now() - interval '11 days', now() - interval '11 days'),
    ('50000000-0000-4000-8000-b00000000007', '10000000-0000-4000-8000-b00000000001',
     'Monthly update to limited partners', NULL,
     '20000000-0000-4000-8000-b00000000001', current_date + 12, 'open',
     '20000000-0000-4000-8000-b00000000001', now() - interval '18 days', now() - interval '18 days')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- Documents and their permissions
-- ---------------------------------------------------------------------------

INSERT INTO documents (id, organization_id, title, body, deal_id, archived, created_by, created_at, updated_at) VALUES
    -- Acme Capital
    ('60000000-0000-4000-8000-a00000000001', '10000000-0000-4000-8000-a00000000001',
     'Project Falcon — Investment memo',
     $body$Summary

Acme Capital proposes to acquire 100% of Falcon Logistics Ltd ("Falcon") from its current private equity owner for an enterprise value of £42.5m, equal to 6.8x FY2024 EBITDA of £15.75m before synergies and 7.4x after normalising for the loss-making Leicester depot. Falcon operates 14 temperature-controlled depots and 620 vehicles serving grocery, pharmaceutical and food-service customers across England and Wales.

Investment thesis

1. Structural growth: chilled and frozen volumes are growing at 4-5% a year as retailers outsource distribution, and pharmaceutical cold chain at nearly twice that.
2. Contracted revenue: 71% of revenue sits under multi-year contracts with annual indexation; the top ten customers have an average tenure of nine years.
3. Margin upside: route optimisation and the electrification of the urban fleet should add 150-200 bp of EBITDA margin over the hold period.
4. Buy-and-build: the market is fragmented; we have identified eight regional operators with £5-20m of revenue each.

Key risks

Customer concentration (the largest customer is 18% of revenue), driver availability and wage inflation, and the capital expenditure needed to meet low-emission-zone rules. Quality-of-earnings work is under way; the draft report is due next week.

Recommendation

Proceed to confirmatory due diligence with a budget of £650k, and return to the investment committee with a final recommendation once the QoE and commercial DD are complete.$body$,
     '30000000-0000-4000-8000-a00000000001', false,
     '20000000-0000-4000-8000-a00000000001', now() - interval '40 days', now() - interval '4 days'),
    ('60000000-0000-4000-8000-a00000000002', '10000000-0000-4000-8000-a00000000001',
     'Project Osprey — Heads of terms summary',
     $body$Parties: Acme Capital Fund IV LP (buyer) and Northwind Engineering Group plc (seller), for the entire issued share capital of Osprey Marine Engineering Ltd.

Price: £27.0m on a cash-free, debt-free basis with a normalised level of working capital, by way of a locked box dated 31 March. Leakage protection from the locked-box date to completion.

Pension: the seller retains the defined-benefit scheme; Osprey's section is to be transferred before completion. Still under negotiation — the seller proposes a £1.2m price adjustment instead.

Transitional services: 12 months of IT, payroll and treasury support at cost plus 5%.

Management: the managing director and finance director roll 30% of their proceeds into the new structure and join the management incentive plan.

Exclusivity: eight weeks from signature of the heads of terms.$body$,
     '30000000-0000-4000-8000-a00000000004', false,
     '20000000-0000-4000-8000-a00000000002', now() - interval '20 days', now() - interval '6 days'),
    ('60000000-0000-4000-8000-a00000000003', '10000000-0000-4000-8000-a00000000001',
     'Project Kestrel — Commercial due diligence scope',
     $body$Objective: test the growth case in management's plan (ARR from £9.8m to £21m in four years) before we commit to a minority investment.

Workstreams

1. Market: size and growth of software spend by UK and Irish housing associations; procurement frameworks and renewal cycles.
2. Competition: win/loss analysis against the two listed competitors; pricing benchmarks.
3. Customers: 20 interviews across large, medium and small associations, including two churned customers.
4. Ireland: regulatory differences, the approved-housing-body market and the likely cost of a local sales team.

Budget and timing: fixed fee of £85k, four weeks from kick-off. Red-flag call at the end of week two.$body$,
     '30000000-0000-4000-8000-a00000000003', false,
     '20000000-0000-4000-8000-a00000000002', now() - interval '15 days', now() - interval '15 days'),
    ('60000000-0000-4000-8000-a00000000004', '10000000-0000-4000-8000-a00000000001',
     'Investment committee charter',
     $body$Purpose: the investment committee (IC) approves every new investment, follow-on investment and exit of Acme Capital's funds.

Membership: the three managing partners (voting) and the head of portfolio (non-voting). A quorum is two voting members.

Stages: a deal comes to the IC three times — at first look (approval to spend up to £50k), before confirmatory due diligence (budget approval) and for final approval before signing.

Papers: circulated at least 48 hours before the meeting, using the standard memo template. Minutes are kept in the deal's document folder.

Conflicts: a member with a personal interest in a deal declares it and does not vote.$body$,
     NULL, false,
     '20000000-0000-4000-8000-a00000000001', now() - interval '300 days', now() - interval '90 days'),
    ('60000000-0000-4000-8000-a00000000005', '10000000-0000-4000-8000-a00000000001',
     'Project Lark — Teaser',
     $body$Lark Foods plc produces chilled ready meals and desserts for the major UK grocers from two sites in Lincolnshire. Revenue £96m, EBITDA £8.4m. The board has indicated it would consider an offer at a meaningful premium to the current share price.$body$,
     '30000000-0000-4000-8000-a00000000008', true,
     '20000000-0000-4000-8000-a00000000002', now() - interval '235 days', now() - interval '150 days'),
    ('60000000-0000-4000-8000-a00000000006', '10000000-0000-4000-8000-a00000000001',
     'Project Merlin — SPA issues list',
     $body$Open points on the seller's third draft of the share purchase agreement:

1. Warranty cap: seller offers 30% of the price; we ask for 100% for title and tax, 50% otherwise, backed by W&I insurance.
2. Earn-out: 2026 revenue target of EUR 9.5m; the definition of revenue must exclude acquired businesses.
3. Non-compete: the founders offer 18 months; we require 36 months and a non-solicit of key staff.
4. Completion accounts vs locked box: agreed locked box at 30 June.
5. German merger-control filing: not required on our counsel's analysis; the seller wants a condition anyway.$body$,
     '30000000-0000-4000-8000-a00000000005', false,
     '20000000-0000-4000-8000-a00000000001', now() - interval '25 days', now() - interval '2 days'),
    -- Globex Partners
    ('60000000-0000-4000-8000-b00000000001', '10000000-0000-4000-8000-b00000000001',
     'Project Cobalt — Investment memo',
     $body$Summary

Globex Partners recommends a £38.5m investment for a controlling stake in Cobalt Mining Services Ltd, a contract drilling and mine services company operating in the UK, Sweden and Finland. FY2024 revenue was £96.4m and EBITDA £12.3m.

Why now

Demand for critical minerals exploration in the Nordics is rising, and Cobalt holds long-term framework agreements with three of the five largest operators in the region. The founder wants to retire and the management team wants a partner to fund fleet renewal.

Risks

Environmental liabilities at two legacy UK sites (report expected this week), a safety incident in 2023 that is still under investigation, and the cyclicality of exploration budgets. We will ask for a specific indemnity covering the legacy sites.$body$,
     '30000000-0000-4000-8000-b00000000003', false,
     '20000000-0000-4000-8000-b00000000001', now() - interval '30 days', now() - interval '5 days'),
    ('60000000-0000-4000-8000-b00000000002', '10000000-0000-4000-8000-b00000000001',
     'Project Delta — Management meeting notes',
     $body$Attendees: Delta's CEO and CFO; Marcus Lindqvist for Globex.

Trading: year-to-date revenue is 6% ahead of budget, driven by the new occupational-health contracts. Two laboratories are at capacity; a third is planned for Reading.

Earn-out: management accept an earn-out over two years but want it based on gross profit rather than EBITDA.

Next steps: Globex to send a draft exclusivity letter; Delta to open the data room to our accountants.$body$,
     '30000000-0000-4000-8000-b00000000004', false,
     '20000000-0000-4000-8000-b00000000001', now() - interval '21 days', now() - interval '21 days'),
    ('60000000-0000-4000-8000-b00000000003', '10000000-0000-4000-8000-b00000000001',
     'Globex Partners — Deal screening criteria',
     $body$We look at businesses with revenue of £10-200m and positive EBITDA, headquartered in the UK, the Nordics or the Benelux, in industrial services, healthcare services, energy transition and food supply chains.

We do not pursue businesses whose main activity is gambling, tobacco or weapons, or deals where we cannot obtain board representation.$body$,
     NULL, false,
     '20000000-0000-4000-8000-b00000000001', now() - interval '350 days', now() - interval '120 days'),
    ('60000000-0000-4000-8000-b00000000004', '10000000-0000-4000-8000-b00000000001',
     'Project Fjord — Post-completion review',
     $body$The sale of Fjord Seafood ASA completed at EUR 47.3m, 9% above the first-round range. Lessons: an early vendor due diligence report shortened the process by six weeks, and the buyer's concerns about biological risk were best answered with the site-by-site mortality data.$body$,
     '30000000-0000-4000-8000-b00000000006', false,
     '20000000-0000-4000-8000-b00000000001', now() - interval '58 days', now() - interval '58 days')
ON CONFLICT DO NOTHING;

-- creators own their documents; a few grants to others. The Kestrel scope and the Lark
-- teaser are shared with nobody: viewer@acme.example cannot see them.
INSERT INTO document_permissions (organization_id, document_id, user_id, level, created_at, updated_at) VALUES
    ('10000000-0000-4000-8000-a00000000001', '60000000-0000-4000-8000-a00000000001', '20000000-0000-4000-8000-a00000000001', 'owner',  now() - interval '40 days', now() - interval '40 days'),
    ('10000000-0000-4000-8000-a00000000001', '60000000-0000-4000-8000-a00000000001', '20000000-0000-4000-8000-a00000000002', 'editor', now() - interval '39 days', now() - interval '39 days'),
    ('10000000-0000-4000-8000-a00000000001', '60000000-0000-4000-8000-a00000000001', '20000000-0000-4000-8000-a00000000003', 'viewer', now() - interval '39 days', now() - interval '39 days'),
    ('10000000-0000-4000-8000-a00000000001', '60000000-0000-4000-8000-a00000000002', '20000000-0000-4000-8000-a00000000002', 'owner',  now() - interval '20 days', now() - interval '20 days'),
    ('10000000-0000-4000-8000-a00000000001', '60000000-0000-4000-8000-a00000000002', '20000000-0000-4000-8000-a00000000001', 'editor', now() - interval '19 days', now() - interval '19 days'),
    ('10000000-0000-4000-8000-a00000000001', '60000000-0000-4000-8000-a00000000002', '20000000-0000-4000-8000-a00000000003', 'viewer', now() - interval '19 days', now() - interval '19 days'),
    ('10000000-0000-4000-8000-a00000000001', '60000000-0000-4000-8000-a00000000003', '20000000-0000-4000-8000-a00000000002', 'owner',  now() - interval '15 days', now() - interval '15 days'),
    ('10000000-0000-4000-8000-a00000000001', '60000000-0000-4000-8000-a00000000004', '20000000-0000-4000-8000-a00000000001', 'owner',  now() - interval '300 days', now() - interval '300 days'),
    ('10000000-0000-4000-8000-a00000000001', '60000000-0000-4000-8000-a00000000004', '20000000-0000-4000-8000-a00000000002', 'viewer', now() - interval '300 days', now() - interval '300 days'),
    ('10000000-0000-4000-8000-a00000000001', '60000000-0000-4000-8000-a00000000004', '20000000-0000-4000-8000-a00000000003', 'viewer', now() - interval '200 days', now() - interval '200 days'),
    ('10000000-0000-4000-8000-a00000000001', '60000000-0000-4000-8000-a00000000005', '20000000-0000-4000-8000-a00000000002', 'owner',  now() - interval '235 days', now() - interval '235 days'),
    ('10000000-0000-4000-8000-a00000000001', '60000000-0000-4000-8000-a00000000006', '20000000-0000-4000-8000-a00000000001', 'owner',  now() - interval '25 days', now() - interval '25 days'),
    ('10000000-0000-4000-8000-a00000000001', '60000000-0000-4000-8000-a00000000006', '20000000-0000-4000-8000-a00000000002', 'editor', now() - interval '24 days', now() - interval '24 days'),
    ('10000000-0000-4000-8000-b00000000001', '60000000-0000-4000-8000-b00000000001', '20000000-0000-4000-8000-b00000000001', 'owner',  now() - interval '30 days', now() - interval '30 days'),
    ('10000000-0000-4000-8000-b00000000001', '60000000-0000-4000-8000-b00000000002', '20000000-0000-4000-8000-b00000000001', 'owner',  now() - interval '21 days', now() - interval '21 days'),
    ('10000000-0000-4000-8000-b00000000001', '60000000-0000-4000-8000-b00000000003', '20000000-0000-4000-8000-b00000000001', 'owner',  now() - interval '350 days', now() - interval '350 days'),
    ('10000000-0000-4000-8000-b00000000001', '60000000-0000-4000-8000-b00000000004', '20000000-0000-4000-8000-b00000000001', 'owner',  now() - interval '58 days', now() - interval '58 days')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- Communities, members, posts
-- (viewer@acme.example is read-only, so it has joined no community)
-- ---------------------------------------------------------------------------

INSERT INTO communities (id, organization_id, name, description, created_by, created_at, updated_at) VALUES
    ('70000000-0000-4000-8000-a00000000001', '10000000-0000-4000-8000-a00000000001',
     'Deal Team Lounge', 'Day-to-day coordination for the Acme deal team: live deals, IC dates, who is where.',
     '20000000-0000-4000-8000-a00000000001', now() - interval '380 days', now() - interval '380 days'),
    ('70000000-0000-4000-8000-a00000000002', '10000000-0000-4000-8000-a00000000001',
     'Healthcare sector watch', 'Market notes, comparables and regulation in UK healthcare services.',
     '20000000-0000-4000-8000-a00000000002', now() - interval '150 days', now() - interval '150 days'),
    ('70000000-0000-4000-8000-b00000000001', '10000000-0000-4000-8000-b00000000001',
     'Globex Deal Room', 'Notes and questions on live Globex mandates.',
     '20000000-0000-4000-8000-b00000000001', now() - interval '360 days', now() - interval '360 days')
ON CONFLICT DO NOTHING;

INSERT INTO community_members (organization_id, community_id, user_id, role, joined_at) VALUES
    ('10000000-0000-4000-8000-a00000000001', '70000000-0000-4000-8000-a00000000001', '20000000-0000-4000-8000-a00000000001', 'admin',     now() - interval '380 days'),
    ('10000000-0000-4000-8000-a00000000001', '70000000-0000-4000-8000-a00000000001', '20000000-0000-4000-8000-a00000000002', 'moderator', now() - interval '379 days'),
    ('10000000-0000-4000-8000-a00000000001', '70000000-0000-4000-8000-a00000000002', '20000000-0000-4000-8000-a00000000002', 'admin',     now() - interval '150 days'),
    ('10000000-0000-4000-8000-a00000000001', '70000000-0000-4000-8000-a00000000002', '20000000-0000-4000-8000-a00000000001', 'member',    now() - interval '149 days'),
    ('10000000-0000-4000-8000-b00000000001', '70000000-0000-4000-8000-b00000000001', '20000000-0000-4000-8000-b00000000001', 'admin',     now() - interval '360 days')
ON CONFLICT DO NOTHING;

INSERT INTO posts (id, organization_id, community_id, author_id, title, body, pinned, pinned_at, pinned_by,
                   created_at, updated_at) VALUES
    ('80000000-0000-4000-8000-a00000000001', '10000000-0000-4000-8000-a00000000001', '70000000-0000-4000-8000-a00000000001',
     '20000000-0000-4000-8000-a00000000001', 'Welcome — how we use the Deal Team Lounge',
     $body$This is the place for quick coordination on live deals. Anything that matters later (decisions, numbers, advice) belongs in the deal's documents, not here. Please keep client names out of post titles.$body$,
     true, now() - interval '379 days', '20000000-0000-4000-8000-a00000000001',
     now() - interval '379 days', now() - interval '379 days'),
    ('80000000-0000-4000-8000-a00000000002', '10000000-0000-4000-8000-a00000000001', '70000000-0000-4000-8000-a00000000001',
     '20000000-0000-4000-8000-a00000000002', 'Falcon: due diligence kick-off notes',
     $body$Kick-off with the QoE and CDD providers went well. Data room index is complete apart from the depot leases. First red-flag call is on the 14th; please send questions for the pharma cold-chain section to me by Friday.$body$,
     false, NULL, NULL, now() - interval '30 days', now() - interval '30 days'),
    ('80000000-0000-4000-8000-a00000000003', '10000000-0000-4000-8000-a00000000001', '70000000-0000-4000-8000-a00000000001',
     '20000000-0000-4000-8000-a00000000001', 'IC moved to Thursday',
     $body$Next week's investment committee moves from Tuesday to Thursday at 10:00. Papers for Falcon and Curlew are still due on Monday.$body$,
     false, NULL, NULL, now() - interval '5 days', now() - interval '5 days'),
    ('80000000-0000-4000-8000-a00000000004', '10000000-0000-4000-8000-a00000000001', '70000000-0000-4000-8000-a00000000002',
     '20000000-0000-4000-8000-a00000000002', 'Vet and dental consolidation: recent multiples',
     $body$Recent UK veterinary deals have priced at 12-16x EBITDA for groups above 20 sites, and 8-10x for smaller groups. Dental is lower (7-9x) given NHS contract risk. Sources in the sector folder.$body$,
     true, now() - interval '60 days', '20000000-0000-4000-8000-a00000000002',
     now() - interval '61 days', now() - interval '61 days'),
    ('80000000-0000-4000-8000-a00000000005', '10000000-0000-4000-8000-a00000000001', '70000000-0000-4000-8000-a00000000002',
     '20000000-0000-4000-8000-a00000000001', 'CQC ratings as a screening signal',
     $body$Worth adding the share of sites rated "Requires improvement" to our first-look template for care and clinical businesses — it correlated with staff turnover in all three of last year's care deals.$body$,
     false, NULL, NULL, now() - interval '12 days', now() - interval '12 days'),
    ('80000000-0000-4000-8000-b00000000001', '10000000-0000-4000-8000-b00000000001', '70000000-0000-4000-8000-b00000000001',
     '20000000-0000-4000-8000-b00000000001', 'House rules for the deal room',
     $body$Use the mandate's project name, never the client's name. Decisions and figures go into the deal documents; this room is for questions and quick updates.$body$,
     true, now() - interval '359 days', '20000000-0000-4000-8000-b00000000001',
     now() - interval '359 days', now() - interval '359 days'),
    ('80000000-0000-4000-8000-b00000000002', '10000000-0000-4000-8000-b00000000001', '70000000-0000-4000-8000-b00000000001',
     '20000000-0000-4000-8000-b00000000001', 'Borealis: notes from the Bergen call',
     $body$Grid connection for the 2027 projects is confirmed; curtailment in the northern region remains the key sensitivity. Financial model to be updated with the new power-price curve.$body$,
     false, NULL, NULL, now() - interval '9 days', now() - interval '9 days'),
    ('80000000-0000-4000-8000-b00000000003', '10000000-0000-4000-8000-b00000000001', '70000000-0000-4000-8000-b00000000001',
     '20000000-0000-4000-8000-b00000000001', 'Cobalt DD: environmental red flags to watch',
     $body$Two legacy UK sites have groundwater monitoring obligations until 2031. Ask the advisers to quantify the worst case, and check whether the 2019 remediation certificate covers the tailings pond.$body$,
     false, NULL, NULL, now() - interval '4 days', now() - interval '4 days')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- Financial statements, their ratios, narratives
-- (Kestrel is debt-free: its interest_coverage is NULL, debt_to_equity 0)
-- ---------------------------------------------------------------------------

INSERT INTO financial_statements (id, organization_id, deal_id, period,
        revenue, cost_of_goods_sold, operating_expenses, ebitda, net_income,
        current_assets, current_liabilities, inventory, total_debt, total_equity, interest_expense,
        created_by, created_at) VALUES
    -- Acme Capital
    ('90000000-0000-4000-8000-a00000000001', '10000000-0000-4000-8000-a00000000001', '30000000-0000-4000-8000-a00000000001', 'FY2023',
     118400000.00, 84300000.00, 21900000.00, 12200000.00, 5100000.00,
     36800000.00, 24500000.00, 3200000.00, 41000000.00, 29600000.00, 2650000.00,
     '20000000-0000-4000-8000-a00000000002', now() - interval '55 days'),
    ('90000000-0000-4000-8000-a00000000002', '10000000-0000-4000-8000-a00000000001', '30000000-0000-4000-8000-a00000000001', 'FY2024',
     131750000.00, 92600000.00, 23400000.00, 15750000.00, 7320000.00,
     40150000.00, 25900000.00, 3480000.00, 38500000.00, 34700000.00, 2480000.00,
     '20000000-0000-4000-8000-a00000000002', now() - interval '20 days'),
    ('90000000-0000-4000-8000-a00000000003', '10000000-0000-4000-8000-a00000000001', '30000000-0000-4000-8000-a00000000004', 'FY2024',
     64200000.00, 45100000.00, 11300000.00, 7800000.00, 3050000.00,
     22400000.00, 17900000.00, 8600000.00, 21000000.00, 18250000.00, 1420000.00,
     '20000000-0000-4000-8000-a00000000001', now() - interval '40 days'),
    ('90000000-0000-4000-8000-a00000000004', '10000000-0000-4000-8000-a00000000001', '30000000-0000-4000-8000-a00000000003', 'FY2024',
     18600000.00, 4100000.00, 10900000.00, 3600000.00, 2480000.00,
     9750000.00, 4300000.00, 0.00, 0.00, 12100000.00, 0.00,
     '20000000-0000-4000-8000-a00000000002', now() - interval '15 days'),
    ('90000000-0000-4000-8000-a00000000005', '10000000-0000-4000-8000-a00000000001', NULL, 'H1 2025',
     412000000.00, 268500000.00, 88700000.00, 54800000.00, 19600000.00,
     146000000.00, 103500000.00, 21400000.00, 236000000.00, 158000000.00, 14900000.00,
     '20000000-0000-4000-8000-a00000000001', now() - interval '7 days'),
    -- Globex Partners
    ('90000000-0000-4000-8000-b00000000001', '10000000-0000-4000-8000-b00000000001', '30000000-0000-4000-8000-b00000000003', 'FY2024',
     96400000.00, 71800000.00, 12300000.00, 12300000.00, 4900000.00,
     31200000.00, 27800000.00, 9700000.00, 44000000.00, 26500000.00, 3350000.00,
     '20000000-0000-4000-8000-b00000000001', now() - interval '25 days'),
    ('90000000-0000-4000-8000-b00000000002', '10000000-0000-4000-8000-b00000000001', '30000000-0000-4000-8000-b00000000004', 'FY2024',
     27300000.00, 13900000.00, 8200000.00, 5200000.00, 2950000.00,
     11600000.00, 6400000.00, 1150000.00, 9000000.00, 14200000.00, 610000.00,
     '20000000-0000-4000-8000-b00000000001', now() - interval '35 days'),
    ('90000000-0000-4000-8000-b00000000003', '10000000-0000-4000-8000-b00000000001', '30000000-0000-4000-8000-b00000000006', 'FY2023',
     188000000.00, 146500000.00, 20700000.00, 20800000.00, 9400000.00,
     58300000.00, 41200000.00, 19800000.00, 72000000.00, 61000000.00, 4100000.00,
     '20000000-0000-4000-8000-b00000000001', now() - interval '280 days'),
    ('90000000-0000-4000-8000-b00000000004', '10000000-0000-4000-8000-b00000000001', NULL, 'FY2024',
     38500000.00, 21300000.00, 9900000.00, 7300000.00, 5200000.00,
     16800000.00, 7900000.00, 0.00, 3000000.00, 19400000.00, 180000.00,
     '20000000-0000-4000-8000-b00000000001', now() - interval '10 days')
ON CONFLICT DO NOTHING;

-- ratios exactly as the server computes them: round(x / nullif(y, 0), 4); the ratio row's
-- id is its statement's id with the leading 9 replaced by a
INSERT INTO financial_ratios (id, organization_id, statement_id, deal_id, period,
        current_ratio, quick_ratio, debt_to_equity, gross_margin, ebitda_margin, net_margin,
        interest_coverage, created_at)
SELECT ('a' || substr(s.id::text, 2))::uuid, s.organization_id, s.id, s.deal_id, s.period,
       round(s.current_assets / nullif(s.current_liabilities, 0), 4),
       round((s.current_assets - s.inventory) / nullif(s.current_liabilities, 0), 4),
       round(s.total_debt / nullif(s.total_equity, 0), 4),
       round((s.revenue - s.cost_of_goods_sold) / nullif(s.revenue, 0), 4),
       round(s.ebitda / nullif(s.revenue, 0), 4),
       round(s.net_income / nullif(s.revenue, 0), 4),
       round(s.ebitda / nullif(s.interest_expense, 0), 4),
       s.created_at
  FROM financial_statements s
 WHERE s.id IN ('90000000-0000-4000-8000-a00000000001', '90000000-0000-4000-8000-a00000000002',
                '90000000-0000-4000-8000-a00000000003', '90000000-0000-4000-8000-a00000000004',
                '90000000-0000-4000-8000-a00000000005',
                '90000000-0000-4000-8000-b00000000001', '90000000-0000-4000-8000-b00000000002',
                '90000000-0000-4000-8000-b00000000003', '90000000-0000-4000-8000-b00000000004')
ON CONFLICT DO NOTHING;

INSERT INTO financial_narratives (id, organization_id, deal_id, period, text, created_by, created_at) VALUES
    ('b0000000-0000-4000-8000-a00000000001', '10000000-0000-4000-8000-a00000000001', '30000000-0000-4000-8000-a00000000001', 'FY2024',
     'Falcon grew revenue 11% to £131.8m, with EBITDA margin up from 10.3% to 12.0% as the new pharmaceutical contracts matured and fuel costs eased. Leverage fell to 2.4x EBITDA; interest cover improved to 6.4x. Liquidity is comfortable (current ratio 1.55). The QoE adjustments so far are small: £0.4m of one-off depot closure costs added back.',
     '20000000-0000-4000-8000-a00000000002', now() - interval '19 days'),
    ('b0000000-0000-4000-8000-a00000000002', '10000000-0000-4000-8000-a00000000001', '30000000-0000-4000-8000-a00000000004', 'FY2024',
     'Osprey''s gross margin of 29.8% is below peers because of two fixed-price refit contracts that overran; both complete this year. Inventory is high (£8.6m, mostly spares) and brings the quick ratio down to 0.77 — a working-capital target in the SPA should address it.',
     '20000000-0000-4000-8000-a00000000001', now() - interval '38 days'),
    ('b0000000-0000-4000-8000-a00000000003', '10000000-0000-4000-8000-a00000000001', NULL, 'H1 2025',
     'Across the portfolio, revenue grew 8% and EBITDA 12% year on year. Net debt to equity is 1.49x; two companies are within 10% of their covenant headroom and are being watched monthly.',
     '20000000-0000-4000-8000-a00000000001', now() - interval '6 days'),
    ('b0000000-0000-4000-8000-b00000000001', '10000000-0000-4000-8000-b00000000001', '30000000-0000-4000-8000-b00000000003', 'FY2024',
     'Cobalt''s margins are thin for the sector (EBITDA 12.8%) and leverage is high at 1.66x equity. Fleet renewal would lift utilisation; the business case depends on the Nordic framework agreements being renewed in 2026.',
     '20000000-0000-4000-8000-b00000000001', now() - interval '24 days'),
    ('b0000000-0000-4000-8000-b00000000002', '10000000-0000-4000-8000-b00000000001', NULL, 'FY2024',
     'Globex had its best year: fee income of £38.5m, up 14%, with success fees from Fjord and two smaller mandates. The firm carries almost no debt.',
     '20000000-0000-4000-8000-b00000000001', now() - interval '9 days')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- Audit entries (a sample of history; the server writes the real ones)
-- ---------------------------------------------------------------------------

-- audit_log is partitioned by occurred_at (sql/012): its key is (id, occurred_at), and these
-- entries' occurred_at moves with now(), so idempotence checks the id itself
INSERT INTO audit_log (id, organization_id, user_id, action, resource_type, resource_id, details,
                       client_address, source, occurred_at)
SELECT v.id::uuid, v.organization_id::uuid, v.user_id::uuid, v.action, v.resource_type, v.resource_id,
       v.details::jsonb, v.client_address::inet, v.source, v.occurred_at
  FROM (VALUES
    -- Acme Capital
    ('c0000000-0000-4000-8000-a00000000001', '10000000-0000-4000-8000-a00000000001', '20000000-0000-4000-8000-a00000000001',
     'deal.create', 'deal', '30000000-0000-4000-8000-a00000000001', '{"name": "Project Falcon"}',
     '192.0.2.10', 'server', now() - interval '62 days'),
    ('c0000000-0000-4000-8000-a00000000002', '10000000-0000-4000-8000-a00000000001', '20000000-0000-4000-8000-a00000000001',
     'document.create', 'document', '60000000-0000-4000-8000-a00000000001', '{"title": "Project Falcon — Investment memo"}',
     '192.0.2.10', 'server', now() - interval '40 days'),
    ('c0000000-0000-4000-8000-a00000000003', '10000000-0000-4000-8000-a00000000001', '20000000-0000-4000-8000-a00000000001',
     'document.permissions.update', 'document', '60000000-0000-4000-8000-a00000000001',
     '{"permissions": [{"user_id": "20000000-0000-4000-8000-a00000000002", "level": "editor"}, {"user_id": "20000000-0000-4000-8000-a00000000003", "level": "viewer"}]}',
     '192.0.2.10', 'server', now() - interval '39 days'),
    ('c0000000-0000-4000-8000-a00000000004', '10000000-0000-4000-8000-a00000000001', '20000000-0000-4000-8000-a00000000002',
     'deal.update', 'deal', '30000000-0000-4000-8000-a00000000001', '{"stage": {"from": "evaluation", "to": "due_diligence"}}',
     '192.0.2.24', 'server', now() - interval '35 days'),
    ('c0000000-0000-4000-8000-a00000000005', '10000000-0000-4000-8000-a00000000001', '20000000-0000-4000-8000-a00000000002',
     'deal.archive', 'deal', '30000000-0000-4000-8000-a00000000008', '{}',
     '192.0.2.24', 'server', now() - interval '150 days'),
    ('c0000000-0000-4000-8000-a00000000006', '10000000-0000-4000-8000-a00000000001', '20000000-0000-4000-8000-a00000000002',
     'prospect.update', 'prospect', '40000000-0000-4000-8000-a00000000005', '{"stage": {"from": "qualified", "to": "engaged"}}',
     '192.0.2.24', 'server', now() - interval '3 days'),
    ('c0000000-0000-4000-8000-a00000000007', '10000000-0000-4000-8000-a00000000001', '20000000-0000-4000-8000-a00000000002',
     'task.update', 'task', '50000000-0000-4000-8000-a00000000007', '{"status": {"from": "in_progress", "to": "done"}}',
     '192.0.2.24', 'server', now() - interval '7 days'),
    ('c0000000-0000-4000-8000-a00000000008', '10000000-0000-4000-8000-a00000000001', '20000000-0000-4000-8000-a00000000002',
     'post.pin', 'post', '80000000-0000-4000-8000-a00000000004', '{"community_id": "70000000-0000-4000-8000-a00000000002"}',
     '192.0.2.24', 'server', now() - interval '60 days'),
    ('c0000000-0000-4000-8000-a00000000009', '10000000-0000-4000-8000-a00000000001', '20000000-0000-4000-8000-a00000000003',
     'auth.login', 'user', '20000000-0000-4000-8000-a00000000003', '{}',
     '198.51.100.7', 'server', now() - interval '2 days'),
    ('c0000000-0000-4000-8000-a00000000010', '10000000-0000-4000-8000-a00000000001', '20000000-0000-4000-8000-a00000000003',
     'document.view', 'document', '60000000-0000-4000-8000-a00000000001', '{"screen": "document-viewer"}',
     '198.51.100.7', 'client', now() - interval '2 days'),
    ('c0000000-0000-4000-8000-a00000000011', '10000000-0000-4000-8000-a00000000001', '20000000-0000-4000-8000-a00000000001',
     'auth.login', 'user', '20000000-0000-4000-8000-a00000000001', '{}',
     '192.0.2.10', 'server', now() - interval '1 day'),
    ('c0000000-0000-4000-8000-a00000000012', '10000000-0000-4000-8000-a00000000001', '20000000-0000-4000-8000-a00000000001',
     'deal.update', 'deal', '30000000-0000-4000-8000-a00000000005', '{"stage": {"from": "negotiation", "to": "closing"}}',
     '192.0.2.10', 'server', now() - interval '2 days'),
    -- Globex Partners
    ('c0000000-0000-4000-8000-b00000000001', '10000000-0000-4000-8000-b00000000001', '20000000-0000-4000-8000-b00000000001',
     'deal.create', 'deal', '30000000-0000-4000-8000-b00000000003', '{"name": "Project Cobalt"}',
     '203.0.113.5', 'server', now() - interval '70 days'),
    ('c0000000-0000-4000-8000-b00000000002', '10000000-0000-4000-8000-b00000000001', '20000000-0000-4000-8000-b00000000001',
     'document.create', 'document', '60000000-0000-4000-8000-b00000000001', '{"title": "Project Cobalt — Investment memo"}',
     '203.0.113.5', 'server', now() - interval '30 days'),
    ('c0000000-0000-4000-8000-b00000000003', '10000000-0000-4000-8000-b00000000001', '20000000-0000-4000-8000-b00000000001',
     'deal.update', 'deal', '30000000-0000-4000-8000-b00000000005', '{"stage": {"from": "negotiation", "to": "closing"}}',
     '203.0.113.5', 'server', now() - interval '1 day'),
    ('c0000000-0000-4000-8000-b00000000004', '10000000-0000-4000-8000-b00000000001', '20000000-0000-4000-8000-b00000000001',
     'deal.archive', 'deal', '30000000-0000-4000-8000-b00000000008', '{}',
     '203.0.113.5', 'server', now() - interval '180 days'),
    ('c0000000-0000-4000-8000-b00000000005', '10000000-0000-4000-8000-b00000000001', '20000000-0000-4000-8000-b00000000001',
     'auth.login', 'user', '20000000-0000-4000-8000-b00000000001', '{}',
     '203.0.113.5', 'server', now() - interval '1 day'),
    -- Maplat Operations
    ('c0000000-0000-4000-8000-c00000000001', '10000000-0000-4000-8000-c00000000001', '20000000-0000-4000-8000-c00000000001',
     'auth.login', 'user', '20000000-0000-4000-8000-c00000000001', '{}',
     '192.0.2.200', 'server', now() - interval '3 hours')
) AS v(id, organization_id, user_id, action, resource_type, resource_id, details, client_address, source, occurred_at)
 WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.id = v.id::uuid)
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- Lighthouse runs (platform level, stored by the master_admin)
-- ---------------------------------------------------------------------------

INSERT INTO lighthouse_runs (id, run_date, performance, accessibility, best_practices, seo, created_by, created_at) VALUES
    ('d0000000-0000-4000-8000-c00000000001', current_date - 28, 78, 91, 92, 90, '20000000-0000-4000-8000-c00000000001', now() - interval '28 days'),
    ('d0000000-0000-4000-8000-c00000000002', current_date - 21, 81, 92, 92, 90, '20000000-0000-4000-8000-c00000000001', now() - interval '21 days'),
    ('d0000000-0000-4000-8000-c00000000003', current_date - 14, 84, 94, 96, 91, '20000000-0000-4000-8000-c00000000001', now() - interval '14 days'),
    ('d0000000-0000-4000-8000-c00000000004', current_date - 7,  83, 95, 96, 92, '20000000-0000-4000-8000-c00000000001', now() - interval '7 days'),
    ('d0000000-0000-4000-8000-c00000000005', current_date - 1,  89, 97, 100, 92, '20000000-0000-4000-8000-c00000000001', now() - interval '1 day')
ON CONFLICT DO NOTHING;
