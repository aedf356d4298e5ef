package org.walden.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * How the WAL opens its segment files for writing: {@link FileChannel#open} in a server, a
 * fault-injecting layer in crash tests (one that forgets every byte not yet forced when a
 * "power loss" is simulated, as H2's reorder-writes file system and Kafka's MockLog do).
 * Process-wide: a test installs its opener before opening an engine and resets it after.
 */
public final class WalFileChannels {

    /** Opens a segment file (CREATE, READ, WRITE). */
    @FunctionalInterface
    public interface Opener {
        FileChannel open(Path file, OpenOption... options) throws IOException;
    }

    private static final Opener DEFAULT = FileChannel::open;
    private static volatile Opener opener = DEFAULT;

    private WalFileChannels() {
    }

    static FileChannel open(Path file, OpenOption... options) throws IOException {
        return opener.open(file, options);
    }

    /** For tests: segment files are opened by {@code testOpener} until {@link #reset}. */
    public static void install(Opener testOpener) {
        opener = testOpener;
    }

    public static void reset() {
        opener = DEFAULT;
    }
}
