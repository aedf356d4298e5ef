package org.walden.txn;

import java.util.Locale;

/** What a commit waits for before it is acknowledged and made visible (synchronous_commit). */
public enum SynchronousCommit {
    /** Nothing: the WalWriter flushes soon after. */
    OFF,
    /** The local WAL flush. */
    LOCAL,
    /** Local flush, then the synchronous standbys' write. */
    REMOTE_WRITE,
    /** Local flush, then the synchronous standbys' flush. */
    ON,
    /** Local flush, then the synchronous standbys' replay. */
    REMOTE_APPLY;

    /** Parses the setting's value as PostgreSQL accepts it (also true/false/yes/no/1/0). */
    public static SynchronousCommit parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "off", "false", "no", "0" -> OFF;
            case "local" -> LOCAL;
            case "remote_write" -> REMOTE_WRITE;
            case "on", "true", "yes", "1" -> ON;
            case "remote_apply" -> REMOTE_APPLY;
            default -> throw new IllegalArgumentException(text);
        };
    }

    public String settingName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
