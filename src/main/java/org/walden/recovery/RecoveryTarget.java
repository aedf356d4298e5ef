package org.walden.recovery;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.wal.Lsn;
import org.walden.wal.WalRecord;
import org.walden.wal.XactRecords;

/**
 * Where archive recovery stops (PostgreSQL's recovery_target, recovery_target_xid,
 * recovery_target_time, recovery_target_name, recovery_target_lsn, recovery_target_inclusive and
 * recovery_target_action), and the two checks the startup process makes around each record:
 * {@link #stopsBefore} (before replaying it) and {@link #stopsAfter} (after). A stop says why in
 * PostgreSQL's log words and gives the reason written into the new timeline's history file.
 *
 * <p>An immutable value: the startup process reads it at start (settings that PostgreSQL 15
 * reads only at server start).
 */
public record RecoveryTarget(Kind kind, long xid, long timeMicros, String name, Lsn lsn, boolean inclusive,
                             Action action) {

    /** What the target is (PostgreSQL's RecoveryTargetType). */
    public enum Kind { UNSET, XID, TIME, NAME, LSN, IMMEDIATE }

    /** recovery_target_action. */
    public enum Action { PAUSE, PROMOTE, SHUTDOWN }

    /** Where recovery stopped: after or before a record, its xid, time, LSN or restore point name. */
    public record Stop(boolean after, long xid, long timeMicros, Lsn lsn, String name) {
    }

    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    /** No target: recovery goes to the end of the WAL. */
    public static RecoveryTarget none() {
        return new RecoveryTarget(Kind.UNSET, 0, 0, null, Lsn.INVALID, true, Action.PAUSE);
    }

    /**
     * The target the settings name ({@code setting} reads a parameter; empty means unset), with
     * {@code timeZone} for a recovery_target_time without an offset. Two targets set at once are
     * FATAL, as PostgreSQL's check hooks make them; so are malformed values.
     */
    public static RecoveryTarget fromSettings(Function<String, String> setting, ZoneId timeZone) {
        List<String> set = new ArrayList<>();
        for (String name : List.of("recovery_target", "recovery_target_lsn", "recovery_target_name",
                "recovery_target_time", "recovery_target_xid")) {
            String v = setting.apply(name);
            if (v != null && !v.isEmpty()) {
                set.add(name);
            }
        }
        if (set.size() > 1) {
            throw PgException.fatal(SqlState.INVALID_PARAMETER_VALUE, "multiple recovery targets specified")
                    .withDetail("At most one of recovery_target, recovery_target_lsn, recovery_target_name, "
                            + "recovery_target_time, recovery_target_xid may be set.");
        }
        boolean inclusive = parseBool(setting.apply("recovery_target_inclusive"), true);
        Action action = parseAction(setting.apply("recovery_target_action"));
        if (set.isEmpty()) {
            return new RecoveryTarget(Kind.UNSET, 0, 0, null, Lsn.INVALID, inclusive, action);
        }
        String name = set.get(0);
        String value = setting.apply(name);
        return switch (name) {
            case "recovery_target" -> {
                if (!value.equals("immediate")) {
                    throw invalid(name, value, "The only allowed value is \"immediate\".");
                }
                yield new RecoveryTarget(Kind.IMMEDIATE, 0, 0, null, Lsn.INVALID, inclusive, action);
            }
            case "recovery_target_lsn" -> {
                Lsn lsn;
                try {
                    lsn = Lsn.parse(value);
                } catch (RuntimeException e) {
                    throw invalid(name, value, null);
                }
                yield new RecoveryTarget(Kind.LSN, 0, 0, null, lsn, inclusive, action);
            }
            case "recovery_target_name" -> {
                if (value.length() >= 64) {
                    throw invalid(name, value, "recovery_target_name is too long (maximum 63 characters).");
                }
                yield new RecoveryTarget(Kind.NAME, 0, 0, value, Lsn.INVALID, inclusive, action);
            }
            case "recovery_target_time" -> new RecoveryTarget(Kind.TIME, 0, parseTimeMicros(value, timeZone), null,
                    Lsn.INVALID, inclusive, action);
            default -> {
                long xid;
                try {
                    xid = Long.parseUnsignedLong(value.trim()) & 0xFFFFFFFFL; // an xid8's epoch is dropped
                } catch (NumberFormatException e) {
                    throw invalid(name, value, null);
                }
                yield new RecoveryTarget(Kind.XID, xid, 0, null, Lsn.INVALID, inclusive, action);
            }
        };
    }

    private static PgException invalid(String name, String value, String detail) {
        PgException e = PgException.fatal(SqlState.INVALID_PARAMETER_VALUE,
                "invalid value for parameter \"" + name + "\": \"" + value + "\"");
        return detail == null ? e : e.withDetail(detail);
    }

    private static boolean parseBool(String v, boolean dflt) {
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        String s = v.toLowerCase(Locale.ROOT);
        return s.equals("on") || s.equals("true") || s.equals("yes") || s.equals("1") || s.equals("t");
    }

    private static Action parseAction(String v) {
        if (v == null || v.isEmpty()) {
            return Action.PAUSE;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "pause" -> Action.PAUSE;
            case "promote" -> Action.PROMOTE;
            case "shutdown" -> Action.SHUTDOWN;
            default -> throw invalid("recovery_target_action", v, null);
        };
    }

    /**
     * recovery_target_time: an ISO date and time ({@code 2026-12-06 13:12:09.421549+00}, a 'T'
     * between date and time, an offset of hours[:minutes] or Z, or none: then in {@code zone}).
     */
    static long parseTimeMicros(String text, ZoneId zone) {
        String s = text.trim();
        DateTimeFormatter f = new DateTimeFormatterBuilder().parseCaseInsensitive()
                .appendPattern("yyyy-MM-dd").optionalStart().appendLiteral(' ').optionalEnd()
                .optionalStart().appendLiteral('T').optionalEnd()
                .appendPattern("HH:mm").optionalStart().appendPattern(":ss").optionalEnd()
                .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
                .optionalStart().appendOffset("+HH:mm", "Z").optionalEnd()
                .optionalStart().appendOffset("+HH", "Z").optionalEnd()
                .toFormatter(Locale.ROOT);
        try {
            var parsed = f.parse(s.replaceAll("\\s+(?=[+-]\\d)", ""));
            LocalDateTime local = LocalDateTime.from(parsed);
            Instant at = parsed.isSupported(ChronoField.OFFSET_SECONDS)
                    ? local.toInstant(ZoneOffset.ofTotalSeconds(parsed.get(ChronoField.OFFSET_SECONDS)))
                    : local.atZone(zone).toInstant();
            return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1000L);
        } catch (DateTimeParseException | ArithmeticException e) {
            throw invalid("recovery_target_time", text, null);
        }
    }

    public boolean isSet() {
        return kind != Kind.UNSET;
    }

    /**
     * recoveryStopsBefore: the stop when recovery must stop before replaying {@code r} (said to
     * {@code log} in PostgreSQL's words), else null.
     */
    public Stop stopsBefore(WalRecord r, boolean consistent, java.util.function.Consumer<String> log) {
        if (kind == Kind.IMMEDIATE && consistent) {
            log.accept("recovery stopping after reaching consistency");
            return new Stop(false, 0, 0, Lsn.INVALID, null);
        }
        if (kind == Kind.LSN && !inclusive && !r.lsn().isBefore(lsn)) {
            log.accept("recovery stopping before WAL location (LSN) \"" + r.lsn() + "\"");
            return new Stop(false, 0, 0, r.lsn(), null);
        }
        boolean commit = XactRecords.isCommit(r);
        if (!commit && !XactRecords.isAbort(r)) {
            return null;
        }
        long recordXid = Integer.toUnsignedLong(r.xid());
        long recordTime = XactRecords.xactTimeMicros(r);
        boolean stops = false;
        if (kind == Kind.XID && !inclusive) {
            stops = recordXid == xid;
        }
        if (kind == Kind.TIME && recordTime != 0) {
            stops = inclusive ? recordTime > timeMicros : recordTime >= timeMicros;
        }
        if (!stops) {
            return null;
        }
        log.accept("recovery stopping before " + (commit ? "commit" : "abort") + " of transaction " + recordXid
                + ", time " + formatTime(recordTime));
        return new Stop(false, recordXid, recordTime, Lsn.INVALID, null);
    }

    /** recoveryStopsAfter: the stop when recovery must stop right after {@code r}, just replayed; else null. */
    public Stop stopsAfter(WalRecord r, boolean consistent, java.util.function.Consumer<String> log) {
        if (kind == Kind.NAME && XactRecords.isRestorePoint(r) && XactRecords.restorePointName(r).equals(name)) {
            long t = XactRecords.restorePointTimeMicros(r);
            log.accept("recovery stopping at restore point \"" + name + "\", time " + formatTime(t));
            return new Stop(true, 0, t, Lsn.INVALID, name);
        }
        if (kind == Kind.LSN && inclusive && !r.lsn().isBefore(lsn)) {
            log.accept("recovery stopping after WAL location (LSN) \"" + r.lsn() + "\"");
            return new Stop(true, 0, 0, r.lsn(), null);
        }
        boolean commit = XactRecords.isCommit(r);
        if ((commit || XactRecords.isAbort(r)) && kind == Kind.XID && inclusive
                && Integer.toUnsignedLong(r.xid()) == xid) {
            long t = XactRecords.xactTimeMicros(r);
            log.accept("recovery stopping after " + (commit ? "commit" : "abort") + " of transaction " + xid
                    + ", time " + formatTime(t));
            return new Stop(true, xid, t, Lsn.INVALID, null);
        }
        if (kind == Kind.IMMEDIATE && consistent) {
            log.accept("recovery stopping after reaching consistency");
            return new Stop(true, 0, 0, Lsn.INVALID, null);
        }
        return null;
    }

    /**
     * getRecoveryStopReason: the reason line of the new timeline's history file (with
     * PostgreSQL's trailing newline after a time or an LSN).
     */
    public String stopReason(Stop stop) {
        if (stop == null) {
            return "no recovery target specified";
        }
        String when = stop.after() ? "after" : "before";
        return switch (kind) {
            case XID -> when + " transaction " + stop.xid();
            case TIME -> when + " " + formatTime(stop.timeMicros()) + "\n";
            case LSN -> when + " LSN " + stop.lsn() + "\n";
            case NAME -> "at restore point \"" + stop.name() + "\"";
            case IMMEDIATE -> "reached consistency";
            case UNSET -> "no recovery target specified";
        };
    }

    /** The "starting point-in-time recovery to ..." line, or "starting archive recovery" without a target. */
    public String startLine() {
        return switch (kind) {
            case XID -> "starting point-in-time recovery to XID " + xid;
            case TIME -> "starting point-in-time recovery to " + formatTime(timeMicros);
            case NAME -> "starting point-in-time recovery to \"" + name + "\"";
            case LSN -> "starting point-in-time recovery to WAL location (LSN) \"" + lsn + "\"";
            case IMMEDIATE -> "starting point-in-time recovery to earliest consistent point";
            case UNSET -> "starting archive recovery";
        };
    }

    /** timestamptz_to_str in UTC: {@code 2026-12-06 13:12:09.42155+00} (trailing zeros of the fraction dropped). */
    static String formatTime(long micros) {
        Instant at = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L));
        long fraction = Math.floorMod(micros, 1_000_000L);
        String frac = "";
        if (fraction != 0) {
            frac = String.format(Locale.ROOT, ".%06d", fraction).replaceAll("0+$", "");
        }
        return LOG_TIME.format(at) + frac + "+00";
    }
}
