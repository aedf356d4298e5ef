package org.walden.sql;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.walden.sql.exec.ExecServices;
import org.walden.sql.func.FnContext;

/**
 * The cumulative activity counters of tables and indexes (PostgreSQL's pgstat for relations):
 * scans, rows read and fetched, rows inserted / updated / deleted, live and dead estimates, rows
 * changed since the last ANALYZE, and when ANALYZE and VACUUM last ran. Statements add their
 * counts when they finish; pg_stat_user_tables reads them; the background analyze pass uses the
 * changes since the last ANALYZE. Kept in memory (reset by a restart, as after a crash in
 * PostgreSQL). Thread-safe: one lock per relation's counters.
 */
final class TableActivityStats {

    /** One relation's counters; guarded by its own monitor. */
    private static final class Counters {
        long seqScan;
        long seqTupRead;
        long idxScan;
        long idxTupFetch;
        long inserted;
        long updated;
        long deleted;
        long hotUpdated;
        long live;
        long dead;
        long modifiedSinceAnalyze;
        long insertedSinceVacuum;
        Instant lastVacuum;
        Instant lastAutovacuum;
        Instant lastAnalyze;
        Instant lastAutoanalyze;
        long vacuumCount;
        long autovacuumCount;
        long analyzeCount;
        long autoanalyzeCount;
    }

    private final Map<Long, Counters> counters = new ConcurrentHashMap<>();

    private static long key(int db, int relation) {
        return ((long) db << 32) | (relation & 0xFFFFFFFFL);
    }

    private Counters of(int db, int relation) {
        return counters.computeIfAbsent(key(db, relation), k -> new Counters());
    }

    /** pg_stat_reset: drops the counters of one table ({@code relation} non-null) or of the whole database. */
    void reset(int db, Integer relation) {
        if (relation != null) {
            counters.remove(key(db, relation));
        } else {
            counters.keySet().removeIf(k -> (int) (k >>> 32) == db);
        }
    }

    void add(int db, int relation, ExecServices.TableCounts c) {
        Counters x = of(db, relation);
        synchronized (x) {
            x.seqScan += c.seqScans;
            x.seqTupRead += c.seqTuplesRead;
            x.idxScan += c.indexScans;
            x.idxTupFetch += c.indexTuplesFetched;
            x.inserted += c.inserted;
            x.updated += c.updated;
            x.deleted += c.deleted;
            x.hotUpdated += c.hotUpdated;
            x.live += c.inserted - c.deleted;
            x.dead += c.updated + c.deleted;
            x.modifiedSinceAnalyze += c.inserted + c.updated + c.deleted;
            x.insertedSinceVacuum += c.inserted;
        }
    }

    /** ANALYZE ran on the table: {@code rows} live rows now. */
    void analyzed(int db, int relation, double rows, boolean auto, Instant when) {
        Counters x = of(db, relation);
        synchronized (x) {
            x.modifiedSinceAnalyze = 0;
            x.live = (long) rows;
            if (auto) {
                x.lastAutoanalyze = when;
                x.autoanalyzeCount++;
            } else {
                x.lastAnalyze = when;
                x.analyzeCount++;
            }
        }
    }

    void vacuumed(int db, int relation, Instant when) {
        Counters x = of(db, relation);
        synchronized (x) {
            x.dead = 0;
            x.insertedSinceVacuum = 0;
            x.lastVacuum = when;
            x.vacuumCount++;
        }
    }

    long modifiedSinceAnalyze(int db, int relation) {
        Counters x = counters.get(key(db, relation));
        if (x == null) {
            return 0;
        }
        synchronized (x) {
            return x.modifiedSinceAnalyze;
        }
    }

    FnContext.TableActivity activity(int db, int relation) {
        Counters x = counters.get(key(db, relation));
        if (x == null) {
            return null;
        }
        synchronized (x) {
            return new FnContext.TableActivity(x.seqScan, x.seqTupRead, x.idxScan, x.idxTupFetch, x.inserted,
                    x.updated, x.deleted, x.hotUpdated, Math.max(0, x.live), x.dead, x.modifiedSinceAnalyze,
                    x.insertedSinceVacuum, x.lastVacuum, x.lastAutovacuum, x.lastAnalyze, x.lastAutoanalyze,
                    x.vacuumCount, x.autovacuumCount, x.analyzeCount, x.autoanalyzeCount);
        }
    }

    /**
     * pg_stat_database's row counts of a database, summed over its tables: rows returned (read
     * by sequential scans), fetched (by index scans), inserted, updated, deleted.
     */
    long[] rowTotals(int db) {
        long[] t = new long[5];
        for (Map.Entry<Long, Counters> e : counters.entrySet()) {
            if ((int) (e.getKey() >>> 32) != db) {
                continue;
            }
            Counters x = e.getValue();
            synchronized (x) {
                t[0] += x.seqTupRead;
                t[1] += x.idxTupFetch;
                t[2] += x.inserted;
                t[3] += x.updated;
                t[4] += x.deleted;
            }
        }
        return t;
    }

    /** The relations of a database with counters (the background analyze pass looks at these). */
    java.util.List<Integer> relations(int db) {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        for (Long k : counters.keySet()) {
            if ((int) (k >>> 32) == db) {
                out.add((int) (long) k);
            }
        }
        return out;
    }
}
