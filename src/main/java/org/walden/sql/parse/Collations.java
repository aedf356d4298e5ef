package org.walden.sql.parse;

import java.util.List;
import java.util.Set;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * The collations a COLLATE clause may name: PostgreSQL 15's built-in ones for a UTF8 database
 * (default, C, POSIX, ucs_basic), optionally qualified by pg_catalog. Walden compares text by
 * code point (the C collation) whichever is named; a name that is none of them is refused as
 * PostgreSQL refuses it, not accepted and ignored.
 */
public final class Collations {
    private static final Set<String> BUILT_IN = Set.of("default", "C", "POSIX", "ucs_basic");

    private Collations() {
    }

    /**
     * 42704 'collation "name" for encoding "UTF8" does not exist' unless {@code names} is a
     * built-in collation; the error points at {@code position} (the COLLATE keyword), or nowhere when 0.
     */
    public static void check(List<String> names, int position) {
        String name = names.getLast();
        boolean schemaOk = names.size() == 1 || (names.size() == 2 && names.getFirst().equals("pg_catalog"));
        if (schemaOk && BUILT_IN.contains(name)) {
            return;
        }
        String message = "collation \"" + String.join(".", names) + "\" for encoding \"UTF8\" does not exist";
        throw position > 0 ? new SyntaxError(SqlState.UNDEFINED_OBJECT, message, position)
                : new PgException(SqlState.UNDEFINED_OBJECT, message);
    }
}
