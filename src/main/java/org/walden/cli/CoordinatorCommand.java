package org.walden.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.walden.ha.EmbeddedCoordinator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code walden coordinator -D DIR --port N [--ensemble h:c:p:e,... --id K]}: an embedded
 * ZooKeeper server for automatic failover on one machine ({@link EmbeddedCoordinator}); runs in
 * the foreground until stopped.
 */
@Command(versionProvider = ToolOptions.Version.class, name = "coordinator",
        description = "run an embedded ZooKeeper server (alone or as one member of an ensemble) for automatic failover",
        sortOptions = false)
final class CoordinatorCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = {"-D", "--data-dir"}, paramLabel = "DIR", required = true, description = "ZooKeeper's data directory")
    Path dataDir;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", required = true, description = "client port")
    int port;

    @Option(names = {"-h", "--host"}, paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "address to listen on (default: 127.0.0.1)")
    String host;

    @Option(names = "--ensemble", paramLabel = "HOST:CLIENT:PEER:ELECTION,...", split = ",",
            description = "every member of the ensemble, this one included, in the same order on each member")
    List<String> ensemble = new ArrayList<>();

    @Option(names = "--id", paramLabel = "K", description = "this member's 1-based position in --ensemble "
            + "(default: the member whose client port is --port)")
    Integer id;

    @Option(names = "--tick", paramLabel = "MS", defaultValue = "200", description = "ZooKeeper's tick; sessions "
            + "may last 2 to 20 ticks (default: 200)")
    int tickMs;

    @Mixin
    ToolOptions toolOptions;

    @Override
    public Integer call() throws Exception {
        List<EmbeddedCoordinator.Member> members = new ArrayList<>();
        for (String m : ensemble) {
            members.add(EmbeddedCoordinator.Member.parse(m));
        }
        int myId = 0;
        if (!members.isEmpty()) {
            myId = id != null ? id : indexOfPort(members) + 1;
            if (myId < 1 || myId > members.size() || members.get(myId - 1).clientPort() != port) {
                main.err.println("coordinator: error: --port " + port + " is not the client port of member " + myId
                        + " of --ensemble");
                return 1;
            }
        }
        main.out.println("coordinator: ZooKeeper listening on " + host + ":" + port
                + (members.isEmpty() ? " (single server)" : " (member " + myId + " of " + members.size() + ")"));
        main.out.flush();
        EmbeddedCoordinator.run(new EmbeddedCoordinator.Config(dataDir.toAbsolutePath(), host, port, myId, members,
                tickMs));
        return 0;
    }

    private int indexOfPort(List<EmbeddedCoordinator.Member> members) {
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).clientPort() == port) {
                return i;
            }
        }
        return -1;
    }
}
