package org.walden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.guc.GucServerSettings;

class DemoCommandTest {

    @TempDir
    Path tmp;

    @Test
    void socketsGoWhereDebiansPsqlLooks() {
        assertThat(GucServerSettings.defaults(java.util.Map.of()).getString("unix_socket_directories"))
                .isEqualTo("/var/run/postgresql");
    }

    @Test
    void connectLinesUsePlainDashPWhenTheSocketIsThere() throws Exception {
        assertThat(DemoCommand.connectLines(tmp)).containsExactly(
                "Connect:   psql -h localhost -p 5438 -U postgres postgres    (primary)",
                "           psql -h localhost -p 5439 -U postgres postgres    (hot standby, read-only)");
        Files.createFile(tmp.resolve(".s.PGSQL.5438"));
        Files.createFile(tmp.resolve(".s.PGSQL.5439"));
        assertThat(DemoCommand.connectLines(tmp)).containsExactly(
                "Connect:   psql -p 5438 -U postgres postgres    (primary)",
                "           psql -p 5439 -U postgres postgres    (hot standby, read-only)");
    }
}
