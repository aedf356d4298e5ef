package org.walden.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.PSQLException;
import org.walden.protocol.BackendMessages;
import org.walden.protocol.FrontendMessages;
import org.walden.protocol.Message;
import org.walden.protocol.PgStream;
import org.walden.protocol.Replies;
import org.walden.sql.testing.InProcessServer;

/**
 * SQL cursors through pgjdbc, as its users drive them: DECLARE with bound parameters and FETCH as
 * prepared statements (named statements and binary results past the prepare threshold), a WITH
 * HOLD cursor read across autocommitted statements (Django's iterator()), a scrollable cursor
 * whose rows spill past work_mem, PostgreSQL's SQLSTATEs for the refusals; and, over a raw
 * connection, a cursor as a named portal (Describe, Execute with a row limit, Close).
 */
class SqlCursorsJdbcTest {

    @TempDir
    Path tmp;
    private InProcessServer server;
    private int port;

    @BeforeEach
    void setUp() throws IOException, SQLException {
        server = new InProcessServer(tmp);
        port = server.port();
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("create table ct (id int primary key, t text)");
            st.execute("insert into ct select g, repeat('x', 100) || g from generate_series(1, 5000) g");
        }
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        server.close();
    }

    private Connection connect() throws SQLException {
        return server.connect();
    }

    @Test
    void declareWithParametersAndPreparedFetches() throws Exception {
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement declare = c.prepareStatement(
                    "declare pc scroll cursor for select id, t from ct where id > ? and t like ? order by id")) {
                declare.setInt(1, 4000);
                declare.setString(2, "x%");
                declare.execute();
            }
            List<Integer> seen = new ArrayList<>();
            try (PreparedStatement fetch = c.prepareStatement("fetch forward 7 from pc")) {
                for (int round = 0; round < 10; round++) { // past prepareThreshold: a named statement, binary rows
                    try (ResultSet rs = fetch.executeQuery()) {
                        while (rs.next()) {
                            seen.add(rs.getInt("id"));
                            assertThat(rs.getString(2)).isEqualTo("x".repeat(100) + rs.getInt(1));
                        }
                    }
                }
            }
            assertThat(seen).hasSize(70).startsWith(4001, 4002).endsWith(4070);
            try (Statement st = c.createStatement()) {
                assertThat(ids(st, "fetch backward 3 from pc")).containsExactly(4069, 4068, 4067);
                assertThat(ids(st, "fetch absolute -1 from pc")).containsExactly(5000);
                assertThat(st.execute("move backward all in pc")).isFalse();
                assertThat(st.getUpdateCount()).isEqualTo(999);
                assertThat(ids(st, "fetch relative 2 from pc")).containsExactly(4002);
                try (ResultSet rs = st.executeQuery("select statement, is_scrollable from pg_cursors")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).startsWith("declare pc scroll cursor for select id, t from ct");
                    assertThat(rs.getBoolean(2)).isTrue();
                }
                st.execute("close pc");
            }
            c.commit();
        }
    }

    @Test
    void withHoldCursorIsReadAcrossAutocommittedStatements() throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("declare \"django_curs_1\" no scroll cursor with hold for select id from ct order by id");
            st.execute("update ct set t = 'changed' where id = 1"); // after the commit that persisted the cursor
            List<Integer> all = new ArrayList<>();
            List<Integer> batch;
            do {
                batch = ids(st, "fetch forward 1000 from \"django_curs_1\"");
                all.addAll(batch);
            } while (!batch.isEmpty());
            assertThat(all).hasSize(5000).startsWith(1, 2, 3).endsWith(5000);
            assertThatThrownBy(() -> st.executeQuery("fetch prior from \"django_curs_1\""))
                    .isInstanceOfSatisfying(PSQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("55000");
                        assertThat(e.getServerErrorMessage().getMessage()).isEqualTo("cursor can only scan forward");
                        assertThat(e.getServerErrorMessage().getHint())
                                .isEqualTo("Declare it with SCROLL option to enable backward scan.");
                    });
            st.execute("close \"django_curs_1\"");
            assertThatThrownBy(() -> st.execute("close \"django_curs_1\""))
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("34000"));
            assertThatThrownBy(() -> st.execute("declare c cursor for select 1"))
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25P01"));
        }
    }

    @Test
    void scrollableCursorRowsSpillPastWorkMem() throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("set local work_mem = '64kB'");
            st.execute("declare big scroll cursor for select id, t from ct order by id desc");
            assertThat(st.execute("move all in big")).isFalse();
            assertThat(st.getUpdateCount()).isEqualTo(5000);
            assertThat(ids(st, "fetch absolute 10 from big")).containsExactly(4991);
            assertThat(ids(st, "fetch absolute 4999 from big")).containsExactly(2);
            List<Integer> back = ids(st, "fetch backward all from big");
            assertThat(back).hasSize(4998).startsWith(3, 4).endsWith(5000);
            c.commit();
            // WITH HOLD: persisted at commit past work_mem too, and read again from the start
            st.execute("set work_mem = '64kB'");
            st.execute("declare held scroll cursor with hold for select id from ct order by id");
            c.commit();
            assertThat(ids(st, "fetch absolute 4500 from held")).containsExactly(4500);
            assertThat(ids(st, "fetch first from held")).containsExactly(1);
            c.commit();
        }
    }

    @Test
    void aCursorIsANamedPortalOfTheExtendedProtocol() throws Exception {
        try (PgStream s = PgStream.connect(new InetSocketAddress("127.0.0.1", port), 5000)) {
            s.sendAndFlush(FrontendMessages.startupMessage(Map.of("user", "postgres", "database", "postgres")));
            Replies.untilReady(s);
            s.sendAndFlush(FrontendMessages.query("begin; declare rc cursor for select id from ct where id <= 5 "
                    + "order by id; fetch rc"));
            assertThat(Replies.types(Replies.untilReady(s))).isEqualTo("CCTDCZ");
            s.send(FrontendMessages.describe('P', "rc"));
            s.send(FrontendMessages.execute("rc", 2));
            s.send(FrontendMessages.execute("rc", 0));
            s.sendAndFlush(FrontendMessages.sync());
            List<Message> r = Replies.untilReady(s);
            assertThat(Replies.types(r)).isEqualTo("TDDsDDCZ");
            assertThat(BackendMessages.decodeRowDescription(r.get(0)).get(0).name()).isEqualTo("id");
            assertThat(new String(BackendMessages.decodeDataRow(r.get(1))[0], StandardCharsets.UTF_8)).isEqualTo("2");
            assertThat(BackendMessages.decodeCommandComplete(r.get(6))).isEqualTo("SELECT 2");
            // a Bind may not take its name; Close of the portal closes the cursor
            s.send(FrontendMessages.parse("", "select 1", new int[0]));
            s.send(FrontendMessages.bind("rc", "", new short[0], new byte[0][], new short[0]));
            s.sendAndFlush(FrontendMessages.sync());
            r = Replies.untilReady(s);
            assertThat(Replies.types(r)).isEqualTo("1EZ");
            assertThat(BackendMessages.decodeErrorFields(r.get(1))).containsEntry('C', "42P03")
                    .containsEntry('M', "cursor \"rc\" already exists");
            s.sendAndFlush(FrontendMessages.query("rollback; begin; declare rc cursor for select 1"));
            Replies.untilReady(s);
            s.send(FrontendMessages.close('P', "rc"));
            s.sendAndFlush(FrontendMessages.sync());
            assertThat(Replies.types(Replies.untilReady(s))).isEqualTo("3Z");
            s.sendAndFlush(FrontendMessages.query("fetch rc"));
            r = Replies.untilReady(s);
            assertThat(BackendMessages.decodeErrorFields(r.get(0))).containsEntry('C', "34000");
            // a held cursor is not read in a failed transaction block
            for (String sql : List.of("rollback", "declare hc cursor with hold for select 1", "begin; select 1/0")) {
                s.sendAndFlush(FrontendMessages.query(sql));
                Replies.untilReady(s);
            }
            s.send(FrontendMessages.execute("hc", 0));
            s.sendAndFlush(FrontendMessages.sync());
            r = Replies.untilReady(s);
            assertThat(BackendMessages.decodeErrorFields(r.get(0))).containsEntry('C', "25P02");
        }
    }


    private static List<Integer> ids(Statement st, String sql) throws SQLException {
        List<Integer> out = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getInt(1));
            }
        }
        return out;
    }
}
