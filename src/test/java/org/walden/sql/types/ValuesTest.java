package org.walden.sql.types;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.wal.Lsn;

class ValuesTest {

    private static final ZoneId UTC = ZoneOffset.UTC;

    @Test
    void textOutputAsPostgresPrintsIt() {
        assertThat(Values.toText(PgType.BOOL, true, UTC)).isEqualTo("t");
        assertThat(Values.toText(PgType.TIMESTAMP, LocalDateTime.of(2026, 11, 21, 19, 55, 1, 123_456_000), UTC))
                .isEqualTo("2026-11-21 19:55:01.123456");
        assertThat(Values.toText(PgType.TIMESTAMP, LocalDateTime.of(2026, 11, 21, 19, 55, 1, 120_000_000), UTC))
                .isEqualTo("2026-11-21 19:55:01.12");
        assertThat(Values.toText(PgType.TIMESTAMP, LocalDateTime.of(2026, 11, 21, 19, 55, 1), UTC))
                .isEqualTo("2026-11-21 19:55:01");
        Instant i = Instant.parse("2026-11-21T19:55:01.5Z");
        assertThat(Values.toText(PgType.TIMESTAMPTZ, i, UTC)).isEqualTo("2026-11-21 19:55:01.5+00");
        assertThat(Values.toText(PgType.TIMESTAMPTZ, i, ZoneId.of("Asia/Kolkata")))
                .isEqualTo("2026-11-22 01:25:01.5+05:30");
        assertThat(Values.toText(PgType.NUMERIC, new BigDecimal("1.500"), UTC)).isEqualTo("1.500");
        assertThat(Values.toText(PgType.FLOAT8, 0.1, UTC)).isEqualTo("0.1");
        assertThat(Values.toText(PgType.FLOAT8, 1e20, UTC)).isEqualTo("1e+20");
        assertThat(Values.toText(PgType.FLOAT8, 100.0, UTC)).isEqualTo("100");
        assertThat(Values.toText(PgType.FLOAT8, 1.5e-5, UTC)).isEqualTo("1.5e-05");
        assertThat(Values.toText(PgType.INTERVAL, Interval.ofMicros(1_500_000), UTC)).isEqualTo("00:00:01.5");
        assertThat(Values.toText(PgType.INTERVAL, new Interval(14, 3, 3_600_000_000L), UTC))
                .isEqualTo("1 year 2 mons 3 days 01:00:00");
        assertThat(Values.toText(PgType.PG_LSN, new Lsn(0x1_0000_0028L), UTC)).isEqualTo("1/28");
    }

    @Test
    void bpcharPadsAndVarcharChecksLength() {
        assertThat(Values.coerceToTypmod("ab", PgType.BPCHAR, 4 + 4, false)).isEqualTo("ab  ");
        assertThat(Values.coerceToTypmod("abc   ", PgType.VARCHAR, 3 + 4, false)).isEqualTo("abc");
        assertThatThrownBy(() -> Values.coerceToTypmod("abcd", PgType.BPCHAR, 3 + 4, false))
                .hasMessage("value too long for type character(3)");
        assertThat(Values.coerceToTypmod("abcd", PgType.VARCHAR, 3 + 4, true)).isEqualTo("abc");
        assertThat(Values.coerceToTypmod(new BigDecimal("1.005"), PgType.NUMERIC, ((5 << 16) | 2) + 4, false))
                .isEqualTo(new BigDecimal("1.01"));
        assertThatThrownBy(() -> Values.coerceToTypmod(new BigDecimal("1000"), PgType.NUMERIC, ((5 << 16) | 2) + 4,
                false)).hasMessage("numeric field overflow");
    }

    @Test
    void numericBinaryUsesBase10000Digits() {
        for (String s : new String[] {"0", "1", "-1", "1.5", "12345.6789", "0.0001", "100000000", "-0.00012",
                "3.14159265358979323846", "10000.00"}) {
            BigDecimal v = new BigDecimal(s);
            byte[] b = Values.toBinary(PgType.NUMERIC, v);
            assertThat((BigDecimal) Values.fromBinary(PgType.NUMERIC, b)).as(s).isEqualTo(v);
        }
        // 12345.6789 → digits 1, 2345, 6789; weight 1; dscale 4
        assertThat(Values.toBinary(PgType.NUMERIC, new BigDecimal("12345.6789")))
                .containsExactly(0, 3, 0, 1, 0, 0, 0, 4, 0, 1, 0x09, 0x29, 0x1A, 0x85);
        // 0.0001 → one digit 1 at weight -1
        assertThat(Values.toBinary(PgType.NUMERIC, new BigDecimal("0.0001")))
                .containsExactly(0, 1, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, 4, 0, 1);
    }

    @Test
    void textInputErrors() {
        assertThatThrownBy(() -> Values.parseText(PgType.INT4, "x", UTC))
                .isInstanceOf(PgException.class).hasMessage("invalid input syntax for type integer: \"x\"");
        assertThatThrownBy(() -> Values.parseText(PgType.INT4, "99999999999", UTC))
                .hasMessage("value \"99999999999\" is out of range for type integer")
                .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.NUMERIC_VALUE_OUT_OF_RANGE));
        assertThat(Values.parseText(PgType.BOOL, "yes", UTC)).isEqualTo(true);
        assertThat(Values.parseText(PgType.TIMESTAMPTZ, "2026-11-21 19:55:01+02", UTC))
                .isEqualTo(Instant.parse("2026-11-21T17:55:01Z"));
        assertThat(Values.parseText(PgType.PG_LSN, "0/3000060", UTC)).isEqualTo(new Lsn(0x3000060));
    }

    @Test
    void binaryRoundTrips() {
        LocalDateTime t = LocalDateTime.of(1999, 12, 31, 23, 59, 59, 999_999_000);
        assertThat(Values.fromBinary(PgType.TIMESTAMP, Values.toBinary(PgType.TIMESTAMP, t))).isEqualTo(t);
        assertThat(Values.fromBinary(PgType.INT8, Values.toBinary(PgType.INT8, 42L))).isEqualTo(42L);
        assertThat(Values.fromBinary(PgType.FLOAT8, Values.toBinary(PgType.FLOAT8, 2.5))).isEqualTo(2.5);
        assertThat(Values.fromBinary(PgType.INTERVAL, Values.toBinary(PgType.INTERVAL, new Interval(1, 2, 3))))
                .isEqualTo(new Interval(1, 2, 3));
    }
}
