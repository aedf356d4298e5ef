package org.walden.ha;

import static org.walden.server.logging.JsonLogLayout.quoted;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.walden.wal.Lsn;

/**
 * Each node's HTTP endpoint for load balancers and monitoring, with Patroni's REST API's names:
 * GET /primary (200 only on the lease-holding primary that may acknowledge writes), /replica
 * (200 on a streaming standby; {@code ?lag=BYTES} also checks its lag), /read-only (either),
 * /sync and /async (a streaming standby in or out of the published synchronous set), /health
 * (the server runs), /liveness (the agent runs), /readiness (as /primary or /replica), /cluster
 * (the members, the lease holder, the synchronous set and the failover history, as JSON),
 * /metrics (Prometheus text format, {@link NodeMetrics}), and / — the live cluster page (the
 * topology, each standby's lag over the last five minutes from /lag-history, recent failovers),
 * which refreshes itself every two seconds. Anything else is 404.
 *
 * <p>The JDK's own HTTP server (com.sun.net.httpserver): a small, maintained server that adds
 * no dependency; two threads serve, so a slow client cannot hold a probe up for long.
 */
final class HttpEndpoint {

    /** How long the lag history on the cluster page reaches back. */
    static final long LAG_WINDOW_MS = 5 * 60_000;

    private final HttpServer server;
    private final HaAgent agent;
    private final NodeMetrics metrics;
    /** One sample a second: time and each member's lag behind the primary's published position. */
    private final java.util.Deque<Map<String, Object>> lagHistory = new java.util.ArrayDeque<>();
    private final Thread sampler;
    private volatile boolean stopped;

    private HttpEndpoint(HttpServer server, HaAgent agent) {
        this.server = server;
        this.agent = agent;
        this.metrics = new NodeMetrics(agent);
        this.sampler = Thread.ofPlatform().daemon(true).name("ha-lag-sampler").unstarted(this::sampleLags);
    }

    private void sampleLags() {
        while (!stopped) {
            try {
                ClusterState.Status st = agent.cluster().status();
                Map<String, Long> lag = new java.util.TreeMap<>();
                if (st != null) {
                    for (ClusterState.Member m : agent.cluster().members()) {
                        lag.put(m.name(), m.primary() ? 0L : Math.max(0, st.lsn().minus(m.lsn())));
                    }
                }
                synchronized (lagHistory) {
                    lagHistory.addLast(Map.of("t", System.currentTimeMillis(), "lag", lag));
                    while (lagHistory.size() > LAG_WINDOW_MS / 1000) {
                        lagHistory.removeFirst();
                    }
                }
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                try {
                    Thread.sleep(1000); // the coordinator is unreachable: no sample
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    static HttpEndpoint start(HaAgent agent, int port) throws IOException {
        String host = Rejoin.listenHost(agent.server().settings());
        HttpServer s = HttpServer.create(new InetSocketAddress(host, port), 16);
        HttpEndpoint e = new HttpEndpoint(s, agent);
        s.createContext("/", e::handle);
        s.setExecutor(Executors.newFixedThreadPool(2, Thread.ofPlatform().daemon(true).name("ha-http-", 0).factory()));
        s.start();
        e.sampler.start();
        return e;
    }

    int port() {
        return server.getAddress().getPort();
    }

    void stop() {
        stopped = true;
        sampler.interrupt();
        server.stop(0);
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            URI uri = x.getRequestURI();
            String path = uri.getPath();
            Map<String, String> query = query(uri.getRawQuery());
            boolean standby = agent.server().engine().inRecovery();
            boolean primary = !standby && agent.leader()
                    && agent.server().engine().writeGate().whyNotAcknowledgeable() == null;
            boolean streaming = standby && "streaming".equals(agent.server().walReceiverState());
            switch (path) {
                case "/primary", "/master", "/read-write" -> reply(x, primary, "primary");
                case "/replica" -> reply(x, streaming && withinLag(query.get("lag")), "replica");
                case "/read-only" -> reply(x, primary || streaming, standby ? "replica" : "primary");
                case "/sync", "/synchronous" -> reply(x, streaming && inSyncSet(), "replica");
                case "/async", "/asynchronous" -> reply(x, streaming && !inSyncSet(), "replica");
                case "/health" -> reply(x, true, agent.role());
                case "/liveness" -> reply(x, !agent.demoted(), agent.role());
                case "/readiness" -> reply(x, primary || streaming, agent.role());
                case "/cluster" -> send(x, 200, "application/json", clusterJson());
                case "/lag-history" -> send(x, 200, "application/json", lagHistoryJson());
                case "/metrics" -> send(x, 200, "text/plain; version=0.0.4", metrics.scrape());
                case "/" -> send(x, 200, "text/html", page());
                default -> send(x, 404, "text/plain", "not found\n");
            }
        } catch (Exception e) {
            send(x, 503, "text/plain", "error: " + e.getMessage() + "\n");
        }
    }

    private String lagHistoryJson() {
        StringBuilder sb = new StringBuilder("{\"window_ms\": " + LAG_WINDOW_MS + ", \"samples\": [");
        synchronized (lagHistory) {
            boolean first = true;
            for (Map<String, Object> sample : lagHistory) {
                sb.append(first ? "" : ", ").append("{\"t\": ").append(sample.get("t")).append(", \"lag\": {");
                first = false;
                @SuppressWarnings("unchecked")
                Map<String, Long> lag = (Map<String, Long>) sample.get("lag");
                boolean firstLag = true;
                for (Map.Entry<String, Long> l : lag.entrySet()) {
                    sb.append(firstLag ? "" : ", ").append(quoted(l.getKey())).append(": ")
                            .append(l.getValue());
                    firstLag = false;
                }
                sb.append("}}");
            }
        }
        return sb.append("]}\n").toString();
    }

    private static String page() throws IOException {
        try (var in = HttpEndpoint.class.getResourceAsStream("cluster.html")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private boolean withinLag(String lag) throws Exception {
        if (lag == null) {
            return true;
        }
        ClusterState.Status st = agent.cluster().status();
        ClusterState.Member me = agent.cluster().member(agent.settings().nodeName());
        if (st == null || me == null) {
            return false;
        }
        Lsn behind = st.lsn();
        return !behind.isAfter(me.lsn()) || behind.minus(me.lsn()) <= Long.parseLong(lag);
    }

    private boolean inSyncSet() throws Exception {
        ClusterState.SyncSet s = agent.cluster().syncSet();
        return s != null && s.enabled() && s.names().contains(agent.settings().nodeName());
    }

    private void reply(HttpExchange x, boolean ok, String role) throws IOException {
        send(x, ok ? 200 : 503, "application/json", "{\"role\": " + quoted(role) + ", \"node\": "
                + quoted(agent.settings().nodeName()) + "}\n");
    }

    private String clusterJson() throws Exception {
        ClusterState c = agent.cluster();
        ClusterState.Lease lease = c.leader();
        StringBuilder sb = new StringBuilder("{\"cluster\": ").append(quoted(agent.settings().clusterName()))
                .append(", \"leader\": ").append(lease == null ? "null" : quoted(lease.holder()))
                .append(", \"paused\": ").append(c.paused());
        ClusterState.SyncSet sync = c.syncSet();
        sb.append(", \"sync\": [");
        List<String> names = sync == null || !sync.enabled() ? List.of() : sync.names();
        for (int i = 0; i < names.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(quoted(names.get(i)));
        }
        sb.append("], \"members\": [");
        List<ClusterState.Member> members = c.members();
        for (int i = 0; i < members.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(object(members.get(i).toMap()));
        }
        sb.append("], \"history\": [");
        List<Map<String, String>> history = c.history();
        for (int i = 0; i < history.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(object(history.get(i)));
        }
        return sb.append("]}\n").toString();
    }

    private static String object(Map<String, String> m) {
        StringBuilder sb = new StringBuilder("{");
        m.forEach((k, v) -> sb.append(sb.length() == 1 ? "" : ", ").append(quoted(k)).append(": ").append(quoted(v)));
        return sb.append('}').toString();
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> m = new java.util.HashMap<>();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    m.put(kv.substring(0, eq), java.net.URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return m;
    }

    private static void send(HttpExchange x, int code, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        x.sendResponseHeaders(code, b.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(b);
        }
    }
}
