package org.walden.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.PgException;
import org.walden.common.SqlState;

class WalTest {

    static final long SEG = 1L << 20;
    static final Lsn START = new Lsn(SEG);

    @TempDir
    Path dir;

    private Wal newWal() {
        return new Wal(dir, SEG, TimelineId.FIRST, START, Lsn.INVALID, new Wal.Options(true, 64 * 1024, 0, 0));
    }

    private static WalRecord put(int xid, int n) {
        return new KvChange(("key" + n).getBytes(StandardCharsets.UTF_8), new byte[100], null).toRecord(xid);
    }

    @Test
    void readerReturnsRecordsLongerThanItsReadAheadAndWaitsAtTheLimit() {
        Wal wal = newWal();
        byte[] big = new byte[WalReader.READ_AHEAD_BYTES + 1000];
        big[big.length - 1] = 7;
        List<Lsn> lsns = new ArrayList<>();
        lsns.add(wal.insert(put(3, 0)).firstLsn());
        lsns.add(wal.insert(new KvChange("big".getBytes(StandardCharsets.UTF_8), big, null).toRecord(4)).firstLsn());
        lsns.add(wal.insert(put(5, 2)).firstLsn());
        wal.flushAll();
        Lsn end = wal.insertPosition();
        wal.close(true);

        WalReader reader = new WalReader(dir, SEG, TimelineId.FIRST);
        reader.beginRead(START, Lsn.INVALID);
        assertThat(reader.readNext(lsns.get(1)).xid()).isEqualTo(3);
        assertThat(reader.readNext(lsns.get(1).plus(big.length))).isNull(); // the long record is not all there yet
        assertThat(reader.status()).isEqualTo(WalReader.Status.NOT_YET_AVAILABLE);
        WalRecord r = reader.readNext(end);
        assertThat(r.lsn()).isEqualTo(lsns.get(1));
        assertThat(KvChange.decode(r).after()).isEqualTo(big);
        assertThat(reader.readNext(end).lsn()).isEqualTo(lsns.get(2));
        assertThat(reader.readNext(end)).isNull();
    }

    @Test
    void insertedRecordsReadBackInOrderAcrossSegments() {
        Wal wal = newWal();
        List<Lsn> lsns = new ArrayList<>();
        for (int i = 0; i < 30_000; i++) { // ~4MB: spans several 1MB segments
            lsns.add(wal.insert(put(3 + i, i)).firstLsn());
        }
        wal.flushAll();
        wal.close(true);
        assertThat(WalSegments.list(dir)).hasSizeGreaterThanOrEqualTo(4);

        WalReader reader = new WalReader(dir, SEG, TimelineId.FIRST);
        reader.beginRead(START, Lsn.INVALID);
        for (int i = 0; i < 30_000; i++) {
            WalRecord r = reader.readNext();
            assertThat(r).as("record %d", i).isNotNull();
            assertThat(r.lsn()).isEqualTo(lsns.get(i));
            assertThat(r.xid()).isEqualTo(3 + i);
        }
        assertThat(reader.readNext()).isNull();
        assertThat(reader.status()).isEqualTo(WalReader.Status.INVALID);
        assertThat(reader.endReason()).isEqualTo("invalid record length at " + wal.insertPosition() + ": wanted 24, got 0");
    }

    @Test
    void flippedBitEndsWalAtLastValidRecordWithReason() throws Exception {
        Wal wal = newWal();
        Lsn a = wal.insert(put(3, 1)).firstLsn();
        Lsn b = wal.insert(put(4, 2)).firstLsn();
        Lsn c = wal.insert(put(5, 3)).firstLsn();
        wal.close(true);
        // flip one bit in the payload of the second record
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("000000010000000000000001").toFile(), "rw")) {
            long at = b.segmentOffset(SEG) + WalRecord.HEADER_SIZE + 10;
            f.seek(at);
            int v = f.read();
            f.seek(at);
            f.write(v ^ 0x04);
        }
        WalReader reader = new WalReader(dir, SEG, TimelineId.FIRST);
        reader.beginRead(a, Lsn.INVALID);
        assertThat(reader.readNext().lsn()).isEqualTo(a);
        assertThat(reader.readNext()).isNull();
        assertThat(reader.endReason()).isEqualTo("incorrect resource manager data checksum in record at " + b);
        assertThat(reader.nextLsn()).isEqualTo(b);
        assertThat(c).isNotNull();
    }

    @Test
    void staleRecordWithWrongPrevLinkIsNotTakenAsValid() {
        Wal wal = newWal();
        Lsn a = wal.insert(put(3, 1)).firstLsn();
        wal.close(true);
        // a record written as if after some other record: its prev-link does not point at a
        Lsn next = new Lsn(WalRecord.align(a.value() + put(3, 1).totalLength()));
        Wal other = new Wal(dir, SEG, TimelineId.FIRST, next, new Lsn(0x4242), Wal.Options.defaults());
        other.insert(put(9, 9));
        other.close(true);
        WalReader reader = new WalReader(dir, SEG, TimelineId.FIRST);
        reader.beginRead(a, Lsn.INVALID);
        assertThat(reader.readNext()).isNotNull();
        assertThat(reader.readNext()).isNull();
        assertThat(reader.endReason()).isEqualTo("record with incorrect prev-link 0/4242 at " + next);
    }

    @Test
    void groupCommitServesManyCommitsWithFewerFsyncs() throws Exception {
        Wal wal = newWal();
        int threads = 8;
        int perThread = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int tt = t;
            futures.add(pool.submit(() -> {
                for (int i = 0; i < perThread; i++) {
                    Lsn end = wal.insertAll(List.of(put(tt, i), XactRecords.commit(tt, i))).endLsn();
                    wal.flush(end);
                    assertThat(wal.flushedLsn().compareTo(end)).isGreaterThanOrEqualTo(0);
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        long commits = (long) threads * perThread;
        assertThat(wal.fsyncCount()).isLessThan(commits).isPositive();
        wal.close(true);
    }

    @Test
    void readRawServesFlushedBytesAndReportsRemovedSegments() {
        Wal wal = newWal();
        Lsn end = wal.insert(put(3, 1)).endLsn();
        byte[] buf = new byte[4096];
        assertThat(wal.readRaw(START, buf, 0, buf.length)).isZero(); // nothing flushed yet
        wal.flush(end);
        int n = wal.readRaw(START, buf, 0, buf.length);
        assertThat(n).isEqualTo((int) end.minus(START));
        assertThat(WalRecord.Header.parse(buf, 0).xid()).isEqualTo(3);
        assertThatThrownBy(() -> wal.readRaw(new Lsn(0x10), buf, 0, 10))
                .isInstanceOf(PgException.class)
                .hasMessage("requested WAL segment 000000010000000000000000 has already been removed")
                .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.UNDEFINED_FILE));
        wal.close(true);
    }

    @Test
    void waitForFlushWakesAtFlushAndTimesOut() throws Exception {
        Wal wal = newWal();
        assertThat(wal.waitForFlushBeyond(START, 20)).isEqualTo(START);
        Lsn end = wal.insert(put(3, 1)).endLsn();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException ignored) {
                return;
            }
            wal.flush(end);
        });
        assertThat(wal.waitForFlushBeyond(START, 5_000)).isEqualTo(end);
        t.join();
        wal.close(true);
    }

    @Test
    void removesOldSegmentsButKeepsWalKeepSize() {
        Wal wal = new Wal(dir, SEG, TimelineId.FIRST, START, Lsn.INVALID, new Wal.Options(false, 64 * 1024, 2 * SEG, 0));
        for (int i = 0; i < 60_000; i++) {
            wal.insert(put(3, i));
        }
        wal.flushAll();
        Lsn current = wal.insertPosition();
        long curSeg = current.segmentNo(SEG);
        assertThat(curSeg).isGreaterThanOrEqualTo(6);
        wal.removeOldSegments(current); // redo at the current position
        assertThat(WalSegments.list(dir)).extracting(p -> WalSegments.segmentNo(p.getFileName().toString(), SEG))
                .containsExactly(curSeg - 2, curSeg - 1, curSeg);
        wal.setMinKeepLsnSupplier(() -> START); // a slot needing everything
        assertThat(wal.removeOldSegments(current)).isZero();
        wal.close(true);
    }

    @Test
    void receiverWriterCopiesWalBytesThatReadBackAsRecords() throws Exception {
        Wal wal = newWal();
        for (int i = 0; i < 100; i++) {
            wal.insert(put(3 + i, i));
        }
        wal.flushAll();
        Path standby = Files.createDirectory(dir.resolve("standby"));
        WalReceiverWriter rw = new WalReceiverWriter(standby, SEG, TimelineId.FIRST, START, true);
        byte[] buf = new byte[1000];
        Lsn pos = START;
        while (pos.isBefore(wal.flushedLsn())) {
            int n = wal.readRaw(pos, buf, 0, buf.length);
            rw.write(pos, buf, 0, n);
            pos = pos.plus(n);
        }
        assertThat(rw.flushedLsn()).isEqualTo(START);
        rw.flush();
        assertThat(rw.awaitFlushedBeyond(START, 10)).isEqualTo(wal.flushedLsn());
        WalReader reader = new WalReader(standby, SEG, TimelineId.FIRST);
        reader.beginRead(START, Lsn.INVALID);
        int n = 0;
        while (reader.readNext(rw.flushedLsn()) != null) {
            n++;
        }
        assertThat(n).isEqualTo(100);
        assertThat(reader.status()).isEqualTo(WalReader.Status.NOT_YET_AVAILABLE);
        rw.close();
        wal.close(true);
    }

    @Test
    void walDumpPrintsOneLinePerRecord() {
        Wal wal = newWal();
        wal.insert(new CheckPoint(START, TimelineId.FIRST, TimelineId.FIRST, 3, 0).toRecord(true));
        wal.insertAll(List.of(put(735, 1), XactRecords.commit(735, 1_700_000_000_000_000L)));
        wal.close(true);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        WalDump.Result res = WalDump.dump(dir, SEG, START, null, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).startsWith("rmgr: XLOG        len (rec/tot):     52/    52, tx:          0, lsn: 0/00100000, prev 0/00000000, desc: CHECKPOINT_SHUTDOWN redo 0/100000");
        assertThat(lines[1]).matches("rmgr: KV +len \\(rec/tot\\): +\\d+/ +\\d+, tx: +735, lsn: 0/00100038, prev 0/00100000, desc: PUT key 6b657931 after 100 bytes before none");
        assertThat(lines[2]).contains("desc: COMMIT 2023-11-14 22:13:20.000000 UTC");
        assertThat(res.records()).isEqualTo(3);
        assertThat(res.endReason()).contains("invalid record length");
    }

    @Test
    void switchFinishesTheSegmentAndReadingContinuesInTheNext() {
        Wal wal = newWal();
        Lsn a = wal.insert(put(3, 1)).firstLsn();
        Lsn switchEnd = wal.switchSegment();
        assertThat(switchEnd.segmentNo(SEG)).isEqualTo(1);
        assertThat(wal.insertPosition()).isEqualTo(new Lsn(2 * SEG));
        assertThat(wal.flushedLsn()).isEqualTo(new Lsn(2 * SEG));
        assertThat(wal.switchSegment()).as("nothing to switch at a segment start").isEqualTo(new Lsn(2 * SEG));
        Lsn b = wal.insert(put(4, 2)).firstLsn();
        assertThat(b).isEqualTo(new Lsn(2 * SEG));
        wal.close(true);
        WalReader reader = new WalReader(dir, SEG, TimelineId.FIRST);
        reader.beginRead(a, Lsn.INVALID);
        assertThat(reader.readNext().xid()).isEqualTo(3);
        assertThat(XactRecords.isSwitch(reader.readNext())).isTrue();
        assertThat(reader.nextLsn()).isEqualTo(b);
        assertThat(reader.readNext().xid()).isEqualTo(4);
    }

    @Test
    void aReaderKeepingItsSegmentOpenReportsItRemovedByACheckpoint() {
        Wal wal = new Wal(dir, SEG, TimelineId.FIRST, START, Lsn.INVALID, new Wal.Options(false, 64 * 1024, 0, 0));
        for (int i = 0; i < 30_000; i++) {
            wal.insert(put(3, i));
        }
        wal.flushAll();
        Lsn current = wal.insertPosition();
        assertThat(current.segmentNo(SEG)).isGreaterThan(START.segmentNo(SEG) + 1);
        byte[] buf = new byte[24];
        try (WalReadCursor cursor = new WalReadCursor()) {
            assertThat(wal.readRaw(cursor, null, START, buf, 0, 24)).isEqualTo(24);
            assertThat(WalRecord.Header.parse(buf, 0).xid()).isEqualTo(3);
            assertThat(wal.removeOldSegments(current)).isPositive();
            // the file it holds open was removed: not read on as if it were still there
            assertThatThrownBy(() -> wal.readRaw(cursor, null, START.plus(24), buf, 0, 24))
                    .isInstanceOf(PgException.class)
                    .hasMessage("requested WAL segment 000000010000000000000001 has already been removed");
            Lsn kept = WalSegments.segmentStart(current.segmentNo(SEG), SEG);
            assertThat(wal.readRaw(cursor, null, kept, buf, 0, 24)).isEqualTo(24);
        }
        wal.close(true);
    }

    @Test
    void aReaderKeepingItsSegmentOpenMovesToTheFileTheReadTimelinesPrefer() throws Exception {
        Wal wal = newWal();
        Lsn end = wal.insert(put(3, 1)).endLsn();
        wal.flush(end);
        try (WalReadCursor cursor = new WalReadCursor()) {
            byte[] onOne = new byte[24];
            assertThat(wal.readRaw(cursor, null, START, onOne, 0, 24)).isEqualTo(24);
            // timeline 2's copy of the segment, with other bytes, becomes the file to read
            byte[] other = Files.readAllBytes(dir.resolve("000000010000000000000001"));
            other[0] ^= 0x7f;
            Files.write(dir.resolve("000000020000000000000001"), other);
            wal.setReadTimelines((segNo, size, at) -> List.of(new TimelineId(2), TimelineId.FIRST));
            byte[] buf = new byte[24];
            assertThat(wal.readRaw(cursor, null, START, buf, 0, 24)).isEqualTo(24);
            assertThat(buf[0]).isEqualTo((byte) (onOne[0] ^ 0x7f));
            // and back to timeline 1's file when the history says so
            wal.setReadTimelines((segNo, size, at) -> List.of(TimelineId.FIRST));
            assertThat(wal.readRaw(cursor, null, START, buf, 0, 24)).isEqualTo(24);
            assertThat(buf).isEqualTo(onOne);
        }
        wal.close(true);
    }

    @Test
    void readRawFollowsTheReadTimelines() throws Exception {
        Wal wal = newWal();
        Lsn end = wal.insert(put(3, 1)).endLsn();
        wal.flush(end);
        byte[] onOne = new byte[24];
        assertThat(wal.readRaw(START, onOne, 0, 24)).isEqualTo(24);
        // a timeline 2 beginning in the next segment: this segment is read from timeline 1's file
        Lsn next = WalSegments.segmentStart(START.segmentNo(SEG) + 1, SEG);
        wal.setReadTimelines((segNo, size, at) -> at.isBefore(next) ? List.of(TimelineId.FIRST)
                : List.of(new TimelineId(2), TimelineId.FIRST));
        byte[] buf = new byte[24];
        assertThat(wal.readRaw(START, buf, 0, 24)).isEqualTo(24);
        assertThat(buf).isEqualTo(onOne);
        assertThatThrownBy(() -> wal.readRaw(new TimelineId(2), START, buf, 0, 24))
                .hasMessage("requested WAL segment 000000020000000000000001 has already been removed");
        wal.close(true);
    }

    @Test
    void anInterruptedFollowerStillWaitsForItsFlushAndKeepsTheInterrupt() throws Exception {
        Wal wal = newWal();
        wal.flush(wal.insertAll(List.of(put(1, 0), XactRecords.commit(1, 0))).endLsn()); // mid-segment
        java.util.concurrent.CountDownLatch leaderInside = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch letGo = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        wal.setSegmentFinishedListener(segNo -> { // runs under the flush lock
            if (once.compareAndSet(false, true)) {
                leaderInside.countDown();
                try {
                    letGo.await(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        Thread holder = Thread.ofPlatform().start(wal::switchSegment);
        assertThat(leaderInside.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        Lsn[] end = new Lsn[1];
        boolean[] flushedOnReturn = new boolean[1];
        boolean[] interruptKept = new boolean[1];
        Thread follower = Thread.ofPlatform().start(() -> {
            end[0] = wal.insertAll(List.of(put(2, 0), XactRecords.commit(2, 0))).endLsn();
            wal.flush(end[0]);
            flushedOnReturn[0] = wal.flushedLsn().compareTo(end[0]) >= 0;
            interruptKept[0] = Thread.currentThread().isInterrupted();
        });
        while (follower.getState() != Thread.State.TIMED_WAITING && follower.isAlive()) {
            Thread.sleep(5);
        }
        follower.interrupt();
        letGo.countDown();
        holder.join(60_000);
        follower.join(60_000);
        assertThat(flushedOnReturn[0]).as("flush returned only once its LSN was durable").isTrue();
        assertThat(interruptKept[0]).as("the interrupt is kept for the caller").isTrue();
        wal.close(true);
    }

    @Test
    void commitsInsertedBeforeAFlushShareItsSingleFsync() throws Exception {
        Wal wal = newWal();
        int threads = 6;
        java.util.concurrent.CyclicBarrier inserted = new java.util.concurrent.CyclicBarrier(threads);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int tt = t;
            ts.add(Thread.ofVirtual().start(() -> {
                Lsn end = wal.insertAll(List.of(put(tt, 0), XactRecords.commit(tt, 0))).endLsn();
                try {
                    inserted.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                wal.flush(end);
            }));
        }
        for (Thread t : ts) {
            t.join(10_000);
        }
        assertThat(wal.fsyncCount()).isEqualTo(1);
        assertThat(wal.flushedLsn()).isEqualTo(wal.insertPosition());
        wal.close(true);
    }

    @Test
    void finishedSegmentsAreReportedOnceEachForArchiving() {
        Wal wal = newWal();
        List<Long> finished = new java.util.concurrent.CopyOnWriteArrayList<>();
        wal.setSegmentFinishedListener(finished::add);
        wal.insert(put(3, 1));
        wal.flushAll();
        assertThat(finished).isEmpty();
        wal.switchSegment();
        assertThat(finished).containsExactly(1L);
        for (int i = 0; i < 20_000; i++) { // ~2.6MB: finishes segments 2 and 3
            wal.insert(put(3, i));
        }
        wal.flushAll();
        assertThat(finished).containsExactly(1L, 2L, 3L);
        wal.close(true);
    }

}
