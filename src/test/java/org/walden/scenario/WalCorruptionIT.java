package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;
import org.walden.wal.WalSegments;

/**
 * A torn or corrupted tail of WAL ends redo where PostgreSQL would: committed rows are written,
 * the server is stopped with -m immediate, one bit is flipped inside the data of the last
 * record of the newest segment (found with {@code walden waldump}), and the server starts:
 * its log names the corrupted record's LSN and the reason ("incorrect resource manager data
 * checksum in record at ..."), then "redo done at" the record before it; every row committed
 * before the corrupted record is there, and the row whose record was corrupted is not.
 */
class WalCorruptionIT {

    private static final Pattern DUMP_LINE = Pattern.compile(
            "^rmgr: (\\S+)\\s+len \\(rec/tot\\):\\s+(\\d+)/\\s*(\\d+), tx:\\s+(\\d+), lsn: ([0-9A-F]+/[0-9A-F]+),"
                    + " prev ([0-9A-F]+/[0-9A-F]+), desc: (.*)$");

    private record DumpRecord(String rmgr, int totalLength, Lsn lsn, Lsn prev, String desc) {
    }

    @Test
    void aFlippedBitInTheLastRecordEndsRedoThereAndEarlierCommitsSurvive() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("corrupt");
            node.start();
            node.psql("CREATE TABLE w (id integer PRIMARY KEY, v text)");
            StringBuilder inserts = new StringBuilder();
            for (int i = 1; i <= 40; i++) {
                inserts.append("INSERT INTO w VALUES (").append(i).append(", 'row ").append(i).append("');\n");
            }
            node.psql(inserts.toString());
            node.psql("INSERT INTO w VALUES (1000, 'the victim')");
            node.stop("immediate");

            TestCluster.ToolResult dump = TestCluster.walden("waldump", "-D", node.dataDir().toString());
            List<DumpRecord> records = dump.out().lines().map(DUMP_LINE::matcher).filter(Matcher::matches)
                    .map(m -> new DumpRecord(m.group(1), Integer.parseInt(m.group(3)), Lsn.parse(m.group(5)),
                            Lsn.parse(m.group(6)), m.group(7)))
                    .toList();
            assertThat(records).as(dump.out() + dump.err()).isNotEmpty();
            DumpRecord commit = records.get(records.size() - 1);
            assertThat(commit.rmgr()).isEqualTo("Transaction");
            assertThat(commit.desc()).startsWith("COMMIT");
            DumpRecord victim = records.get(records.size() - 2);
            assertThat(victim.rmgr()).isEqualTo("KV");
            assertThat(victim.desc()).startsWith("PUT");

            flipBit(node.dataDir().resolve("pg_wal"), victim);
            TestCluster.ToolResult after = TestCluster.walden("waldump", "-D", node.dataDir().toString());
            assertThat(after.err()).contains("incorrect resource manager data checksum in record at " + victim.lsn());

            node.start();
            assertThat(node.logContains("LOG:  incorrect resource manager data checksum in record at "
                    + victim.lsn() + "\n")).as("log names the LSN and the reason").isTrue();
            assertThat(node.logContains("LOG:  redo done at " + victim.prev())).isTrue();
            assertThat(node.psql("SELECT count(*), min(id), max(id) FROM w")).isEqualTo("40|1|40");
            assertThat(node.psql("SELECT v FROM w WHERE id = 40")).isEqualTo("row 40");
            node.psql("INSERT INTO w VALUES (1000, 'after recovery')");
            node.restart();
            assertThat(node.psql("SELECT v FROM w WHERE id = 1000")).isEqualTo("after recovery");
        }
    }

    /** Flips one bit in the victim record's data (past its 24-byte header, clear of the length). */
    private static void flipBit(Path walDir, DumpRecord victim) throws Exception {
        long segmentSizeBytes = Files.size(WalSegments.list(walDir).get(0));
        Lsn target = victim.lsn().plus(Math.min(30, victim.totalLength() - 1));
        Path segment = walDir.resolve(WalSegments.fileName(new TimelineId(1), target.segmentNo(segmentSizeBytes),
                segmentSizeBytes));
        List<Path> all = WalSegments.list(walDir);
        assertThat(segment).as("the victim is in the newest segment").isEqualTo(all.get(all.size() - 1));
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            long offset = target.segmentOffset(segmentSizeBytes);
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x10);
        }
    }
}
