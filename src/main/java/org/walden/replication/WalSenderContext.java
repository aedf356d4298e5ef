package org.walden.replication;

import java.time.Clock;
import java.util.Objects;
import org.walden.common.guc.ServerSettings;

/**
 * The server-wide things every walsender shares, built once by the postmaster.
 *
 * @param walSource      this server's WAL
 * @param backupSource   checkpoint + storage snapshot for BASE_BACKUP (null: BASE_BACKUP refused)
 * @param slots          the replication slots
 * @param registry       the live walsenders (pg_stat_replication, max_wal_senders)
 * @param settings       SHOW and the wal_sender_timeout / max_wal_senders settings
 * @param clock          time for keepalives, timeouts and message timestamps
 */
public record WalSenderContext(WalSource walSource, BackupSource backupSource, ReplicationSlots slots,
                               WalSenderRegistry registry, ServerSettings settings, Clock clock) {

    public WalSenderContext {
        Objects.requireNonNull(walSource);
        Objects.requireNonNull(slots);
        Objects.requireNonNull(registry);
        Objects.requireNonNull(settings);
        Objects.requireNonNull(clock);
    }

    /** wal_sender_timeout in ms; 0 disables the timeout (and the keepalives it drives). */
    long walSenderTimeoutMs() {
        return settings.getMillis("wal_sender_timeout");
    }

    int maxWalSenders() {
        return settings.getInt("max_wal_senders");
    }

    /** SHOW for the replication connection: the two settings every libpq client asks for, then the GUCs. */
    String show(String name) {
        return switch (name) {
            case "data_directory_mode" -> dataDirectoryMode();
            case "wal_segment_size" -> formatSegmentSize(walSource.walSegmentSizeBytes());
            default -> settings.show(name);
        };
    }

    /** The server's data_directory_mode (0700, or 0750 with group access); 0700 where the settings lack it. */
    private String dataDirectoryMode() {
        try {
            return settings.show("data_directory_mode");
        } catch (org.walden.common.PgException e) {
            return "0700";
        }
    }

    /** wal_segment_size as SHOW prints it: "16MB", "1GB". */
    static String formatSegmentSize(long bytes) {
        long gb = 1024L * 1024 * 1024;
        long mb = 1024L * 1024;
        if (bytes % gb == 0) {
            return bytes / gb + "GB";
        }
        if (bytes % mb == 0) {
            return bytes / mb + "MB";
        }
        return bytes / 1024 + "kB";
    }
}
