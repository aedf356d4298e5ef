package org.walden.sql.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KeyFingerprintSetTest {

    private static byte[] key(int i) {
        return ("k" + i).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyAddedKeyIsFoundAndNoOtherAcrossGrowth() {
        KeyFingerprintSet set = new KeyFingerprintSet();
        for (int i = 0; i < 300_000; i++) {
            assertThat(set.add(key(i))).isTrue();
        }
        assertThat(set.size()).isEqualTo(300_000);
        for (int i = 0; i < 300_000; i++) {
            assertThat(set.contains(key(i))).isTrue();
            assertThat(set.add(key(i))).isFalse();
        }
        for (int i = 300_000; i < 600_000; i++) {
            assertThat(set.contains(key(i))).isFalse();
        }
        assertThat(set.size()).isEqualTo(300_000);
    }

    @Test
    void keysOfEveryLengthAndThoseDifferingInOneByteAreDistinct() {
        KeyFingerprintSet set = new KeyFingerprintSet();
        assertThat(set.contains(new byte[0])).isFalse();
        assertThat(set.add(new byte[0])).isTrue();
        for (int len = 1; len <= 40; len++) {
            byte[] k = new byte[len];
            assertThat(set.add(k)).as("zeros of length %d", len).isTrue();
            for (int pos = 0; pos < len; pos++) {
                byte[] other = k.clone();
                other[pos] = 1;
                assertThat(set.add(other)).as("length %d, byte %d", len, pos).isTrue();
            }
        }
        assertThat(set.contains(new byte[0])).isTrue();
        assertThat(set.contains(new byte[41])).isFalse();
    }
}
