package org.walden.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;

class ConnInfoTest {

    @Test
    void keyValueAsInPrimaryConninfo() {
        ConnInfo c = ConnInfo.parse("host=localhost port=5438 user=repuser password=repuser application_name=s1");
        assertThat(c.get("host")).isEqualTo("localhost");
        assertThat(c.get("port")).isEqualTo("5438");
        assertThat(c.get("password")).isEqualTo("repuser");
        assertThat(c.toDisplayString())
                .isEqualTo("host=localhost port=5438 user=repuser password=******** application_name=s1");
    }

    @Test
    void quotesAndEscapes() {
        ConnInfo c = ConnInfo.parse("  user = 'o\\'brien'  password='a b\\\\c' dbname=x\\ y options=''");
        assertThat(c.get("user")).isEqualTo("o'brien");
        assertThat(c.get("password")).isEqualTo("a b\\c");
        assertThat(c.get("dbname")).isEqualTo("x y");
        assertThat(c.get("options")).isEmpty();
        assertThat(ConnInfo.parse(c.toConnString()).values()).isEqualTo(c.values());
        assertThatThrownBy(() -> ConnInfo.parse("user='x")).isInstanceOf(PgException.class)
                .hasMessage("unterminated quoted string in connection info string");
        assertThatThrownBy(() -> ConnInfo.parse("user x")).isInstanceOf(PgException.class)
                .hasMessage("missing \"=\" after \"user\" in connection info string");
    }

    @Test
    void uris() {
        ConnInfo c = ConnInfo.parse("postgresql://rep%40user:s%3Acret@db.example:5439/postgres?application_name=s1"
                + "&replication=true");
        assertThat(c.get("user")).isEqualTo("rep@user");
        assertThat(c.get("password")).isEqualTo("s:cret");
        assertThat(c.get("host")).isEqualTo("db.example");
        assertThat(c.get("port")).isEqualTo("5439");
        assertThat(c.get("dbname")).isEqualTo("postgres");
        assertThat(c.get("application_name")).isEqualTo("s1");
        ConnInfo v6 = ConnInfo.parse("postgres://[::1]:5432");
        assertThat(v6.get("host")).isEqualTo("::1");
        ConnInfo sock = ConnInfo.parse("postgresql://%2Ftmp%2Fsock/db");
        assertThat(sock.get("host")).isEqualTo("/tmp/sock");
        assertThat(ConnInfo.parse("postgresql://").values()).isEmpty();
    }

    @Test
    void addressesAndStartupParameters() {
        assertThat(PgClient.addresses(ConnInfo.parse("host=/tmp/x port=5999")))
                .containsExactly(UnixDomainSocketAddress.of("/tmp/x/.s.PGSQL.5999"));
        assertThat(PgClient.addresses(ConnInfo.parse("host=127.0.0.1 port=5438")))
                .containsExactly(new InetSocketAddress("127.0.0.1", 5438));
        assertThat(PgClient.startupParameters(ConnInfo.parse(
                "host=h user=repuser password=p replication=true application_name=s1")))
                .containsExactly(java.util.Map.entry("user", "repuser"), java.util.Map.entry("database", "replication"),
                        java.util.Map.entry("replication", "true"), java.util.Map.entry("application_name", "s1"));
        assertThat(PgClient.startupParameters(ConnInfo.parse("user=a")).get("database")).isEqualTo("a");
    }

    @Test
    void libpqKeywordsOfABasebackupPrimaryConninfoStayClientSide() {
        // primary_conninfo as PostgreSQL 15's pg_basebackup -R writes it
        String conninfo = "user=rep passfile='/home/rep/.pgpass' channel_binding=prefer host=127.0.0.1 port=5438"
                + " sslmode=prefer sslcompression=0 sslcertmode=allow sslsni=1 ssl_min_protocol_version=TLSv1.2"
                + " gssencmode=prefer krbsrvname=postgres gssdelegation=0 target_session_attrs=any"
                + " load_balance_hosts=disable keepalives=1 keepalives_idle=5 tcp_user_timeout=0"
                + " sslrootcert=/x requirepeer=postgres gsslib=gssapi service=s connect_timeout=10"
                + " fallback_application_name=walreceiver options='-c work_mem=1MB' application_name=s1"
                + " replication=true";
        assertThat(PgClient.startupParameters(ConnInfo.parse(conninfo))).containsExactly(
                java.util.Map.entry("user", "rep"), java.util.Map.entry("database", "replication"),
                java.util.Map.entry("replication", "true"), java.util.Map.entry("options", "-c work_mem=1MB"),
                java.util.Map.entry("application_name", "s1"));
        assertThat(PgClient.startupParameters(ConnInfo.parse("user=a fallback_application_name=walreceiver")))
                .containsEntry("application_name", "walreceiver").doesNotContainKey("fallback_application_name");
    }

    @Test
    void environmentDefaultsAndPasswordFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        ConnInfo c = PgPassFile.withEnvironment(ConnInfo.parse("host=h1"),
                java.util.Map.of("PGHOST", "ignored", "PGPORT", "5439", "PGUSER", "bob"));
        assertThat(c.values()).containsEntry("host", "h1").containsEntry("port", "5439").containsEntry("user", "bob");

        java.nio.file.Path pass = dir.resolve("pgpass");
        java.nio.file.Files.writeString(pass, """
                # comment
                db.example:5432:*:rep:first\\:pw
                localhost:5439:replication:rep:sock:pw
                *:*:*:*:fallback
                """);
        java.nio.file.Files.setPosixFilePermissions(pass, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertThat(PgPassFile.lookup(pass, "db.example", "5432", "postgres", "rep")).isEqualTo("first:pw");
        assertThat(PgPassFile.lookup(pass, "/tmp", "5439", "replication", "rep")).isEqualTo("sock:pw");
        assertThat(PgPassFile.lookup(pass, "other", "1", "d", "u")).isEqualTo("fallback");
        java.nio.file.Files.setPosixFilePermissions(pass, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(PgPassFile.lookup(pass, "other", "1", "d", "u")).isNull();
        assertThat(PgPassFile.fileFor(ConnInfo.parse("passfile=/x/y"), java.util.Map.of()).toString()).isEqualTo("/x/y");
    }
}
