package org.walden.server;

import org.walden.test.TestPorts;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.guc.GucServerSettings;
import org.walden.protocol.BackendMessages;
import org.walden.protocol.FrontendMessages;
import org.walden.protocol.Message;
import org.walden.protocol.PgStream;
import org.walden.protocol.Replies;

/** The Backend's message handling, message by message, over a raw connection. */
class BackendTest {

    @TempDir
    Path tmp;
    Postmaster pm;
    PgStream s;
    int port;

    @BeforeEach
    void start() throws IOException {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Path sock = Files.createDirectories(tmp.resolve("sock"));
        Files.writeString(data.resolve("pg_hba.conf"), "local all all trust\n");
        port = TestPorts.free();
        FakeSqlEngine engine = new FakeSqlEngine().role("u", false, true, false, -1, null);
        pm = new Postmaster(data, GucServerSettings.defaults(Map.of("port", Integer.toString(port),
                "listen_addresses", "", "unix_socket_directories", sock.toString())), engine, null,
                Clock.systemUTC());
        pm.start();
        s = PgStream.connect(UnixDomainSocketAddress.of(sock.resolve(".s.PGSQL." + port)), 5000);
        s.sendAndFlush(FrontendMessages.startupMessage(Map.of("user", "u", "database", "postgres")));
        List<Message> start = Replies.untilReady(s);
        assertThat(Replies.types(start)).startsWith("R").endsWith("KZ");
        // ParameterStatus in PostgreSQL's order (case-insensitive by name)
        List<String> names = start.stream().filter(m -> m.type() == 'S').map(m -> m.reader().cstring()).toList();
        assertThat(names).containsExactly("application_name", "client_encoding", "DateStyle",
                "default_transaction_read_only", "in_hot_standby", "integer_datetimes", "IntervalStyle", "is_superuser",
                "server_encoding", "server_version", "session_authorization", "standard_conforming_strings",
                "TimeZone");
    }

    @AfterEach
    void stop() throws InterruptedException {
        s.close();
        pm.stop(Postmaster.ShutdownMode.IMMEDIATE, 10_000);
    }


    private static String sqlState(Message m) {
        return BackendMessages.decodeErrorFields(m).get('C');
    }

    @Test
    void simpleQueryStopsAtTheFirstError() throws IOException {
        s.sendAndFlush(FrontendMessages.query("select a; boom; select b"));
        List<Message> r = Replies.untilReady(s);
        assertThat(Replies.types(r)).isEqualTo("TDCEZ");
        assertThat(sqlState(r.get(3))).isEqualTo("22012");
        // A syntax error anywhere fails the whole string before anything runs, as in PostgreSQL.
        s.sendAndFlush(FrontendMessages.query("select a; fail"));
        assertThat(Replies.types(Replies.untilReady(s))).isEqualTo("EZ");
        s.sendAndFlush(FrontendMessages.query(""));
        assertThat(Replies.types(Replies.untilReady(s))).isEqualTo("IZ");
        s.sendAndFlush(FrontendMessages.query(";;"));
        assertThat(Replies.types(Replies.untilReady(s))).isEqualTo("IZ");
        s.sendAndFlush(FrontendMessages.query("select a;; ;"));
        assertThat(Replies.types(Replies.untilReady(s))).isEqualTo("TDCZ");
        s.sendAndFlush(FrontendMessages.query("begin"));
        List<Message> begun = Replies.untilReady(s);
        assertThat(BackendMessages.decodeCommandComplete(begun.get(0))).isEqualTo("BEGIN");
        assertThat(begun.get(1).reader().int8()).isEqualTo('T');
        s.sendAndFlush(FrontendMessages.query("fail"));
        assertThat(Replies.untilReady(s).get(1).reader().int8()).isEqualTo('T'); // fake session fails at parse, block stays T
        s.sendAndFlush(FrontendMessages.query("notice; set application_name = zz"));
        List<Message> r2 = Replies.untilReady(s);
        assertThat(Replies.types(r2)).isEqualTo("NCCSZ"); // as PostgreSQL 15: ParameterStatus just before ReadyForQuery
        assertThat(BackendMessages.decodeErrorFields(r2.get(0))).containsEntry('S', "WARNING")
                .containsEntry('M', "there is no transaction in progress");
    }

    @Test
    void extendedProtocolFlow() throws IOException {
        s.send(FrontendMessages.parse("s1", "select $1", new int[] {23}));
        s.send(FrontendMessages.describe('S', "s1"));
        s.send(FrontendMessages.bind("p1", "s1", new short[0], new byte[][] {"42".getBytes()}, new short[0]));
        s.send(FrontendMessages.describe('P', "p1"));
        s.send(FrontendMessages.execute("p1", 0));
        s.send(FrontendMessages.parse("s2", "begin", new int[0]));
        s.send(FrontendMessages.describe('S', "s2"));
        s.send(FrontendMessages.close('S', "s2"));
        s.sendAndFlush(FrontendMessages.sync());
        List<Message> r = Replies.untilReady(s);
        assertThat(Replies.types(r)).isEqualTo("1tT2TDC1tn3Z");
        Message.Reader pd = r.get(1).reader();
        assertThat(pd.int16()).isEqualTo((short) 1);
        assertThat(pd.int32()).isEqualTo(23);
        assertThat(new String(BackendMessages.decodeDataRow(r.get(5))[0])).isEqualTo("42");
    }

    @Test
    void rowLimitSuspendsThePortal() throws IOException {
        s.send(FrontendMessages.parse("", "generate 5", new int[0]));
        s.send(FrontendMessages.bind("", "", new short[0], new byte[0][], new short[0]));
        s.send(FrontendMessages.execute("", 2));
        s.send(FrontendMessages.execute("", 2));
        s.send(FrontendMessages.execute("", 2));
        s.sendAndFlush(FrontendMessages.sync());
        List<Message> r = Replies.untilReady(s);
        assertThat(Replies.types(r)).isEqualTo("12DDsDDsDCZ");
        assertThat(BackendMessages.decodeCommandComplete(r.get(9))).isEqualTo("SELECT 5");
    }

    @Test
    void afterAnErrorMessagesAreSkippedUntilSync() throws IOException {
        s.send(FrontendMessages.parse("dup", "select 1", new int[0]));
        s.send(FrontendMessages.parse("dup", "select 2", new int[0]));
        s.send(FrontendMessages.bind("", "dup", new short[0], new byte[0][], new short[0]));
        s.send(FrontendMessages.execute("", 0));
        s.sendAndFlush(FrontendMessages.sync());
        List<Message> r = Replies.untilReady(s);
        assertThat(Replies.types(r)).isEqualTo("1EZ");
        assertThat(sqlState(r.get(1))).isEqualTo("42P05");
        assertThat(BackendMessages.decodeErrorFields(r.get(1))).containsEntry('M',
                "prepared statement \"dup\" already exists");

        s.send(FrontendMessages.bind("", "nope", new short[0], new byte[0][], new short[0]));
        s.sendAndFlush(FrontendMessages.sync());
        List<Message> r2 = Replies.untilReady(s);
        assertThat(Replies.types(r2)).isEqualTo("EZ");
        assertThat(sqlState(r2.get(0))).isEqualTo("26000");

        s.send(FrontendMessages.execute("missing", 0));
        s.sendAndFlush(FrontendMessages.sync());
        List<Message> r3 = Replies.untilReady(s);
        assertThat(sqlState(r3.get(0))).isEqualTo("34000");

        s.send(FrontendMessages.bind("", "dup", new short[0], new byte[][] {"x".getBytes()}, new short[0]));
        s.sendAndFlush(FrontendMessages.sync());
        List<Message> r4 = Replies.untilReady(s);
        assertThat(BackendMessages.decodeErrorFields(r4.get(0))).containsEntry('C', "08P01").containsEntry('M',
                "bind message supplies 1 parameters, but prepared statement \"dup\" requires 0");
    }

    @Test
    void newerMinorVersionAndPqOptionsGetNegotiateProtocolVersion() throws Exception {
        Path sock = pm.socketFiles().get(0);
        try (PgStream c = PgStream.connect(UnixDomainSocketAddress.of(sock), 5000)) {
            c.sendAndFlush(org.walden.protocol.MessageBuilder.untyped().int32(196608 + 2)
                    .cstring("user").cstring("u").cstring("database").cstring("postgres")
                    .cstring("_pq_.compression").cstring("on").int8(0).build());
            Message v = c.readMessage(1 << 20);
            assertThat(v.type()).isEqualTo('v');
            Message.Reader r = v.reader();
            assertThat(r.int32()).isEqualTo(0);
            assertThat(r.int32()).isEqualTo(1);
            assertThat(r.cstring()).isEqualTo("_pq_.compression");
            Message m;
            do {
                m = c.readMessage(1 << 20);
            } while (m.type() != 'Z' && m.type() != 'E');
            assertThat(m.type()).isEqualTo('Z');
        }
    }

    @Test
    void copyFromStdin() throws IOException {
        s.sendAndFlush(FrontendMessages.query("copy t from stdin"));
        Message g = s.readMessage(1 << 20);
        assertThat(g.type()).isEqualTo('G');
        Message.Reader r = g.reader();
        assertThat(r.int8()).isZero();
        assertThat(r.int16()).isEqualTo((short) 2);
        s.send(FrontendMessages.copyData("1\ta\n2\t".getBytes()));
        s.send(FrontendMessages.flush()); // ignored during COPY
        s.send(FrontendMessages.copyData("b\n\\.\n".getBytes()));
        s.sendAndFlush(FrontendMessages.copyDone());
        List<Message> done = Replies.untilReady(s);
        assertThat(Replies.types(done)).isEqualTo("CZ");
        assertThat(BackendMessages.decodeCommandComplete(done.get(0))).isEqualTo("COPY 2");

        // An error ends the COPY at once; the CopyData still coming is dropped.
        s.sendAndFlush(FrontendMessages.query("copy t from stdin"));
        assertThat(s.readMessage(1 << 20).type()).isEqualTo('G');
        s.sendAndFlush(FrontendMessages.copyData("bad\n".getBytes()));
        List<Message> failed = Replies.untilReady(s);
        assertThat(Replies.types(failed)).isEqualTo("EZ");
        assertThat(sqlState(failed.get(0))).isEqualTo("22P02");
        s.send(FrontendMessages.copyData("more\n".getBytes()));
        s.send(FrontendMessages.copyDone());
        s.sendAndFlush(FrontendMessages.query("select ok"));
        assertThat(Replies.types(Replies.untilReady(s))).isEqualTo("TDCZ");

        s.sendAndFlush(FrontendMessages.query("copy t from stdin"));
        assertThat(s.readMessage(1 << 20).type()).isEqualTo('G');
        s.sendAndFlush(FrontendMessages.copyFail("user gave up"));
        List<Message> cancelled = Replies.untilReady(s);
        assertThat(BackendMessages.decodeErrorFields(cancelled.get(0))).containsEntry('C', "57014")
                .containsEntry('M', "COPY from stdin failed: user gave up");
    }

    @Test
    void flushSendsWithoutSync() throws IOException {
        s.send(FrontendMessages.parse("", "select 1", new int[0]));
        s.sendAndFlush(FrontendMessages.flush());
        assertThat(s.awaitReadable(5000)).isTrue();
        assertThat(s.readMessage(1 << 20).type()).isEqualTo('1');
        s.sendAndFlush(FrontendMessages.sync());
        assertThat(Replies.types(Replies.untilReady(s))).isEqualTo("Z");
    }
}
