package org.walden.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.walden.common.Invariants;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * Timeline history files in pg_wal ({@code 00000002.history}): written durably (temp file,
 * fsync, rename, directory fsync) when a timeline is created or fetched with TIMELINE_HISTORY,
 * read when a walsender serves TIMELINE_HISTORY. The content's format belongs to whoever
 * writes it (PostgreSQL's: one "parentTLI\tswitchpoint\treason" line per ancestor).
 */
public final class HistoryFiles {

    private HistoryFiles() {
    }

    /** The content of {@code tli}'s history file, or null when there is none. */
    public static String read(Path walDir, TimelineId tli) {
        try {
            return Files.readString(walDir.resolve(tli.historyFileName()), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not read file \"" + tli.historyFileName() + "\": "
                    + e.getMessage(), e);
        }
    }

    /** Writes {@code tli}'s history file durably, replacing any older copy. */
    public static void write(Path walDir, TimelineId tli, String content) {
        Path target = walDir.resolve(tli.historyFileName());
        Path tmp = walDir.resolve(tli.historyFileName() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(walDir, StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            Invariants.panic("could not write file \"" + target + "\": " + e.getMessage(), e);
        }
    }
}
