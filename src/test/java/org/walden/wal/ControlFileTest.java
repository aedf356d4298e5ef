package org.walden.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.PgException;

class ControlFileTest {

    @TempDir
    Path dataDir;

    private final Clock clock = Clock.fixed(Instant.parse("2026-11-21T20:00:00.123456Z"), ZoneOffset.UTC);

    private ControlFile.Data initial() {
        return new ControlFile.Data(ControlFile.newSystemIdentifier(clock), DbState.SHUTDOWNED, 0,
                new Lsn(0x100000), new Lsn(0x100000), TimelineId.FIRST, TimelineId.FIRST, 3, 1, Lsn.INVALID,
                TimelineId.FIRST, Lsn.INVALID, Lsn.INVALID, false, 1L << 20);
    }

    @Test
    void systemIdentifierIsPostgresStyle() {
        long id = ControlFile.newSystemIdentifier(clock);
        assertThat(id >>> 32).isEqualTo(Instant.parse("2026-11-21T20:00:00Z").getEpochSecond());
        assertThat((id >>> 12) & 0xFFFFF).isEqualTo(123456);
    }

    @Test
    void writesAndReadsBack() {
        ControlFile cf = ControlFile.create(dataDir, initial(), clock);
        cf.update(d -> d.withState(DbState.IN_PRODUCTION).withBackup(new Lsn(5), new Lsn(9), true));
        ControlFile.Data back = ControlFile.open(dataDir, true, clock).get();
        assertThat(back).isEqualTo(cf.get());
        assertThat(back.state().text()).isEqualTo("in production");
        assertThat(back.backupEndRequired()).isTrue();
        assertThat(back.timeEpochSeconds()).isEqualTo(clock.instant().getEpochSecond());
    }

    @Test
    void refusesACorruptFile() throws Exception {
        ControlFile.create(dataDir, initial(), clock);
        Path p = dataDir.resolve(ControlFile.RELATIVE_PATH);
        byte[] bytes = Files.readAllBytes(p);
        bytes[30] ^= 1;
        Files.write(p, bytes);
        assertThatThrownBy(() -> ControlFile.open(dataDir, true, clock))
                .isInstanceOf(PgException.class).hasMessage("incorrect checksum in control file");
        Files.delete(p);
        assertThatThrownBy(() -> ControlFile.open(dataDir, true, clock))
                .isInstanceOf(PgException.class).hasMessageContaining("No such file or directory");
    }

    @Test
    void countersRoundTripAndCheckpointsCarryThemForward() {
        ControlFile.Counters counters = new ControlFile.Counters(7, 9, 11, 13, 0, 8, 0, 20, 30);
        ControlFile cf = ControlFile.create(dataDir, initial().withCounters(counters), clock);
        cf.update(d -> d.withCheckPoint(new Lsn(0x200000), new CheckPoint(new Lsn(0x200000), TimelineId.FIRST,
                TimelineId.FIRST, 50, 2)));
        ControlFile.Data back = ControlFile.open(dataDir, true, clock).get();
        assertThat(back.counters()).isEqualTo(counters);
        assertThat(back.nextXid()).isEqualTo(50);
    }

    /** A pg_control written before the counters were added (format version 1) still reads. */
    @Test
    void readsAVersion1FileWithTheInitialCounters() throws Exception {
        ControlFile.Data d = initial();
        ByteBuffer b = ByteBuffer.allocate(ControlFile.FILE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x57414C44).putInt(1);
        b.putLong(d.systemIdentifier()).putInt(d.state().ordinal()).putLong(d.timeEpochSeconds());
        b.putLong(d.checkPoint().value()).putLong(d.redo().value());
        b.putInt(1).putInt(1).putInt(d.nextXid()).putLong(d.checkPointTimeEpochSeconds());
        b.putLong(0).putInt(1).putLong(0).putLong(0).put((byte) 0).putLong(d.walSegmentSizeBytes());
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        Files.createDirectories(dataDir.resolve("global"));
        Files.write(dataDir.resolve(ControlFile.RELATIVE_PATH), b.array());
        ControlFile.Data back = ControlFile.open(dataDir, true, clock).get();
        assertThat(back).isEqualTo(d);
        assertThat(back.counters()).isEqualTo(ControlFile.Counters.INITIAL);
        // the next update writes the current format, which reads back the same
        ControlFile.open(dataDir, true, clock).update(x -> x.withState(DbState.IN_PRODUCTION));
        assertThat(ControlFile.open(dataDir, true, clock).get().counters()).isEqualTo(ControlFile.Counters.INITIAL);
    }
}
