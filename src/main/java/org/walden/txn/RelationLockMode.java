package org.walden.txn;

/**
 * PostgreSQL's eight table lock modes, weakest first, with its conflict table: ACCESS SHARE
 * (every read: SELECT, a view's tables, subqueries, COPY TO), ROW SHARE (SELECT FOR UPDATE /
 * SHARE), ROW EXCLUSIVE (INSERT, UPDATE, DELETE, COPY FROM), SHARE UPDATE EXCLUSIVE, SHARE
 * (CREATE INDEX), SHARE ROW EXCLUSIVE, EXCLUSIVE and ACCESS EXCLUSIVE (DROP TABLE, TRUNCATE,
 * ALTER TABLE).
 */
public enum RelationLockMode {
    ACCESS_SHARE("AccessShareLock"),
    ROW_SHARE("RowShareLock"),
    ROW_EXCLUSIVE("RowExclusiveLock"),
    SHARE_UPDATE_EXCLUSIVE("ShareUpdateExclusiveLock"),
    SHARE("ShareLock"),
    SHARE_ROW_EXCLUSIVE("ShareRowExclusiveLock"),
    EXCLUSIVE("ExclusiveLock"),
    ACCESS_EXCLUSIVE("AccessExclusiveLock");

    /** The name pg_locks and PostgreSQL's messages use. */
    public final String pgName;

    RelationLockMode(String pgName) {
        this.pgName = pgName;
    }

    /** This mode's bit in a mask of modes. */
    int bit() {
        return 1 << ordinal();
    }

    /** The modes this one conflicts with, as a mask (PostgreSQL's LockConflicts). */
    int conflicts() {
        return switch (this) {
            case ACCESS_SHARE -> mask(ACCESS_EXCLUSIVE);
            case ROW_SHARE -> mask(EXCLUSIVE, ACCESS_EXCLUSIVE);
            case ROW_EXCLUSIVE -> mask(SHARE, SHARE_ROW_EXCLUSIVE, EXCLUSIVE, ACCESS_EXCLUSIVE);
            case SHARE_UPDATE_EXCLUSIVE -> mask(SHARE_UPDATE_EXCLUSIVE, SHARE, SHARE_ROW_EXCLUSIVE, EXCLUSIVE,
                    ACCESS_EXCLUSIVE);
            case SHARE -> mask(ROW_EXCLUSIVE, SHARE_UPDATE_EXCLUSIVE, SHARE_ROW_EXCLUSIVE, EXCLUSIVE, ACCESS_EXCLUSIVE);
            case SHARE_ROW_EXCLUSIVE -> mask(ROW_EXCLUSIVE, SHARE_UPDATE_EXCLUSIVE, SHARE, SHARE_ROW_EXCLUSIVE,
                    EXCLUSIVE, ACCESS_EXCLUSIVE);
            case EXCLUSIVE -> mask(ROW_SHARE, ROW_EXCLUSIVE, SHARE_UPDATE_EXCLUSIVE, SHARE, SHARE_ROW_EXCLUSIVE,
                    EXCLUSIVE, ACCESS_EXCLUSIVE);
            case ACCESS_EXCLUSIVE -> 0xFF;
        };
    }

    private static int mask(RelationLockMode... modes) {
        int m = 0;
        for (RelationLockMode mode : modes) {
            m |= mode.bit();
        }
        return m;
    }
}
