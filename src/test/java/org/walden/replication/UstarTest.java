package org.walden.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UstarTest {

    private static final String LONG_NAME = "base/" + "d".repeat(60) + "/" + "f".repeat(70);

    private static byte[] sample() {
        return new Ustar.Builder()
                .file("backup_label", "START WAL LOCATION: 0/2000028\n".getBytes(StandardCharsets.UTF_8), 1_700_000_000L)
                .directory("pg_wal", 1_700_000_000L)
                .file("global/pg_control", new byte[8192], 1_700_000_000L)
                .file(LONG_NAME, "x".getBytes(StandardCharsets.UTF_8), 1_700_000_000L)
                .file("empty", new byte[0], 1_700_000_000L)
                .symlink("pg_tblspc/16385", "/srv/ts", 1_700_000_000L)
                .finish();
    }

    @Test
    void headerLayoutIsUstar() {
        byte[] h = Ustar.header("PG_VERSION", 0600, 3, 0, Ustar.TYPE_FILE, null);
        assertThat(h).hasSize(512);
        assertThat(new String(h, 0, 10, StandardCharsets.US_ASCII)).isEqualTo("PG_VERSION");
        assertThat(new String(h, 100, 7, StandardCharsets.US_ASCII)).isEqualTo("0000600");
        assertThat(new String(h, 124, 11, StandardCharsets.US_ASCII)).isEqualTo("00000000003");
        assertThat(h[156]).isEqualTo((byte) '0');
        assertThat(new String(h, 257, 6, StandardCharsets.US_ASCII)).isEqualTo("ustar\0");
        assertThat(new String(h, 263, 2, StandardCharsets.US_ASCII)).isEqualTo("00");
        assertThat(Ustar.checksum(h)).isEqualTo(Long.parseLong(new String(h, 148, 7, StandardCharsets.US_ASCII), 8));
        byte[] d = Ustar.header("pg_stat", 0700, 0, 0, Ustar.TYPE_DIRECTORY, null);
        assertThat(new String(d, 0, 8, StandardCharsets.US_ASCII)).isEqualTo("pg_stat/");
        assertThat(d[156]).isEqualTo((byte) '5');
    }

    @Test
    void archiveEndsWithTwoZeroBlocksAndIsPadded() {
        byte[] a = sample();
        assertThat(a.length % 512).isZero();
        for (int i = a.length - 1024; i < a.length; i++) {
            assertThat(a[i]).isZero();
        }
    }

    @Test
    void systemTarListsWhatWeWrote(@TempDir Path dir) throws Exception {
        Path tar = dir.resolve("base.tar");
        Files.write(tar, sample());
        Process p = new ProcessBuilder("tar", "-tvf", tar.toString()).redirectErrorStream(true).start();
        String listing = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(listing).isZero();
        assertThat(listing).contains("backup_label", "pg_wal/", "global/pg_control", LONG_NAME, "empty",
                "pg_tblspc/16385 -> /srv/ts");
        Process x = new ProcessBuilder("tar", "-xf", tar.toString(), "-C", dir.toString()).start();
        assertThat(x.waitFor()).isZero();
        assertThat(Files.readString(dir.resolve("backup_label"))).isEqualTo("START WAL LOCATION: 0/2000028\n");
        assertThat(Files.size(dir.resolve("global/pg_control"))).isEqualTo(8192);
        assertThat(Files.readString(dir.resolve(LONG_NAME))).isEqualTo("x");
    }

    @Test
    void readerReadsItBackInAnyPieces() throws Exception {
        byte[] a = sample();
        for (int piece : new int[] {1, 7, 512, 1000, a.length}) {
            List<String> seen = new ArrayList<>();
            ByteArrayOutputStream label = new ByteArrayOutputStream();
            Ustar.Reader r = new Ustar.Reader(new Ustar.MemberHandler() {
                String current;

                @Override
                public void begin(Ustar.Entry e) {
                    current = e.name();
                    seen.add(e.name() + ":" + (char) e.typeflag() + ":" + e.size()
                            + (e.linkName().isEmpty() ? "" : "->" + e.linkName()));
                }

                @Override
                public void data(byte[] b, int off, int len) {
                    if (current.equals("backup_label")) {
                        label.write(b, off, len);
                    }
                }

                @Override
                public void end() {
                }
            });
            for (int i = 0; i < a.length; i += piece) {
                r.feed(a, i, Math.min(piece, a.length - i));
            }
            assertThat(r.ended()).isTrue();
            assertThat(seen).containsExactly("backup_label:0:30", "pg_wal/:5:0", "global/pg_control:0:8192",
                    LONG_NAME + ":0:1", "empty:0:0", "pg_tblspc/16385:2:0->/srv/ts");
            assertThat(label.toString(StandardCharsets.UTF_8)).isEqualTo("START WAL LOCATION: 0/2000028\n");
        }
    }

    @Test
    void namesThatCannotBeSplitAreRefused() {
        assertThatThrownBy(() -> Ustar.header("x".repeat(120), 0600, 0, 0, Ustar.TYPE_FILE, null))
                .hasMessageContaining("file name too long for tar format");
    }
}
