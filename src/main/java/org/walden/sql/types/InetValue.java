package org.walden.sql.types;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * An inet or cidr value (PostgreSQL's network.c): an IPv4 (4 bytes) or IPv6 (16 bytes) address
 * and a netmask length. A cidr has no bits set right of its mask. Text output follows
 * inet_net_ntop: an inet with a full mask prints without "/n", a cidr always with it; IPv6
 * compresses its longest run of two or more zero words to "::".
 */
public record InetValue(byte[] address, int bits, boolean cidr) implements Comparable<InetValue> {

    public InetValue {
        address = address.clone();
    }

    public boolean isV4() {
        return address.length == 4;
    }

    public int maxBits() {
        return address.length * 8;
    }

    /** family(): 4 or 6. */
    public int family() {
        return isV4() ? 4 : 6;
    }

    /** A host address as an inet with a full mask (a connection's end, pg_stat_activity.client_addr); null for null. */
    public static InetValue host(java.net.InetAddress address) {
        if (address == null) {
            return null;
        }
        byte[] bytes = address.getAddress();
        return new InetValue(bytes, bytes.length * 8, false);
    }

    /** inet_in / cidr_in. */
    public static InetValue parse(String text, boolean cidr) {
        String s = text.trim();
        String typeName = cidr ? "cidr" : "inet";
        int slash = s.indexOf('/');
        String addrText = slash >= 0 ? s.substring(0, slash) : s;
        byte[] addr;
        int givenOctets = 4;
        if (addrText.contains(":")) {
            addr = parseV6(addrText);
        } else {
            String[] parts = addrText.split("\\.", -1);
            if (parts.length < 1 || parts.length > 4 || (!cidr && parts.length != 4)) {
                throw invalid(typeName, text);
            }
            addr = new byte[4];
            for (int i = 0; i < parts.length; i++) {
                addr[i] = (byte) octet(parts[i], typeName, text);
            }
            givenOctets = parts.length;
        }
        if (addr == null) {
            throw invalid(typeName, text);
        }
        int max = addr.length * 8;
        int bits;
        if (slash >= 0) {
            String b = s.substring(slash + 1);
            if (b.isEmpty() || b.length() > 3 || !b.chars().allMatch(Character::isDigit)) {
                throw invalid(typeName, text);
            }
            bits = Integer.parseInt(b);
            if (bits > max) {
                throw invalid(typeName, text);
            }
        } else if (cidr && addr.length == 4) {
            bits = classfulBits(addr, givenOctets);
        } else {
            bits = max;
        }
        InetValue v = new InetValue(addr, bits, cidr);
        if (cidr && !Arrays.equals(v.network().address, addr)) {
            throw new PgException(SqlState.INVALID_TEXT_REPRESENTATION, "invalid cidr value: \"" + text + "\"")
                    .withDetail("Value has bits set to right of mask.");
        }
        return v;
    }

    /** cidr input without a mask: the address class's mask, widened to cover the octets given. */
    private static int classfulBits(byte[] addr, int octets) {
        int first = addr[0] & 0xFF;
        int bits = first >= 240 ? 32 : first >= 224 ? 8 : first >= 192 ? 24 : first >= 128 ? 16 : 8;
        if (bits < octets * 8) {
            bits = octets * 8;
        }
        if (bits == 8 && first == 224) {
            bits = 4;
        }
        return bits;
    }

    private static int octet(String p, String typeName, String text) {
        if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
            throw invalid(typeName, text);
        }
        int n = Integer.parseInt(p);
        if (n > 255) {
            throw invalid(typeName, text);
        }
        return n;
    }

    private static byte[] parseV6(String s) {
        String v4tail = null;
        int lastColon = s.lastIndexOf(':');
        if (s.indexOf('.', lastColon) > 0) {
            v4tail = s.substring(lastColon + 1);
            s = s.substring(0, lastColon + 1) + "0:0";
        }
        int dbl = s.indexOf("::");
        if (dbl != s.lastIndexOf("::")) {
            return null;
        }
        String[] head;
        String[] tail;
        if (dbl >= 0) {
            head = s.substring(0, dbl).isEmpty() ? new String[0] : s.substring(0, dbl).split(":", -1);
            tail = s.substring(dbl + 2).isEmpty() ? new String[0] : s.substring(dbl + 2).split(":", -1);
            if (head.length + tail.length > 7) {
                return null;
            }
        } else {
            head = s.split(":", -1);
            tail = new String[0];
            if (head.length != 8) {
                return null;
            }
        }
        int[] words = new int[8];
        for (int i = 0; i < head.length; i++) {
            words[i] = word(head[i]);
        }
        for (int i = 0; i < tail.length; i++) {
            words[8 - tail.length + i] = word(tail[i]);
        }
        ByteBuffer b = ByteBuffer.allocate(16);
        for (int w : words) {
            if (w < 0) {
                return null;
            }
            b.putShort((short) w);
        }
        byte[] out = b.array();
        if (v4tail != null) {
            String[] parts = v4tail.split("\\.", -1);
            if (parts.length != 4) {
                return null;
            }
            for (int i = 0; i < 4; i++) {
                if (parts[i].isEmpty() || parts[i].length() > 3 || !parts[i].chars().allMatch(Character::isDigit)
                        || Integer.parseInt(parts[i]) > 255) {
                    return null;
                }
                out[12 + i] = (byte) Integer.parseInt(parts[i]);
            }
        }
        return out;
    }

    private static int word(String w) {
        if (w.isEmpty() || w.length() > 4) {
            return -1;
        }
        try {
            return Integer.parseInt(w, 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static PgException invalid(String typeName, String text) {
        return new PgException(SqlState.INVALID_TEXT_REPRESENTATION, "invalid input syntax for type " + typeName
                + ": \"" + text + "\"");
    }

    /** The address with the bits right of the mask cleared (network(), inet → cidr). */
    public InetValue network() {
        return new InetValue(masked(false), bits, true);
    }

    /** broadcast(): the bits right of the mask set. */
    public InetValue broadcast() {
        return new InetValue(masked(true), bits, false);
    }

    private byte[] masked(boolean setHostBits) {
        byte[] a = address.clone();
        for (int i = 0; i < a.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - i * 8));
            int mask = keep == 0 ? 0 : (0xFF << (8 - keep)) & 0xFF;
            a[i] = (byte) (setHostBits ? (a[i] | ~mask) : (a[i] & mask));
        }
        return a;
    }

    /** netmask() (hostmask with {@code host}): the mask as an address. */
    public InetValue netmask(boolean host) {
        byte[] a = new byte[address.length];
        for (int i = 0; i < a.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - i * 8));
            int mask = keep == 0 ? 0 : (0xFF << (8 - keep)) & 0xFF;
            a[i] = (byte) (host ? ~mask : mask);
        }
        return new InetValue(a, maxBits(), false);
    }

    public InetValue withBits(int newBits, boolean asCidr) {
        if (newBits < 0 || newBits > maxBits()) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "invalid mask length: " + newBits);
        }
        InetValue v = new InetValue(address, newBits, asCidr);
        return asCidr ? v.network() : v;
    }

    public InetValue asInet() {
        return new InetValue(address, bits, false);
    }

    /** True when this network contains {@code o} ({@code strict}: and is larger), PostgreSQL's >> and >>=. */
    public boolean contains(InetValue o, boolean strict) {
        if (address.length != o.address.length || (strict ? o.bits <= bits : o.bits < bits)) {
            return false;
        }
        return prefixCompare(address, o.address, bits) == 0;
    }

    /** &&: either contains the other. */
    public boolean overlaps(InetValue o) {
        return address.length == o.address.length
                && prefixCompare(address, o.address, Math.min(bits, o.bits)) == 0;
    }

    private static int prefixCompare(byte[] a, byte[] b, int bits) {
        for (int i = 0; i < a.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xFF : (0xFF << (8 - bits)) & 0xFF;
            int c = Integer.compare(a[i] & mask, b[i] & mask);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    /** network_cmp: family, then the common prefix, then the mask length, then the whole address. */
    @Override
    public int compareTo(InetValue o) {
        if (address.length != o.address.length) {
            return Integer.compare(address.length, o.address.length);
        }
        int c = prefixCompare(address, o.address, Math.min(bits, o.bits));
        if (c != 0) {
            return c;
        }
        c = Integer.compare(bits, o.bits);
        return c != 0 ? c : prefixCompare(address, o.address, maxBits());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InetValue v && Arrays.equals(address, v.address) && bits == v.bits;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(address) * 31 + bits;
    }

    /** host(): the address alone. */
    public String host() {
        return addressText();
    }

    /** text(inet) and inet::text: the address and the mask length, always. */
    public String withMask() {
        return addressText() + "/" + bits;
    }

    /** abbrev(): inet as its output; cidr without the zero octets right of the mask (IPv4). */
    public String abbrev() {
        if (!cidr) {
            return toString();
        }
        if (!isV4()) {
            return toString();
        }
        int octets = Math.max(1, (bits + 7) / 8);
        while (octets < 4 && !allZeroFrom(octets)) {
            octets++;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < octets; i++) {
            sb.append(i > 0 ? "." : "").append(address[i] & 0xFF);
        }
        return sb.append('/').append(bits).toString();
    }

    private boolean allZeroFrom(int octet) {
        for (int i = octet; i < address.length; i++) {
            if (address[i] != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return cidr || bits != maxBits() ? withMask() : addressText();
    }

    private String addressText() {
        if (isV4()) {
            return (address[0] & 0xFF) + "." + (address[1] & 0xFF) + "." + (address[2] & 0xFF) + "." + (address[3] & 0xFF);
        }
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) {
            words[i] = ((address[2 * i] & 0xFF) << 8) | (address[2 * i + 1] & 0xFF);
        }
        int bestBase = -1;
        int bestLen = 0;
        for (int i = 0; i < 8;) {
            if (words[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && words[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestBase = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) {
            bestBase = -1;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
                if (i == bestBase) {
                    sb.append(':');
                }
                continue;
            }
            if (i != 0) {
                sb.append(':');
            }
            if (i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && words[5] == 0xffff))) {
                sb.append(address[12] & 0xFF).append('.').append(address[13] & 0xFF).append('.')
                        .append(address[14] & 0xFF).append('.').append(address[15] & 0xFF);
                break;
            }
            sb.append(Integer.toHexString(words[i]));
        }
        if (bestBase >= 0 && bestBase + bestLen == 8) {
            sb.append(':');
        }
        return sb.toString();
    }

    /** inet_send / cidr_send: family (2 IPv4, 3 IPv6), bits, is-cidr, address length, address. */
    public byte[] send() {
        ByteBuffer b = ByteBuffer.allocate(4 + address.length);
        b.put((byte) (isV4() ? 2 : 3)).put((byte) bits).put((byte) (cidr ? 1 : 0)).put((byte) address.length)
                .put(address);
        return b.array();
    }

    public static InetValue receive(ByteBuffer buf, boolean cidr) {
        int family = buf.get();
        int bits = buf.get() & 0xFF;
        buf.get();
        int len = buf.get();
        if ((family != 2 || len != 4) && (family != 3 || len != 16)) {
            throw new PgException(SqlState.INVALID_BINARY_REPRESENTATION, "invalid address family in external \""
                    + (cidr ? "cidr" : "inet") + "\" value");
        }
        if (bits > len * 8) {
            throw new PgException(SqlState.INVALID_BINARY_REPRESENTATION, "invalid bits in external \""
                    + (cidr ? "cidr" : "inet") + "\" value");
        }
        byte[] addr = new byte[len];
        buf.get(addr);
        return new InetValue(addr, bits, cidr);
    }
}
