import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Promote-to-first-accepted-write latency: on a standby, one connection asks for promotion with
 * {@code SELECT pg_promote(false)} (no wait) and a second, already open, retries an INSERT until
 * the server accepts it. Prints the milliseconds from the request to the first committed write.
 *
 * <pre>java -cp target/lib/postgresql-VERSION.jar bench/PromoteLatency.java PORT [USER]</pre>
 */
public class PromoteLatency {
    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/postgres?user=" + (args.length > 1 ? args[1] : "postgres");
        try (Connection promoter = DriverManager.getConnection(url); Connection writer = DriverManager.getConnection(url);
             Statement p = promoter.createStatement(); Statement w = writer.createStatement()) {
            w.execute("SELECT 1");
            long t0 = System.nanoTime();
            p.execute("SELECT pg_promote(false)");
            int attempts = 0;
            while (true) {
                attempts++;
                try {
                    w.execute("INSERT INTO promote_latency VALUES (1)");
                    break;
                } catch (SQLException e) {
                    if (!"25006".equals(e.getSQLState())) {
                        throw e;
                    }
                    if (System.nanoTime() - t0 > 60_000_000_000L) {
                        throw new IllegalStateException("not promoted after 60 s");
                    }
                }
            }
            System.out.printf("%.1f%n", (System.nanoTime() - t0) / 1e6);
            System.err.printf("(%d attempts)%n", attempts);
        }
    }
}
