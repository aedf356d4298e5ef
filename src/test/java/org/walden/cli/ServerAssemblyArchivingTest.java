package org.walden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.walden.wal.Lsn;

class ServerAssemblyArchivingTest {

    @Test
    void theOlderValidKeepPositionWinsAndInvalidMeansNothingToKeep() {
        Lsn slot = new Lsn(0x300000);
        Lsn archive = new Lsn(0x100000);
        assertThat(ServerAssembly.oldestToKeep(slot, archive)).isEqualTo(archive);
        assertThat(ServerAssembly.oldestToKeep(archive, slot)).isEqualTo(archive);
        assertThat(ServerAssembly.oldestToKeep(Lsn.INVALID, slot)).isEqualTo(slot);
        assertThat(ServerAssembly.oldestToKeep(slot, Lsn.INVALID)).isEqualTo(slot);
        assertThat(ServerAssembly.oldestToKeep(null, Lsn.INVALID)).isEqualTo(Lsn.INVALID);
    }
}
