package org.walden.sql.exec;

import java.time.Instant;
import java.time.ZoneId;
import org.walden.common.guc.SessionSettings;
import org.walden.sql.ServerStatus;
import org.walden.sql.catalog.Catalog;
import org.walden.txn.TransactionManager;

/** What expressions and system views may ask of the session that runs them. */
public interface ExecEnv {

    ZoneId zone();

    /** now() / CURRENT_TIMESTAMP: the transaction's start time. */
    Instant transactionStart();

    Instant statementStart();

    String currentUser();

    String sessionUser();

    String databaseName();

    int backendPid();

    /** Never null: the engine substitutes a stand-alone status when the server gave none. */
    ServerStatus serverStatus();

    TransactionManager transactionManager();

    SessionSettings settings();

    Catalog catalog();

    /** Sends a NOTICE or WARNING to the client. */
    void notice(org.walden.common.PgException notice);

    /** Raises 57014 if the client asked to cancel the running statement. */
    void checkCancel();
}
