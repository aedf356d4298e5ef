package org.walden.replication;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.zip.CRC32C;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

/**
 * A backup_manifest in PostgreSQL 15's format (backup_manifest.c), byte for byte, so that
 * pg_verifybackup accepts it:
 *
 * <pre>
 * { "PostgreSQL-Backup-Manifest-Version": 1,
 * "Files": [
 * { "Path": "backup_label", "Size": 225, "Last-Modified": "2026-11-21 19:58:14 GMT", "Checksum-Algorithm": "CRC32C", "Checksum": "0a1b2c3d" },
 * ...
 * ],
 * "WAL-Ranges": [
 * { "Timeline": 1, "Start-LSN": "0/4000028", "End-LSN": "0/4000100" }
 * ],
 * "Manifest-Checksum": "&lt;sha256 hex of everything before this line&gt;"}
 * </pre>
 *
 * A CRC32C checksum is the CRC's four bytes in little-endian order, in hex (as PostgreSQL
 * copies the uint32 out on x86).
 */
public final class BackupManifest {

    private static final DateTimeFormatter MTIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'GMT'").withZone(ZoneOffset.UTC);

    private final StringBuilder text = new StringBuilder("{ \"PostgreSQL-Backup-Manifest-Version\": 1,\n\"Files\": [");
    private final boolean withChecksums;
    private boolean firstFile = true;

    public BackupManifest(boolean withChecksums) {
        this.withChecksums = withChecksums;
    }

    /** A running CRC32C for one file's contents. */
    public static CRC32C newChecksum() {
        return new CRC32C();
    }

    public void addFile(String path, long size, Instant mtime, CRC32C crc) {
        text.append(firstFile ? "\n" : ",\n");
        firstFile = false;
        text.append("{ \"Path\": ").append(jsonString(path)).append(", ");
        text.append("\"Size\": ").append(size).append(", ");
        text.append("\"Last-Modified\": \"").append(MTIME.format(mtime)).append('"');
        if (withChecksums) {
            int v = (int) crc.getValue();
            byte[] le = {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
            text.append(", \"Checksum-Algorithm\": \"CRC32C\", \"Checksum\": \"")
                    .append(HexFormat.of().formatHex(le)).append('"');
        }
        text.append(" }");
    }

    /** Ends the file list with the one WAL range the backup needs, and seals it with SHA-256. */
    public byte[] finish(TimelineId timeline, Lsn startLsn, Lsn endLsn) {
        text.append("\n],\n\"WAL-Ranges\": [\n");
        text.append("{ \"Timeline\": ").append(timeline.value()).append(", \"Start-LSN\": \"").append(startLsn)
                .append("\", \"End-LSN\": \"").append(endLsn).append("\" }");
        text.append("\n],\n");
        byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
        String sha;
        try {
            sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        text.append("\"Manifest-Checksum\": \"").append(sha).append("\"}\n");
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
