package org.walden.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.walden.wal.Lsn;

class SupervisorArchivingTest {

    @Test
    void theOlderValidKeepPositionWinsAndInvalidMeansNothingToKeep() {
        Lsn slot = new Lsn(0x300000);
        Lsn archive = new Lsn(0x100000);
        assertThat(Supervisor.oldestToKeep(slot, archive)).isEqualTo(archive);
        assertThat(Supervisor.oldestToKeep(archive, slot)).isEqualTo(archive);
        assertThat(Supervisor.oldestToKeep(Lsn.INVALID, slot)).isEqualTo(slot);
        assertThat(Supervisor.oldestToKeep(slot, Lsn.INVALID)).isEqualTo(slot);
        assertThat(Supervisor.oldestToKeep(null, Lsn.INVALID)).isEqualTo(Lsn.INVALID);
    }
}
