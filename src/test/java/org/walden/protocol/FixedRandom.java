package org.walden.protocol;

import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.Random;

/** A Random whose nextBytes hands out given byte strings in order (then zeros): replays captured nonces and salts. */
final class FixedRandom extends Random {

    private final Deque<byte[]> queue = new ArrayDeque<>();

    FixedRandom thenBase64(String b64) {
        queue.add(Base64.getDecoder().decode(b64));
        return this;
    }

    FixedRandom thenBytes(byte[] bytes) {
        queue.add(bytes);
        return this;
    }

    @Override
    public void nextBytes(byte[] target) {
        byte[] next = queue.poll();
        if (next == null) {
            java.util.Arrays.fill(target, (byte) 0);
            return;
        }
        if (next.length != target.length) {
            throw new IllegalStateException("asked for " + target.length + " bytes, have " + next.length);
        }
        System.arraycopy(next, 0, target, 0, target.length);
    }
}
