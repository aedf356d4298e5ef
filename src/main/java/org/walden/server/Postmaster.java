package org.walden.server;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.guc.ServerSettings;
import org.walden.protocol.BackendMessages;
import org.walden.protocol.ErrorFields;
import org.walden.protocol.MessageBudget;
import org.walden.protocol.PgStream;
import org.walden.server.config.PostmasterPidFile;
import org.walden.server.logging.PgLevel;
import org.walden.server.logging.PgLog;
import org.walden.sql.SqlEngine;

/**
 * The postmaster (PostgreSQL's postmaster.c: PostmasterMain, ServerLoop, BackendStartup,
 * processCancelRequest, pmdie).
 *
 * <p><b>Who starts it.</b> The server's main program (or a test) constructs it with the data
 * directory, the {@link ServerSettings}, the {@link SqlEngine} and the walsender's
 * {@link ReplicationHandler}, and calls {@link #start()}.
 *
 * <p><b>What it does.</b> start() writes postmaster.pid (refusing to start if it names a live
 * process), loads pg_hba.conf, listens on TCP ({@code listen_addresses}, {@code port}) and
 * on a Unix socket {@code DIR/.s.PGSQL.PORT} (with its {@code .lock} file) in every
 * {@code unix_socket_directories} entry, and marks the pid file "ready". One virtual thread
 * per listener accepts; each connection gets its own platform thread (daemon) running
 * {@link BackendStartup}, which becomes a {@link Backend} or a walsender. Platform, not
 * virtual, as PostgreSQL's process per connection: a backend spends its life waking up for a
 * message, doing a little work and sleeping again, and on a virtual thread every such wake-up
 * (socket readiness, a row lock handed over, a flush finished) goes through the scheduler's
 * carrier hand-off, which cost about twice the CPU per pgbench transaction and halved the TPS
 * on a 2-core machine.
 *
 * <p><b>State it owns.</b> The listeners, the table of child connections (pid → secret key,
 * Backend, Session, walsender) guarded by {@code lock}, the pg_hba.conf rules (replaced whole
 * on reload, volatile), and {@link PmState}. Transitions: STARTING → RUNNING (start) →
 * STOPPING (a shutdown request) → STOPPED (all children gone, files removed). A second
 * request may escalate the mode (smart → fast → immediate), never soften it.
 *
 * <p><b>How it ends.</b> {@link #requestShutdown} (also SIGTERM smart, SIGINT fast, SIGUSR2
 * immediate: the JVM keeps SIGQUIT for itself). Smart: new connections get FATAL 57P03, the
 * backends are waited for. Fast: every backend gets FATAL 57P01 "terminating connection due
 * to administrator command". Then the shutdown tasks run (the checkpointer's shutdown
 * checkpoint, registered by the integrator), walsenders are asked to send what is flushed
 * and stop, the sockets close, and the socket, lock and pid files are removed. Immediate:
 * every connection is closed at once and no shutdown task runs (crash recovery follows).
 * SIGHUP reloads the configuration, pg_hba.conf and the TLS keys and certificates (each kept as it
 * was if the new one fails).
 */
public final class Postmaster {

    /** The postmaster's states, see the class comment for the transitions. */
    public enum PmState {
        /** Writing the pid file, opening sockets. */
        STARTING,
        /** Accepting connections. */
        RUNNING,
        /** A shutdown is in progress; new connections are refused with 57P03. */
        STOPPING,
        /** Everything closed; files removed. */
        STOPPED
    }

    /** pg_ctl's shutdown modes. */
    public enum ShutdownMode { SMART, FAST, IMMEDIATE }

    private static final Logger log = LoggerFactory.getLogger(Postmaster.class);
    /** How long a fast shutdown waits for backends, and for walsenders, before closing their sockets. */
    static final long CHILD_EXIT_WAIT_MS = 10_000;

    private final Path dataDir;
    private final ServerSettings settings;
    private final SqlEngine engine;
    private final ReplicationHandler replicationHandler;
    private final Clock clock;
    private final Random random = new SecureRandom();
    private final AtomicInteger nextPid;
    private final byte[] mockAuthNonce = new byte[32];

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a child leaves, the state changes or the shutdown mode escalates. */
    private final Condition changed = lock.newCondition();
    /** Guarded by lock. */
    private final Map<Integer, ChildProcess> children = new LinkedHashMap<>();
    /** Guarded by lock; read without it by BackendStartup (volatile). */
    private volatile PmState state = PmState.STARTING;
    /** Guarded by lock; null until a shutdown is requested. */
    private volatile ShutdownMode shutdownMode;
    private final List<Runnable> shutdownTasks = new ArrayList<>();
    private final List<Runnable> terminationHooks = new ArrayList<>();

    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private final List<Path> socketFiles = new ArrayList<>();
    private volatile HbaFile hba;
    /** Timers of the connections' start-up (authentication_timeout); one virtual thread. */
    private final java.util.concurrent.ScheduledExecutorService timers =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                    Thread.ofVirtual().name("postmaster-timers").factory());
    /** What all connections' incoming messages may hold at once (see {@link MessageBudget}). */
    private final MessageBudget messageBudget = MessageBudget.quarterOfHeap();
    /** pg_ident.conf's maps, loaded and reloaded with pg_hba.conf. */
    private volatile IdentFile ident = IdentFile.EMPTY;
    /** TLS as ssl_* say (null with ssl = off); replaced whole on reload, read by connection threads. */
    private volatile ServerTls tls;
    private int port;
    private long startTimeEpochSeconds;
    private Thread shutdownThread;
    private volatile Runnable promoteHandler;
    /** Read by connection threads; set by the integrator. */
    private volatile ConnectionGate connectionGate;
    private volatile boolean standby;

    public Postmaster(Path dataDir, ServerSettings settings, SqlEngine engine, ReplicationHandler replicationHandler,
                      Clock clock) {
        this.dataDir = dataDir;
        this.settings = settings;
        this.engine = engine;
        this.replicationHandler = replicationHandler;
        this.clock = clock;
        this.nextPid = new AtomicInteger(1000 + random.nextInt(30_000));
        random.nextBytes(mockAuthNonce);
    }

    // ------------------------------------------------------------------ start

    /** PostmasterMain's start-up: pid file, pg_hba.conf, sockets, "ready". FATAL PgException on failure. */
    public void start() throws IOException {
        startTimeEpochSeconds = clock.instant().getEpochSecond();
        port = settings.getInt("port");
        List<String> socketDirs = ServerConfig.socketDirectories(settings);
        List<String> listenAddresses = ServerConfig.listenAddresses(settings);
        try {
            if (reservedConnections() >= settings.getInt("max_connections")) {
                throw PgException.fatal(SqlState.INVALID_PARAMETER_VALUE, "superuser_reserved_connections ("
                        + reservedConnections() + ") must be less than max_connections ("
                        + settings.getInt("max_connections") + ")");
            }
            PostmasterPidFile.create(dataDir, startTimeEpochSeconds, port, socketDirs.isEmpty() ? ""
                    : socketDirs.get(0), listenAddresses.isEmpty() ? "" : listenAddresses.get(0));
        } catch (RuntimeException e) {
            setState(PmState.STOPPED);
            throw e;
        }
        try {
            hba = loadHbaAtStart();
            ident = IdentFile.load(ServerConfig.identFile(settings, dataDir));
            tls = ServerTls.load(settings, dataDir, true);
            openTcpListeners(listenAddresses);
            openUnixListeners(socketDirs);
            if (listeners.isEmpty()) {
                throw PgException.fatal(SqlState.CONNECTION_FAILURE, "no socket created for listening");
            }
            if (port != settings.getInt("port")) {
                PostmasterPidFile.create(dataDir, startTimeEpochSeconds, port, socketDirs.isEmpty() ? ""
                        : socketDirs.get(0), listenAddresses.isEmpty() ? "" : listenAddresses.get(0));
            }
        } catch (IOException | RuntimeException e) {
            closeListeners();
            for (Path f : socketFiles) {
                PostmasterPidFile.removeLockFile(f);
            }
            PostmasterPidFile.removeLockFile(dataDir.resolve(PostmasterPidFile.FILE_NAME));
            setState(PmState.STOPPED);
            throw e;
        }
        PostmasterPidFile.setStatus(dataDir, standby ? PostmasterPidFile.STANDBY : PostmasterPidFile.READY);
        for (ServerSocketChannel l : listeners) {
            Thread.ofVirtual().name("postmaster-accept-" + l.getLocalAddress()).start(() -> serverLoop(l));
        }
        lock.lock();
        try {
            state = PmState.RUNNING;
            changed.signalAll();
            if (shutdownMode != null) {
                beginShutdownLocked(); // a signal arrived while starting
                return;
            }
        } finally {
            lock.unlock();
        }
        if (!standby) {
            log.info("database system is ready to accept connections");
        }
    }

    /** pg_hba.conf at start: an error is logged with its line, then FATAL "could not load pg_hba.conf". */
    private HbaFile loadHbaAtStart() {
        try {
            return HbaFile.load(ServerConfig.hbaFile(settings, dataDir));
        } catch (PgException e) {
            log.error("{} ({})", e.getMessage(), e.detail());
            throw PgException.fatal(SqlState.CONFIG_FILE_ERROR, "could not load pg_hba.conf");
        }
    }

    private void openTcpListeners(List<String> addresses) throws IOException {
        List<InetSocketAddress> binds = new ArrayList<>();
        for (String a : addresses) {
            if (a.equals("*")) {
                binds.add(new InetSocketAddress(port));
            } else {
                for (InetAddress ia : InetAddress.getAllByName(a)) {
                    binds.add(new InetSocketAddress(ia, port));
                }
            }
        }
        for (InetSocketAddress bind : binds) {
            ServerSocketChannel ch = ServerSocketChannel.open();
            try {
                ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                ch.bind(port == 0 ? new InetSocketAddress(bind.getAddress(), 0) : bind, 128);
            } catch (IOException e) {
                ch.close();
                log.warn("could not bind socket for address \"{}\", port {}: {}", bind.getAddress().getHostAddress(),
                        port, e.getMessage());
                continue;
            }
            if (port == 0) {
                port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
            }
            listeners.add(ch);
            log.info("listening on {} address \"{}\", port {}", bind.getAddress() instanceof Inet6Address
                    ? "IPv6" : "IPv4", bind.getAddress().getHostAddress(), port);
        }
        if (!binds.isEmpty() && listeners.isEmpty()) {
            throw PgException.fatal(SqlState.CONNECTION_FAILURE, "could not create any TCP/IP sockets");
        }
    }

    /** strerror-like words for a failed directory creation. */
    private static String ioReason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException) {
            return "File exists";
        }
        return e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason() : e.toString();
    }

    /**
     * One listener per unix_socket_directories entry. A directory that is missing is created
     * (Debian's packaging creates /var/run/postgresql; Walden may run without it); one that
     * cannot be created, or whose lock file cannot be written, is skipped with PostgreSQL's
     * WARNING "could not create Unix-domain socket in directory" and the start goes on.
     * A lock file held by another live postmaster is still FATAL.
     */
    private void openUnixListeners(List<String> dirs) throws IOException {
        for (String dir : dirs) {
            Path d = Path.of(dir);
            Path socket = d.resolve(".s.PGSQL." + port);
            Path lockFile = d.resolve(".s.PGSQL." + port + ".lock");
            try {
                Files.createDirectories(d);
                PostmasterPidFile.createSocketLock(lockFile, socket, dataDir, startTimeEpochSeconds, port);
            } catch (IOException | PgException e) {
                if (e instanceof PgException pe && pe.sqlState() != SqlState.IO_ERROR) {
                    throw pe; // another postmaster's lock file
                }
                PgLog.at(PgLevel.WARNING).message("could not create Unix-domain socket in directory \"%s\"", dir)
                        .detail(e instanceof PgException ? e.getMessage()
                                : "could not create directory \"" + dir + "\": " + ioReason((IOException) e))
                        .log();
                continue;
            }
            Files.deleteIfExists(socket);
            ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.bind(UnixDomainSocketAddress.of(socket), 128);
            } catch (IOException e) {
                ch.close();
                PostmasterPidFile.removeLockFile(lockFile);
                log.warn("could not create Unix-domain socket in directory \"{}\": {}", dir, e.getMessage());
                continue;
            }
            if (!ServerConfig.setSocketAccess(settings, socket)) {
                ch.close();
                Files.deleteIfExists(socket);
                PostmasterPidFile.removeLockFile(lockFile);
                continue;
            }
            socketFiles.add(socket);
            socketFiles.add(lockFile);
            listeners.add(ch);
            log.info("listening on Unix socket \"{}\"", socket);
        }
    }

    /** ServerLoop for one listener: accept, and start the connection's thread. */
    private void serverLoop(ServerSocketChannel listener) {
        while (listener.isOpen()) {
            SocketChannel ch;
            try {
                ch = listener.accept();
            } catch (IOException e) {
                if (listener.isOpen()) {
                    log.warn("accept failed: {}", e.getMessage());
                }
                continue;
            }
            try {
                if (ch.getLocalAddress() instanceof InetSocketAddress) {
                    ch.socket().setTcpNoDelay(true);
                    ch.socket().setKeepAlive(true);
                }
                PgStream stream = new PgStream(ch);
                stream.setMessageBudget(messageBudget);
                Thread.ofPlatform().name("backend-startup").daemon(true).stackSize(backendStackBytes())
                        .start(new BackendStartup(this, stream));
            } catch (IOException e) {
                log.warn("could not set up connection: {}", e.getMessage());
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
        }
    }

    // ------------------------------------------------------------------ children

    /** Who may connect, asked after the postmaster's own state checks (canAcceptConnections). */
    @FunctionalInterface
    public interface ConnectionGate {
        /** Null to admit the connection, or the FATAL to send. */
        PgException refusal(boolean replication);
    }

    /**
     * The integrator's check for recovery: a standby not yet consistent refuses everyone with
     * 57P03 "the database system is not yet accepting connections"; with hot_standby off it
     * refuses normal connections only.
     */
    public void setConnectionGate(ConnectionGate gate) {
        this.connectionGate = gate;
    }

    /**
     * A standby: {@link #start} writes "standby" into postmaster.pid (pg_ctl takes it as started)
     * and logs no "ready" line; {@link #hotStandbyBegins} logs it once queries are admitted.
     */
    public void startAsStandby() throws IOException {
        this.standby = true;
        start();
    }

    /**
     * Recovery ended and the server accepts writes (promotion): postmaster.pid says "ready", as
     * pg_ctl promote waits to see, and the log says so.
     */
    public void endOfRecovery() {
        standby = false;
        PostmasterPidFile.setStatus(dataDir, PostmasterPidFile.READY);
        log.info("database system is ready to accept connections");
    }

    /** PMSIGNAL_BEGIN_HOT_STANDBY: redo is consistent and read-only queries are admitted. */
    public void hotStandbyBegins() {
        log.info("database system is ready to accept read-only connections");
    }

    /** 57P03 while shutting down or starting, then the connection gate (canAcceptConnections). */
    void checkCanAcceptConnections(boolean replication) {
        checkCanAcceptConnections();
        ConnectionGate gate = connectionGate;
        if (gate != null) {
            PgException refusal = gate.refusal(replication);
            if (refusal != null) {
                throw refusal;
            }
        }
    }

    /** 57P03 while shutting down or starting (PostgreSQL's canAcceptConnections). */
    void checkCanAcceptConnections() {
        PmState s = state;
        if (s == PmState.STOPPING || s == PmState.STOPPED) {
            throw PgException.fatal(SqlState.CANNOT_CONNECT_NOW, "the database system is shutting down");
        }
        if (s == PmState.STARTING) {
            throw PgException.fatal(SqlState.CANNOT_CONNECT_NOW, "the database system is starting up");
        }
    }

    /** Enters a connection in the table with a fresh pid and cancel key; FATAL 53300 past max_connections. */
    ChildProcess register(boolean replication, PgStream stream) {
        lock.lock();
        try {
            if (!replication) {
                int maxConnections = settings.getInt("max_connections");
                long normal = children.values().stream().filter(c -> !c.replication).count();
                if (normal >= maxConnections) {
                    throw PgException.fatal(SqlState.TOO_MANY_CONNECTIONS, "sorry, too many clients already");
                }
            }
            int pid;
            do {
                pid = nextPid.getAndIncrement();
                if (pid <= 0) {
                    nextPid.set(1000);
                }
            } while (pid <= 0 || children.containsKey(pid));
            ChildProcess child = new ChildProcess(pid, random.nextInt(), replication, stream, clock.instant());
            children.put(pid, child);
            return child;
        } finally {
            lock.unlock();
        }
    }

    /**
     * InitPostgres's checks once the role is known (superusers exempt): the last
     * superuser_reserved_connections slots, then the role's CONNECTION LIMIT. Both FATAL 53300.
     */
    void checkRoleConnectionLimit(SqlEngine.Role role, ChildProcess self) {
        if (role.superuser() || self.replication) {
            return;
        }
        lock.lock();
        try {
            long normal = children.values().stream().filter(c -> !c.replication).count();
            if (settings.getInt("max_connections") - normal < reservedConnections()) {
                throw PgException.fatal(SqlState.TOO_MANY_CONNECTIONS,
                        "remaining connection slots are reserved for non-replication superuser connections");
            }
            if (role.connectionLimit() < 0) {
                return;
            }
            long same = children.values().stream()
                    .filter(c -> c != self && !c.replication && role.name().equals(c.userName)).count();
            if (same >= role.connectionLimit()) {
                throw PgException.fatal(SqlState.TOO_MANY_CONNECTIONS,
                        "too many connections for role \"" + role.name() + "\"");
            }
        } finally {
            lock.unlock();
        }
    }

    private int reservedConnections() {
        try {
            return settings.getInt("superuser_reserved_connections");
        } catch (PgException e) {
            return 0;
        }
    }

    void unregister(ChildProcess child) {
        lock.lock();
        try {
            children.remove(child.pid);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** processCancelRequest: cancels the running statement of the backend with that pid and key. */
    void processCancelRequest(int pid, int secretKey) {
        ChildProcess target;
        lock.lock();
        try {
            target = children.get(pid);
        } finally {
            lock.unlock();
        }
        if (target != null && target.secretKey == secretKey) {
            log.info("cancel request for backend {}", pid);
            target.cancel();
        } else {
            log.info("wrong key in cancel request for process {}", pid);
        }
    }

    /**
     * A backend thread's stack: twice max_stack_depth (Java frames are larger than C's), at
     * least 1 MB. Deeper statements fail with 54001 in their session alone.
     */
    private long backendStackBytes() {
        long kb;
        try {
            kb = settings.getInt("max_stack_depth");
        } catch (PgException e) {
            kb = 2048;
        }
        return Math.max(1L << 20, kb * 1024 * 2);
    }

    /** Runs {@code task} once after {@code delayMs} on the postmaster's timer thread. */
    java.util.concurrent.Future<?> schedule(Runnable task, long delayMs) {
        try {
            return timers.schedule(task, delayMs, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return java.util.concurrent.CompletableFuture.completedFuture(null); // shutting down
        }
    }

    /** The longest statement a backend reads: a quarter of the message budget. */
    long maxStatementBytes() {
        return messageBudget.limitBytes() / 4;
    }

    /**
     * pg_terminate_backend / pg_cancel_backend (PostgreSQL's kill of a backend with SIGTERM or
     * SIGINT): a client backend's running statement is cancelled (57014), or the backend ends
     * with FATAL 57P01 "terminating connection due to administrator command"; a walsender is
     * disconnected. False when no authenticated connection has that pid.
     */
    public boolean signalBackend(int pid, boolean terminate) {
        ChildProcess target;
        lock.lock();
        try {
            target = children.get(pid);
        } finally {
            lock.unlock();
        }
        if (target == null || target.userName == null) {
            return false;
        }
        if (!terminate) {
            target.cancel();
        } else if (target.replication) {
            target.stream.close();
        } else {
            target.terminate();
        }
        return true;
    }

    /** Waits until the connection with that pid has gone; false after {@code timeoutMs}. */
    public boolean awaitBackendExit(int pid, long timeoutMs) throws InterruptedException {
        return awaitChange(() -> !children.containsKey(pid), timeoutMs);
    }

    /** Waits on {@code changed} until {@code done} (checked under the lock) or the timeout; returns done. */
    private boolean awaitChange(java.util.function.BooleanSupplier done, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        lock.lock();
        try {
            while (!done.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The role an authenticated connection runs as, or null when there is none with that pid. */
    public String backendUser(int pid) {
        lock.lock();
        try {
            ChildProcess c = children.get(pid);
            return c == null ? null : c.userName;
        } finally {
            lock.unlock();
        }
    }

    /** An authenticated connection as pg_stat_activity shows it; {@code client} null on a Unix socket. */
    public record BackendEntry(int pid, boolean replication, String userName, String databaseName,
                               String applicationName, java.net.InetSocketAddress client,
                               java.time.Instant backendStart, Backend.Activity activity,
                               org.walden.common.WaitEvent waitEvent) {
    }

    /** The authenticated connections (client backends and walsenders), in pid-registration order. */
    public List<BackendEntry> backends() {
        lock.lock();
        try {
            return children.values().stream().filter(c -> c.userName != null)
                    .map(c -> new BackendEntry(c.pid, c.replication, c.userName, c.databaseName, c.applicationName,
                            c.client, c.backendStart, c.backend == null ? null : c.backend.activity(),
                            c.backend == null ? null : c.backend.waitEvent()))
                    .toList();
        } finally {
            lock.unlock();
        }
    }

    /** pg_stat_ssl's rows: each authenticated connection's pid and TLS status (null in plaintext). */
    List<Map.Entry<Integer, SslStatus>> sslConnections() {
        lock.lock();
        try {
            List<Map.Entry<Integer, SslStatus>> out = new ArrayList<>();
            for (ChildProcess c : children.values()) {
                if (c.userName != null) {
                    out.add(new java.util.AbstractMap.SimpleImmutableEntry<>(c.pid, c.ssl));
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Normal (non-replication) connections in the table. */
    public int backendCount() {
        lock.lock();
        try {
            return (int) children.values().stream().filter(c -> !c.replication).count();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ reload, signals

    /** SIGHUP: re-read the configuration files and pg_hba.conf; a broken pg_hba.conf is not loaded. */
    public void reload() {
        log.info("received SIGHUP, reloading configuration files");
        settings.reload();
        try {
            hba = HbaFile.load(ServerConfig.hbaFile(settings, dataDir));
        } catch (PgException e) {
            log.warn("{} ({}); pg_hba.conf was not reloaded", e.getMessage(), e.detail());
        }
        try {
            ident = IdentFile.load(ServerConfig.identFile(settings, dataDir));
        } catch (PgException e) {
            log.warn("{} ({}); pg_ident.conf was not reloaded", e.getMessage(), e.detail());
        }
        try {
            tls = ServerTls.load(settings, dataDir, false);
        } catch (PgException e) {
            PgLog.at(PgLevel.LOG).message(e.getMessage()).detail(e.detail()).log();
            PgLog.log("SSL configuration was not reloaded");
        }
    }

    /** Installs TERM → smart, INT → fast, USR2 → immediate, HUP → reload, USR1 → promote handler. */
    public void installSignalHandlers() {
        SignalHandling.install(this);
    }

    /** What SIGUSR1 runs (pg_ctl promote writes promote.signal, then signals). */
    public void setPromoteHandler(Runnable handler) {
        this.promoteHandler = handler;
    }

    /**
     * SIGUSR1, as PostgreSQL's sigusr1_handler: DATA/logrotate (pg_ctl logrotate) rotates the
     * collector's log files; otherwise it is a promote request (pg_ctl promote).
     */
    void promoteSignal() {
        java.nio.file.Path logrotate = dataDir.resolve("logrotate");
        if (Files.exists(logrotate)) {
            try {
                Files.deleteIfExists(logrotate);
            } catch (IOException e) {
                log.warn("could not remove file \"{}\": {}", logrotate, e.getMessage());
            }
            if (!org.walden.server.logging.PgLogging.rotate()) {
                PgLog.log("rotation not possible because log collection not active");
            }
            return;
        }
        Runnable h = promoteHandler;
        if (h != null) {
            h.run();
        }
    }

    /**
     * A task run when a fast shutdown terminates the backends, before waiting for them (e.g.
     * ending the synchronous replication waits, which outlast a terminate otherwise). Must not
     * block: it runs under the postmaster's lock.
     */
    public void addTerminationHook(Runnable hook) {
        lock.lock();
        try {
            terminationHooks.add(hook);
        } finally {
            lock.unlock();
        }
    }

    /** A task for the shutdown sequence after the backends have gone (the shutdown checkpoint). */
    public void addShutdownTask(Runnable task) {
        lock.lock();
        try {
            shutdownTasks.add(task);
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ shutdown

    /** Starts (or escalates) a shutdown and returns at once. */
    public void requestShutdown(ShutdownMode mode) {
        lock.lock();
        try {
            if (state == PmState.STOPPED) {
                return;
            }
            if (shutdownMode != null && shutdownMode.compareTo(mode) >= 0) {
                return;
            }
            shutdownMode = mode;
            if (state == PmState.RUNNING) {
                beginShutdownLocked();
            }
            // While STARTING, start() begins the shutdown once its sockets are open.
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** RUNNING → STOPPING, and the thread that runs the sequence. Caller holds lock. */
    private void beginShutdownLocked() {
        state = PmState.STOPPING;
        shutdownThread = Thread.ofPlatform().name("postmaster-shutdown").daemon(false).start(this::runShutdown);
        changed.signalAll();
    }

    /** Shuts down and waits for the end; false if it did not finish within {@code timeoutMs}. */
    public boolean stop(ShutdownMode mode, long timeoutMs) throws InterruptedException {
        requestShutdown(mode);
        return awaitTermination(timeoutMs);
    }

    /** Waits until STOPPED. */
    public boolean awaitTermination(long timeoutMs) throws InterruptedException {
        return awaitChange(() -> state == PmState.STOPPED, timeoutMs);
    }

    boolean isFastShutdownRequested() {
        ShutdownMode m = shutdownMode;
        return m != null && m != ShutdownMode.SMART;
    }

    private void runShutdown() {
        try {
            PostmasterPidFile.setStatus(dataDir, PostmasterPidFile.STOPPING);
        } catch (RuntimeException e) {
            log.warn("could not mark postmaster.pid stopping: {}", e.getMessage());
        }
        ShutdownMode mode = shutdownMode;
        log.info("received {} shutdown request", mode.name().toLowerCase());
        try {
            waitForBackends();
            if (shutdownMode != ShutdownMode.IMMEDIATE) {
                runShutdownTasks();
                stopWalSenders();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeAll();
            closeListeners();
            for (Path f : socketFiles) {
                PostmasterPidFile.removeLockFile(f);
            }
            PostmasterPidFile.removeLockFile(dataDir.resolve(PostmasterPidFile.FILE_NAME));
            timers.shutdownNow();
            setState(PmState.STOPPED);
            log.info("database system is shut down");
        }
    }

    /** Smart: wait for the backends to leave; fast: terminate them; immediate: close them. Escalation is honoured. */
    private void waitForBackends() throws InterruptedException {
        boolean terminated = false;
        long fastDeadline = 0;
        lock.lock();
        try {
            while (true) {
                List<ChildProcess> backends = children.values().stream().filter(c -> !c.replication).toList();
                if (backends.isEmpty() || shutdownMode == ShutdownMode.IMMEDIATE) {
                    return;
                }
                if (shutdownMode == ShutdownMode.FAST) {
                    if (!terminated) {
                        backends.forEach(ChildProcess::terminate);
                        terminationHooks.forEach(Runnable::run);
                        terminated = true;
                        fastDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHILD_EXIT_WAIT_MS);
                    } else if (System.nanoTime() - fastDeadline > 0) {
                        log.warn("{} backends did not exit in time; closing their connections", backends.size());
                        backends.forEach(c -> c.stream.close());
                        return;
                    }
                }
                changed.await(100, TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    private void runShutdownTasks() {
        List<Runnable> tasks;
        lock.lock();
        try {
            tasks = List.copyOf(shutdownTasks);
        } finally {
            lock.unlock();
        }
        for (Runnable t : tasks) {
            try {
                t.run();
            } catch (RuntimeException e) {
                log.error("shutdown task failed", e);
            }
        }
    }

    private void stopWalSenders() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHILD_EXIT_WAIT_MS);
        lock.lock();
        try {
            for (ChildProcess c : children.values()) {
                if (c.replication) {
                    if (c.walSender != null) {
                        c.walSender.requestShutdown();
                    } else {
                        c.stream.close();
                    }
                }
            }
            while (children.values().stream().anyMatch(c -> c.replication)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    log.warn("walsenders did not exit in time; closing their connections");
                    return;
                }
                changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
        } finally {
            lock.unlock();
        }
    }

    /** Closes every remaining connection (immediate shutdown, or stragglers). */
    private void closeAll() {
        List<ChildProcess> all;
        lock.lock();
        try {
            all = List.copyOf(children.values());
        } finally {
            lock.unlock();
        }
        for (ChildProcess c : all) {
            if (shutdownMode == ShutdownMode.IMMEDIATE && !c.replication) {
                try {
                    c.stream.sendAndFlush(BackendMessages.noticeResponse(
                            new ErrorFields("WARNING", SqlState.ADMIN_SHUTDOWN.code(),
                                    "terminating connection due to immediate shutdown command", null, null, 0)));
                } catch (IOException | RuntimeException ignored) {
                    // closing anyway
                }
            }
            c.stream.close();
        }
    }

    private void closeListeners() {
        for (ServerSocketChannel l : listeners) {
            try {
                l.close();
            } catch (IOException e) {
                log.debug("closing listener: {}", e.getMessage());
            }
        }
    }

    private void setState(PmState s) {
        lock.lock();
        try {
            state = s;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ accessors

    public PmState state() {
        return state;
    }

    /** The TCP port (the bound one when the setting was 0). */
    public int port() {
        return port;
    }

    /** The Unix sockets (and their lock files) created. */
    public List<Path> socketFiles() {
        return List.copyOf(socketFiles);
    }

    public Path dataDirectory() {
        return dataDir;
    }

    HbaFile hba() {
        return hba;
    }

    IdentFile ident() {
        return ident;
    }

    /** The TLS configuration new connections use; null when ssl is off. */
    ServerTls tls() {
        return tls;
    }

    SqlEngine engine() {
        return engine;
    }

    ServerSettings settings() {
        return settings;
    }

    ReplicationHandler replicationHandler() {
        return replicationHandler;
    }

    Random random() {
        return random;
    }

    Clock clock() {
        return clock;
    }

    /** A per-run secret for stable mock SCRAM salts (PostgreSQL keeps one in pg_control). */
    byte[] mockAuthNonce() {
        return mockAuthNonce;
    }
}
