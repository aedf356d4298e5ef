package org.walden.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SwitchSegmentTest {

    private static final long SEG = 1L << 20;
    private static final TimelineId T1 = TimelineId.FIRST;
    private static final TimelineId T2 = new TimelineId(2);
    private static final SegmentTimelines ONLY_T1 = (segNo, size, at) -> List.of(T1);

    @TempDir
    Path dir;

    /** Segment 3 of timeline 1 with {@code bytes} of WAL from its start, then zeros. */
    private Path oldSegment(int bytes) throws Exception {
        byte[] content = new byte[(int) SEG];
        for (int i = 0; i < bytes; i++) {
            content[i] = (byte) (i % 251 + 1);
        }
        Path p = dir.resolve(WalSegments.fileName(T1, 3, SEG));
        Files.write(p, content);
        return p;
    }

    private byte[] read(String name) throws Exception {
        return Files.readAllBytes(dir.resolve(name));
    }

    @Test
    void aCleanEndIsHandedOverByLinkAndTheOldNameGoesBeforeTheFirstWrite() throws Exception {
        oldSegment(4096);
        Lsn switchPoint = WalSegments.segmentStart(3, SEG).plus(4096);
        SwitchSegment s = SwitchSegment.create(dir, SEG, ONLY_T1, T2, switchPoint, true);
        String newName = WalSegments.fileName(T2, 3, SEG);
        assertThat(Files.isSameFile(dir.resolve(newName), s.oldFile())).isTrue();
        s.releaseOldName();
        assertThat(s.oldFile()).doesNotExist();
        byte[] now = read(newName);
        assertThat(now[4095]).isNotZero();
        assertThat(now[4096]).isZero();
        // the .partial is a copy of the WAL before the switch point, however the new file changes
        try (FileChannel ch = FileChannel.open(dir.resolve(newName), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {42, 42, 42}), 4096);
        }
        s.writePartial(dir.resolve(WalSegments.fileName(T1, 3, SEG) + ".partial"));
        byte[] partial = read(WalSegments.fileName(T1, 3, SEG) + ".partial");
        assertThat(partial).hasSize((int) SEG);
        assertThat(Arrays.copyOf(partial, 4096)).isEqualTo(Arrays.copyOf(now, 4096));
        assertThat(partial[4096]).isZero();
    }

    @Test
    void aFewUnreplayableBytesPastTheSwitchPointAreZeroed() throws Exception {
        oldSegment(5000); // a record begun at 4096 and never finished
        Lsn switchPoint = WalSegments.segmentStart(3, SEG).plus(4096);
        SwitchSegment s = SwitchSegment.create(dir, SEG, ONLY_T1, T2, switchPoint, false);
        s.releaseOldName();
        byte[] now = read(WalSegments.fileName(T2, 3, SEG));
        assertThat(now[4095]).isNotZero();
        assertThat(Arrays.copyOfRange(now, 4096, (int) SEG)).containsOnly((byte) 0);
    }

    @Test
    void muchWalPastTheSwitchPointLeavesTheOldFileAloneAndCopies() throws Exception {
        Path old = oldSegment(900_000); // recovery stopped at a target in archived WAL
        byte[] before = Files.readAllBytes(old);
        Lsn switchPoint = WalSegments.segmentStart(3, SEG).plus(4096);
        SwitchSegment s = SwitchSegment.create(dir, SEG, ONLY_T1, T2, switchPoint, false);
        s.releaseOldName();
        assertThat(Files.readAllBytes(old)).isEqualTo(before);
        byte[] now = read(WalSegments.fileName(T2, 3, SEG));
        assertThat(Arrays.copyOf(now, 4096)).isEqualTo(Arrays.copyOf(before, 4096));
        assertThat(Arrays.copyOfRange(now, 4096, (int) SEG)).containsOnly((byte) 0);
        Path partial = dir.resolve(WalSegments.fileName(T1, 3, SEG) + ".partial");
        s.writePartial(partial);
        assertThat(Files.readAllBytes(partial)).isEqualTo(before);
    }

    @Test
    void aSwitchAtASegmentStartNeedsNoFile() {
        assertThat(SwitchSegment.create(dir, SEG, ONLY_T1, T2, WalSegments.segmentStart(4, SEG), true)).isNull();
    }
}
