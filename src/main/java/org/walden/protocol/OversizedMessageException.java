package org.walden.protocol;

import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * A message longer than what the server takes for its type (a statement over the statement
 * size limit): its bytes were read and dropped, so the connection is still in step and the
 * backend answers with ERROR 54000 "program limit exceeded" as for any failed statement.
 */
public final class OversizedMessageException extends PgException {

    private static final long serialVersionUID = 1L;
    private final char type;

    OversizedMessageException(char type, long length, long limit) {
        super(Severity.ERROR, SqlState.PROGRAM_LIMIT_EXCEEDED, "program limit exceeded", "A message of " + length
                + " bytes exceeds this server's limit of " + limit + " bytes for its type.", null, null);
        this.type = type;
    }

    /** The type byte of the dropped message. */
    public char type() {
        return type;
    }
}
