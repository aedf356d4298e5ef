package org.walden.server.logging;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;
import org.walden.common.PgException;

/**
 * Writing PostgreSQL-style server log lines:
 * <pre>
 * PgLog.log("database system is ready to accept connections");
 * PgLog.fatal("lock file \"%s\" already exists", path);
 * PgLog.at(PgLevel.ERROR).message("...").detail("...").hint("...").statement(sql).log();
 * PgLog.report(pgException, sql);
 * </pre>
 * Each becomes "2026-01-01 10:00:00.123 UTC [4711] LOG:  database system is ready ...", with
 * DETAIL/HINT/STATEMENT on lines of their own. The detail, hint and statement travel as SLF4J
 * key-value pairs named {@link #DETAIL}, {@link #HINT}, {@link #STATEMENT}.
 */
public final class PgLog {

    public static final String DETAIL = org.walden.common.LogFields.DETAIL;
    public static final String HINT = org.walden.common.LogFields.HINT;
    public static final String STATEMENT = "statement";
    public static final String CONTEXT = "context";
    /** Where an exception was raised ("Class.method, File.java:line"), for log_error_verbosity = verbose. */
    public static final String LOCATION = "location";

    private static final Logger LOG = LoggerFactory.getLogger("org.walden.server");

    private PgLog() {
    }

    /** LOG:  message (String.format arguments when given). */
    public static void log(String message, Object... args) {
        at(PgLevel.LOG).message(message, args).log();
    }

    public static void warning(String message, Object... args) {
        at(PgLevel.WARNING).message(message, args).log();
    }

    public static void error(String message, Object... args) {
        at(PgLevel.ERROR).message(message, args).log();
    }

    public static void fatal(String message, Object... args) {
        at(PgLevel.FATAL).message(message, args).log();
    }

    public static void panic(String message, Object... args) {
        at(PgLevel.PANIC).message(message, args).log();
    }

    public static void debug1(String message, Object... args) {
        at(PgLevel.DEBUG1).message(message, args).log();
    }

    /** Logs an operating error at its severity, with its DETAIL and HINT and the statement that caused it. */
    public static void report(PgException e, String statement) {
        PgLevel level = switch (e.severity()) {
            case FATAL -> PgLevel.FATAL;
            case PANIC -> PgLevel.PANIC;
            case WARNING -> PgLevel.WARNING;
            case NOTICE -> PgLevel.NOTICE;
            case ERROR -> PgLevel.ERROR;
        };
        String message = e.position() > 0 ? e.getMessage() + " at character " + e.position() : e.getMessage();
        at(level).message(message).detail(e.detail()).hint(e.hint()).context(e.context()).statement(statement)
                .sqlState(e.sqlState().code()).location(raisedAt(e)).log();
    }

    /** The frame that raised {@code e}: the first one outside PgException's own factories. */
    static String raisedAt(Throwable e) {
        for (StackTraceElement frame : e.getStackTrace()) {
            if (!frame.getClassName().equals(PgException.class.getName())) {
                return location(frame);
            }
        }
        return null;
    }

    /** "Class.method, File.java:line", PostgreSQL's "function, file.c:line" in Java's terms. */
    static String location(StackTraceElement frame) {
        String cls = frame.getClassName();
        String simple = cls.substring(cls.lastIndexOf('.') + 1);
        return simple + "." + frame.getMethodName() + ", " + frame.getFileName() + ":" + frame.getLineNumber();
    }

    /**
     * Logs an error that ends the connection at FATAL, whatever its own severity (PostgreSQL
     * promotes any error before the session is ready to FATAL), with its HINT and DETAIL; a
     * {@code logDetail} (errdetail_log: only the server log sees it) replaces the DETAIL.
     */
    public static void reportFatal(PgException e, String logDetail) {
        at(e.severity() == PgException.Severity.PANIC ? PgLevel.PANIC : PgLevel.FATAL).message(e.getMessage())
                .detail(logDetail != null ? logDetail : e.detail()).hint(e.hint()).sqlState(e.sqlState().code())
                .location(raisedAt(e)).log();
    }

    public static Entry at(PgLevel level) {
        return new Entry(level);
    }

    /** One message being built. */
    public static final class Entry {
        private final PgLevel level;
        private String message = "";
        private String detail;
        private String hint;
        private String statement;
        private String context;
        private String sqlState;
        private String location;

        private Entry(PgLevel level) {
            this.level = level;
        }

        public Entry message(String text, Object... args) {
            this.message = args.length == 0 ? text : String.format(text, args);
            return this;
        }

        public Entry detail(String text) {
            this.detail = text;
            return this;
        }

        public Entry hint(String text) {
            this.hint = text;
            return this;
        }

        public Entry statement(String text) {
            this.statement = text;
            return this;
        }

        public Entry context(String text) {
            this.context = text;
            return this;
        }

        public Entry sqlState(String code) {
            this.sqlState = code;
            return this;
        }

        public Entry location(String where) {
            this.location = where;
            return this;
        }

        public void log() {
            LoggingEventBuilder b = LOG.atLevel(level.slf4jLevel()).addMarker(level.marker()).setMessage(message);
            if (detail != null) {
                b = b.addKeyValue(DETAIL, detail);
            }
            if (hint != null) {
                b = b.addKeyValue(HINT, hint);
            }
            if (context != null) {
                b = b.addKeyValue(CONTEXT, context);
            }
            if (statement != null) {
                b = b.addKeyValue(STATEMENT, statement);
            }
            if (sqlState != null) {
                b = b.addKeyValue(PgLogContext.SQLSTATE, sqlState);
            }
            if (location != null) {
                b = b.addKeyValue(LOCATION, location);
            }
            b.log();
        }
    }
}
