package org.walden.protocol;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reading a server's replies in protocol tests: up to ReadyForQuery, and their type letters. */
public final class Replies {

    private Replies() {
    }

    /** The messages read up to and including the next ReadyForQuery. */
    public static List<Message> untilReady(PgStream s) throws IOException {
        List<Message> out = new ArrayList<>();
        Message m;
        do {
            m = s.readMessage(1 << 20);
            out.add(m);
        } while (m.type() != 'Z');
        return out;
    }

    /** The messages' type letters, in order ("TDCZ"). */
    public static String types(List<Message> ms) {
        StringBuilder sb = new StringBuilder();
        ms.forEach(m -> sb.append(m.type()));
        return sb.toString();
    }
}
