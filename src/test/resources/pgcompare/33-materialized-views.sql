-- Materialized views: CREATE (WITH [NO] DATA), reading, REFRESH, indexes, DML refused, DROP, RENAME, catalogs.
CREATE TABLE mv_base (id int PRIMARY KEY, grp text, amount numeric);
INSERT INTO mv_base VALUES (1, 'a', 10), (2, 'a', 20), (3, 'b', 5);
CREATE MATERIALIZED VIEW mv_totals AS SELECT grp, sum(amount) AS total, count(*) AS n FROM mv_base GROUP BY grp;
SELECT * FROM mv_totals ORDER BY grp;
CREATE MATERIALIZED VIEW mv_totals AS SELECT 1;
CREATE MATERIALIZED VIEW IF NOT EXISTS mv_totals AS SELECT 1;
INSERT INTO mv_base VALUES (4, 'b', 7), (5, 'c', 1);
SELECT * FROM mv_totals ORDER BY grp;
REFRESH MATERIALIZED VIEW mv_totals;
SELECT * FROM mv_totals ORDER BY grp;
SELECT relkind, relispopulated, relhasindex FROM pg_class WHERE relname = 'mv_totals';
SELECT schemaname, matviewname, matviewowner = current_user AS owned, tablespace, hasindexes, ispopulated, definition
  FROM pg_matviews ORDER BY matviewname;
-- not populated
CREATE MATERIALIZED VIEW mv_empty (g, c) AS SELECT grp, count(*) FROM mv_base GROUP BY grp WITH NO DATA;
SELECT * FROM mv_empty;
SELECT relispopulated FROM pg_class WHERE relname = 'mv_empty';
REFRESH MATERIALIZED VIEW CONCURRENTLY mv_empty;
REFRESH MATERIALIZED VIEW mv_empty;
SELECT * FROM mv_empty ORDER BY g;
REFRESH MATERIALIZED VIEW mv_empty WITH NO DATA;
SELECT count(*) FROM mv_empty;
EXPLAIN (COSTS OFF) SELECT * FROM mv_empty;
REFRESH MATERIALIZED VIEW mv_empty WITH DATA;
-- concurrently needs a unique index
REFRESH MATERIALIZED VIEW CONCURRENTLY mv_totals;
CREATE UNIQUE INDEX mv_totals_grp ON mv_totals (grp);
CREATE INDEX mv_totals_total ON mv_totals (total);
UPDATE mv_base SET amount = 100 WHERE id = 1;
REFRESH MATERIALIZED VIEW CONCURRENTLY mv_totals;
SELECT * FROM mv_totals WHERE grp = 'a';
SET enable_seqscan = off;
SELECT grp FROM mv_totals WHERE total = 5 + 7;
RESET enable_seqscan;
SELECT hasindexes FROM pg_matviews WHERE matviewname = 'mv_totals';
-- changes are refused
INSERT INTO mv_totals VALUES ('z', 1, 1);
UPDATE mv_totals SET n = 0;
DELETE FROM mv_totals;
REFRESH MATERIALIZED VIEW mv_base;
REFRESH MATERIALIZED VIEW no_such_mv;
-- psql
\dm
\d mv_totals
\d+ mv_empty
-- dependencies
CREATE VIEW mv_view AS SELECT grp FROM mv_totals;
DROP TABLE mv_base;
DROP TABLE mv_totals;
DROP VIEW mv_totals;
DROP MATERIALIZED VIEW mv_base;
ALTER MATERIALIZED VIEW mv_empty RENAME TO mv_counts;
ALTER MATERIALIZED VIEW mv_base RENAME TO mv_other;
SELECT * FROM mv_counts ORDER BY g;
DROP MATERIALIZED VIEW IF EXISTS mv_missing;
DROP MATERIALIZED VIEW mv_totals;
DROP MATERIALIZED VIEW mv_totals CASCADE;
DROP TABLE mv_base CASCADE;
\dm
-- refresh in a transaction, prepared statements, renames of what the query reads
CREATE TABLE mv_src (k int, v text);
INSERT INTO mv_src VALUES (1, 'one'), (2, 'two');
CREATE MATERIALIZED VIEW mv_keys TABLESPACE pg_default AS SELECT k, upper(v) AS v FROM mv_src WHERE k > 0;
COMMENT ON MATERIALIZED VIEW mv_keys IS 'keys, upper-cased';
SELECT obj_description('mv_keys'::regclass, 'pg_class');
PREPARE mv_read AS SELECT count(*) FROM mv_keys;
EXECUTE mv_read;
BEGIN;
INSERT INTO mv_src VALUES (3, 'three');
REFRESH MATERIALIZED VIEW mv_keys;
SELECT * FROM mv_keys ORDER BY k;
ROLLBACK;
SELECT * FROM mv_keys ORDER BY k;
INSERT INTO mv_src VALUES (3, 'three');
REFRESH MATERIALIZED VIEW mv_keys;
EXECUTE mv_read;
ALTER TABLE mv_src RENAME COLUMN v TO val;
ALTER TABLE mv_src RENAME TO mv_source;
REFRESH MATERIALIZED VIEW mv_keys;
SELECT definition FROM pg_matviews WHERE matviewname = 'mv_keys';
SELECT * FROM mv_keys WHERE k IN (SELECT k FROM mv_source) ORDER BY k;
ANALYZE mv_keys;
SELECT attname, n_distinct FROM pg_stats WHERE tablename = 'mv_keys' ORDER BY attname;
CREATE MATERIALIZED VIEW mv_union (x) AS SELECT k FROM mv_source UNION ALL SELECT 10;
SELECT * FROM mv_union ORDER BY x;
TRUNCATE mv_union;
DROP TABLE mv_source CASCADE;
-- refused definitions, schemas, other ALTER forms
CREATE TEMP TABLE mv_temp (a int);
CREATE MATERIALIZED VIEW mv_t AS SELECT * FROM mv_temp;
CREATE UNLOGGED MATERIALIZED VIEW mv_u AS SELECT 1;
CREATE MATERIALIZED VIEW mv_bad (a, b, c) AS SELECT 1, 2;
CREATE MATERIALIZED VIEW mv_dup AS SELECT 1 AS a, 2 AS a;
CREATE MATERIALIZED VIEW mv_nothing AS SELECT * FROM no_such_table;
CREATE SCHEMA mv_s;
CREATE TABLE mv_s.t (a int, b text);
INSERT INTO mv_s.t VALUES (1, 'x'), (2, 'y');
CREATE MATERIALIZED VIEW mv_s.m AS SELECT a, b FROM mv_s.t;
ALTER MATERIALIZED VIEW IF EXISTS mv_s.nothere RENAME TO z;
ALTER MATERIALIZED VIEW mv_s.m RENAME COLUMN b TO bb;
ALTER TABLE mv_s.m RENAME TO m2;
\d+ mv_s.m2
CREATE VIEW mv_s.v AS SELECT * FROM mv_s.m2;
SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'mv_s' ORDER BY 1;
\d mv_s.*
CREATE MATERIALIZED VIEW mv_s.m3 AS SELECT bb FROM mv_s.m2 WITH NO DATA;
SELECT * FROM mv_s.v ORDER BY a;
REFRESH MATERIALIZED VIEW CONCURRENTLY mv_s.m2 WITH NO DATA;
COPY mv_s.m2 TO STDOUT;
BEGIN;
LOCK mv_s.m2;
ROLLBACK;
DROP SCHEMA mv_s CASCADE;
