package org.walden.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.protocol.BackendMessages;
import org.walden.protocol.FieldDescription;
import org.walden.protocol.FrontendMessages;
import org.walden.protocol.Message;
import org.walden.protocol.PgStream;
import org.walden.protocol.Replies;
import org.walden.sql.testing.InProcessServer;

/**
 * A prepared statement described at every execution (pgbench -M prepared: Bind, Describe
 * portal, Execute, Sync), over a raw connection: each RowDescription carries the result formats
 * of its own Bind — binary, text, binary again, several formats — and the columns of its own
 * statement when two statements alternate, as PostgreSQL sends them; the rows follow the formats.
 */
class PreparedDescribeFormatsTest {

    private static final short[] NONE = new short[0];

    @TempDir
    Path tmp;
    private InProcessServer server;

    @BeforeEach
    void setUp() throws Exception {
        server = new InProcessServer(tmp);
        try (Connection c = server.connect(); Statement st = c.createStatement()) {
            st.execute("create table acct (aid int primary key, abalance int, filler text)");
            st.execute("insert into acct select g, g * 10, 'f' || g from generate_series(1, 10) g");
        }
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        server.close();
    }

    /** Bind, Describe portal, Execute, Sync of {@code statement}; the reply's messages. */
    private static List<Message> run(PgStream s, String statement, String param, short[] resultFormats)
            throws IOException {
        s.send(FrontendMessages.bind("", statement, NONE,
                new byte[][] {param.getBytes(StandardCharsets.UTF_8)}, resultFormats));
        s.send(FrontendMessages.describe('P', ""));
        s.send(FrontendMessages.execute("", 0));
        s.sendAndFlush(FrontendMessages.sync());
        return Replies.untilReady(s);
    }

    @Test
    void eachDescribeCarriesItsBindsFormatsAndStatementsColumns() throws Exception {
        try (PgStream s = PgStream.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000)) {
            s.sendAndFlush(FrontendMessages.startupMessage(Map.of("user", "postgres", "database", "postgres")));
            Replies.untilReady(s);
            s.send(FrontendMessages.parse("bal", "select abalance from acct where aid = $1", new int[0]));
            s.send(FrontendMessages.parse("two", "select aid, filler from acct where aid = $1", new int[0]));
            s.sendAndFlush(FrontendMessages.sync());
            assertThat(Replies.types(Replies.untilReady(s))).isEqualTo("11Z");

            for (int round = 0; round < 3; round++) {
                List<Message> text = run(s, "bal", "3", new short[] {0});
                assertThat(Replies.types(text)).isEqualTo("2TDCZ");
                assertThat(formats(text.get(1))).containsExactly((short) 0);
                assertThat(new String(BackendMessages.decodeDataRow(text.get(2))[0], StandardCharsets.UTF_8))
                        .isEqualTo("30");

                List<Message> binary = run(s, "bal", "4", new short[] {1});
                assertThat(formats(binary.get(1))).containsExactly((short) 1);
                byte[] value = BackendMessages.decodeDataRow(binary.get(2))[0];
                assertThat(value).hasSize(4);
                assertThat(ByteBuffer.wrap(value).getInt()).isEqualTo(40);

                List<Message> none = run(s, "bal", "5", NONE); // no formats: text
                assertThat(formats(none.get(1))).containsExactly((short) 0);

                List<Message> other = run(s, "two", "6", new short[] {1, 0});
                List<FieldDescription> fields = BackendMessages.decodeRowDescription(other.get(1));
                assertThat(fields).extracting(FieldDescription::name).containsExactly("aid", "filler");
                assertThat(fields).extracting(FieldDescription::format).containsExactly((short) 1, (short) 0);
                byte[][] row = BackendMessages.decodeDataRow(other.get(2));
                assertThat(ByteBuffer.wrap(row[0]).getInt()).isEqualTo(6);
                assertThat(new String(row[1], StandardCharsets.UTF_8)).isEqualTo("f6");

                List<Message> otherText = run(s, "two", "7", new short[] {0});
                assertThat(BackendMessages.decodeRowDescription(otherText.get(1)))
                        .extracting(FieldDescription::format).containsExactly((short) 0, (short) 0);
            }
        }
    }

    private static List<Short> formats(Message rowDescription) {
        return BackendMessages.decodeRowDescription(rowDescription).stream().map(FieldDescription::format).toList();
    }

}
