package org.walden.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.LoggerFactory;
import org.walden.common.guc.GucValues;
import org.walden.common.guc.ServerSettings;

/**
 * Configures Logback, in code, the way PostgreSQL's elog.c and syslogger.c route messages:
 * <ul>
 * <li>log_destination 'stderr' without logging_collector: to stderr (which pg_ctl -l sends to
 *     its log file);</li>
 * <li>logging_collector = on: to log_directory (relative to the data directory) / log_filename,
 *     rotated by log_rotation_age and log_rotation_size; 'csvlog' adds a .csv file of the same
 *     name in csvlog's columns, 'jsonlog' a .json file of PostgreSQL 15's JSON objects;</li>
 * <li>'csvlog' or 'jsonlog' without logging_collector: PostgreSQL writes nothing for them;
 *     Walden says so once and logs to stderr.</li>
 * </ul>
 * log_line_prefix, log_timezone, log_min_messages, log_error_verbosity and
 * log_min_error_statement apply to every destination. Called at start and again after each
 * reload. syslog and eventlog are not offered (a destination naming them is ignored).
 */
public final class PgLogging {

    /** The default log_line_prefix, PostgreSQL 15's. */
    public static final String DEFAULT_PREFIX = "%m [%p] ";

    private static final ReentrantLock LOCK = new ReentrantLock();

    private PgLogging() {
    }

    /** What {@link #configure} set up. */
    public record Outcome(boolean collector, Path logDirectory, boolean csv) {
    }

    /** Before the settings are read: stderr, PostgreSQL's default prefix, UTC. */
    public static void configureBootstrap() {
        install(List.of(console(new PgLayout(DEFAULT_PREFIX, ZoneId.of("UTC"), pid()))), PgLevel.WARNING);
    }

    /** For the command-line tools: only warnings and errors, to stderr, without a prefix. */
    public static void configureForTool() {
        install(List.of(console(new PgLayout("", ZoneId.systemDefault(), pid()))), PgLevel.WARNING);
        LoggerContext ctx = context();
        ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
    }

    /** Routes the server log as {@code settings} say; {@code dataDir} anchors a relative log_directory. */
    public static Outcome configure(ServerSettings settings, Path dataDir, Clock clock) {
        ZoneId zone = org.walden.common.guc.TimeZoneSetting.zone(settings.getString("log_timezone"));
        String prefix = settings.getString("log_line_prefix");
        List<String> destinations = GucValues.splitList(settings.getString("log_destination"));
        boolean collector = settings.getBool("logging_collector");
        PgLevel min = PgLevel.fromSetting(settings.getString("log_min_messages"));
        LogVerbosity verbosity = LogVerbosity.fromSetting(settings.getString("log_error_verbosity"));
        PgLevel minErrorStatement = PgLevel.fromSetting(settings.getString("log_min_error_statement"));
        long pid = pid();
        List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
        Path logDirectory = null;
        boolean csv = false;
        boolean fileOnlyWithoutCollector = false;
        PgLayout text = new PgLayout(prefix, zone, pid, verbosity, minErrorStatement);
        if (collector) {
            Path dir = dataDir.resolve(settings.getString("log_directory"));
            logDirectory = dir;
            if (destinations.contains("stderr") || !(destinations.contains("csvlog")
                    || destinations.contains("jsonlog"))) {
                appenders.add(collectorAppender(settings, dir, ".log", zone, text, clock));
            }
            if (destinations.contains("csvlog")) {
                appenders.add(collectorAppender(settings, dir, ".csv", zone,
                        new CsvLogLayout(zone, pid, verbosity, minErrorStatement), clock));
                csv = true;
            }
            if (destinations.contains("jsonlog")) {
                appenders.add(collectorAppender(settings, dir, ".json", zone,
                        new JsonLogLayout(zone, pid, verbosity, minErrorStatement), clock));
            }
        } else {
            appenders.add(console(text));
            fileOnlyWithoutCollector = destinations.contains("csvlog") || destinations.contains("jsonlog");
        }
        boolean wasCollecting = isCollecting();
        if (collector && !wasCollecting) {
            PgLog.at(PgLevel.LOG).message("redirecting log output to logging collector process")
                    .hint("Future log output will appear in directory \"" + settings.getString("log_directory")
                            + "\".").log();
        }
        install(appenders, min);
        if (fileOnlyWithoutCollector) {
            PgLog.log("log_destination \"csvlog\" and \"jsonlog\" require logging_collector = on; "
                    + "logging to stderr instead");
        }
        return new Outcome(collector, logDirectory, csv);
    }

    private static LogCollectorAppender collectorAppender(ServerSettings settings, Path dir, String extension,
                                                          ZoneId zone, ch.qos.logback.core.Layout<ILoggingEvent> layout,
                                                          Clock clock) {
        LogCollectorAppender a = new LogCollectorAppender(dir, settings.getString("log_filename"), extension, zone,
                settings.getMillis("log_rotation_age"), settings.getBytes("log_rotation_size"),
                settings.getBool("log_truncate_on_rotation"), settings.getInt("log_file_mode"), layout, clock);
        a.setName("collector" + extension);
        return a;
    }

    /**
     * pg_ctl logrotate (SIGUSR1 with DATA/logrotate): the collector's files start anew; false
     * when the logging collector is not running (PostgreSQL then logs that rotation is not possible).
     */
    public static boolean rotate() {
        Logger root = context().getLogger(Logger.ROOT_LOGGER_NAME);
        boolean any = false;
        for (String name : List.of("collector.log", "collector.csv", "collector.json")) {
            if (root.getAppender(name) instanceof LogCollectorAppender a) {
                a.requestRotation();
                any = true;
            }
        }
        return any;
    }

    /**
     * The logging collector's current file for {@code extension} (".log", ".csv" or ".json"),
     * null when the collector does not write that format or has not opened a file yet.
     */
    public static Path currentFile(String extension) {
        Logger root = context().getLogger(Logger.ROOT_LOGGER_NAME);
        return root.getAppender("collector" + extension) instanceof LogCollectorAppender a ? a.currentFile() : null;
    }

    private static boolean isCollecting() {
        Logger root = context().getLogger(Logger.ROOT_LOGGER_NAME);
        return root.getAppender("collector.log") != null || root.getAppender("collector.csv") != null
                || root.getAppender("collector.json") != null;
    }

    private static ConsoleAppender<ILoggingEvent> console(PgLayout layout) {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setName("stderr");
        console.setTarget("System.err");
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setLayout(layout);
        console.setEncoder(encoder);
        return console;
    }

    private static void install(List<Appender<ILoggingEvent>> appenders, PgLevel min) {
        LOCK.lock();
        try {
            LoggerContext ctx = context();
            Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
            Filter<ILoggingEvent> filter = new Filter<>() {
                @Override
                public FilterReply decide(ILoggingEvent event) {
                    return PgLayout.levelOf(event).isLoggedAt(min) ? FilterReply.NEUTRAL : FilterReply.DENY;
                }
            };
            filter.start();
            for (Appender<ILoggingEvent> a : appenders) {
                a.setContext(ctx);
                if (a instanceof ConsoleAppender<ILoggingEvent> c) {
                    c.getEncoder().setContext(ctx);
                    c.getEncoder().start();
                }
                a.addFilter(filter);
                a.start();
            }
            root.detachAndStopAllAppenders();
            appenders.forEach(root::addAppender);
            root.setLevel(min.ordinal() <= PgLevel.DEBUG4.ordinal() ? Level.TRACE
                    : min.ordinal() <= PgLevel.DEBUG1.ordinal() ? Level.DEBUG : Level.INFO);
            // ZooKeeper's and Curator's clients (automatic failover) log each connection at INFO
            ctx.getLogger("org.apache.zookeeper").setLevel(Level.WARN);
            ctx.getLogger("org.apache.curator").setLevel(Level.WARN);
        } finally {
            LOCK.unlock();
        }
    }

    private static LoggerContext context() {
        return (LoggerContext) LoggerFactory.getILoggerFactory();
    }

    private static long pid() {
        return ProcessHandle.current().pid();
    }
}
