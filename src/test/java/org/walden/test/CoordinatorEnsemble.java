package org.walden.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code walden coordinator} processes for a test: one server, or a three-member ensemble on
 * 127.0.0.1, each member its own JVM (so a test can kill and restart members). Ports come from
 * the {@link TestCluster}; {@link #close} kills every member.
 */
public final class CoordinatorEnsemble implements AutoCloseable {

    private final Path root;
    private final List<int[]> ports = new ArrayList<>();
    private final Process[] members;

    public CoordinatorEnsemble(TestCluster cluster, int size) {
        this.root = cluster.root().resolve("coordinator");
        for (int i = 0; i < size; i++) {
            ports.add(new int[] {cluster.freePort(), cluster.freePort(), cluster.freePort()});
        }
        members = new Process[size];
        for (int i = 0; i < size; i++) {
            start(i);
        }
        for (int i = 0; i < size; i++) {
            awaitServing(i);
        }
    }

    /** The connect string of every member, with {@code chroot} ("/walden"). */
    public String connectString(String chroot) {
        StringBuilder sb = new StringBuilder();
        for (int[] p : ports) {
            sb.append(sb.isEmpty() ? "" : ",").append("127.0.0.1:").append(p[0]);
        }
        return sb + chroot;
    }

    public int clientPort(int member) {
        return ports.get(member)[0];
    }

    /** Starts member {@code i} (again). */
    public void start(int i) {
        List<String> args = new ArrayList<>(List.of("coordinator", "-D", root.resolve("zk" + (i + 1)).toString(),
                "--port", Integer.toString(ports.get(i)[0])));
        if (ports.size() > 1) {
            StringBuilder ensemble = new StringBuilder();
            for (int[] p : ports) {
                ensemble.append(ensemble.isEmpty() ? "" : ",").append("127.0.0.1:").append(p[0]).append(':')
                        .append(p[1]).append(':').append(p[2]);
            }
            args.addAll(List.of("--ensemble", ensemble.toString()));
        }
        try {
            members[i] = new ProcessBuilder(TestCluster.waldenCommand(args))
                    .redirectErrorStream(true)
                    .redirectOutput(root.resolveSibling("zk" + (i + 1) + ".log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** kill -9 of member {@code i}. */
    public void kill(int i) {
        Process p = members[i];
        if (p != null) {
            p.destroyForcibly();
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            members[i] = null;
        }
    }

    /** Waits until member {@code i} answers ZooKeeper's "ruok" with "imok" and serves ("srvr" without error). */
    public void awaitServing(int i) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String srvr = fourLetterWord(i, "srvr");
            if (srvr.contains("Mode: ")) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("coordinator member " + (i + 1) + " does not serve; see " + root);
    }

    /** The answer to a four-letter word, "" when the member does not answer. */
    public String fourLetterWord(int i, String word) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", ports.get(i)[0]), 1000);
            s.setSoTimeout(2000);
            s.getOutputStream().write(word.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < members.length; i++) {
            kill(i);
        }
    }
}
