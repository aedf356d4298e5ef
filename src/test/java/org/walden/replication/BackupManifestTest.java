package org.walden.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

class BackupManifestTest {

    @Test
    void formatIsPostgreSqls() throws Exception {
        BackupManifest m = new BackupManifest(true);
        CRC32C crc = new CRC32C();
        crc.update("15\n".getBytes(StandardCharsets.UTF_8));
        m.addFile("PG_VERSION", 3, Instant.parse("2026-11-21T19:58:14Z"), crc);
        m.addFile("a\"b", 0, Instant.parse("2026-11-21T19:58:15Z"), new CRC32C());
        String text = new String(m.finish(TimelineId.FIRST, Lsn.parse("0/4000028"), Lsn.parse("0/4000100")),
                StandardCharsets.UTF_8);
        int v = (int) crc.getValue();
        String le = HexFormat.of().formatHex(new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)});
        String body = "{ \"PostgreSQL-Backup-Manifest-Version\": 1,\n\"Files\": [\n"
                + "{ \"Path\": \"PG_VERSION\", \"Size\": 3, \"Last-Modified\": \"2026-11-21 19:58:14 GMT\", "
                + "\"Checksum-Algorithm\": \"CRC32C\", \"Checksum\": \"" + le + "\" },\n"
                + "{ \"Path\": \"a\\\"b\", \"Size\": 0, \"Last-Modified\": \"2026-11-21 19:58:15 GMT\", "
                + "\"Checksum-Algorithm\": \"CRC32C\", \"Checksum\": \"00000000\" }\n"
                + "],\n\"WAL-Ranges\": [\n{ \"Timeline\": 1, \"Start-LSN\": \"0/4000028\", \"End-LSN\": \"0/4000100\" }\n],\n";
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(body.getBytes(StandardCharsets.UTF_8)));
        assertThat(text).isEqualTo(body + "\"Manifest-Checksum\": \"" + sha + "\"}\n");
    }
}
