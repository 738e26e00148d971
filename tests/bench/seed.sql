-- The benchmark's data set, written straight into PostgreSQL with set-based
-- SQL after `participation migrate` (run by tests/bench/seed.py, or by hand):
--
--   psql "$DB" -v towns=1600 -v real_hash='$argon2id$…' -v cheap_hash='$argon2id$…' -f tests/bench/seed.sql
--
-- Per town (one per commune of the shipped COG list, in a stable shuffled
-- order, so 1,600 towns are a spread over France and 34,969 are all of them):
--   * the town, active, slug `v<insee code>` (`v01001.<PLATFORM_DOMAIN>`);
--   * an admin (`mairie@v01001.example.org`, membership `admin`);
--   * 300 verified citizens `c0@…` … `c299@…`; c200–c299 hold `real_hash`
--     (argon2id at the product's cost, for the login benchmark), c0–c199
--     `cheap_hash` (argon2id at its lowest cost, so that the runner can log
--     thousands of them in within seconds to collect their tokens);
--   * 5 consultations: c1 and c2 open questionnaires, c3 an open idea box, c4
--     an open participatory budget, c5 a closed questionnaire with published
--     results; each questionnaire asks a single choice (3 options), a scale
--     (1–5) and an optional text;
--   * responses: c1 and c2 by c200–c299, c5 by c0–c99 (two answers each), so
--     c0–c199 can still answer c1 and c2 (the write benchmark);
--   * 10 proposals in c3, each with 5 supports; 4 projects in c4;
--   * 20 comments: 10 on c1, 5 replies to them, 5 on c3.
--
-- Ids are built from the row's coordinates (kind, town, index) so that every
-- table is filled in index order and rows refer to each other without joins.
-- Foreign-key triggers are skipped for the load (session_replication_role =
-- replica, as pg_restore does): the rows are consistent by construction.
\set ON_ERROR_STOP on
\timing off
SET client_min_messages = warning;
SET session_replication_role = replica;
SET synchronous_commit = off;
SET work_mem = '256MB';

CREATE FUNCTION pg_temp.bid(kind int, n bigint) RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (lpad(to_hex(kind), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid $$;

CREATE TEMP TABLE bt AS
SELECT row_number() OVER (ORDER BY md5(insee_code), insee_code) AS t,
       insee_code, name, 'v' || lower(insee_code) AS slug
FROM communes
ORDER BY md5(insee_code), insee_code
LIMIT :towns;

SELECT count(*) AS towns_to_seed FROM bt \gset
\echo towns: :towns_to_seed

CREATE TEMP TABLE bk (k int PRIMARY KEY, kind text, status text, label text);
INSERT INTO bk VALUES
    (1, 'questionnaire', 'published', 'Aménagement de la place de la mairie'),
    (2, 'questionnaire', 'published', 'Horaires de la médiathèque'),
    (3, 'proposals', 'published', 'Boîte à idées : la commune en 2030'),
    (4, 'budget', 'published', 'Budget participatif'),
    (5, 'questionnaire', 'closed', 'Mobilités du quotidien');

BEGIN;

INSERT INTO tenants (id, slug, insee_code, name, status, contact_email, contact_name, time_zone,
                     created_at, updated_at)
SELECT pg_temp.bid(1, t), slug, insee_code, name, 'active', 'mairie@' || slug || '.example.org',
       'Secrétariat de mairie', 'Europe/Paris', now() - interval '200 days', now() - interval '200 days'
FROM bt;

INSERT INTO users (id, tenant_id, email, password_hash, display_name, email_verified_at, created_at, updated_at)
SELECT pg_temp.bid(2, t * 1000 + i), pg_temp.bid(1, t),
       CASE WHEN i = 300 THEN 'mairie' ELSE 'c' || i END || '@' || slug || '.example.org',
       CASE WHEN i < 200 THEN :'cheap_hash' ELSE :'real_hash' END,
       CASE WHEN i = 300 THEN 'Mairie' ELSE 'Habitant·e ' || i END,
       now() - interval '150 days', now() - interval '150 days', now() - interval '150 days'
FROM bt, generate_series(0, 300) AS i;

INSERT INTO memberships (id, tenant_id, user_id, role, created_at)
SELECT pg_temp.bid(12, t), pg_temp.bid(1, t), pg_temp.bid(2, t * 1000 + 300), 'admin', now() - interval '150 days'
FROM bt;

INSERT INTO consultations (id, tenant_id, kind, status, title, summary, body_markdown, body_html, audience,
                           opens_at, closes_at, budget_cents, published_at, closed_at, created_by,
                           created_at, updated_at, categories, results_markdown, results_html,
                           results_published_at)
SELECT pg_temp.bid(3, t * 10 + k), pg_temp.bid(1, t), bk.kind, bk.status, bk.label || ' — ' || bt.name,
       'La municipalité de ' || bt.name || ' vous consulte : donnez votre avis avant la fin du mois.',
       repeat('La commune souhaite connaître l’avis de ses habitantes et habitants sur ce projet. ', 8),
       '<p>' || repeat('La commune souhaite connaître l’avis de ses habitantes et habitants sur ce projet. ', 8) || '</p>',
       'public', now() - interval '30 days',
       CASE WHEN bk.status = 'closed' THEN now() - interval '5 days' ELSE now() + interval '60 days' END,
       CASE WHEN bk.kind = 'budget' THEN 5000000 END,
       now() - interval '30 days',
       CASE WHEN bk.status = 'closed' THEN now() - interval '5 days' END,
       pg_temp.bid(2, t * 1000 + 300),
       now() - make_interval(days => 40 - k), now() - interval '30 days',
       CASE WHEN bk.kind = 'proposals' THEN '["Voirie","Culture","Environnement"]' ELSE '[]' END,
       CASE WHEN bk.status = 'closed' THEN 'Merci à toutes et à tous : le projet retenu sera présenté en conseil municipal.' END,
       CASE WHEN bk.status = 'closed' THEN '<p>Merci à toutes et à tous : le projet retenu sera présenté en conseil municipal.</p>' END,
       CASE WHEN bk.status = 'closed' THEN now() - interval '4 days' END
FROM bt, bk;

INSERT INTO questions (id, tenant_id, consultation_id, position, kind, label, required, min_value, max_value, created_at)
SELECT pg_temp.bid(4, t * 100 + k * 10 + q), pg_temp.bid(1, t), pg_temp.bid(3, t * 10 + k), q,
       (ARRAY['single_choice', 'scale', 'text'])[q],
       (ARRAY['Quelle option préférez-vous ?', 'Votre intérêt, de 1 à 5 ?', 'Un commentaire ?'])[q],
       q < 3, CASE q WHEN 2 THEN 1 END, CASE q WHEN 2 THEN 5 WHEN 3 THEN 2000 END,
       now() - interval '35 days'
FROM bt, (VALUES (1), (2), (5)) AS kk(k), generate_series(1, 3) AS q;

INSERT INTO question_options (id, tenant_id, question_id, position, label)
SELECT pg_temp.bid(5, t * 1000 + k * 100 + 10 + o), pg_temp.bid(1, t), pg_temp.bid(4, t * 100 + k * 10 + 1), o,
       (ARRAY['Garder l’existant', 'Réaménager', 'Ne se prononce pas'])[o]
FROM bt, (VALUES (1), (2), (5)) AS kk(k), generate_series(1, 3) AS o;

-- Responses: c1 and c2 by c200–c299, c5 by c0–c99.
CREATE TEMP TABLE br AS
SELECT t, k, i FROM bt, (VALUES (1, 200), (2, 200), (5, 0)) AS kk(k, first), generate_series(first, first + 99) AS i;

INSERT INTO responses (id, tenant_id, consultation_id, user_id, created_at)
SELECT pg_temp.bid(6, t * 1000000 + k * 1000 + i), pg_temp.bid(1, t), pg_temp.bid(3, t * 10 + k),
       pg_temp.bid(2, t * 1000 + i), now() - interval '20 days' + make_interval(secs => i * 60)
FROM br;

INSERT INTO answers (id, tenant_id, response_id, question_id, option_id, text, value)
SELECT pg_temp.bid(7, (t * 1000000 + k * 1000 + i) * 10 + q), pg_temp.bid(1, t),
       pg_temp.bid(6, t * 1000000 + k * 1000 + i), pg_temp.bid(4, t * 100 + k * 10 + q),
       CASE WHEN q = 1 THEN pg_temp.bid(5, t * 1000 + k * 100 + 10 + 1 + (i % 3)) END,
       NULL, CASE WHEN q = 2 THEN 1 + (i % 5) END
FROM br, generate_series(1, 2) AS q;

INSERT INTO proposals (id, tenant_id, consultation_id, author_id, title, body, status, answer, answered_at,
                       support_count, created_at, category)
SELECT pg_temp.bid(8, t * 100 + p), pg_temp.bid(1, t), pg_temp.bid(3, t * 10 + 3), pg_temp.bid(2, t * 1000 + p * 7),
       'Idée n° ' || p || ' pour ' || name,
       repeat('Installer des bancs et planter des arbres le long de la rue principale. ', 3),
       'submitted', NULL, NULL, 5, now() - interval '25 days' + make_interval(hours => p),
       (ARRAY['Voirie', 'Culture', 'Environnement'])[1 + p % 3]
FROM bt, generate_series(1, 10) AS p;

INSERT INTO supports (id, tenant_id, proposal_id, user_id, created_at)
SELECT pg_temp.bid(9, t * 10000 + p * 100 + j), pg_temp.bid(1, t), pg_temp.bid(8, t * 100 + p),
       pg_temp.bid(2, t * 1000 + 100 + p * 10 + j), now() - interval '24 days'
FROM bt, generate_series(1, 10) AS p, generate_series(0, 4) AS j;

INSERT INTO projects (id, tenant_id, consultation_id, position, title, description, cost_cents, vote_count, created_at)
SELECT pg_temp.bid(11, t * 10 + j), pg_temp.bid(1, t), pg_temp.bid(3, t * 10 + 4), j,
       (ARRAY['Aire de jeux', 'Pistes cyclables', 'Jardin partagé', 'Boîte à livres'])[j],
       'Un projet pour la commune, chiffré par les services techniques.', 1000000 + j * 250000, 0,
       now() - interval '31 days'
FROM bt, generate_series(1, 4) AS j;

-- Comments: n 1–10 on c1, 11–15 replies to 1–5, 16–20 on c3.
INSERT INTO comments (id, tenant_id, consultation_id, proposal_id, parent_id, author_id, body_markdown, body_html,
                      open_reports, hidden_at, hidden_by, moderation_reason, created_at, edited_at, moderated_at)
SELECT pg_temp.bid(10, t * 100 + n), pg_temp.bid(1, t),
       pg_temp.bid(3, t * 10 + CASE WHEN n <= 15 THEN 1 ELSE 3 END), NULL,
       CASE WHEN n BETWEEN 11 AND 15 THEN pg_temp.bid(10, t * 100 + n - 10) END,
       pg_temp.bid(2, t * 1000 + n * 11),
       'Très bonne idée, mais pensez au stationnement des riverains.',
       '<p>Très bonne idée, mais pensez au stationnement des riverains.</p>',
       0, NULL, NULL, NULL, now() - interval '20 days' + make_interval(hours => n), NULL, NULL
FROM bt, generate_series(1, 20) AS n;

COMMIT;

RESET session_replication_role;
ANALYZE;
