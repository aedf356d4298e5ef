package org.walden.sql;

import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.walden.common.guc.SessionSettings;
import org.walden.sql.catalog.DatabaseDef;
import org.walden.sql.catalog.RoleDef;

/**
 * A few catalog queries run once in a session of its own, right after the server starts, so that
 * the first statements of clients do not pay for loading and initialising the parser, analyzer,
 * planner and executor classes: on a fresh JVM each of the first statements takes 100–200 ms
 * (PostgreSQL's a millisecond), and a promotion's first write would wait for that. Started by
 * {@link WaldenSqlEngine#startWarmUp} on a daemon thread named "warm-up"; on a standby it retries
 * until hot standby lets it read, for at most a minute, and it gives up quietly on any failure
 * or on shutdown. It only reads.
 */
final class EngineWarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(EngineWarmUp.class);
    private static final int BOOTSTRAP_SUPERUSER = 10;
    private static final long RETRY_MS = 200;
    private static final long GIVE_UP_MS = 60_000;
    private static final List<String> STATEMENTS = List.of(
            "SELECT 1",
            "SELECT pg_catalog.pg_is_in_recovery(), pg_catalog.current_setting('server_version')",
            "SELECT c.relname, n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                    + "ON n.oid = c.relnamespace WHERE c.relname = 'pg_class' ORDER BY 1 LIMIT 1",
            "SELECT count(*) FROM pg_catalog.pg_attribute WHERE attrelid = 'pg_catalog.pg_class'::regclass "
                    + "AND attnum > 0 GROUP BY attrelid");

    private EngineWarmUp() {
    }

    static Thread start(WaldenSqlEngine engine, Supplier<SessionSettings> settings) {
        return Thread.ofPlatform().daemon().name("warm-up").priority(Thread.MIN_PRIORITY)
                .start(() -> run(engine, settings));
    }

    private static void run(WaldenSqlEngine engine, Supplier<SessionSettings> settings) {
        long deadline = System.currentTimeMillis() + GIVE_UP_MS;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                RoleDef superuser = engine.shared().roleByOid(BOOTSTRAP_SUPERUSER);
                String database = engine.shared().databasesInOrder().stream().filter(DatabaseDef::allowConnections)
                        .map(DatabaseDef::name).min((a, b) -> Boolean.compare(!a.equals("postgres"), !b.equals("postgres")))
                        .orElse(null);
                if (superuser != null && database != null) {
                    try (WaldenSession session = (WaldenSession) engine.newSession(superuser.name(), database, 0,
                            settings.get())) {
                        for (String sql : STATEMENTS) {
                            for (Prepared p : session.parseSimple(sql)) {
                                session.bind(p, null, null, null).execute(0, values -> { });
                            }
                            session.sync();
                        }
                    }
                    return;
                }
            } catch (RuntimeException e) {
                LOG.debug("warm-up: {}", e.toString()); // not readable yet (a standby before consistency)
            }
            if (System.currentTimeMillis() > deadline) {
                return;
            }
            try {
                Thread.sleep(RETRY_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
