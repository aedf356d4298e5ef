package org.walden.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * PgClient against a minimal server built from this package's pieces (PgStream,
 * ServerAuthentication, BackendMessages): every authentication method, a query, CopyBoth.
 */
class ClientServerRoundTripTest {

    private ServerSocketChannel listener;
    private CompletableFuture<StartupPacket.StartupMessage> served;

    @TempDir
    Path tmp;

    @AfterEach
    void closeListener() throws IOException {
        if (listener != null) {
            listener.close();
        }
    }

    interface Script {
        void run(PgStream s, StartupPacket.StartupMessage startup) throws Exception;
    }

    /** Accepts one connection: SSL refusal, startup, auth as given, session start, then the script. */
    private int serveTcp(AuthMethod method, String verifier, Script script) throws IOException {
        listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress("127.0.0.1", 0));
        serve(method, verifier, script);
        return ((InetSocketAddress) listener.getLocalAddress()).getPort();
    }

    private void serve(AuthMethod method, String verifier, Script script) {
        served = CompletableFuture.supplyAsync(() -> {
            try (SocketChannel ch = listener.accept(); PgStream s = new PgStream(ch)) {
                StartupPacket p = s.readStartupPacket();
                while (p instanceof StartupPacket.SslRequest) {
                    s.sendAndFlush(new byte[] {PgProtocol.ENCRYPTION_REFUSED});
                    p = s.readStartupPacket();
                }
                StartupPacket.StartupMessage sm = (StartupPacket.StartupMessage) p;
                try {
                    new ServerAuthentication(s, new SecureRandom()).authenticate(method, sm.parameters().get("user"),
                            verifier);
                } catch (PgException e) {
                    s.sendAndFlush(BackendMessages.errorResponse(e));
                    return sm;
                }
                s.send(BackendMessages.parameterStatus("server_version", "15.0 (Walden)"));
                s.send(BackendMessages.backendKeyData(4242, 99));
                s.sendAndFlush(BackendMessages.readyForQuery('I'));
                script.run(s, sm);
                return sm;
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
    }

    private static void answerOneQuery(PgStream s) throws IOException {
        Message q = s.readMessage(PgProtocol.MAX_MESSAGE_LENGTH);
        assertThat(q.type()).isEqualTo('Q');
        s.send(BackendMessages.rowDescription(List.of(FieldDescription.text("current_user", 19, (short) 64))));
        s.send(BackendMessages.dataRow(new byte[][] {FrontendMessages.decodeQuery(q).getBytes()}));
        s.send(BackendMessages.commandComplete("SELECT 1"));
        s.sendAndFlush(BackendMessages.readyForQuery('I'));
    }

    @Test
    void scramOverTcp() throws Exception {
        String verifier = ScramSha256.buildVerifier("pw", new byte[16], 4096).encode();
        int port = serveTcp(AuthMethod.SCRAM_SHA_256, verifier, (s, sm) -> answerOneQuery(s));
        try (PgClient c = PgClient.connect(ConnInfo.parse("host=127.0.0.1 port=" + port
                + " user=u_scram password=pw application_name=s1"))) {
            assertThat(c.backendPid()).isEqualTo(4242);
            assertThat(c.secretKey()).isEqualTo(99);
            assertThat(c.parameterStatus("server_version")).startsWith("15.");
            QueryResult r = c.simpleQuery("hello");
            assertThat(r.columnNames()).containsExactly("current_user");
            assertThat(r.rows().get(0)).containsExactly("hello");
            assertThat(r.commandTag()).isEqualTo("SELECT 1");
        }
        assertThat(served.get(10, TimeUnit.SECONDS).parameters()).containsEntry("application_name", "s1");
    }

    @Test
    void md5AndCleartextAndMd5WithScramVerifier() throws Exception {
        for (Object[] c : new Object[][] {
                {AuthMethod.MD5, Md5Password.verifier("pw", "u")},
                {AuthMethod.MD5, "pw"},
                {AuthMethod.MD5, ScramSha256.buildVerifier("pw", new byte[16], 4096).encode()},
                {AuthMethod.PASSWORD, Md5Password.verifier("pw", "u")},
                {AuthMethod.PASSWORD, ScramSha256.buildVerifier("pw", new byte[16], 4096).encode()},
                {AuthMethod.SCRAM_SHA_256, "pw"},
                {AuthMethod.TRUST, null}}) {
            int port = serveTcp((AuthMethod) c[0], (String) c[1], (s, sm) -> answerOneQuery(s));
            try (PgClient client = PgClient.connect(ConnInfo.parse("host=127.0.0.1 user=u password=pw port=" + port))) {
                assertThat(client.simpleQuery("x").rows()).hasSize(1);
            }
            served.get(10, TimeUnit.SECONDS);
            listener.close();
        }
    }

    @Test
    void wrongPasswordIsFatal28P01() throws Exception {
        for (AuthMethod m : List.of(AuthMethod.PASSWORD, AuthMethod.MD5, AuthMethod.SCRAM_SHA_256)) {
            String verifier = ScramSha256.buildVerifier("pw", new byte[16], 4096).encode();
            int port = serveTcp(m, m == AuthMethod.SCRAM_SHA_256 ? verifier : Md5Password.verifier("pw", "u"),
                    (s, sm) -> { });
            assertThatThrownBy(() -> PgClient.connect(ConnInfo.parse("host=127.0.0.1 user=u password=bad port=" + port)))
                    .isInstanceOf(PgServerError.class)
                    .hasMessage("password authentication failed for user \"u\"")
                    .extracting(e -> ((PgException) e).sqlState()).isEqualTo(SqlState.INVALID_PASSWORD);
            served.get(10, TimeUnit.SECONDS);
            listener.close();
        }
        // No password stored: the exchange runs and fails the same way.
        int port = serveTcp(AuthMethod.SCRAM_SHA_256, null, (s, sm) -> { });
        assertThatThrownBy(() -> PgClient.connect(ConnInfo.parse("host=127.0.0.1 user=u password=pw port=" + port)))
                .isInstanceOf(PgServerError.class).hasMessage("password authentication failed for user \"u\"");
    }

    @Test
    void copyBothOverUnixSocket() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("sock"));
        listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(dir.resolve(".s.PGSQL.5999")));
        serve(AuthMethod.TRUST, null, (s, sm) -> {
            Message q = s.readMessage(PgProtocol.MAX_MESSAGE_LENGTH);
            assertThat(FrontendMessages.decodeQuery(q)).isEqualTo("START_REPLICATION 0/0 TIMELINE 1");
            s.send(BackendMessages.copyBothResponse(0, new short[0]));
            s.sendAndFlush(BackendMessages.copyData("w-1".getBytes()));
            Message reply = s.readMessage(PgProtocol.MAX_MESSAGE_LENGTH);
            assertThat(new String(reply.body(), StandardCharsets.UTF_8)).isEqualTo("r-1");
            s.sendAndFlush(BackendMessages.copyData("w-2".getBytes()));
            s.sendAndFlush(BackendMessages.copyDone());
            assertThat(s.readMessage(PgProtocol.MAX_MESSAGE_LENGTH).type()).isEqualTo('c');
            s.send(BackendMessages.rowDescription(List.of(FieldDescription.text("next_tli", 20, (short) 8),
                    FieldDescription.text("next_tli_startpos", 25, (short) -1))));
            s.send(BackendMessages.dataRow(new byte[][] {"2".getBytes(), "0/7000EA0".getBytes()}));
            s.send(BackendMessages.commandComplete("START_STREAMING"));
            s.send(BackendMessages.commandComplete("START_REPLICATION"));
            s.sendAndFlush(BackendMessages.readyForQuery('I'));
            assertThat(s.readMessage(PgProtocol.MAX_MESSAGE_LENGTH).type()).isEqualTo('X');
        });
        try (PgClient c = PgClient.connect(ConnInfo.parse("host=" + dir + " port=5999 user=rep replication=true"))) {
            PgClient.CopyStart start = c.startCopy("START_REPLICATION 0/0 TIMELINE 1");
            assertThat(start.kind()).isEqualTo('W');
            PgClient.CopyEvent e = c.readCopyData(5000);
            assertThat(e).isInstanceOf(PgClient.CopyEvent.Data.class);
            assertThat(new String(((PgClient.CopyEvent.Data) e).payload())).isEqualTo("w-1");
            assertThat(c.readCopyData(0)).isInstanceOf(PgClient.CopyEvent.Timeout.class);
            long t0 = System.nanoTime();
            assertThat(c.readCopyData(50)).isInstanceOf(PgClient.CopyEvent.Timeout.class);
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(40_000_000L);
            c.sendCopyData("r-1".getBytes());
            c.flush();
            PgClient.CopyEvent second = c.readCopyData(5000);
            assertThat(new String(((PgClient.CopyEvent.Data) second).payload())).isEqualTo("w-2");
            // The CopyDone sent right after is picked up by a zero-timeout poll once it has arrived.
            long until = System.nanoTime() + 5_000_000_000L;
            PgClient.CopyEvent polled;
            do {
                polled = c.readCopyData(0);
            } while (polled instanceof PgClient.CopyEvent.Timeout && System.nanoTime() < until);
            assertThat(polled).isInstanceOf(PgClient.CopyEvent.Done.class);
            List<QueryResult> after = c.finishCopy();
            assertThat(after).extracting(QueryResult::commandTag)
                    .containsExactly("START_STREAMING", "START_REPLICATION");
            assertThat(after.get(0).get(0, "next_tli_startpos")).isEqualTo("0/7000EA0");
        }
        assertThat(served.get(10, TimeUnit.SECONDS).parameters()).containsEntry("database", "replication");
    }

    @Test
    void errorResponseBecomesPgServerErrorAndConnectionStaysUsable() throws Exception {
        int port = serveTcp(AuthMethod.TRUST, null, (s, sm) -> {
            s.readMessage(PgProtocol.MAX_MESSAGE_LENGTH);
            s.send(BackendMessages.errorResponse(new PgException(SqlState.UNDEFINED_TABLE,
                    "relation \"nope\" does not exist")));
            s.sendAndFlush(BackendMessages.readyForQuery('I'));
            answerOneQuery(s);
        });
        try (PgClient c = PgClient.connect(ConnInfo.parse("host=127.0.0.1 user=u port=" + port))) {
            assertThatThrownBy(() -> c.simpleQuery("select * from nope"))
                    .isInstanceOf(PgServerError.class).hasMessage("relation \"nope\" does not exist")
                    .extracting(e -> ((PgServerError) e).code()).isEqualTo("42P01");
            assertThat(c.simpleQuery("again").rows().get(0)[0]).isEqualTo("again");
        }
    }

    @Test
    void oversizedStartupPacketIsRefused() throws Exception {
        listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress("127.0.0.1", 0));
        CompletableFuture<Throwable> result = CompletableFuture.supplyAsync(() -> {
            try (SocketChannel ch = listener.accept(); PgStream s = new PgStream(ch)) {
                s.readStartupPacket();
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        try (PgStream client = PgStream.connect(listener.getLocalAddress(), 5000)) {
            client.sendAndFlush(new byte[] {0, 0, 0x27, 0x11}); // 10001 bytes
            assertThat(result.get(10, TimeUnit.SECONDS)).isInstanceOf(PgException.class)
                    .hasMessage("invalid length of startup packet");
        }
    }
}
