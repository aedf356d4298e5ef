package org.walden.ha;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.walden.wal.Lsn;

/** Which standby replaces a lost primary (issue 12 part 3). */
class CandidateChoiceTest {

    private static ClusterState.Member standby(String name, String lsn, int priority, int timeline) {
        return new ClusterState.Member(name, "replica", timeline, Lsn.parse(lsn), Lsn.parse(lsn), "127.0.0.1", 5432,
                priority, "", "streaming", "");
    }

    private static final ClusterState.Status STATUS = new ClusterState.Status("node1", 1, Lsn.parse("0/5000000"));

    @Test
    void withSynchronousReplicationOnlyThePublishedSetIsEligibleEvenWhenAnotherIsAhead() {
        ClusterState.SyncSet sync = new ClusterState.SyncSet("node1", true, List.of("node3"));
        CandidateChoice.Choice c = CandidateChoice.choose(List.of(standby("node2", "0/5000000", 1, 1),
                standby("node3", "0/4FFFF00", 1, 1)), STATUS, sync, 0);
        assertThat(c.candidate().name()).isEqualTo("node3");
        assertThat(c.reason()).contains("(synchronous)");
    }

    @Test
    void withoutSynchronousReplicationTheMostAdvancedWithinTheLagLimitWinsAndALaggingOneNever() {
        CandidateChoice.Choice c = CandidateChoice.choose(List.of(standby("node2", "0/4000000", 5, 1),
                standby("node3", "0/4F00000", 1, 1)), STATUS, null, 2 * 1024 * 1024);
        assertThat(c.candidate().name()).isEqualTo("node3");

        CandidateChoice.Choice none = CandidateChoice.choose(List.of(standby("node2", "0/4000000", 5, 1)), STATUS,
                null, 1024 * 1024);
        assertThat(none.candidate()).isNull();
        assertThat(none.reason()).contains("node2: lags 16777216 bytes behind 0/5000000");
    }

    @Test
    void tiesGoToTheHigherPriorityAndPriorityZeroOrAnotherTimelineIsNeverChosen() {
        CandidateChoice.Choice c = CandidateChoice.choose(List.of(standby("node2", "0/5000000", 1, 1),
                standby("node3", "0/5000000", 7, 1), standby("node4", "0/6000000", 0, 1),
                standby("node5", "0/6000000", 9, 2)), STATUS, null, 0);
        assertThat(c.candidate().name()).isEqualTo("node3");
    }

    @Test
    void anEmptyPublishedSetUnderSynchronousReplicationElectsNobody() {
        ClusterState.SyncSet empty = new ClusterState.SyncSet("node1", true, List.of());
        CandidateChoice.Choice c = CandidateChoice.choose(List.of(standby("node2", "0/5000000", 1, 1)), STATUS, empty,
                Long.MAX_VALUE);
        assertThat(c.candidate()).isNull();
        assertThat(c.reason()).contains("published set is empty");
    }

    @Test
    void nothingPublishedMeansNoFailover() {
        assertThat(CandidateChoice.choose(List.of(standby("node2", "0/5000000", 1, 1)), null, null, 0).candidate())
                .isNull();
    }
}
