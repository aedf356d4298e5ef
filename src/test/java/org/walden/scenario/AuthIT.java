package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * Password authentication as the seeds set it up: initdb --auth scram-sha-256 --pwfile; a
 * replication role created, then given a password the way psql's \password sends it (a SCRAM
 * verifier computed on the client), by CREATE USER ... ENCRYPTED PASSWORD, by createuser -P,
 * and an md5 password under password_encryption = md5 with an md5 pg_hba line. psql, pgjdbc
 * and pg_receivewal log in with SCRAM and with md5; a wrong password is FATAL 28P01, a
 * connection no pg_hba.conf line matches is FATAL 28000, a role without REPLICATION asking for
 * a walsender is FATAL 42501, the CONNECTION LIMIT of a role holds (53300).
 */
class AuthIT {

    private static final String SUPERUSER_PASSWORD = "s3cret-super";

    @Test
    void scramAndMd5LogInsThroughPsqlPgjdbcAndPgReceivewal() throws Exception {
        String psql = PgPrograms.require("psql");
        String createuser = PgPrograms.require("createuser");
        String receivewal = PgPrograms.require("pg_receivewal");
        try (TestCluster cluster = new TestCluster()) {
            Path pwfile = cluster.root().resolve("pwfile");
            Files.writeString(pwfile, SUPERUSER_PASSWORD + "\n");
            TestCluster.Node node = cluster.initPrimary("auth",
                    List.of("--auth", "scram-sha-256", "--pwfile", pwfile.toString()));
            Files.writeString(node.dataDir().resolve("pg_hba.conf"), """
                    # AuthIT
                    local   all             all                                     scram-sha-256
                    host    all             m5user                  127.0.0.1/32    md5
                    host    replication     m5user                  127.0.0.1/32    md5
                    host    all             postgres,repuser,r2,r3,norepl   127.0.0.1/32    scram-sha-256
                    host    replication     postgres,repuser,r2,r3,norepl   127.0.0.1/32    scram-sha-256
                    """);
            node.start();
            int port = node.port();
            Sql superuser = new Sql(psql, port, "postgres", SUPERUSER_PASSWORD);

            // the seeds' role set-up, as psql's \password sends it: the verifier is computed client-side
            String verifier = scramVerifier("rep-Pw.1");
            superuser.run("create role repuser with replication login;").check("create role repuser");
            superuser.run("ALTER USER repuser PASSWORD '" + verifier + "'").check("\\password repuser");
            superuser.run("CREATE USER r2 replication LOGIN CONNECTION LIMIT 3 ENCRYPTED PASSWORD 'r2'")
                    .check("CREATE USER r2");
            superuser.run("SET password_encryption = 'md5'; CREATE ROLE m5user LOGIN REPLICATION PASSWORD 'm5-pw'")
                    .check("md5 role");
            superuser.run("CREATE ROLE norepl LOGIN PASSWORD 'norepl-pw'; CREATE ROLE outsider LOGIN PASSWORD 'out-pw'")
                    .check("other roles");
            // createuser -P reads the password twice from the terminal, else stdin: setsid leaves it no terminal
            PgPrograms.run(List.of("setsid", "-w", createuser, "-h", "127.0.0.1", "-p", Integer.toString(port),
                    "-U", "postgres", "--replication", "-P", "r3"), Map.of("PGPASSWORD", SUPERUSER_PASSWORD),
                    "r3-pw\nr3-pw\n", 60).check("createuser --replication -P r3");

            assertThat(superuser.run("SELECT rolpassword FROM pg_authid WHERE rolname = 'repuser'").out().strip())
                    .isEqualTo(verifier);
            assertThat(superuser.run("SELECT rolpassword FROM pg_authid WHERE rolname = 'm5user'").out().strip())
                    .isEqualTo("md5" + md5Hex("m5-pwm5user"));
            assertThat(superuser.run("SELECT rolpassword FROM pg_authid WHERE rolname = 'r3'").out().strip())
                    .startsWith("SCRAM-SHA-256$4096:");
            assertThat(superuser.run("SELECT rolname, rolreplication, rolconnlimit FROM pg_roles"
                    + " WHERE rolname IN ('repuser', 'r2', 'r3', 'm5user') ORDER BY rolname").out().strip())
                    .isEqualTo("m5user|t|-1\nr2|t|3\nr3|t|-1\nrepuser|t|-1");

            // psql: SCRAM over TCP and the socket, md5 over TCP
            assertThat(new Sql(psql, port, "repuser", "rep-Pw.1").run("SELECT current_user").check("repuser").out())
                    .isEqualTo("repuser\n");
            assertThat(new Sql(psql, port, "r3", "r3-pw").host(cluster.root().toString())
                    .run("SELECT current_user").check("r3 over the socket").out()).isEqualTo("r3\n");
            assertThat(new Sql(psql, port, "m5user", "m5-pw").run("SELECT current_user").check("md5").out())
                    .isEqualTo("m5user\n");

            // pgjdbc: SCRAM and md5
            assertThat(currentUser(port, "r2", "r2")).isEqualTo("r2");
            assertThat(currentUser(port, "repuser", "rep-Pw.1")).isEqualTo("repuser");
            assertThat(currentUser(port, "m5user", "m5-pw")).isEqualTo("m5user");

            // pg_receivewal: SCRAM and md5 on replication connections
            receiveWalUpToNow(receivewal, superuser, cluster.root().resolve("wal-rep"), port, "repuser", "rep-Pw.1");
            receiveWalUpToNow(receivewal, superuser, cluster.root().resolve("wal-md5"), port, "m5user", "m5-pw");

            // refusals
            PgPrograms.Result wrong = new Sql(psql, port, "repuser", "not-it").run("SELECT 1");
            assertThat(wrong.code()).isEqualTo(2);
            assertThat(wrong.err()).contains("FATAL:  password authentication failed for user \"repuser\"");
            assertThat(loginError(port, "repuser", "not-it", false).getSQLState()).isEqualTo("28P01");
            assertThat(loginError(port, "m5user", "not-it", false).getSQLState()).isEqualTo("28P01");

            SQLException noHba = loginError(port, "outsider", "out-pw", false);
            assertThat(noHba.getSQLState()).isEqualTo("28000");
            assertThat(noHba.getMessage()).contains("no pg_hba.conf entry for host \"127.0.0.1\", user \"outsider\","
                    + " database \"postgres\", no encryption");
            PgPrograms.Result noHbaPsql = new Sql(psql, port, "outsider", "out-pw").run("SELECT 1");
            assertThat(noHbaPsql.err()).contains("FATAL:  no pg_hba.conf entry for host \"127.0.0.1\", user"
                    + " \"outsider\", database \"postgres\", no encryption");

            SQLException noRepl = loginError(port, "norepl", "norepl-pw", true);
            assertThat(noRepl.getSQLState()).isEqualTo("42501");
            assertThat(noRepl.getMessage()).contains("must be superuser or replication role to start walsender");
            PgPrograms.Result noReplPsql = PgPrograms.run(List.of(psql, "-X", "-At", "-d",
                    "host=127.0.0.1 port=" + port + " user=norepl dbname=postgres replication=database",
                    "-c", "IDENTIFY_SYSTEM"), Map.of("PGPASSWORD", "norepl-pw"), null, 60);
            assertThat(noReplPsql.code()).isEqualTo(2);
            assertThat(noReplPsql.err()).contains("FATAL:  must be superuser or replication role to start walsender");

            // CONNECTION LIMIT 3
            List<Connection> held = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    held.add(connect(port, "r2", "r2", false));
                }
                SQLException tooMany = loginError(port, "r2", "r2", false);
                assertThat(tooMany.getSQLState()).isEqualTo("53300");
                assertThat(tooMany.getMessage()).contains("too many connections for role \"r2\"");
            } finally {
                for (Connection c : held) {
                    c.close();
                }
            }
        }
    }

    /** psql with a password in PGPASSWORD, unaligned and tuples only, stopping on the first error. */
    private record Sql(String psql, int port, String user, String password, String hostName) {
        Sql(String psql, int port, String user, String password) {
            this(psql, port, user, password, "127.0.0.1");
        }

        Sql host(String h) {
            return new Sql(psql, port, user, password, h);
        }

        PgPrograms.Result run(String sql) {
            return PgPrograms.run(List.of(psql, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h", hostName, "-p",
                    Integer.toString(port), "-U", user, "-d", "postgres", "-c", sql),
                    Map.of("PGPASSWORD", password), null, 60);
        }
    }

    private static void receiveWalUpToNow(String receivewal, Sql superuser, Path dir, int port, String user,
                                          String password) throws Exception {
        Files.createDirectories(dir);
        superuser.run("CREATE TABLE IF NOT EXISTS rw (id integer PRIMARY KEY); INSERT INTO rw VALUES ("
                + Math.abs(dir.hashCode() % 100000) + ")").check("write before pg_receivewal");
        String end = superuser.run("SELECT pg_current_wal_lsn()").check("pg_current_wal_lsn").out().strip();
        // pg_receivewal -E stops once it has received WAL past (not up to) the end position
        superuser.run("INSERT INTO rw VALUES (" + (100000 + Math.abs(dir.hashCode() % 100000)) + ")")
                .check("write after the end position");
        PgPrograms.Result r = PgPrograms.run(List.of(receivewal, "-h", "127.0.0.1", "-p", Integer.toString(port),
                "-U", user, "-w", "-D", dir.toString(), "-E", end, "--no-loop", "-v"),
                Map.of("PGPASSWORD", password), null, 60);
        assertThat(r.code()).as(user + ": " + r.err()).isZero();
        assertThat(r.err()).contains("pg_receivewal: starting log streaming at");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList())
                    .anyMatch(n -> n.matches("[0-9A-F]{24}(\\.partial)?"));
        }
    }

    private static Connection connect(int port, String user, String password, boolean replication)
            throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "10");
        if (replication) {
            props.setProperty("replication", "database");
            props.setProperty("assumeMinServerVersion", "9.4");
            props.setProperty("preferQueryMode", "simple");
        }
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", props);
    }

    private static String currentUser(int port, String user, String password) throws SQLException {
        try (Connection c = connect(port, user, password, false); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_user")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    private static SQLException loginError(int port, String user, String password, boolean replication) {
        return catchThrowableOfType(SQLException.class, () -> connect(port, user, password, replication).close());
    }

    /** SCRAM-SHA-256$4096:salt$StoredKey:ServerKey, as libpq's PQencryptPasswordConn makes it. */
    static String scramVerifier(String password) throws Exception {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        int iterations = 4096;
        SecretKeyFactory pbkdf2 = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
        byte[] salted = pbkdf2.generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256))
                .getEncoded();
        byte[] clientKey = hmac(salted, "Client Key");
        byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
        byte[] serverKey = hmac(salted, "Server Key");
        Base64.Encoder b64 = Base64.getEncoder();
        return "SCRAM-SHA-256$" + iterations + ":" + b64.encodeToString(salt) + "$" + b64.encodeToString(storedKey)
                + ":" + b64.encodeToString(serverKey);
    }

    private static byte[] hmac(byte[] key, String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String md5Hex(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
