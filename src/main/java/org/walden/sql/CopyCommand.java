package org.walden.sql;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Query;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.catalog.Relation;
import org.walden.sql.command.Commands;
import org.walden.sql.command.CopyFrom;
import org.walden.sql.command.CopyTo;
import org.walden.sql.parse.SqlParser;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;

/**
 * COPY ... TO (to the client, a server file or a program's standard input) and COPY ... FROM a
 * server file or a program's standard output (PostgreSQL's DoCopy / BeginCopyTo / BeginCopyFrom
 * with a file or pipe). COPY TO runs its query as a cursor and encodes each row as it comes
 * ({@link CopyTo}), so memory stays bounded whatever the row count. Files and programs are for
 * superusers and the members of pg_read_server_files, pg_write_server_files and
 * pg_execute_server_program, with PostgreSQL's messages; a relative path is refused for COPY TO
 * and, since Walden's server does not run in its data directory, for COPY FROM as well.
 */
final class CopyCommand {

    private static final int CHUNK_BYTES = 65536;

    private final WaldenSession s;

    CopyCommand(WaldenSession session) {
        this.s = session;
    }

    /** COPY ... TO STDOUT: the query starts now, its rows are encoded as {@link CopyOut#run} pulls them. */
    CopyOut toClient(Tree.CopyStmt c) {
        Source source = open(c);
        return new CopyOut() {
            @Override
            public boolean binary() {
                return source.encoder.binary();
            }

            @Override
            public int columnCount() {
                return source.encoder.columnCount();
            }

            @Override
            public String run(Consumer<byte[]> sink) {
                return s.guard(() -> source.copy(sink));
            }
        };
    }

    /** COPY to or from a server file or program: runs to completion, returns "COPY n". */
    String serverSide(Tree.CopyStmt c) {
        checkServerAccess(c);
        if (c.from()) {
            s.checkWritable("COPY FROM");
            CopyFrom from = Commands.copyFrom(s.env, c);
            if (c.program()) {
                return fromProgram(c.file(), from);
            }
            try (InputStream in = Files.newInputStream(absolute(c.file(), "from"))) {
                return feed(in, from);
            } catch (IOException e) {
                throw fileError(e, c.file(), "reading");
            }
        }
        Source source = open(c);
        if (c.program()) {
            return toProgram(c.file(), source);
        }
        Path path = absolute(c.file(), "to");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), CHUNK_BYTES)) {
            return source.copy(bytes -> write(out, bytes, c.file()));
        } catch (IOException e) {
            throw fileError(e, c.file(), "writing");
        } finally {
            source.exec.close();
        }
    }

    private String fromProgram(String command, CopyFrom from) {
        Process p = startProgram(command, ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.INHERIT);
        try (InputStream in = p.getInputStream()) {
            String tag = feed(in, from);
            waitForProgram(p, command);
            return tag;
        } catch (IOException e) {
            p.destroy();
            throw new PgException(SqlState.IO_ERROR, "could not read from COPY program: " + e.getMessage());
        }
    }

    private String toProgram(String command, Source source) {
        Process p = startProgram(command, ProcessBuilder.Redirect.INHERIT, ProcessBuilder.Redirect.PIPE);
        try (OutputStream out = new BufferedOutputStream(p.getOutputStream(), CHUNK_BYTES)) {
            String tag;
            try {
                tag = source.copy(bytes -> write(out, bytes, command));
                out.close();
            } catch (PgException | IOException e) {
                // a program that stopped reading (EPIPE): its exit status is the error, as ClosePipeToProgram says
                waitForProgram(p, command);
                throw e;
            }
            waitForProgram(p, command);
            return tag;
        } catch (IOException e) {
            p.destroy();
            throw new PgException(SqlState.IO_ERROR, "could not write to COPY program: " + e.getMessage());
        } finally {
            source.exec.close();
        }
    }

    private static Process startProgram(String command, ProcessBuilder.Redirect out, ProcessBuilder.Redirect in) {
        try {
            return new ProcessBuilder("/bin/sh", "-c", command).redirectOutput(out).redirectInput(in)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not execute command \"" + command + "\": "
                    + e.getMessage());
        }
    }

    private void waitForProgram(Process p, String command) {
        try {
            int code = p.waitFor();
            if (code != 0) {
                throw new PgException(SqlState.EXTERNAL_ROUTINE_EXCEPTION, "program \"" + command + "\" failed")
                        .withDetail("child process exited with exit code " + code);
            }
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
        }
    }

    private String feed(InputStream in, CopyFrom from) throws IOException {
        byte[] buf = new byte[CHUNK_BYTES];
        int n;
        while ((n = in.read(buf)) > 0) {
            from.data(Arrays.copyOf(buf, n));
        }
        return from.done();
    }

    private static void write(OutputStream out, byte[] bytes, String target) {
        try {
            out.write(bytes);
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not write to COPY file: " + e.getMessage())
                    .withDetail(target);
        }
    }

    private static Path absolute(String file, String direction) {
        Path p = Path.of(file);
        if (!p.isAbsolute()) {
            throw new PgException(SqlState.INVALID_NAME, "relative path not allowed for COPY " + direction + " file");
        }
        if (Files.isDirectory(p)) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "\"" + file + "\" is a directory");
        }
        return p;
    }

    private static PgException fileError(IOException e, String file, String doing) {
        String what = "could not open file \"" + file + "\" for " + doing + ": ";
        if (e instanceof NoSuchFileException) {
            return new PgException(SqlState.UNDEFINED_FILE, what + "No such file or directory");
        }
        if (e instanceof AccessDeniedException) {
            return new PgException(SqlState.INSUFFICIENT_PRIVILEGE, what + "Permission denied");
        }
        return new PgException(SqlState.IO_ERROR, what + e.getMessage());
    }

    /** DoCopy's checks: superuser, or the privileges of the predefined role for the direction. */
    private void checkServerAccess(Tree.CopyStmt c) {
        String role = c.program() ? "pg_execute_server_program" : c.from() ? "pg_read_server_files"
                : "pg_write_server_files";
        RoleDef me = s.env.currentRole();
        RoleDef needed = s.catalog().role(role);
        if (me != null && (me.superuser() || needed != null && s.catalog().shared().isMemberOf(me.oid(),
                needed.oid()))) {
            return;
        }
        String what = c.program() ? "COPY to or from an external program" : c.from() ? "COPY from a file"
                : "COPY to a file";
        throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "must be superuser or have privileges of the "
                + role + " role to " + what).withHint("Anyone can COPY to stdout or from stdin. psql's \\copy "
                + "command also works for anyone.");
    }

    /** The query COPY TO runs, started, and the encoder of its rows (options are checked before it runs). */
    private Source open(Tree.CopyStmt c) {
        Tree.Stmt stmt = c.query();
        String relation = null;
        if (stmt == null) {
            Relation table = s.lookup().relation(c.relation().schema(), c.relation().name());
            if (table == null) {
                throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + c.relation().name()
                        + "\" does not exist");
            }
            relation = table.name();
            stmt = SqlParser.parse(CopyTo.selectFor(table, s.lookup().namespace(table.namespaceOid()).name(),
                    c.columns()));
        }
        PreparedImpl p = new PreparedImpl("COPY", stmt, new int[0]);
        s.analyze(p);
        if (p.query.command != Query.Command.SELECT && p.columns == null) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "COPY query must have a RETURNING clause");
        }
        List<String> names = new ArrayList<>();
        List<PgType> types = new ArrayList<>();
        for (ColumnDesc col : p.columns) {
            names.add(col.name());
            PgType t = PgType.byOid(col.typeOid());
            types.add(t == null ? PgType.TEXT : t);
        }
        CopyTo encoder = new CopyTo(c.options(), relation, names, types, s.values());
        return new Source(s.runQuery(p, new Object[0]), encoder);
    }

    private final class Source {
        final PortalImpl.Execution exec;
        final CopyTo encoder;

        Source(PortalImpl.Execution exec, CopyTo encoder) {
            this.exec = exec;
            this.encoder = encoder;
        }

        /** Sends the start, every row and the end; closes the query. */
        String copy(Consumer<byte[]> sink) {
            long rows = 0;
            try {
                byte[] start = encoder.start();
                if (start != null) {
                    sink.accept(start);
                }
                Object[] row;
                while ((row = exec.next()) != null) {
                    sink.accept(encoder.row(row));
                    if ((++rows & 1023) == 0) {
                        s.env.checkCancel();
                    }
                }
                byte[] end = encoder.end();
                if (end != null) {
                    sink.accept(end);
                }
            } finally {
                exec.close();
            }
            return "COPY " + rows;
        }
    }
}
