package org.walden.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;
import org.walden.wal.Lsn;
import org.walden.wal.RmgrId;
import org.walden.wal.WalRecord;
import org.walden.wal.XactRecords;

class RecoveryTargetTest {

    private final Map<String, String> settings = new HashMap<>();
    private final List<String> log = new ArrayList<>();

    private RecoveryTarget target() {
        return RecoveryTarget.fromSettings(n -> settings.getOrDefault(n, ""), ZoneOffset.UTC);
    }

    private static WalRecord at(WalRecord r, String lsn) {
        return new WalRecord(Lsn.parse(lsn), r.xid(), Lsn.INVALID, r.rmgr(), r.info(), r.payload());
    }

    private static final long T0 = 1_765_000_000_000_000L; // microseconds

    @Test
    void twoTargetsAreFatalAndBadValuesRefused() {
        settings.put("recovery_target_name", "a");
        settings.put("recovery_target_xid", "7");
        assertThatThrownBy(this::target).isInstanceOfSatisfying(PgException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("multiple recovery targets specified");
            assertThat(e.severity()).isEqualTo(PgException.Severity.FATAL);
        });
        settings.clear();
        settings.put("recovery_target", "latest");
        assertThatThrownBy(this::target).hasMessage("invalid value for parameter \"recovery_target\": \"latest\"");
        settings.clear();
        settings.put("recovery_target_action", "explode");
        assertThatThrownBy(this::target)
                .hasMessage("invalid value for parameter \"recovery_target_action\": \"explode\"");
    }

    @Test
    void xidStopsAfterItsCommitOrBeforeItWhenExclusive() {
        settings.put("recovery_target_xid", "7");
        RecoveryTarget t = target();
        assertThat(t.startLine()).isEqualTo("starting point-in-time recovery to XID 7");
        WalRecord commit = at(XactRecords.commit(7, T0), "0/3000100");
        assertThat(t.stopsBefore(commit, true, log::add)).isNull();
        RecoveryTarget.Stop stop = t.stopsAfter(commit, true, log::add);
        assertThat(stop.after()).isTrue();
        assertThat(log).containsExactly("recovery stopping after commit of transaction 7, time "
                + RecoveryTarget.formatTime(T0));
        assertThat(t.stopReason(stop)).isEqualTo("after transaction 7");
        settings.put("recovery_target_inclusive", "off");
        assertThat(target().stopsBefore(commit, true, log::add).after()).isFalse();
        assertThat(target().stopsAfter(at(XactRecords.commit(8, T0), "0/3000200"), true, log::add)).isNull();
    }

    @Test
    void timeStopsBeforeTheFirstCommitPastIt() {
        settings.put("recovery_target_time", "2025-12-06 05:46:40+00");
        RecoveryTarget t = target();
        assertThat(t.timeMicros()).isEqualTo(T0);
        assertThat(t.stopsBefore(at(XactRecords.commit(5, T0), "0/1"), true, log::add)).as("at the target").isNull();
        RecoveryTarget.Stop stop = t.stopsBefore(at(XactRecords.commit(6, T0 + 1), "0/2"), true, log::add);
        assertThat(stop).isNotNull();
        assertThat(t.stopReason(stop)).isEqualTo("before 2025-12-06 05:46:40.000001+00\n");
        settings.put("recovery_target_inclusive", "false");
        assertThat(target().stopsBefore(at(XactRecords.commit(5, T0), "0/1"), true, log::add)).isNotNull();
        // other forms of the time, and a zone
        assertThat(RecoveryTarget.parseTimeMicros("2025-12-06T05:46:40Z", ZoneOffset.UTC)).isEqualTo(T0);
        assertThat(RecoveryTarget.parseTimeMicros("2025-12-06 06:46:40.000000+01:00", ZoneOffset.UTC)).isEqualTo(T0);
        assertThat(RecoveryTarget.parseTimeMicros("2025-12-06 06:46:40", ZoneId.of("Europe/Paris"))).isEqualTo(T0);
    }

    @Test
    void nameLsnAndImmediate() {
        settings.put("recovery_target_name", "my_target");
        RecoveryTarget name = target();
        WalRecord point = at(XactRecords.restorePoint("my_target", T0), "0/4000000");
        assertThat(name.stopsAfter(at(XactRecords.restorePoint("other", T0), "0/3000000"), true, log::add)).isNull();
        assertThat(name.stopReason(name.stopsAfter(point, true, log::add))).isEqualTo("at restore point \"my_target\"");
        settings.clear();
        settings.put("recovery_target_lsn", "0/5000000");
        RecoveryTarget lsn = target();
        WalRecord noop = at(XactRecords.noop(), "0/5000010");
        assertThat(lsn.stopsAfter(at(XactRecords.noop(), "0/4FFFFF8"), true, log::add)).isNull();
        RecoveryTarget.Stop stop = lsn.stopsAfter(noop, true, log::add);
        assertThat(lsn.stopReason(stop)).isEqualTo("after LSN 0/5000010\n");
        assertThat(log).last().isEqualTo("recovery stopping after WAL location (LSN) \"0/5000010\"");
        settings.clear();
        settings.put("recovery_target", "immediate");
        RecoveryTarget immediate = target();
        assertThat(immediate.stopsAfter(noop, false, log::add)).isNull();
        assertThat(immediate.stopReason(immediate.stopsAfter(noop, true, log::add))).isEqualTo("reached consistency");
        assertThat(RecoveryTarget.none().stopReason(null)).isEqualTo("no recovery target specified");
        assertThat(WalRecord.of(0, RmgrId.XLOG, RmgrId.XLOG_NOOP, new byte[0]).rmgr()).isEqualTo(RmgrId.XLOG);
    }
}
