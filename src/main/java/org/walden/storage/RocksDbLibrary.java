package org.walden.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;

/**
 * Loads RocksDB's JNI library once per process. RocksDB's own loader copies the 15 MB library out
 * of its jar into the temporary directory at every start (a quarter to half a second of each
 * server and storage tool start, and a file left behind by every process killed with -9). When
 * the JVM is started with {@code -Dwalden.native.dir=DIR} and DIR on {@code java.library.path}
 * (bin/walden does so with target/native; servers started by ctl inherit both), the library is
 * copied into DIR the first time (again only when the jar's copy changes) and RocksDB's loader
 * finds it on the path. Without them, RocksDB's loader does as it always does.
 */
public final class RocksDbLibrary {

    /** The system property naming the directory; ServerLauncher passes it on. */
    public static final String DIR_PROPERTY = "walden.native.dir";

    private RocksDbLibrary() {
    }

    /** Loads the library: from DIR when the JVM names one (copying it there first), else as RocksDB does. */
    static void load() {
        String named = System.getProperty(DIR_PROPERTY);
        if (named != null && !named.isBlank()) {
            Path dir = Path.of(named);
            if (onLibraryPath(dir)) {
                try {
                    copyOnce(dir);
                } catch (IOException | UncheckedIOException e) {
                    // RocksDB's loader copies it to the temporary directory as before
                }
            }
        }
        RocksDB.loadLibrary();
    }

    private static boolean onLibraryPath(Path dir) {
        String path = System.getProperty("java.library.path", "");
        return Arrays.stream(path.split(java.io.File.pathSeparator)).anyMatch(p -> !p.isEmpty() && Path.of(p).equals(dir));
    }

    /** The jar's library as {@code dir/NAME}, unless a copy of the same size and time is there. */
    private static void copyOnce(Path dir) throws IOException {
        String name = Environment.getJniLibraryFileName("rocksdb");
        URL resource = RocksDB.class.getResource("/" + name);
        if (resource == null) {
            return;
        }
        URLConnection connection = resource.openConnection();
        long size = connection.getContentLengthLong();
        FileTime time = FileTime.fromMillis(connection instanceof JarURLConnection jar ? jar.getJarEntry().getTime()
                : connection.getLastModified());
        Path target = dir.resolve(name);
        if (Files.isRegularFile(target) && Files.size(target) == size
                && Files.getLastModifiedTime(target).equals(time)) {
            return;
        }
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, name, ".tmp");
        try (InputStream in = connection.getInputStream()) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(tmp, time);
            // a process that has the old copy loaded keeps its inode
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
