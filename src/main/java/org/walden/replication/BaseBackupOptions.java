package org.walden.replication;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * BASE_BACKUP's options (PostgreSQL 15 basebackup.c parse_basebackup_options).
 *
 * @param label            LABEL, "base backup" by default
 * @param progress         PROGRESS: estimate sizes first, send 'p' messages
 * @param fastCheckpoint   CHECKPOINT 'fast' (else 'spread')
 * @param waitForWalArchive WAIT (ignored: Walden archives nothing a backup waits for)
 * @param includeWal       WAL: put the backup's WAL into the archive (-X fetch)
 * @param maxRateKbPerSec  MAX_RATE in kB/s, 0 unlimited
 * @param tablespaceMap    TABLESPACE_MAP
 * @param manifest         MANIFEST 'yes'|'no'|'force-encode'
 * @param manifestChecksums MANIFEST_CHECKSUMS: CRC32C by default ("NONE" allowed)
 */
public record BaseBackupOptions(String label, boolean progress, boolean fastCheckpoint, boolean waitForWalArchive,
                                boolean includeWal, long maxRateKbPerSec, boolean tablespaceMap, boolean manifest,
                                String manifestChecksums) {

    /** MAX_RATE's bounds in kB/s (basebackup.c). */
    static final long MAX_RATE_LOWER = 32;
    static final long MAX_RATE_UPPER = 1_048_576;

    public static BaseBackupOptions parse(List<ReplicationCommand.GenericOption> options) {
        String label = "base backup";
        boolean progress = false;
        boolean fast = false;
        boolean wait = true;
        boolean wal = false;
        long maxRate = 0;
        boolean tablespaceMap = false;
        boolean manifest = false;
        String checksums = "CRC32C";
        Set<String> seen = new HashSet<>();
        for (ReplicationCommand.GenericOption o : options) {
            if (!seen.add(o.name())) {
                throw new PgException(SqlState.SYNTAX_ERROR, "duplicate option \"" + o.name() + "\"");
            }
            switch (o.name()) {
                case "label" -> label = o.value() == null ? "" : o.value();
                case "progress" -> progress = o.booleanValue();
                case "checkpoint" -> {
                    String v = o.value() == null ? "" : o.value().toLowerCase(Locale.ROOT);
                    if (v.equals("fast")) {
                        fast = true;
                    } else if (!v.equals("spread")) {
                        throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                                "unrecognized checkpoint type: \"" + o.value() + "\"");
                    }
                }
                case "wait" -> wait = o.booleanValue();
                case "wal" -> wal = o.booleanValue();
                case "max_rate" -> maxRate = maxRate(o.value());
                case "tablespace_map" -> tablespaceMap = o.booleanValue();
                case "verify_checksums" -> o.booleanValue();
                case "manifest" -> manifest = manifestOption(o.value());
                case "manifest_checksums" -> checksums = checksumOption(o.value());
                case "target" -> {
                    if (o.value() == null || !o.value().equals("client")) {
                        throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                                "unrecognized target: \"" + o.value() + "\"");
                    }
                }
                case "target_detail", "compression", "compression_detail" -> throw new PgException(
                        SqlState.FEATURE_NOT_SUPPORTED, "option \"" + o.name() + "\" is not supported");
                default -> throw new PgException(SqlState.SYNTAX_ERROR,
                        "unrecognized base backup option: \"" + o.name() + "\"");
            }
        }
        return new BaseBackupOptions(label, progress, fast, wait, wal, maxRate, tablespaceMap, manifest, checksums);
    }

    private static long maxRate(String value) {
        long v;
        try {
            v = Long.parseLong(value == null ? "" : value);
        } catch (NumberFormatException e) {
            throw new PgException(SqlState.SYNTAX_ERROR, "max_rate requires a numeric value");
        }
        if (v != 0 && (v < MAX_RATE_LOWER || v > MAX_RATE_UPPER)) {
            throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE,
                    v + " is outside the valid range for parameter \"max_rate\" (" + MAX_RATE_LOWER + " .. "
                            + MAX_RATE_UPPER + ")");
        }
        return v;
    }

    private static boolean manifestOption(String value) {
        String v = value == null ? "" : value.toLowerCase(Locale.ROOT);
        return switch (v) {
            case "yes", "true", "on", "1", "force-encode" -> true;
            case "no", "false", "off", "0" -> false;
            default -> throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                    "unrecognized manifest option: \"" + value + "\"");
        };
    }

    private static String checksumOption(String value) {
        String v = value == null ? "" : value.toUpperCase(Locale.ROOT);
        if (!v.equals("CRC32C") && !v.equals("NONE") && !v.equals("SHA256")) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                    "unrecognized checksum algorithm: \"" + value + "\"");
        }
        return v;
    }
}
