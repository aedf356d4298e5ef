package org.walden.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * An ErrorResponse received from a server, as a {@link PgException}: the SQLSTATE maps to
 * {@link SqlState} when Walden knows the code (else {@link SqlState#INTERNAL_ERROR}; the
 * received code stays in {@link #code()}), and every field is kept in {@link #fields()}.
 */
public final class PgServerError extends PgException {

    private final Map<Character, String> fields;

    private PgServerError(Severity severity, SqlState state, String message, String detail, String hint,
                          Map<Character, String> fields) {
        super(severity, state, message, detail, hint, null);
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    static PgServerError of(Map<Character, String> fields) {
        String code = fields.getOrDefault(PgProtocol.FIELD_SQLSTATE, SqlState.INTERNAL_ERROR.code());
        SqlState state = SqlState.INTERNAL_ERROR;
        for (SqlState s : SqlState.values()) {
            if (s.code().equals(code)) {
                state = s;
                break;
            }
        }
        String sev = fields.getOrDefault(PgProtocol.FIELD_SEVERITY_NONLOCALIZED,
                fields.getOrDefault(PgProtocol.FIELD_SEVERITY, "ERROR"));
        Severity severity;
        try {
            severity = Severity.valueOf(sev);
        } catch (IllegalArgumentException e) {
            severity = Severity.ERROR;
        }
        return new PgServerError(severity, state, fields.getOrDefault(PgProtocol.FIELD_MESSAGE, ""),
                fields.get(PgProtocol.FIELD_DETAIL), fields.get(PgProtocol.FIELD_HINT), fields);
    }

    /** The SQLSTATE exactly as received. */
    public String code() {
        return fields.getOrDefault(PgProtocol.FIELD_SQLSTATE, SqlState.INTERNAL_ERROR.code());
    }

    public Map<Character, String> fields() {
        return fields;
    }

    @Override
    public String toString() {
        return severity() + ":  " + getMessage() + " (SQLSTATE " + code() + ")";
    }
}
