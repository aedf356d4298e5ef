package org.walden.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;
import org.walden.common.guc.GucCatalog;
import org.walden.common.guc.GucContext;
import org.walden.common.guc.GucServerSettings;

/** The walden.ha_* settings are proper parameters: types, units, ranges, when they change. */
class HaSettingsTest {

    @Test
    void withoutSettingsFailoverIsOffAndTheDefaultsApply() {
        HaSettings s = HaSettings.of(GucServerSettings.defaults(Map.of()));
        assertThat(s.enabled()).isFalse();
        assertThat(s.sessionTimeoutMs()).isEqualTo(3000);
        assertThat(s.priority()).isEqualTo(1);
        assertThat(s.maximumLagBytes()).isEqualTo(1024 * 1024);
        assertThat(s.clusterName()).isEqualTo("walden");
    }

    @Test
    void unitsAreReadAsPostgreSQLReadsThem() {
        HaSettings s = HaSettings.of(GucServerSettings.defaults(Map.of("walden.ha_coordinator", "zk1:2181/walden",
                "walden.ha_session_timeout", "2s", "walden.ha_maximum_lag_on_failover", "16MB",
                "walden.ha_node_name", "n1")));
        assertThat(s.enabled()).isTrue();
        assertThat(s.sessionTimeoutMs()).isEqualTo(2000);
        assertThat(s.maximumLagBytes()).isEqualTo(16L * 1024 * 1024);
        assertThat(s.nodeName()).isEqualTo("n1");
    }

    @Test
    void valuesOutOfRangeAreRefusedInPostgreSQLsWords() {
        assertThatThrownBy(() -> GucServerSettings.defaults(Map.of("walden.ha_session_timeout", "500")))
                .isInstanceOf(PgException.class)
                .hasMessageContaining("500 ms is outside the valid range for parameter \"walden.ha_session_timeout\"");
        assertThatThrownBy(() -> GucServerSettings.defaults(Map.of("walden.ha_failover_priority", "-1")))
                .isInstanceOf(PgException.class).hasMessageContaining("outside the valid range");
    }

    @Test
    void theCoordinatorNeedsARestartThePriorityAReload() {
        assertThat(GucCatalog.pg15().find("walden.ha_coordinator").context()).isEqualTo(GucContext.POSTMASTER);
        assertThat(GucCatalog.pg15().find("walden.ha_failover_priority").context()).isEqualTo(GucContext.SIGHUP);
        assertThat(GucCatalog.pg15().find("walden.ha_maximum_lag_on_failover").context()).isEqualTo(GucContext.SIGHUP);
    }
}
