package org.walden.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.protocol.AuthMethod;

/**
 * pg_hba.conf, read as PostgreSQL 15 reads it (hba.c: load_hba, parse_hba_line, check_hba):
 * one rule per line, {@code #} comments, double-quoted tokens (a quoted keyword is a plain
 * name), comma lists, backslash line continuation. Rules:
 * <pre>
 * local      DATABASE USER          METHOD [name=value ...]
 * host       DATABASE USER ADDRESS  METHOD [name=value ...]     also hostssl, hostnossl,
 * host       DATABASE USER IP MASK  METHOD [name=value ...]     hostgssenc, hostnogssenc
 * </pre>
 * DATABASE: {@code all}, {@code sameuser}, {@code samerole} (taken as sameuser: no role
 * membership yet), {@code replication}, or names. USER: {@code all} or names. ADDRESS: CIDR
 * (IPv4 or IPv6), IP + mask, {@code all}, {@code samehost}, {@code samenet}, or a host name
 * (matched by forward lookup). METHOD: trust, reject, password, md5, scram-sha-256, cert
 * (hostssl only), peer (local only); ident, gss, sspi, pam, ldap, radius and bsd are refused
 * as "not supported by this build"; any other is an error at load naming the line. Options:
 * {@code clientcert=verify-ca|verify-full} (hostssl only) and {@code map=NAME} (cert, peer:
 * a pg_ident.conf map). The first matching rule wins. A physical replication connection
 * matches only {@code replication} (not {@code all}); a logical one (replication=database)
 * matches by its database name. hostssl matches TLS connections, hostnossl the others; without
 * GSS encryption hostgssenc rules never match. Immutable once loaded.
 */
public final class HbaFile {

    /** The three kinds of connection hba.c distinguishes. */
    public enum Replication { NONE, PHYSICAL, LOGICAL }

    /** What a connection looks like to the rules; {@code clientAddress} null for a Unix socket. */
    public record Request(InetAddress clientAddress, String database, String user, Replication replication,
                          boolean ssl) {
        public Request(InetAddress clientAddress, String database, String user, Replication replication) {
            this(clientAddress, database, user, replication, false);
        }

        public boolean isLocal() {
            return clientAddress == null;
        }

        /** PostgreSQL's words for the connection's encryption in "no pg_hba.conf entry" messages. */
        String encryptionState() {
            return ssl ? "SSL encryption" : "no encryption";
        }
    }

    /** pg_hba.conf's clientcert option. */
    public enum ClientCert { OFF, VERIFY_CA, VERIFY_FULL }

    enum ConnType { LOCAL, HOST, HOSTSSL, HOSTNOSSL, HOSTGSSENC, HOSTNOGSSENC }

    /** One parsed rule; {@code lineNumber} is 1-based; {@code map} a pg_ident.conf map name or null. */
    record Line(int lineNumber, ConnType connType, List<Token> databases, List<Token> users, AddressMatch address,
                AuthMethod method, String rawLine, ClientCert clientCert, String map) {
    }

    record Token(String text, boolean quoted) {
        boolean isKeyword(String keyword) {
            return !quoted && text.equals(keyword);
        }
    }

    /** The ADDRESS column. */
    sealed interface AddressMatch {
        record All() implements AddressMatch {
        }

        record SameHost() implements AddressMatch {
        }

        record SameNet() implements AddressMatch {
        }

        record Cidr(byte[] network, int prefixBits) implements AddressMatch {
        }

        record HostName(String name) implements AddressMatch {
        }
    }

    private final Path path;
    private final List<Line> lines;

    private HbaFile(Path path, List<Line> lines) {
        this.path = path;
        this.lines = Collections.unmodifiableList(lines);
    }

    /** Reads and parses a pg_hba.conf; F0000 naming the file and line for any error. */
    public static HbaFile load(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PgException(SqlState.CONFIG_FILE_ERROR,
                    "could not open configuration file \"" + path + "\": " + e.getMessage(), e);
        }
        return parse(text, path);
    }

    /** Parses pg_hba.conf text; {@code path} is used in error messages. */
    public static HbaFile parse(String text, Path path) {
        List<Line> out = new ArrayList<>();
        for (LogicalLine l : logicalLines(text)) {
            List<List<Token>> fields = HbaTokenizer.tokenize(l.text(), l.number(), path);
            if (!fields.isEmpty()) {
                out.add(parseLine(fields, l.number(), l.text().strip(), path));
            }
        }
        return new HbaFile(path, out);
    }

    /** A line of the file with its continuation lines (a trailing backslash) joined; numbered by its first. */
    private record LogicalLine(int number, String text) {
    }

    private static List<LogicalLine> logicalLines(String text) {
        List<LogicalLine> lines = new ArrayList<>();
        String[] raw = text.split("\r?\n", -1);
        for (int i = 0; i < raw.length; i++) {
            int lineNumber = i + 1;
            StringBuilder logical = new StringBuilder(raw[i]);
            while (endsWithContinuation(logical) && i + 1 < raw.length) {
                logical.setLength(logical.length() - 1);
                logical.append(' ').append(raw[++i]);
            }
            lines.add(new LogicalLine(lineNumber, logical.toString()));
        }
        return lines;
    }

    /**
     * pg_hba_file_rules: the file at {@code path} as it reads now, one row per rule, and a row
     * with only the line number and the message for a line that does not parse (fill_hba_line).
     */
    public static List<org.walden.sql.ServerStatus.HbaRule> fileRules(Path path, boolean sslEnabled) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PgException(SqlState.CONFIG_FILE_ERROR,
                    "could not open configuration file \"" + path + "\": " + e.getMessage(), e);
        }
        List<org.walden.sql.ServerStatus.HbaRule> rows = new ArrayList<>();
        for (LogicalLine l : logicalLines(text)) {
            try {
                List<List<Token>> fields = HbaTokenizer.tokenize(l.text(), l.number(), path);
                if (!fields.isEmpty()) {
                    rows.add(ruleRow(parseLine(fields, l.number(), l.text().strip(), path), fields, sslEnabled));
                }
            } catch (PgException e) {
                rows.add(new org.walden.sql.ServerStatus.HbaRule(l.number(), null, null, null, null, null, null,
                        null, e.getMessage()));
            }
        }
        return rows;
    }

    private static org.walden.sql.ServerStatus.HbaRule ruleRow(Line l, List<List<Token>> fields,
                                                               boolean sslEnabled) {
        String address = null;
        String netmask = null;
        switch (l.address()) {
            case null -> { }
            case AddressMatch.All a -> address = "all";
            case AddressMatch.SameHost a -> address = "samehost";
            case AddressMatch.SameNet a -> address = "samenet";
            case AddressMatch.HostName h -> address = h.name();
            case AddressMatch.Cidr c -> {
                String given = fields.get(3).get(0).text();
                address = numericAddress(literalOrNull(given.contains("/") ? given.substring(0, given.indexOf('/'))
                        : given));
                byte[] mask = new byte[c.network().length];
                for (int b = 0; b < c.prefixBits(); b++) {
                    mask[b / 8] |= (byte) (0x80 >> (b % 8));
                }
                netmask = numericAddress(mask);
            }
        }
        List<String> options = new ArrayList<>();
        if (l.map() != null) {
            options.add("map=" + l.map());
        }
        if (l.clientCert() != ClientCert.OFF) {
            options.add("clientcert=" + (l.clientCert() == ClientCert.VERIFY_CA ? "verify-ca" : "verify-full"));
        }
        return new org.walden.sql.ServerStatus.HbaRule(l.lineNumber(),
                l.connType().name().toLowerCase(java.util.Locale.ROOT),
                l.databases().stream().map(Token::text).toList(), l.users().stream().map(Token::text).toList(),
                address, netmask, l.method().hbaName(), options.isEmpty() ? null : options,
                l.connType() == ConnType.HOSTSSL && !sslEnabled
                        ? "hostssl record cannot match because SSL is disabled" : null);
    }

    private static byte[] literalOrNull(String ip) {
        try {
            return InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** An address as getnameinfo(NI_NUMERICHOST) prints it: dotted IPv4, compressed IPv6 (RFC 5952). */
    static String numericAddress(byte[] a) {
        if (a == null) {
            return null;
        }
        if (a.length == 4) {
            return (a[0] & 255) + "." + (a[1] & 255) + "." + (a[2] & 255) + "." + (a[3] & 255);
        }
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((a[2 * i] & 255) << 8) | (a[2 * i + 1] & 255);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append(i == 0 ? "::" : ":");
                i += bestLen - 1;
                continue;
            }
            sb.append(Integer.toHexString(g[i]));
            if (i < 7) {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    private static boolean endsWithContinuation(StringBuilder s) {
        return !s.isEmpty() && s.charAt(s.length() - 1) == '\\';
    }

    private static Line parseLine(List<List<Token>> fields, int lineNumber, String rawLine, Path path) {
        ConnType type = parseConnType(single(fields, 0, "connection type", lineNumber, path), lineNumber, path);
        int pos = 1;
        List<Token> databases = require(fields, pos++, "end-of-line before database specification", lineNumber, path);
        List<Token> users = require(fields, pos++, "end-of-line before role specification", lineNumber, path);
        AddressMatch address = null;
        if (type != ConnType.LOCAL) {
            String addr = single(fields, pos++, "end-of-line before IP address specification", lineNumber, path);
            String mask = null;
            if (!addr.contains("/") && looksLikeIp(addr)) {
                mask = single(fields, pos++, "end-of-line before netmask specification", lineNumber, path);
            }
            address = parseAddress(addr, mask, lineNumber, path);
        }
        String methodName = single(fields, pos++, "end-of-line before authentication method", lineNumber, path);
        AuthMethod method = AuthMethod.fromHbaName(methodName);
        if (method == null && AuthMethod.NOT_BUILT.contains(methodName)) {
            throw error("invalid authentication method \"" + methodName + "\": not supported by this build",
                    lineNumber, path);
        }
        if (method == null) {
            throw error("invalid authentication method \"" + methodName + "\"", lineNumber, path);
        }
        if (method == AuthMethod.PEER && type != ConnType.LOCAL) {
            throw error("peer authentication is only supported on local sockets", lineNumber, path);
        }
        if (method == AuthMethod.CERT && type != ConnType.HOSTSSL) {
            throw error("cert authentication is only supported on hostssl connections", lineNumber, path);
        }
        ClientCert clientCert = method == AuthMethod.CERT ? ClientCert.VERIFY_FULL : ClientCert.OFF;
        String map = null;
        for (; pos < fields.size(); pos++) {
            String option = fields.get(pos).get(0).text();
            int eq = option.indexOf('=');
            if (eq < 0) {
                throw error("authentication option not in name=value format: " + option, lineNumber, path);
            }
            String name = option.substring(0, eq);
            String value = option.substring(eq + 1);
            switch (name) {
                case "clientcert" -> clientCert = parseClientCert(value, type, method, lineNumber, path);
                case "map" -> {
                    if (method != AuthMethod.CERT && method != AuthMethod.PEER) {
                        throw error("authentication option \"map\" is only valid for authentication methods "
                                + "ident, peer, gssapi, sspi, and cert", lineNumber, path);
                    }
                    map = value;
                }
                default -> throw error("unrecognized authentication option name: \"" + name + "\"", lineNumber, path);
            }
        }
        checkNames(databases, lineNumber, path);
        checkNames(users, lineNumber, path);
        return new Line(lineNumber, type, databases, users, address, method, rawLine, clientCert, map);
    }

    private static ClientCert parseClientCert(String value, ConnType type, AuthMethod method, int lineNumber,
                                              Path path) {
        if (type != ConnType.HOSTSSL) {
            throw error("clientcert can only be configured for \"hostssl\" rows", lineNumber, path);
        }
        return switch (value) {
            case "verify-full" -> ClientCert.VERIFY_FULL;
            case "verify-ca" -> {
                if (method == AuthMethod.CERT) {
                    throw error("clientcert only accepts \"verify-full\" when using \"cert\" authentication",
                            lineNumber, path);
                }
                yield ClientCert.VERIFY_CA;
            }
            default -> throw error("invalid value for clientcert: \"" + value + "\"", lineNumber, path);
        };
    }

    private static void checkNames(List<Token> tokens, int lineNumber, Path path) {
        for (Token t : tokens) {
            if (!t.quoted() && (t.text().startsWith("@") || t.text().startsWith("+"))) {
                throw error("\"" + t.text() + "\": @file inclusions and +group names are not supported by Walden",
                        lineNumber, path);
            }
        }
    }

    private static ConnType parseConnType(String s, int lineNumber, Path path) {
        return switch (s) {
            case "local" -> ConnType.LOCAL;
            case "host" -> ConnType.HOST;
            case "hostssl" -> ConnType.HOSTSSL;
            case "hostnossl" -> ConnType.HOSTNOSSL;
            case "hostgssenc" -> ConnType.HOSTGSSENC;
            case "hostnogssenc" -> ConnType.HOSTNOGSSENC;
            default -> throw error("invalid connection type \"" + s + "\"", lineNumber, path);
        };
    }

    private static List<Token> require(List<List<Token>> fields, int index, String missing, int lineNumber, Path path) {
        if (fields.size() <= index) {
            throw error(missing, lineNumber, path);
        }
        return fields.get(index);
    }

    private static String single(List<List<Token>> fields, int index, String missing, int lineNumber, Path path) {
        List<Token> f = require(fields, index, missing, lineNumber, path);
        if (f.size() > 1) {
            throw error("multiple values specified for " + (index == 0 ? "connection type" : "a single-valued field"),
                    lineNumber, path);
        }
        return f.get(0).text();
    }

    private static boolean looksLikeIp(String s) {
        return s.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (s.contains(":") && s.matches("[0-9a-fA-F:.]+"));
    }

    static AddressMatch parseAddress(String addr, String mask, int lineNumber, Path path) {
        switch (addr) {
            case "all":
                return new AddressMatch.All();
            case "samehost":
                return new AddressMatch.SameHost();
            case "samenet":
                return new AddressMatch.SameNet();
            default:
                break;
        }
        int slash = addr.indexOf('/');
        String ip = slash >= 0 ? addr.substring(0, slash) : addr;
        if (!looksLikeIp(ip)) {
            if (slash >= 0) {
                throw error("invalid IP address \"" + ip + "\"", lineNumber, path);
            }
            return new AddressMatch.HostName(addr);
        }
        byte[] network = literal(ip, lineNumber, path);
        int bits;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(addr.substring(slash + 1));
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (bits < 0 || bits > network.length * 8) {
                throw error("invalid CIDR mask in address \"" + addr + "\"", lineNumber, path);
            }
        } else if (mask != null) {
            if (!looksLikeIp(mask)) {
                throw error("invalid IP mask \"" + mask + "\"", lineNumber, path);
            }
            byte[] m = literal(mask, lineNumber, path);
            bits = maskBits(m);
            if (bits < 0 || m.length != network.length) {
                throw error("invalid IP mask \"" + mask + "\"", lineNumber, path);
            }
        } else {
            throw error("end-of-line before netmask specification", lineNumber, path);
        }
        return new AddressMatch.Cidr(network, bits);
    }

    private static byte[] literal(String ip, int lineNumber, Path path) {
        try {
            // Only literals reach here (looksLikeIp), so no DNS lookup happens.
            return InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            throw error("invalid IP address \"" + ip + "\"", lineNumber, path);
        }
    }

    private static int maskBits(byte[] mask) {
        int bits = 0;
        boolean zeroSeen = false;
        for (byte b : mask) {
            for (int i = 7; i >= 0; i--) {
                boolean one = ((b >> i) & 1) == 1;
                if (one && zeroSeen) {
                    return -1;
                }
                if (one) {
                    bits++;
                } else {
                    zeroSeen = true;
                }
            }
        }
        return bits;
    }

    static PgException error(String message, int lineNumber, Path path) {
        return new PgException(PgException.Severity.ERROR, SqlState.CONFIG_FILE_ERROR, message,
                "line " + lineNumber + " of configuration file \"" + path + "\"", null, null);
    }

    // ------------------------------------------------------------------ matching

    /** The first rule that matches, or null (the caller reports "no pg_hba.conf entry"). */
    public Line match(Request r) {
        for (Line line : lines) {
            if (connTypeMatches(line.connType(), r) && databaseMatches(line.databases(), r)
                    && userMatches(line.users(), r.user())
                    && (r.isLocal() || addressMatches(line.address(), r.clientAddress()))) {
                return line;
            }
        }
        return null;
    }

    /** The first matching rule; FATAL 28000 in PostgreSQL's words if none matches or it rejects. */
    public Line matchOrRefuse(Request r) {
        Line line = match(r);
        if (line == null) {
            throw PgException.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, noEntryMessage(r));
        }
        if (line.method() == AuthMethod.REJECT) {
            throw PgException.fatal(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, rejectMessage(r));
        }
        return line;
    }

    /** The method the first matching rule names; FATAL 28000 in PostgreSQL's words if none matches or it rejects. */
    public AuthMethod authMethodFor(Request r) {
        return matchOrRefuse(r).method();
    }

    static String noEntryMessage(Request r) {
        String host = r.isLocal() ? "[local]" : r.clientAddress().getHostAddress();
        if (r.replication() == Replication.PHYSICAL) {
            return "no pg_hba.conf entry for replication connection from host \"" + host + "\", user \"" + r.user()
                    + "\", " + r.encryptionState();
        }
        return "no pg_hba.conf entry for host \"" + host + "\", user \"" + r.user() + "\", database \"" + r.database()
                + "\", " + r.encryptionState();
    }

    static String rejectMessage(Request r) {
        String host = r.isLocal() ? "[local]" : r.clientAddress().getHostAddress();
        if (r.replication() == Replication.PHYSICAL) {
            return "pg_hba.conf rejects replication connection for host \"" + host + "\", user \"" + r.user()
                    + "\", " + r.encryptionState();
        }
        return "pg_hba.conf rejects connection for host \"" + host + "\", user \"" + r.user() + "\", database \""
                + r.database() + "\", " + r.encryptionState();
    }

    private static boolean connTypeMatches(ConnType t, Request r) {
        return switch (t) {
            case LOCAL -> r.isLocal();
            case HOST, HOSTNOGSSENC -> !r.isLocal();
            case HOSTSSL -> !r.isLocal() && r.ssl();
            case HOSTNOSSL -> !r.isLocal() && !r.ssl();
            case HOSTGSSENC -> false; // no GSS encryption
        };
    }

    private static boolean databaseMatches(List<Token> tokens, Request r) {
        for (Token t : tokens) {
            if (r.replication() == Replication.PHYSICAL) {
                if (t.isKeyword("replication")) {
                    return true;
                }
                continue;
            }
            if (t.isKeyword("all")) {
                return true;
            } else if (t.isKeyword("sameuser") || t.isKeyword("samerole") || t.isKeyword("samegroup")) {
                if (r.database().equals(r.user())) {
                    return true;
                }
            } else if (t.isKeyword("replication")) {
                continue;
            } else if (t.text().equals(r.database())) {
                return true;
            }
        }
        return false;
    }

    private static boolean userMatches(List<Token> tokens, String user) {
        for (Token t : tokens) {
            if (t.isKeyword("all") || t.text().equals(user)) {
                return true;
            }
        }
        return false;
    }

    private static boolean addressMatches(AddressMatch m, InetAddress client) {
        return switch (m) {
            case AddressMatch.All a -> true;
            case AddressMatch.Cidr c -> cidrMatches(c.network(), c.prefixBits(), client.getAddress());
            case AddressMatch.SameHost s -> localInterfaces().stream()
                    .anyMatch(ia -> ia.getAddress().equals(client));
            case AddressMatch.SameNet s -> localInterfaces().stream()
                    .anyMatch(ia -> cidrMatches(ia.getAddress().getAddress(), ia.getNetworkPrefixLength(),
                            client.getAddress()));
            case AddressMatch.HostName h -> hostNameMatches(h.name(), client);
        };
    }

    static boolean cidrMatches(byte[] network, int prefixBits, byte[] client) {
        if (network.length != client.length) {
            return false;
        }
        for (int bit = 0; bit < prefixBits; bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((network[bit / 8] & mask) != (client[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    private static List<InterfaceAddress> localInterfaces() {
        List<InterfaceAddress> out = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                out.addAll(ni.getInterfaceAddresses());
            }
        } catch (SocketException e) {
            // no interfaces readable: samehost/samenet match nothing
        }
        return out;
    }

    private static boolean hostNameMatches(String name, InetAddress client) {
        try {
            for (InetAddress a : InetAddress.getAllByName(name)) {
                if (a.equals(client)) {
                    return true;
                }
            }
        } catch (UnknownHostException e) {
            return false;
        }
        return false;
    }

    public Path path() {
        return path;
    }

    /** The parsed rules, for tests and pg_hba_file_rules-style listings. */
    List<Line> lines() {
        return lines;
    }

    static final Set<String> KEYWORDS = Set.of("all", "sameuser", "samerole", "samegroup", "replication");
}
