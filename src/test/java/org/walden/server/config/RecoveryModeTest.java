package org.walden.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.guc.GucServerSettings;

class RecoveryModeTest {

    @TempDir
    Path data;

    private RecoveryMode mode() throws Exception {
        if (!Files.exists(data.resolve("postgresql.conf"))) {
            Files.writeString(data.resolve("postgresql.conf"), "");
        }
        return RecoveryMode.of(data, GucServerSettings.load(data, Map.of()));
    }

    @Test
    void signalFilesAndRecoveryConfDecideTheMode() throws Exception {
        assertThat(mode()).isEqualTo(RecoveryMode.NONE);
        Files.writeString(data.resolve("recovery.signal"), "");
        assertThat(mode()).isEqualTo(RecoveryMode.ARCHIVE_RECOVERY);
        Files.writeString(data.resolve("standby.signal"), "");
        assertThat(mode()).isEqualTo(RecoveryMode.STANDBY);
        Files.delete(data.resolve("standby.signal"));
        Files.delete(data.resolve("recovery.signal"));
        Files.writeString(data.resolve("recovery.conf"), "standby_mode = 'on'\nprimary_conninfo = 'host=x'\n");
        assertThat(mode()).isEqualTo(RecoveryMode.STANDBY);
        Files.writeString(data.resolve("recovery.conf"), "restore_command = 'cp /a/%f %p'\n");
        assertThat(mode()).isEqualTo(RecoveryMode.ARCHIVE_RECOVERY);
    }

    @Test
    void hbaTemplateHasInitdbsColumns() {
        assertThat(ConfTemplates.row("host", "replication", "all", "127.0.0.1/32", "trust"))
                .isEqualTo("host    replication     all             127.0.0.1/32            trust\n");
        assertThat(ConfTemplates.row("local", "all", "all", "", "trust"))
                .isEqualTo("local   all             all                                     trust\n");
    }
}
