package org.walden.sql.types;

import java.time.ZoneId;
import java.time.ZoneOffset;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * What text input and output need beyond the value: the session's TimeZone, and the catalog
 * look-ups of the reg* types (regclass prints a relation's name, 'name'::regclass finds its OID),
 * which the sql layer supplies from the session's catalog.
 */
public interface ValueContext {

    ZoneId zone();

    /** The text of an OID-like value (regclass → relation name ...); null prints the number. */
    default String regOut(PgType type, long oid) {
        return null;
    }

    /** The OID a reg* input names; the default knows no catalog. */
    default long regIn(PgType type, String text) {
        throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cannot look up " + type.typname + " \"" + text
                + "\" here");
    }

    /** bytea_output = escape: bytea prints as text with \\ooo escapes instead of \\x hex. */
    default boolean byteaOutputEscape() {
        return false;
    }

    /** extra_float_digits: above 0 floats print their shortest exact digits, else 15 (float8) or 6 (float4) plus it. */
    default int extraFloatDigits() {
        return 1;
    }

    /** A context with only a time zone. */
    static ValueContext of(ZoneId zone) {
        return () -> zone;
    }

    ValueContext UTC = of(ZoneOffset.UTC);
}
