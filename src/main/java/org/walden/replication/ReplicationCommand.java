package org.walden.replication;

import java.util.List;
import java.util.Locale;
import org.walden.wal.Lsn;

/**
 * A parsed replication command (PostgreSQL's repl_gram.y node types). Names are already
 * downcased unless they were double-quoted; option names are always downcased.
 */
public sealed interface ReplicationCommand {

    /** {@code IDENTIFY_SYSTEM}. */
    record IdentifySystem() implements ReplicationCommand {
    }

    /** {@code SHOW name} (name may be dotted: {@code a.b}). */
    record Show(String name) implements ReplicationCommand {
    }

    /** {@code TIMELINE_HISTORY n}. */
    record TimelineHistory(int timeline) implements ReplicationCommand {
    }

    /** {@code CREATE_REPLICATION_SLOT name [TEMPORARY] PHYSICAL|LOGICAL plugin [options]}. */
    record CreateReplicationSlot(String slotName, boolean temporary, boolean physical, String plugin,
                                 List<GenericOption> options) implements ReplicationCommand {
        /** RESERVE_WAL, from the parenthesised list or the legacy bare keyword. */
        public boolean reserveWal() {
            for (GenericOption option : options) {
                if (option.name().equals("reserve_wal")) {
                    return option.value() == null || option.booleanValue();
                }
            }
            return false;
        }
    }

    /** {@code READ_REPLICATION_SLOT name}. */
    record ReadReplicationSlot(String slotName) implements ReplicationCommand {
    }

    /** {@code DROP_REPLICATION_SLOT name [WAIT]}. */
    record DropReplicationSlot(String slotName, boolean waitForRelease) implements ReplicationCommand {
    }

    /**
     * {@code START_REPLICATION [SLOT s] [PHYSICAL] X/X [TIMELINE n]}; timeline 0 means "the
     * current one". A logical start is parsed only to be refused.
     */
    record StartReplication(String slotName, boolean physical, Lsn startPoint, int timeline)
            implements ReplicationCommand {
    }

    /**
     * {@code READ_KEY_RANGE 'from' 'to'} (Walden's, for walden rewind): the storage engine's
     * rows with keys in [from, to), both hexadecimal, as the server holds them now.
     */
    record ReadKeyRange(byte[] from, byte[] to) implements ReplicationCommand {
    }

    /** {@code BASE_BACKUP [( option [value], ... )]} or the legacy option words. */
    record BaseBackup(List<GenericOption> options) implements ReplicationCommand {
    }

    /**
     * One {@code name [value]} option. The value is the literal's text (a quoted string's
     * content, an identifier, or a number's digits), or null when absent.
     */
    record GenericOption(String name, String value) {
        /** PostgreSQL's defGetBoolean: true/false/on/off/1/0 (and absent = true); 22023 else. */
        public boolean booleanValue() {
            if (value == null) {
                return true;
            }
            switch (value.toLowerCase(Locale.ROOT)) {
                case "true", "on", "1", "yes", "t", "y" -> {
                    return true;
                }
                case "false", "off", "0", "no", "f", "n" -> {
                    return false;
                }
                default -> throw new org.walden.common.PgException(
                        org.walden.common.SqlState.SYNTAX_ERROR, name + " requires a Boolean value");
            }
        }
    }
}
