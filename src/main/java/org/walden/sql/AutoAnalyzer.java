package org.walden.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.walden.common.PgException;
import org.walden.common.guc.GucValues;
import org.walden.common.guc.SessionSettings;
import org.walden.sql.catalog.DatabaseDef;
import org.walden.sql.catalog.DbCatalog;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.catalog.TableStats;


/**
 * The analyze half of PostgreSQL's autovacuum. Started by the server with the engine
 * ({@link WaldenSqlEngine#startAutoAnalyze}), one daemon thread wakes every
 * {@code autovacuum_naptime}; on a primary with {@code autovacuum} on it looks at every database
 * that allows connections and ANALYZEs each table whose rows changed since its last ANALYZE more
 * than {@code autovacuum_analyze_threshold + autovacuum_analyze_scale_factor * reltuples} (a
 * table with {@code autovacuum_enabled = false} in its options is left alone), in a session of
 * its own as the bootstrap superuser, marking the statistics automatic (pg_stat_user_tables'
 * last_autoanalyze). A failure is logged and the table tried again next round. Stopped when the
 * server shuts down; dead space needs no vacuum in the key-value store, so there is no vacuum half.
 */
final class AutoAnalyzer {

    private static final Logger LOG = LoggerFactory.getLogger("org.walden.autovacuum");
    private static final int BOOTSTRAP_SUPERUSER = 10;

    private final WaldenSqlEngine engine;
    private final Supplier<SessionSettings> settings;
    private final Thread thread;
    private volatile boolean stopping;

    AutoAnalyzer(WaldenSqlEngine engine, Supplier<SessionSettings> settings) {
        this.engine = engine;
        this.settings = settings;
        this.thread = Thread.ofPlatform().daemon().name("autovacuum launcher").unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    void stop() {
        stopping = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (!stopping) {
            SessionSettings s = settings.get();
            try {
                Thread.sleep(Math.max(1000, WaldenSession.parseMillis(s.show("autovacuum_naptime"))));
            } catch (InterruptedException e) {
                return;
            }
            if (stopping) {
                return;
            }
            try {
                if (s.show("autovacuum").equals("on") && !engine.transactionManager().inRecovery()) {
                    round(s);
                }
            } catch (RuntimeException e) {
                LOG.warn("automatic analyze round failed: {}", e.toString());
            }
        }
    }

    /** False when the table's storage parameters say autovacuum_enabled = false. */
    private static boolean autovacuumEnabled(Relation t) {
        for (String o : t.options()) {
            if (o.startsWith("autovacuum_enabled=")
                    && Boolean.FALSE.equals(GucValues.parseBool(o.substring("autovacuum_enabled=".length())))) {
                return false;
            }
        }
        return true;
    }

    /** One pass over the databases: the tables due, analyzed in one transaction per database. */
    void round(SessionSettings s) {
        long threshold = Long.parseLong(s.show("autovacuum_analyze_threshold"));
        double scale = Double.parseDouble(s.show("autovacuum_analyze_scale_factor"));
        RoleDef superuser = engine.shared().roleByOid(BOOTSTRAP_SUPERUSER);
        for (DatabaseDef db : engine.shared().databasesInOrder()) {
            if (stopping || !db.allowConnections() || superuser == null) {
                continue;
            }
            DbCatalog catalog = engine.catalog(db.name());
            List<Integer> due = new ArrayList<>();
            for (int oid : engine.activity().relations(db.oid())) {
                Relation t = catalog.relation(oid);
                if (t == null || !t.isTable() || !autovacuumEnabled(t)) {
                    continue;
                }
                TableStats stats = catalog.stats(oid);
                double reltuples = stats == null ? 0 : Math.max(0, stats.reltuples());
                if (engine.activity().modifiedSinceAnalyze(db.oid(), oid) > threshold + scale * reltuples) {
                    due.add(oid);
                }
            }
            if (due.isEmpty()) {
                continue;
            }
            try (WaldenSession session = (WaldenSession) engine.newSession(superuser.name(), db.name(), 0,
                    settings.get())) {
                session.autoAnalyze(due);
            } catch (PgException e) {
                LOG.warn("automatic analyze of database \"{}\" failed: {}", db.name(), e.getMessage());
            }
        }
    }
}
