package org.walden.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.protocol.AuthMethod;

class HbaFileTest {

    private static final Path PATH = Path.of("/data/pg_hba.conf");

    private static HbaFile.Request tcp(String ip, String db, String user, HbaFile.Replication r) throws Exception {
        return new HbaFile.Request(InetAddress.getByName(ip), db, user, r);
    }

    private static HbaFile.Request local(String db, String user, HbaFile.Replication r) {
        return new HbaFile.Request(null, db, user, r);
    }

    @Test
    void firstMatchWinsAcrossTypesAddressesAndLists() throws Exception {
        HbaFile hba = HbaFile.parse("""
                # comment line
                local   all           postgres                      trust   # trailing comment
                local   sameuser      all                           md5
                hostssl all           all        0.0.0.0/0          trust
                host    db1, db2      alice,"bob"  10.0.0.0/8       password
                host    all           all        192.168.1.0 255.255.255.0  scram-sha-256
                host    all           all        ::1/128            md5
                host    "all"         carol      samehost           trust
                host    all           all        all                reject
                """, PATH);
        assertThat(hba.authMethodFor(local("x", "postgres", HbaFile.Replication.NONE))).isEqualTo(AuthMethod.TRUST);
        assertThat(hba.authMethodFor(local("bob", "bob", HbaFile.Replication.NONE))).isEqualTo(AuthMethod.MD5);
        assertThatThrownBy(() -> hba.authMethodFor(local("x", "bob", HbaFile.Replication.NONE)))
                .hasMessage("no pg_hba.conf entry for host \"[local]\", user \"bob\", database \"x\", no encryption");
        // hostssl never matches without TLS; db and user lists, with a space after the comma
        assertThat(hba.authMethodFor(tcp("10.1.2.3", "db2", "bob", HbaFile.Replication.NONE)))
                .isEqualTo(AuthMethod.PASSWORD);
        assertThat(hba.authMethodFor(tcp("192.168.1.77", "db2", "bob", HbaFile.Replication.NONE)))
                .isEqualTo(AuthMethod.SCRAM_SHA_256);
        assertThat(hba.authMethodFor(tcp("::1", "db", "zed", HbaFile.Replication.NONE))).isEqualTo(AuthMethod.MD5);
        // a quoted "all" is a database named all
        assertThat(hba.match(tcp("127.0.0.1", "all", "carol", HbaFile.Replication.NONE)).lineNumber()).isEqualTo(8);
        assertThatThrownBy(() -> hba.authMethodFor(tcp("172.16.0.1", "d", "u", HbaFile.Replication.NONE)))
                .isInstanceOf(PgException.class)
                .hasMessage("pg_hba.conf rejects connection for host \"172.16.0.1\", user \"u\", database \"d\", "
                        + "no encryption")
                .extracting(e -> ((PgException) e).sqlState()).isEqualTo(SqlState.INVALID_AUTHORIZATION_SPECIFICATION);
    }

    @Test
    void replicationKeyword() throws Exception {
        HbaFile hba = HbaFile.parse("""
                host all         all 127.0.0.1/32 trust
                host replication rep 127.0.0.1/32 md5
                """, PATH);
        // "all" does not match a physical replication connection; "replication" does.
        assertThat(hba.authMethodFor(tcp("127.0.0.1", "replication", "rep", HbaFile.Replication.PHYSICAL)))
                .isEqualTo(AuthMethod.MD5);
        assertThatThrownBy(() -> hba.authMethodFor(tcp("127.0.0.1", "replication", "x",
                HbaFile.Replication.PHYSICAL)))
                .hasMessage("no pg_hba.conf entry for replication connection from host \"127.0.0.1\", user \"x\", "
                        + "no encryption");
        // a logical replication connection matches by database name
        assertThat(hba.authMethodFor(tcp("127.0.0.1", "db", "x", HbaFile.Replication.LOGICAL)))
                .isEqualTo(AuthMethod.TRUST);
        // "replication" does not match an ordinary connection to a database named replication
        HbaFile only = HbaFile.parse("host replication all 127.0.0.1/32 trust\n", PATH);
        assertThat(only.match(tcp("127.0.0.1", "replication", "x", HbaFile.Replication.NONE))).isNull();
    }

    @Test
    void continuationLinesAndCidrEdges() throws Exception {
        HbaFile hba = HbaFile.parse("host all all \\\n  10.0.0.0/31 trust\nhost all all 0.0.0.0/0 md5\n", PATH);
        assertThat(hba.authMethodFor(tcp("10.0.0.1", "d", "u", HbaFile.Replication.NONE))).isEqualTo(AuthMethod.TRUST);
        assertThat(hba.authMethodFor(tcp("10.0.0.2", "d", "u", HbaFile.Replication.NONE))).isEqualTo(AuthMethod.MD5);
        // IPv4 rules do not match IPv6 clients
        assertThat(hba.match(tcp("::1", "d", "u", HbaFile.Replication.NONE))).isNull();
        assertThat(HbaFile.cidrMatches(new byte[] {10, 0, 0, 0}, 0, new byte[] {1, 2, 3, 4})).isTrue();
    }

    @Test
    void hostsslAndHostnosslFollowTheConnectionsEncryption() throws Exception {
        HbaFile hba = HbaFile.parse("""
                hostssl   all  u  127.0.0.1/32  scram-sha-256 clientcert=verify-full
                hostnossl all  u  127.0.0.1/32  reject
                hostssl   all  c  127.0.0.1/32  cert map=people
                local     all  p                peer map=os
                """, PATH);
        HbaFile.Request tls = new HbaFile.Request(InetAddress.getByName("127.0.0.1"), "d", "u",
                HbaFile.Replication.NONE, true);
        HbaFile.Line line = hba.matchOrRefuse(tls);
        assertThat(line.method()).isEqualTo(AuthMethod.SCRAM_SHA_256);
        assertThat(line.clientCert()).isEqualTo(HbaFile.ClientCert.VERIFY_FULL);
        assertThatThrownBy(() -> hba.matchOrRefuse(tcp("127.0.0.1", "d", "u", HbaFile.Replication.NONE)))
                .hasMessage("pg_hba.conf rejects connection for host \"127.0.0.1\", user \"u\", database \"d\", "
                        + "no encryption");
        HbaFile.Line cert = hba.matchOrRefuse(new HbaFile.Request(InetAddress.getByName("127.0.0.1"), "d", "c",
                HbaFile.Replication.NONE, true));
        assertThat(cert.method()).isEqualTo(AuthMethod.CERT);
        assertThat(cert.clientCert()).isEqualTo(HbaFile.ClientCert.VERIFY_FULL);
        assertThat(cert.map()).isEqualTo("people");
        assertThatThrownBy(() -> hba.matchOrRefuse(new HbaFile.Request(InetAddress.getByName("127.0.0.1"), "d", "x",
                HbaFile.Replication.NONE, true))).hasMessage("no pg_hba.conf entry for host \"127.0.0.1\", user "
                        + "\"x\", database \"d\", SSL encryption");
        assertThat(hba.matchOrRefuse(local("d", "p", HbaFile.Replication.NONE)).method()).isEqualTo(AuthMethod.PEER);
    }

    @Test
    void tlsOptionsAreCheckedAtLoadAsPostgresqlChecksThem() {
        assertThatThrownBy(() -> HbaFile.parse("host all all 0.0.0.0/0 trust clientcert=verify-ca\n", PATH))
                .hasMessage("clientcert can only be configured for \"hostssl\" rows");
        assertThatThrownBy(() -> HbaFile.parse("hostssl all all 0.0.0.0/0 cert clientcert=verify-ca\n", PATH))
                .hasMessage("clientcert only accepts \"verify-full\" when using \"cert\" authentication");
        assertThatThrownBy(() -> HbaFile.parse("hostssl all all 0.0.0.0/0 trust clientcert=1\n", PATH))
                .hasMessage("invalid value for clientcert: \"1\"");
        assertThatThrownBy(() -> HbaFile.parse("host all all 0.0.0.0/0 cert\n", PATH))
                .hasMessage("cert authentication is only supported on hostssl connections");
        assertThatThrownBy(() -> HbaFile.parse("host all all 0.0.0.0/0 peer\n", PATH))
                .hasMessage("peer authentication is only supported on local sockets");
        assertThatThrownBy(() -> HbaFile.parse("host all all 0.0.0.0/0 md5 map=x\n", PATH))
                .hasMessageStartingWith("authentication option \"map\" is only valid");
        assertThatThrownBy(() -> HbaFile.parse("host all all 0.0.0.0/0 ldap\n", PATH))
                .hasMessage("invalid authentication method \"ldap\": not supported by this build");
    }

    @Test
    void errorsNameTheLine() {
        assertThatThrownBy(() -> HbaFile.parse("local all all trust\nlocal all all ident\n", PATH))
                .isInstanceOf(PgException.class)
                .hasMessage("invalid authentication method \"ident\": not supported by this build")
                .extracting(e -> ((PgException) e).detail())
                .isEqualTo("line 2 of configuration file \"/data/pg_hba.conf\"");
        assertThatThrownBy(() -> HbaFile.parse("hots all all 1.2.3.4/32 trust\n", PATH))
                .hasMessage("invalid connection type \"hots\"");
        assertThatThrownBy(() -> HbaFile.parse("host all all 1.2.3.4/33 trust\n", PATH))
                .hasMessage("invalid CIDR mask in address \"1.2.3.4/33\"");
        assertThatThrownBy(() -> HbaFile.parse("host all all 1.2.3.4 trust\n", PATH))
                .hasMessage("invalid IP mask \"trust\"");
        assertThatThrownBy(() -> HbaFile.parse("host all all\n", PATH))
                .hasMessage("end-of-line before IP address specification");
        assertThatThrownBy(() -> HbaFile.parse("local all all md5 radiusserver=x\n", PATH))
                .hasMessage("unrecognized authentication option name: \"radiusserver\"");
        assertThatThrownBy(() -> HbaFile.parse("local all \"x trust\n", PATH))
                .hasMessage("unterminated quoted string");
    }
}
