package org.walden.sql.exec;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.RowCodec;
import org.walden.sql.types.PgType;

/**
 * The spill files of one statement execution (PostgreSQL's temporary files in base/pgsql_tmp):
 * rows written in their stored encoding, length-prefixed, then read back in order. All are
 * deleted when the execution ends.
 */
final class TempFiles implements AutoCloseable {

    private static final int BUFFER_BYTES = 64 * 1024;

    private final Path directory;
    private final List<Path> files = new ArrayList<>();

    TempFiles(Path directory) {
        this.directory = directory;
    }

    /** A file of rows of {@code types}: written first, then read (possibly several times). */
    final class RowFile implements AutoCloseable {
        private final Path path;
        private final PgType[] types;
        private DataOutputStream out;
        private long rows;
        private long bytes;

        RowFile(Path path, PgType[] types) {
            this.path = path;
            this.types = types;
        }

        void write(Object[] row) {
            try {
                if (out == null) {
                    out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(path), BUFFER_BYTES));
                }
                byte[] b = RowCodec.encode(types, row);
                out.writeInt(b.length);
                out.write(b);
                rows++;
                bytes += 4 + b.length;
            } catch (IOException e) {
                throw spillFailed(e);
            }
        }

        long rows() {
            return rows;
        }

        /** The bytes written (EXPLAIN ANALYZE's Disk figures). */
        long bytes() {
            return bytes;
        }

        /** Ends writing; returns a reader from the first row. */
        Reader reader() {
            try {
                if (out != null) {
                    out.close();
                    out = null;
                }
                if (!Files.exists(path)) {
                    Files.createFile(path);
                }
                return new Reader(new DataInputStream(new BufferedInputStream(Files.newInputStream(path), BUFFER_BYTES)));
            } catch (IOException e) {
                throw spillFailed(e);
            }
        }

        final class Reader implements AutoCloseable {
            private final DataInputStream in;

            Reader(DataInputStream in) {
                this.in = in;
            }

            /** The next row, or null at the end of the file. */
            Object[] next() {
                try {
                    int len;
                    try {
                        len = in.readInt();
                    } catch (EOFException e) {
                        return null;
                    }
                    byte[] b = new byte[len];
                    in.readFully(b);
                    return RowCodec.decode(types, b);
                } catch (IOException e) {
                    throw spillFailed(e);
                }
            }

            @Override
            public void close() {
                try {
                    in.close();
                } catch (IOException e) {
                    // nothing left to read
                }
            }
        }

        @Override
        public void close() {
            try {
                if (out != null) {
                    out.close();
                    out = null;
                }
                Files.deleteIfExists(path);
            } catch (IOException e) {
                // left for close() of the whole set
            }
        }
    }

    RowFile create(PgType[] types) {
        try {
            Files.createDirectories(directory);
            Path p = Files.createTempFile(directory, "pgsql_tmp", ".spill");
            files.add(p);
            return new RowFile(p, types);
        } catch (IOException e) {
            throw spillFailed(e);
        }
    }

    private static PgException spillFailed(IOException e) {
        return new PgException(SqlState.IO_ERROR, "could not write temporary file: " + e.getMessage(), e);
    }

    @Override
    public void close() {
        for (Path p : files) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        files.clear();
    }
}
