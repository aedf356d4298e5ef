package org.walden.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestoreCommandTest {

    private static final long SEG = 1024 * 1024;
    private static final String NAME = "000000010000000000000003";

    @TempDir
    Path dataDir;
    @TempDir
    Path archive;

    @Test
    void restoresASegmentOverAPartialLocalCopyWithPercentRAsTheRestartFile() throws Exception {
        Files.createDirectories(dataDir.resolve("pg_wal"));
        byte[] full = new byte[(int) SEG];
        full[0] = 42;
        Files.write(archive.resolve(NAME), full);
        Files.writeString(dataDir.resolve("pg_wal").resolve(NAME), "partial");
        Path restartSeen = archive.resolve("restart");
        RestoreCommand rc = new RestoreCommand(dataDir, "cp " + archive + "/%f %p && echo %r > " + restartSeen,
                SEG, 10_000);

        assertThat(rc.restoreSegment(NAME, "000000010000000000000002")).isTrue();

        Path restored = dataDir.resolve("pg_wal").resolve(NAME);
        assertThat(Files.size(restored)).isEqualTo(SEG);
        assertThat(Files.readAllBytes(restored)[0]).isEqualTo((byte) 42);
        assertThat(dataDir.resolve("pg_wal/RECOVERYXLOG")).doesNotExist();
        assertThat(Files.readString(restartSeen).strip()).isEqualTo("000000010000000000000002");
    }

    @Test
    void aMissingOrTruncatedArchiveFileIsNotRestored() throws Exception {
        Files.createDirectories(dataDir.resolve("pg_wal"));
        RestoreCommand rc = new RestoreCommand(dataDir, "cp " + archive + "/%f %p", SEG, 10_000);
        assertThat(rc.restoreSegment(NAME, "x")).isFalse();
        assertThat(dataDir.resolve("pg_wal").resolve(NAME)).doesNotExist();

        Files.writeString(archive.resolve(NAME), "too short");
        assertThat(rc.restoreSegment(NAME, "x")).isFalse();
        assertThat(dataDir.resolve("pg_wal").resolve(NAME)).doesNotExist();
        assertThat(dataDir.resolve("pg_wal/RECOVERYXLOG")).doesNotExist();
    }
}
