package org.walden.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds one wire message: a type byte (absent for startup-phase packets), an int32 length
 * that counts itself and the body but not the type byte, then the body. Integers are
 * big-endian; strings are UTF-8 and NUL-terminated ("String" in the protocol docs).
 * Not thread-safe; one builder per message.
 */
public final class MessageBuilder {

    private final ByteArrayOutputStream body = new ByteArrayOutputStream(64);
    private final int type;

    private MessageBuilder(int type) {
        this.type = type;
    }

    /** A typed message: Byte1(type) Int32(len) body. */
    public static MessageBuilder typed(char type) {
        return new MessageBuilder(type);
    }

    /** A startup-phase packet without type byte: Int32(len) body. */
    public static MessageBuilder untyped() {
        return new MessageBuilder(-1);
    }

    public MessageBuilder int8(int value) {
        body.write(value);
        return this;
    }

    public MessageBuilder int16(int value) {
        body.write(value >>> 8);
        body.write(value);
        return this;
    }

    public MessageBuilder int32(int value) {
        body.write(value >>> 24);
        body.write(value >>> 16);
        body.write(value >>> 8);
        body.write(value);
        return this;
    }

    public MessageBuilder int64(long value) {
        int32((int) (value >>> 32));
        return int32((int) value);
    }

    /** A NUL-terminated UTF-8 string. */
    public MessageBuilder cstring(String value) {
        body.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        body.write(0);
        return this;
    }

    public MessageBuilder bytes(byte[] value) {
        body.writeBytes(value);
        return this;
    }

    public MessageBuilder bytes(byte[] value, int offset, int length) {
        body.write(value, offset, length);
        return this;
    }

    /** The finished frame. */
    public byte[] build() {
        int bodyLength = body.size();
        int header = type >= 0 ? 5 : 4;
        byte[] frame = new byte[header + bodyLength];
        int pos = 0;
        if (type >= 0) {
            frame[pos++] = (byte) type;
        }
        int length = bodyLength + 4;
        frame[pos++] = (byte) (length >>> 24);
        frame[pos++] = (byte) (length >>> 16);
        frame[pos++] = (byte) (length >>> 8);
        frame[pos++] = (byte) length;
        byte[] content = body.toByteArray();
        System.arraycopy(content, 0, frame, pos, bodyLength);
        return frame;
    }
}
