package org.walden.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TCP ports for the servers a test starts. A port is free when handed out, but the server binds
 * it only later; a port from the kernel's ephemeral range (32768-60999 on Linux) can meanwhile
 * become the local end of any outgoing connection on the machine, and the server then fails with
 * "could not create any TCP/IP sockets". So ports come from below that range, in order from a
 * random start (so that two test JVMs on one machine rarely meet), each checked free and never
 * handed out twice by this JVM.
 */
public final class TestPorts {
    private static final int FIRST = 20_000;
    private static final int COUNT = 12_000;
    private static final AtomicInteger NEXT = new AtomicInteger(ThreadLocalRandom.current().nextInt(COUNT));

    private TestPorts() {
    }

    /** A port on 127.0.0.1 that nothing listens on now and that this JVM has not handed out before. */
    public static int free() {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        for (int attempt = 0; attempt < COUNT; attempt++) {
            int port = FIRST + Math.floorMod(NEXT.getAndIncrement(), COUNT);
            try (ServerSocket probe = new ServerSocket(port, 1, loopback)) {
                probe.setReuseAddress(true);
                return port;
            } catch (IOException taken) {
                // someone else's: try the next one
            }
        }
        throw new IllegalStateException("no free TCP port in " + FIRST + "-" + (FIRST + COUNT - 1));
    }
}
