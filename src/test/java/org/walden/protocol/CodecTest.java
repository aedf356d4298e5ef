package org.walden.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/** Encoders byte for byte, against the protocol docs and the decoded pg15-captures. */
class CodecTest {

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static String hexOf(String s) {
        return hex(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void authenticationMessages() {
        assertThat(hex(BackendMessages.authenticationOk())).isEqualTo("520000000800000000");
        assertThat(hex(BackendMessages.authenticationCleartextPassword())).isEqualTo("520000000800000003");
        assertThat(hex(BackendMessages.authenticationMd5Password(new byte[] {'W', 'p', (byte) 0x81, (byte) 0xe9})))
                .isEqualTo("520000000c00000005" + "577081e9");
        // auth/conn001.log: Auth code=10 b'SCRAM-SHA-256\x00\x00'
        assertThat(hex(BackendMessages.authenticationSasl(List.of("SCRAM-SHA-256"))))
                .isEqualTo("52" + "00000017" + "0000000a" + hexOf("SCRAM-SHA-256") + "0000");
        assertThat(hex(BackendMessages.authenticationSaslContinue("r=x".getBytes())))
                .isEqualTo("52" + "0000000b" + "0000000b" + hexOf("r=x"));
        assertThat(hex(BackendMessages.authenticationSaslFinal("v=y".getBytes())))
                .isEqualTo("52" + "0000000b" + "0000000c" + hexOf("v=y"));
    }

    @Test
    void sessionStartMessages() {
        assertThat(hex(BackendMessages.parameterStatus("DateStyle", "ISO, MDY")))
                .isEqualTo("53" + "00000017" + hexOf("DateStyle") + "00" + hexOf("ISO, MDY") + "00");
        assertThat(hex(BackendMessages.backendKeyData(0x1234, -1))).isEqualTo("4b0000000c00001234ffffffff");
        assertThat(hex(BackendMessages.readyForQuery('I'))).isEqualTo("5a0000000549");
        assertThat(hex(BackendMessages.readyForQuery('T'))).isEqualTo("5a0000000554");
        assertThatThrownBy(() -> BackendMessages.readyForQuery('X')).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rowDescriptionAndDataRow() {
        // psql capture: RowDescription current_user:oid19/len64/fmt0 ; DataRow [b'u_scram']
        byte[] rd = BackendMessages.rowDescription(List.of(new FieldDescription("current_user", 0, (short) 0, 19,
                (short) 64, -1, (short) 0)));
        assertThat(hex(rd)).isEqualTo("54" + "00000025" + "0001" + hexOf("current_user") + "00"
                + "00000000" + "0000" + "00000013" + "0040" + "ffffffff" + "0000");
        assertThat(BackendMessages.decodeRowDescription(new Message('T', java.util.Arrays.copyOfRange(rd, 5,
                rd.length)))).containsExactly(new FieldDescription("current_user", 0, (short) 0, 19, (short) 64, -1,
                (short) 0));
        byte[] dr = BackendMessages.dataRow(new byte[][] {"u_scram".getBytes(), null});
        assertThat(hex(dr)).isEqualTo("44" + "00000015" + "0002" + "00000007" + hexOf("u_scram") + "ffffffff");
        byte[][] back = BackendMessages.decodeDataRow(new Message('D', java.util.Arrays.copyOfRange(dr, 5, dr.length)));
        assertThat(new String(back[0])).isEqualTo("u_scram");
        assertThat(back[1]).isNull();
    }

    @Test
    void completionMessages() {
        assertThat(hex(BackendMessages.commandComplete("SELECT 1")))
                .isEqualTo("43" + "0000000d" + hexOf("SELECT 1") + "00");
        assertThat(hex(BackendMessages.emptyQueryResponse())).isEqualTo("4900000004");
        assertThat(hex(BackendMessages.parseComplete())).isEqualTo("3100000004");
        assertThat(hex(BackendMessages.bindComplete())).isEqualTo("3200000004");
        assertThat(hex(BackendMessages.closeComplete())).isEqualTo("3300000004");
        assertThat(hex(BackendMessages.noData())).isEqualTo("6e00000004");
        assertThat(hex(BackendMessages.portalSuspended())).isEqualTo("7300000004");
        assertThat(hex(BackendMessages.parameterDescription(new int[] {23, 1043})))
                .isEqualTo("74" + "0000000e" + "0002" + "00000017" + "00000413");
    }

    @Test
    void errorResponseFieldsInPostgresOrder() {
        PgException e = PgException.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                "role \"x\" does not exist").withHint("h");
        byte[] frame = BackendMessages.errorResponse(e);
        String body = "53" + hexOf("FATAL") + "00" + "56" + hexOf("FATAL") + "00" + "43" + hexOf("28000") + "00"
                + "4d" + hexOf("role \"x\" does not exist") + "00" + "48" + hexOf("h") + "00" + "00";
        assertThat(hex(frame)).isEqualTo("45" + String.format("%08x", body.length() / 2 + 4) + body);
        Map<Character, String> fields = BackendMessages.decodeErrorFields(new Message('E',
                java.util.Arrays.copyOfRange(frame, 5, frame.length)));
        assertThat(fields).containsEntry('C', "28000").containsEntry('M', "role \"x\" does not exist");
        PgServerError err = BackendMessages.decodeError(new Message('E',
                java.util.Arrays.copyOfRange(frame, 5, frame.length)));
        assertThat(err.sqlState()).isEqualTo(SqlState.INVALID_AUTHORIZATION_SPECIFICATION);
        assertThat(err.severity()).isEqualTo(PgException.Severity.FATAL);
        assertThat(err.hint()).isEqualTo("h");

        byte[] notice = BackendMessages.noticeResponse(new ErrorFields("WARNING", "25P01",
                "there is no transaction in progress", null, null, 7));
        assertThat(notice[0]).isEqualTo((byte) 'N');
        assertThat(hex(notice)).endsWith("50" + hexOf("7") + "0000");
    }

    @Test
    void negotiateProtocolVersion() {
        assertThat(hex(BackendMessages.negotiateProtocolVersion(0, List.of("_pq_.x"))))
                .isEqualTo("76" + "00000013" + "00000000" + "00000001" + hexOf("_pq_.x") + "00");
    }

    @Test
    void copyMessages() {
        // bb1 capture: CopyOutResponse overallfmt=0 ncols=0
        assertThat(hex(BackendMessages.copyOutResponse(0, new short[0]))).isEqualTo("48" + "00000007" + "00" + "0000");
        // standby capture: CopyBothResponse overallfmt=0 ncols=0
        assertThat(hex(BackendMessages.copyBothResponse(0, new short[0]))).isEqualTo("57" + "00000007" + "000000");
        assertThat(hex(BackendMessages.copyInResponse(0, new short[] {0, 0, 0, 0})))
                .isEqualTo("47" + "0000000f" + "00" + "0004" + "0000000000000000");
        assertThat(hex(BackendMessages.copyData(new byte[] {'d', '1', '5', '\n'}))).isEqualTo("6400000008" + "6431350a");
        assertThat(hex(BackendMessages.copyData(new byte[] {9, 1, 2, 9}, 1, 2))).isEqualTo("6400000006" + "0102");
        assertThat(hex(BackendMessages.copyDone())).isEqualTo("6300000004");
    }

    @Test
    void frontendMessagesRoundTrip() {
        byte[] parse = FrontendMessages.parse("S_1", "select $1", new int[] {23});
        FrontendMessages.Parse p = FrontendMessages.decodeParse(body('P', parse));
        assertThat(p.statementName()).isEqualTo("S_1");
        assertThat(p.query()).isEqualTo("select $1");
        assertThat(p.paramTypeOids()).containsExactly(23);

        byte[] bind = FrontendMessages.bind("", "S_1", new short[] {1}, new byte[][] {{0, 0, 0, 5}, null},
                new short[] {1});
        FrontendMessages.Bind b = FrontendMessages.decodeBind(body('B', bind));
        assertThat(b.statementName()).isEqualTo("S_1");
        assertThat(b.params()[0]).containsExactly(0, 0, 0, 5);
        assertThat(b.params()[1]).isNull();
        assertThat(b.resultFormats()).containsExactly((short) 1);

        assertThat(FrontendMessages.decodeTarget(body('D', FrontendMessages.describe('P', "p1"))))
                .isEqualTo(new FrontendMessages.Target('P', "p1"));
        assertThat(FrontendMessages.decodeExecute(body('E', FrontendMessages.execute("", 10))))
                .isEqualTo(new FrontendMessages.Execute("", 10));
        assertThat(FrontendMessages.decodeQuery(body('Q', FrontendMessages.query("select 1")))).isEqualTo("select 1");
        assertThat(hex(FrontendMessages.sync())).isEqualTo("5300000004");
        assertThat(hex(FrontendMessages.terminate())).isEqualTo("5800000004");
        assertThat(hex(FrontendMessages.sslRequest())).isEqualTo("0000000804d2162f");
        assertThat(hex(FrontendMessages.gssEncRequest())).isEqualTo("0000000804d21630");
        assertThat(hex(FrontendMessages.cancelRequest(7, 9))).isEqualTo("0000001004d2162e0000000700000009");
        // A SASLInitialResponse as libpq sent it (auth/conn001.log).
        assertThat(hex(FrontendMessages.saslInitialResponse("SCRAM-SHA-256", "n,,n=,r=G9F7l8WViJ2G6Kr+kWZGPJ1H"
                .getBytes()))).isEqualTo("70" + "00000036" + hexOf("SCRAM-SHA-256") + "00" + "00000020"
                + hexOf("n,,n=,r=G9F7l8WViJ2G6Kr+kWZGPJ1H"));
    }

    @Test
    void trailingGarbageIsAProtocolViolation() {
        byte[] exec = FrontendMessages.execute("", 0);
        byte[] longer = java.util.Arrays.copyOf(exec, exec.length + 1);
        assertThatThrownBy(() -> FrontendMessages.decodeExecute(body('E', longer)))
                .isInstanceOf(PgException.class)
                .extracting(e -> ((PgException) e).sqlState()).isEqualTo(SqlState.PROTOCOL_VIOLATION);
    }

    @Test
    void startupPacketDecoding() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", "u_scram");
        params.put("database", "replication");
        params.put("replication", "true");
        params.put("application_name", "pg_receivewal");
        byte[] frame = FrontendMessages.startupMessage(params);
        StartupPacket sp = StartupPacket.decode(java.util.Arrays.copyOfRange(frame, 4, frame.length));
        assertThat(sp).isInstanceOf(StartupPacket.StartupMessage.class);
        StartupPacket.StartupMessage sm = (StartupPacket.StartupMessage) sp;
        assertThat(sm.parameters()).containsExactlyEntriesOf(params);
        assertThat(sm.majorVersion()).isEqualTo(3);

        assertThat(StartupPacket.decode(new byte[] {4, (byte) 0xd2, 0x16, 0x2f})).isInstanceOf(StartupPacket.SslRequest.class);
        assertThat(StartupPacket.decode(new byte[] {4, (byte) 0xd2, 0x16, 0x30})).isInstanceOf(StartupPacket.GssEncRequest.class);
        byte[] cancel = FrontendMessages.cancelRequest(42, 77);
        assertThat(StartupPacket.decode(java.util.Arrays.copyOfRange(cancel, 4, cancel.length)))
                .isEqualTo(new StartupPacket.CancelRequest(42, 77));
        assertThatThrownBy(() -> StartupPacket.decode(new byte[] {0, 2, 0, 0, 0}))
                .isInstanceOf(PgException.class)
                .hasMessage("unsupported frontend protocol 2.0: server supports 3.0 to 3.0");
        assertThatThrownBy(() -> StartupPacket.decode(new byte[] {0, 3, 0, 0, 'u', 0}))
                .isInstanceOf(PgException.class);
    }

    private static Message body(char type, byte[] frame) {
        assertThat(frame[0]).isEqualTo((byte) type);
        return new Message(type, java.util.Arrays.copyOfRange(frame, 5, frame.length));
    }
}
