package org.walden.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
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
}
