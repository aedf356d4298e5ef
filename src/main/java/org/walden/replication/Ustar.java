package org.walden.replication;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The ustar tar format as base backups use it (POSIX.1-1988; PostgreSQL's pgtar.c).
 *
 * <pre>
 * header block, 512 bytes:
 *   0 name[100]   100 mode[8]   108 uid[8]   116 gid[8]   124 size[12]   136 mtime[12]
 *   148 chksum[8] 156 typeflag  157 linkname[100]  257 magic "ustar\0"  263 version "00"
 *   265 uname[32] 297 gname[32] 329 devmajor[8] 337 devminor[8] 345 prefix[155]
 * numbers are octal, zero-padded, NUL-terminated; chksum is the byte sum of the header with
 * the chksum field taken as 8 spaces. File data follows, padded to 512; the archive ends with
 * two zero blocks.
 * </pre>
 */
public final class Ustar {

    public static final int BLOCK_BYTES = 512;
    public static final byte TYPE_FILE = '0';
    public static final byte TYPE_SYMLINK = '2';
    public static final byte TYPE_DIRECTORY = '5';

    private Ustar() {
    }

    /**
     * One header block. Names over 99 bytes are split at a '/' into prefix and name (ustar);
     * a name that cannot be split raises IllegalArgumentException ("file name too long for
     * tar format"). Directories get a trailing '/'.
     */
    public static byte[] header(String name, int mode, long size, long mtimeSeconds, byte typeflag, String linkName) {
        byte[] h = new byte[BLOCK_BYTES];
        String path = typeflag == TYPE_DIRECTORY && !name.endsWith("/") ? name + "/" : name;
        byte[] pathBytes = path.getBytes(StandardCharsets.UTF_8);
        if (pathBytes.length <= 99) {
            System.arraycopy(pathBytes, 0, h, 0, pathBytes.length);
        } else {
            int split = splitPoint(path);
            byte[] prefix = path.substring(0, split).getBytes(StandardCharsets.UTF_8);
            byte[] rest = path.substring(split + 1).getBytes(StandardCharsets.UTF_8);
            System.arraycopy(prefix, 0, h, 345, prefix.length);
            System.arraycopy(rest, 0, h, 0, rest.length);
        }
        octal(h, 100, 8, mode & 07777);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, typeflag == TYPE_FILE ? size : 0);
        octal(h, 136, 12, mtimeSeconds);
        h[156] = typeflag;
        if (linkName != null) {
            byte[] link = linkName.getBytes(StandardCharsets.UTF_8);
            if (link.length > 99) {
                throw new IllegalArgumentException("symbolic link target too long for tar format: " + linkName);
            }
            System.arraycopy(link, 0, h, 157, link.length);
        }
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        byte[] user = "postgres".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(user, 0, h, 265, user.length);
        System.arraycopy(user, 0, h, 297, user.length);
        octal(h, 329, 8, 0);
        octal(h, 337, 8, 0);
        Arrays.fill(h, 148, 156, (byte) ' ');
        octal(h, 148, 8, checksum(h));
        return h;
    }

    private static int splitPoint(String path) {
        int limit = Math.min(path.length() - 1, 155);
        for (int i = limit; i > 0; i--) {
            if (path.charAt(i) == '/' && path.substring(i + 1).getBytes(StandardCharsets.UTF_8).length <= 99
                    && path.substring(0, i).getBytes(StandardCharsets.UTF_8).length <= 155) {
                return i;
            }
        }
        throw new IllegalArgumentException("file name too long for tar format: \"" + path + "\"");
    }

    /** Octal digits in {@code len - 1} characters, zero-padded, then NUL. */
    private static void octal(byte[] h, int offset, int len, long value) {
        String digits = Long.toOctalString(value);
        if (digits.length() > len - 1) {
            throw new IllegalArgumentException("value too large for tar header: " + value);
        }
        String padded = "0".repeat(len - 1 - digits.length()) + digits;
        System.arraycopy(padded.getBytes(StandardCharsets.US_ASCII), 0, h, offset, len - 1);
        h[offset + len - 1] = 0;
    }

    static long checksum(byte[] h) {
        long sum = 0;
        for (int i = 0; i < BLOCK_BYTES; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
        }
        return sum;
    }

    /** Zero bytes that pad {@code size} bytes of data to a whole block. */
    public static int paddingBytes(long size) {
        int rem = (int) (size % BLOCK_BYTES);
        return rem == 0 ? 0 : BLOCK_BYTES - rem;
    }

    /** One member read back from an archive. */
    public record Entry(String name, int mode, long size, long mtimeSeconds, byte typeflag, String linkName) {
        public boolean isDirectory() {
            return typeflag == TYPE_DIRECTORY;
        }
    }

    /** Receives the members of an archive as {@link Reader} parses them. */
    public interface MemberHandler {
        /** A member starts; its data follows in {@link #data} calls (none for directories and links). */
        void begin(Entry entry) throws IOException;

        void data(byte[] bytes, int offset, int length) throws IOException;

        void end() throws IOException;
    }

    /**
     * A push parser: feed it the archive's bytes in any pieces; it calls the handler per
     * member and stops at the two zero blocks. Checks each header's checksum.
     */
    public static final class Reader {
        private final MemberHandler handler;
        private final byte[] header = new byte[BLOCK_BYTES];
        private int headerFill;
        private long dataLeft;
        private int padLeft;
        private boolean inMember;
        private boolean ended;

        public Reader(MemberHandler handler) {
            this.handler = handler;
        }

        public boolean ended() {
            return ended;
        }

        public void feed(byte[] bytes, int offset, int length) throws IOException {
            int i = offset;
            int end = offset + length;
            while (i < end && !ended) {
                if (inMember && dataLeft > 0) {
                    int n = (int) Math.min(dataLeft, end - i);
                    handler.data(bytes, i, n);
                    dataLeft -= n;
                    i += n;
                    if (dataLeft == 0 && padLeft == 0) {
                        finishMember();
                    }
                } else if (inMember && padLeft > 0) {
                    int n = Math.min(padLeft, end - i);
                    padLeft -= n;
                    i += n;
                    if (padLeft == 0) {
                        finishMember();
                    }
                } else {
                    int n = Math.min(BLOCK_BYTES - headerFill, end - i);
                    System.arraycopy(bytes, i, header, headerFill, n);
                    headerFill += n;
                    i += n;
                    if (headerFill == BLOCK_BYTES) {
                        headerFill = 0;
                        startMember();
                    }
                }
            }
        }

        public void feed(InputStream in) throws IOException {
            byte[] buf = new byte[65536];
            int n;
            while (!ended && (n = in.read(buf)) > 0) {
                feed(buf, 0, n);
            }
        }

        private void finishMember() throws IOException {
            inMember = false;
            handler.end();
        }

        private void startMember() throws IOException {
            boolean zero = true;
            for (byte b : header) {
                if (b != 0) {
                    zero = false;
                    break;
                }
            }
            if (zero) {
                ended = true;
                return;
            }
            long stored = parseOctal(header, 148, 8);
            if (stored != checksum(header)) {
                throw new IOException("invalid tar header checksum");
            }
            String name = cstring(header, 0, 100);
            String prefix = cstring(header, 345, 155);
            if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
            byte type = header[156] == 0 ? TYPE_FILE : header[156];
            long size = parseOctal(header, 124, 12);
            Entry e = new Entry(name, (int) parseOctal(header, 100, 8), size, parseOctal(header, 136, 12), type,
                    cstring(header, 157, 100));
            handler.begin(e);
            inMember = true;
            dataLeft = type == TYPE_FILE ? size : 0;
            padLeft = type == TYPE_FILE ? paddingBytes(size) : 0;
            if (dataLeft == 0 && padLeft == 0) {
                finishMember();
            }
        }

        private static String cstring(byte[] h, int offset, int len) {
            int end = offset;
            while (end < offset + len && h[end] != 0) {
                end++;
            }
            return new String(h, offset, end - offset, StandardCharsets.UTF_8);
        }

        private static long parseOctal(byte[] h, int offset, int len) {
            long v = 0;
            for (int i = offset; i < offset + len; i++) {
                int c = h[i];
                if (c == 0 || c == ' ') {
                    if (v != 0 || i > offset) {
                        if (c == 0) {
                            break;
                        }
                        continue;
                    }
                    continue;
                }
                if (c < '0' || c > '7') {
                    break;
                }
                v = v * 8 + (c - '0');
            }
            return v;
        }
    }

    /** Test helper and small-archive builder: writes members into a byte array. */
    public static final class Builder {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Builder file(String name, byte[] data, long mtimeSeconds) {
            out.writeBytes(header(name, 0600, data.length, mtimeSeconds, TYPE_FILE, null));
            out.writeBytes(data);
            out.writeBytes(new byte[paddingBytes(data.length)]);
            return this;
        }

        public Builder directory(String name, long mtimeSeconds) {
            out.writeBytes(header(name, 0700, 0, mtimeSeconds, TYPE_DIRECTORY, null));
            return this;
        }

        public Builder symlink(String name, String target, long mtimeSeconds) {
            out.writeBytes(header(name, 0777, 0, mtimeSeconds, TYPE_SYMLINK, target));
            return this;
        }

        public byte[] finish() {
            out.writeBytes(new byte[2 * BLOCK_BYTES]);
            return out.toByteArray();
        }
    }
}
