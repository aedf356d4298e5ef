package org.walden.common;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The modes of a data directory and what is created in it, as PostgreSQL's file_perm.c and
 * miscinit.c's checkDataDir have them: the directory is 0700, or 0750 when initdb -g allowed
 * group access; files are created 0600 (0640), directories 0700 (0750). A server or tool that
 * writes into a data directory sets the process umask to match ({@link #applyUmask}), so files
 * created by any code in the process, RocksDB's native code included, get these modes.
 */
public final class DataDirectoryMode {

    /** PostgreSQL's PG_MODE_MASK_OWNER: what the umask takes away without group access. */
    public static final int MASK_OWNER = 0077;
    /** PG_MODE_MASK_GROUP: with group access. */
    public static final int MASK_GROUP = 0027;

    private static final Set<PosixFilePermission> FILE_OWNER = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> FILE_GROUP = PosixFilePermissions.fromString("rw-r-----");

    private DataDirectoryMode() {
    }

    /** True if the directory lets its group read (initdb -g): files are then 0640. */
    public static boolean groupAccess(Path dataDir) {
        try {
            return Files.getPosixFilePermissions(dataDir).contains(PosixFilePermission.GROUP_READ);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The mode a new file in {@code dataDir} gets: 0600, or 0640 with group access. */
    public static Set<PosixFilePermission> fileMode(Path dataDir) {
        return groupAccess(dataDir) ? FILE_GROUP : FILE_OWNER;
    }

    /** Sets {@code file}'s mode to the one its data directory asks for (best effort on non-POSIX file systems). */
    public static void restrict(Path file, Path dataDir) throws IOException {
        try {
            Files.setPosixFilePermissions(file, fileMode(dataDir));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to restrict
        }
    }

    /**
     * PostgreSQL's checkDataDir: the directory must belong to the user running the server and
     * have mode 0700 or 0750. FATAL with PostgreSQL's message and detail otherwise.
     */
    public static void checkDataDir(Path dataDir) {
        Set<PosixFilePermission> perms;
        String owner;
        try {
            perms = Files.getPosixFilePermissions(dataDir);
            owner = Files.getOwner(dataDir).getName();
        } catch (UnsupportedOperationException e) {
            return;
        } catch (IOException e) {
            throw PgException.fatal(SqlState.IO_ERROR, "could not read permissions of directory \"" + dataDir
                    + "\": " + e.getMessage());
        }
        String me = System.getProperty("user.name");
        if (me != null && !me.equals(owner) && !String.valueOf(uid()).equals(owner)) {
            throw new PgException(PgException.Severity.FATAL, SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                    "data directory \"" + dataDir + "\" has wrong ownership", null,
                    "The server must be started by the user that owns the data directory.", null);
        }
        Set<PosixFilePermission> allowed = EnumSet.of(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE);
        if (!allowed.containsAll(perms)) {
            throw new PgException(PgException.Severity.FATAL, SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                    "data directory \"" + dataDir + "\" has invalid permissions",
                    "Permissions should be u=rwx (0700) or u=rwx,g=rx (0750).", null, null);
        }
    }

    private static Object uid() {
        try {
            return Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "";
        }
    }

    /**
     * Sets the process umask to {@link #MASK_GROUP} when {@code dataDir} allows group access,
     * else {@link #MASK_OWNER} (PostgreSQL's SetDataDirectoryCreatePerm then umask). Returns
     * false when this JVM cannot call umask(2) (it needs the foreign function API of Java 22+);
     * then only the files Walden's own code restricts get the right mode.
     */
    public static boolean applyUmask(Path dataDir) {
        return setUmask(groupAccess(dataDir) ? MASK_GROUP : MASK_OWNER);
    }

    /** umask(2) through java.lang.foreign, looked up reflectively (a preview API in Java 21, which Walden targets). */
    public static boolean setUmask(int mask) {
        try {
            Class<?> linkerClass = Class.forName("java.lang.foreign.Linker");
            Class<?> layoutClass = Class.forName("java.lang.foreign.MemoryLayout");
            Class<?> descriptorClass = Class.forName("java.lang.foreign.FunctionDescriptor");
            Class<?> segmentClass = Class.forName("java.lang.foreign.MemorySegment");
            Class<?> optionClass = Class.forName("java.lang.foreign.Linker$Option");
            Object linker = linkerClass.getMethod("nativeLinker").invoke(null);
            Object lookup = linkerClass.getMethod("defaultLookup").invoke(linker);
            Optional<?> symbol = (Optional<?>) Class.forName("java.lang.foreign.SymbolLookup")
                    .getMethod("find", String.class).invoke(lookup, "umask");
            if (symbol.isEmpty()) {
                return false;
            }
            Object javaInt = Class.forName("java.lang.foreign.ValueLayout").getField("JAVA_INT").get(null);
            Object argLayouts = Array.newInstance(layoutClass, 1);
            Array.set(argLayouts, 0, javaInt);
            Object descriptor = descriptorClass.getMethod("of", layoutClass, argLayouts.getClass())
                    .invoke(null, javaInt, argLayouts);
            Object noOptions = Array.newInstance(optionClass, 0);
            MethodHandle umask = (MethodHandle) linkerClass
                    .getMethod("downcallHandle", segmentClass, descriptorClass, noOptions.getClass())
                    .invoke(linker, symbol.get(), descriptor, noOptions);
            umask.invokeWithArguments(mask);
            return true;
        } catch (Throwable e) {
            return false;
        }
    }
}
