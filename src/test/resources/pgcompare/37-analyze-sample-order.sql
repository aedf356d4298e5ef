-- ANALYZE of a table larger than its sample: the sample keeps the table's order, so a column
-- stored in ascending order has correlation 1, one stored descending -1
CREATE TABLE analyze_order (up int, down int, tens int);
INSERT INTO analyze_order SELECT g, 100000 - g, (g - 1) / 10000 FROM generate_series(1, 60000) g;
ANALYZE analyze_order;
SELECT attname, null_frac, n_distinct, round(correlation::numeric, 2) AS correlation
  FROM pg_stats WHERE tablename = 'analyze_order' ORDER BY attname;
SELECT reltuples FROM pg_class WHERE relname = 'analyze_order';
DROP TABLE analyze_order;
