package org.walden.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LsnTest {

    @Test
    void printsAndParsesAsPostgresDoes() {
        assertThat(new Lsn(0x1_0000_00A8L).toString()).isEqualTo("1/A8");
        assertThat(new Lsn(0x7000EA0L).toString()).isEqualTo("0/7000EA0");
        assertThat(Lsn.parse("16/B374D848").value()).isEqualTo(0x16_B374_D848L);
        assertThat(Lsn.parse("0/0")).isEqualTo(Lsn.INVALID);
    }

    @Test
    void rejectsMalformedText() {
        assertThatThrownBy(() -> Lsn.parse("12345")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Lsn.parse("G/0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Lsn.parse("0/")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void findsSegments() {
        long seg = 16L * 1024 * 1024;
        Lsn lsn = Lsn.parse("0/3000028");
        assertThat(lsn.segmentNo(seg)).isEqualTo(3);
        assertThat(lsn.segmentOffset(seg)).isEqualTo(0x28);
    }

    @Test
    void equalsByValue() {
        assertThat(new Lsn(0x16_B374_D848L)).isEqualTo(Lsn.parse("16/B374D848"))
                .hasSameHashCodeAs(Lsn.parse("16/B374D848")).isNotEqualTo(new Lsn(0x16_B374_D850L));
        assertThat(Lsn.INVALID).isNotEqualTo(null).isNotEqualTo(0L);
    }

    @Test
    void namesSegmentFilesAsPostgresDoes() {
        long seg = 16L * 1024 * 1024;
        assertThat(WalSegments.fileName(new TimelineId(1), 3, seg)).isEqualTo("000000010000000000000003");
        assertThat(WalSegments.fileName(new TimelineId(0xAB), 0x1_0000_00FEL, seg))
                .isEqualTo("000000AB01000000000000FE");
        assertThat(WalSegments.fileName(new TimelineId(0x7FFFFFFF), 256 * 0xFFFFFFFFL + 255, seg))
                .isEqualTo("7FFFFFFFFFFFFFFF000000FF");
    }
}
