package org.walden.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;
import org.walden.wal.Lsn;

/** Layouts checked against pg15-captures (recv, standby, jrepl). */
class StreamingMessagesTest {

    @Test
    void timestampsCountMicrosecondsFrom2000() {
        // recv/conn002.log: at unix 1795289474.868794 pg_receivewal sent ts=848604674868794
        Instant t = Instant.ofEpochSecond(1795289474L, 868_794_000L);
        assertThat(StreamingMessages.toPgTimestampMicros(t)).isEqualTo(848604674868794L);
        assertThat(StreamingMessages.fromPgTimestampMicros(848604674868794L)).isEqualTo(t);
        assertThat(StreamingMessages.toPgTimestampMicros(Instant.parse("2000-01-01T00:00:00Z"))).isZero();
    }

    @Test
    void standbyStatusUpdateIs34BytesAsPgReceivewalSendsIt() {
        // "CopyData r StandbyStatus write=0/2000000 flush=0/2000000 apply=0/0 ts=848604674868794 reply=0 len=34"
        var r = new StreamingMessages.StandbyStatusUpdate(Lsn.parse("0/2000000"), Lsn.parse("0/2000000"), Lsn.INVALID,
                848604674868794L, false);
        byte[] b = r.encode();
        assertThat(b).hasSize(34);
        ByteBuffer bb = ByteBuffer.wrap(b);
        assertThat(bb.get()).isEqualTo((byte) 'r');
        assertThat(bb.getLong()).isEqualTo(0x2000000L);
        assertThat(bb.getLong()).isEqualTo(0x2000000L);
        assertThat(bb.getLong()).isZero();
        assertThat(bb.getLong()).isEqualTo(848604674868794L);
        assertThat(bb.get()).isZero();
        assertThat(StreamingMessages.decode(b)).isEqualTo(r);
    }

    @Test
    void keepaliveIs18Bytes() {
        // jrepl: "CopyData k Keepalive walend=0/7028048 ts=848604805556051 reply=0 len=18"
        var k = new StreamingMessages.PrimaryKeepalive(Lsn.parse("0/7028048"), 848604805556051L, false);
        byte[] b = k.encode();
        assertThat(b).hasSize(18);
        assertThat(b[0]).isEqualTo((byte) 'k');
        assertThat(b[17]).isZero();
        assertThat(StreamingMessages.decode(b)).isEqualTo(k);
        assertThat(new StreamingMessages.PrimaryKeepalive(Lsn.INVALID, 0, true).encode()[17]).isEqualTo((byte) 1);
    }

    @Test
    void hotStandbyFeedbackIs25Bytes() {
        // standby: "CopyData h HSFeedback (848604740279135, 769, 0, 0, 0) len=25"
        var h = new StreamingMessages.HotStandbyFeedback(848604740279135L, 769, 0, 0, 0);
        byte[] b = h.encode();
        assertThat(b).hasSize(25);
        assertThat(StreamingMessages.decode(b)).isEqualTo(h);
    }

    @Test
    void xlogDataHeaderThenWal() {
        byte[] wal = new byte[131072];
        wal[0] = 7;
        wal[131071] = 9;
        var w = new StreamingMessages.XLogData(Lsn.parse("0/2000000"), Lsn.parse("0/21F7A68"), 848604674870124L, wal,
                0, wal.length);
        byte[] b = w.encode();
        assertThat(b).hasSize(25 + 131072);
        ByteBuffer bb = ByteBuffer.wrap(b);
        assertThat(bb.get()).isEqualTo((byte) 'w');
        assertThat(bb.getLong()).isEqualTo(0x2000000L);
        assertThat(bb.getLong()).isEqualTo(0x21F7A68L);
        assertThat(bb.getLong()).isEqualTo(848604674870124L);
        assertThat(b[25]).isEqualTo((byte) 7);
        var back = (StreamingMessages.XLogData) StreamingMessages.decode(b);
        assertThat(back.dataStart()).isEqualTo(Lsn.parse("0/2000000"));
        assertThat(back.length()).isEqualTo(131072);
        assertThat(back.data()[back.offset() + 131071]).isEqualTo((byte) 9);
    }

    @Test
    void malformedMessagesAreProtocolViolations() {
        assertThatThrownBy(() -> StreamingMessages.decode(new byte[] {'r', 1, 2}))
                .isInstanceOf(PgException.class).hasMessageContaining("invalid standby message length");
        assertThatThrownBy(() -> StreamingMessages.decode(new byte[] {'z'}))
                .hasMessage("unexpected message type \"z\"");
        assertThatThrownBy(() -> StreamingMessages.decode(new byte[0])).isInstanceOf(PgException.class);
    }
}
