package org.walden.server.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

class PgLayoutTest {

    /** 2026-11-21 12:34:56.789 UTC */
    private static final long T = Instant.parse("2026-11-21T12:34:56.789Z").toEpochMilli();

    @TempDir
    Path dir;

    private static LoggingEvent event(Level level, String message, Map<String, String> mdc) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        LoggingEvent e = new LoggingEvent("x", ctx.getLogger("org.walden.test"), level, message, null, null);
        e.setTimeStamp(T);
        e.setMDCPropertyMap(mdc);
        return e;
    }

    private static Map<String, String> session() {
        Map<String, String> mdc = new HashMap<>();
        mdc.put(PgLogContext.PID, "4711");
        mdc.put(PgLogContext.USER, "repuser");
        mdc.put(PgLogContext.DATABASE, "postgres");
        mdc.put(PgLogContext.APPLICATION, "psql");
        mdc.put(PgLogContext.REMOTE_HOST, "127.0.0.1");
        mdc.put(PgLogContext.REMOTE_PORT, "50000");
        mdc.put(PgLogContext.XID, "735");
        return mdc;
    }

    @Test
    void defaultPrefixAndLevelWords() {
        PgLayout layout = new PgLayout("%m [%p] ", ZoneId.of("UTC"), 99);
        assertThat(layout.doLayout(event(Level.INFO, "database system is ready to accept connections", Map.of())))
                .isEqualTo("2026-11-21 12:34:56.789 UTC [99] LOG:  database system is ready to accept connections\n");
        assertThat(layout.doLayout(event(Level.WARN, "w", Map.of()))).endsWith("[99] WARNING:  w\n");
        assertThat(layout.doLayout(event(Level.ERROR, "e", Map.of()))).endsWith("[99] ERROR:  e\n");
        LoggingEvent fatal = event(Level.ERROR, "lock file exists", Map.of());
        fatal.addMarker(PgLevel.FATAL.marker());
        assertThat(layout.doLayout(fatal)).endsWith("[99] FATAL:  lock file exists\n");
    }

    @Test
    void theSeedsPrefixesUseSessionValues() {
        PgLayout seed000 = new PgLayout("%m %a %r %d %u %p %x ", ZoneId.of("PRC"), 1);
        assertThat(seed000.doLayout(event(Level.INFO, "statement: select 1", session()))).isEqualTo(
                "2026-11-21 20:34:56.789 CST psql 127.0.0.1(50000) postgres repuser 4711 735 LOG:  statement: select 1\n");
        PgLayout seed002 = new PgLayout("%t [%p]: [%l-1] <%d %u %h> %% %q%a", ZoneId.of("UTC"), 1);
        assertThat(seed002.doLayout(event(Level.INFO, "a", session())))
                .isEqualTo("2026-11-21 12:34:56 UTC [4711]: [1-1] <postgres repuser 127.0.0.1> % psqlLOG:  a\n");
        assertThat(seed002.doLayout(event(Level.INFO, "b", session()))).contains("[2-1]");
        assertThat(seed002.doLayout(event(Level.INFO, "c", Map.of())))
                .isEqualTo("2026-11-21 12:34:56 UTC [1]: [1-1] <  > % LOG:  c\n");
        assertThat(new PgLayout("%-10u|%5p|", ZoneId.of("UTC"), 1).doLayout(event(Level.INFO, "d", session())))
                .startsWith("repuser   | 4711|LOG:  d");
    }

    @Test
    void detailHintAndStatementFollowOnTheirOwnLines() {
        LoggingEvent e = event(Level.ERROR, "duplicate key value violates unique constraint \"t_pkey\"", session());
        e.addKeyValuePair(new KeyValuePair(PgLog.DETAIL, "Key (id)=(1) already exists."));
        e.addKeyValuePair(new KeyValuePair(PgLog.HINT, "h"));
        e.addKeyValuePair(new KeyValuePair(PgLog.STATEMENT, "insert into t values (1)"));
        assertThat(new PgLayout("[%p] ", ZoneId.of("UTC"), 1).doLayout(e)).isEqualTo(
                "[4711] ERROR:  duplicate key value violates unique constraint \"t_pkey\"\n"
                        + "[4711] DETAIL:  Key (id)=(1) already exists.\n"
                        + "[4711] HINT:  h\n"
                        + "[4711] STATEMENT:  insert into t values (1)\n");
    }

    @Test
    void csvlogHasPostgresColumns() {
        LoggingEvent e = event(Level.INFO, "say \"hi\", ok", session());
        String row = new CsvLogLayout(ZoneId.of("UTC"), 1).doLayout(e);
        assertThat(row).startsWith("2026-11-21 12:34:56.789 UTC,\"repuser\",\"postgres\",4711,\"127.0.0.1:50000\",");
        assertThat(row).contains(",LOG,00000,\"say \"\"hi\"\", ok\",");
        assertThat(row).endsWith(",\"psql\",\"client backend\",,0\n".replace("client backend", "postmaster"));
        assertThat(row.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1)).hasSize(26);
    }

    @Test
    void collectorNamesFilesByLogFilenameAndRotatesByAge() throws Exception {
        assertThat(LogCollectorAppender.fileName("postgresql-%Y-%m-%d_%H%M%S.log",
                ZonedDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC), ".log"))
                .isEqualTo("postgresql-2026-01-02_030405.log");
        assertThat(LogCollectorAppender.fileName("postgresql-%a.log",
                ZonedDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC), ".csv")).isEqualTo("postgresql-Fri.csv");
        MutableClock clock = new MutableClock(Instant.parse("2026-11-21T12:59:00Z"));
        LogCollectorAppender a = new LogCollectorAppender(dir.resolve("log"), "pg-%H%M.log", ".log",
                ZoneId.of("UTC"), 60 * 60_000L, 0, false, 0600, new PgLayout("", ZoneId.of("UTC"), 1), clock);
        a.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        a.start();
        a.doAppend(event(Level.INFO, "one", Map.of()));
        clock.now = Instant.parse("2026-11-21T12:59:59Z");
        a.doAppend(event(Level.INFO, "two", Map.of()));
        clock.now = Instant.parse("2026-11-21T13:00:01Z");
        a.doAppend(event(Level.INFO, "three", Map.of()));
        a.stop();
        assertThat(Files.readString(dir.resolve("log/pg-1259.log"))).isEqualTo("LOG:  one\nLOG:  two\n");
        assertThat(Files.readString(dir.resolve("log/pg-1300.log"))).isEqualTo("LOG:  three\n");
        assertThat(LogCollectorAppender.modeString(0600)).isEqualTo("rw-------");
    }

    static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
