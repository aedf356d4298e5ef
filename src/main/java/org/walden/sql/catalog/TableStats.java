package org.walden.sql.catalog;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What ANALYZE learned of a table (pg_class.reltuples/relpages and pg_statistic): the row
 * count, the estimated pages, and per column the fraction of NULLs, average width, number of
 * distinct values (negative: a fraction of the rows, as stadistinct), the most common values
 * with their frequencies, a histogram of the other values' bounds, and the correlation of the
 * column's order with the table's key order.
 */
public record TableStats(int tableOid, double reltuples, long relpages, Instant analyzedAt, boolean auto,
                         Map<Integer, ColumnStats> columns) {

    public record ColumnStats(int attnum, double nullFrac, int avgWidth, double nDistinct, List<Object> mcvValues,
                              double[] mcvFreqs, List<Object> histogram, double correlation) {
    }
}
