package org.walden.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * A libpq connection string (PostgreSQL's conninfo_parse / conninfo_uri_parse): either
 * {@code key=value} pairs separated by white space, values optionally single-quoted, with
 * backslash escaping {@code \'} and {@code \\} (primary_conninfo = 'host=localhost port=5438
 * user=repuser password=repuser application_name=s1'), or a URI
 * {@code postgresql://[user[:password]@][host][:port][/dbname][?key=value&...]}
 * (also {@code postgres://}), percent-decoded. Keys are kept in the order given; a key given
 * twice keeps its last value. Immutable.
 */
public final class ConnInfo {

    /** What {@link #toDisplayString()} prints instead of a password (as pg_stat_wal_receiver does). */
    public static final String MASKED_PASSWORD = "********";

    private final Map<String, String> values;

    private ConnInfo(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public static ConnInfo of(Map<String, String> values) {
        return new ConnInfo(values);
    }

    /** Parses a key=value string or a postgresql:// URI; 22023 on a syntax error, in libpq's words. */
    public static ConnInfo parse(String text) {
        String t = text.strip();
        if (t.startsWith("postgresql://") || t.startsWith("postgres://")) {
            return parseUri(t);
        }
        return parseKeyValue(t);
    }

    private static ConnInfo parseKeyValue(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = s.length();
        while (true) {
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= n) {
                return new ConnInfo(out);
            }
            int keyStart = i;
            while (i < n && s.charAt(i) != '=' && !Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            String key = s.substring(keyStart, i);
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= n || s.charAt(i) != '=') {
                throw syntax("missing \"=\" after \"" + key + "\" in connection info string");
            }
            i++;
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            StringBuilder value = new StringBuilder();
            if (i < n && s.charAt(i) == '\'') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = s.charAt(i++);
                    if (c == '\\' && i < n) {
                        value.append(s.charAt(i++));
                    } else if (c == '\'') {
                        closed = true;
                        break;
                    } else {
                        value.append(c);
                    }
                }
                if (!closed) {
                    throw syntax("unterminated quoted string in connection info string");
                }
            } else {
                while (i < n && !Character.isWhitespace(s.charAt(i))) {
                    char c = s.charAt(i++);
                    if (c == '\\' && i < n) {
                        value.append(s.charAt(i++));
                    } else {
                        value.append(c);
                    }
                }
            }
            out.put(key, value.toString());
        }
    }

    private static ConnInfo parseUri(String uri) {
        Map<String, String> out = new LinkedHashMap<>();
        String rest = uri.substring(uri.indexOf("://") + 3);
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int at = rest.lastIndexOf('@');
        int slash = rest.indexOf('/', Math.max(at, 0));
        String authority = slash >= 0 ? rest.substring(0, slash) : rest;
        String path = slash >= 0 ? rest.substring(slash + 1) : null;
        at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = userInfo.indexOf(':');
            if (colon >= 0) {
                putNonEmpty(out, "user", decode(userInfo.substring(0, colon)));
                out.put("password", decode(userInfo.substring(colon + 1)));
            } else {
                putNonEmpty(out, "user", decode(userInfo));
            }
        }
        String host = authority;
        String port = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw syntax("end of string reached when looking for matching \"]\" in IPv6 host address in URI: \""
                        + uri + "\"");
            }
            host = authority.substring(1, close);
            if (authority.length() > close + 1 && authority.charAt(close + 1) == ':') {
                port = authority.substring(close + 2);
            }
        } else {
            int colon = authority.lastIndexOf(':');
            if (colon >= 0) {
                host = authority.substring(0, colon);
                port = authority.substring(colon + 1);
            }
        }
        putNonEmpty(out, "host", decode(host));
        if (port != null) {
            putNonEmpty(out, "port", decode(port));
        }
        if (path != null) {
            putNonEmpty(out, "dbname", decode(path));
        }
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                if (eq < 0) {
                    throw syntax("missing key/value separator \"=\" in URI query parameter: \"" + pair + "\"");
                }
                out.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
            }
        }
        return new ConnInfo(out);
    }

    private static void putNonEmpty(Map<String, String> out, String key, String value) {
        if (!value.isEmpty()) {
            out.put(key, value);
        }
    }

    private static String decode(String s) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                int hi = i + 1 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
                int lo = i + 2 < s.length() ? Character.digit(s.charAt(i + 2), 16) : -1;
                if (hi < 0 || lo < 0) {
                    throw syntax("invalid percent-encoded token: \"" + s + "\"");
                }
                b.write(hi * 16 + lo);
                i += 2;
            } else {
                b.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private static PgException syntax(String message) {
        return new PgException(SqlState.INVALID_PARAMETER_VALUE, message);
    }

    /** The value of a key, or null. */
    public String get(String key) {
        return values.get(key);
    }

    public String getOrDefault(String key, String fallback) {
        String v = values.get(key);
        return v == null || v.isEmpty() ? fallback : v;
    }

    public Map<String, String> values() {
        return values;
    }

    /** A copy with one key set (null removes it). */
    public ConnInfo with(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(values);
        if (value == null) {
            copy.remove(key);
        } else {
            copy.put(key, value);
        }
        return new ConnInfo(copy);
    }

    /** key=value form, quoting where needed; parses back to the same values. */
    public String toConnString() {
        return render(false);
    }

    /** key=value form with the password shown as {@value #MASKED_PASSWORD}. */
    public String toDisplayString() {
        return render(true);
    }

    private String render(boolean mask) {
        StringBuilder sb = new StringBuilder();
        values.forEach((k, v) -> {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(k).append('=').append(quote(mask && k.equals("password") ? MASKED_PASSWORD : v));
        });
        return sb.toString();
    }

    /** Quotes a value as libpq's conninfo syntax needs (PQconninfo-style escaping). */
    public static String quote(String v) {
        boolean plain = !v.isEmpty();
        for (int i = 0; i < v.length() && plain; i++) {
            char c = v.charAt(i);
            plain = !Character.isWhitespace(c) && c != '\'' && c != '\\';
        }
        if (plain) {
            return v;
        }
        return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    @Override
    public String toString() {
        return toDisplayString();
    }
}
