package dev.zipstream.streaming;

import java.util.Locale;

/** How a download ended; the label is what logs and metrics call it. */
public enum Outcome {
    /** Every byte of the response was handed to the container. */
    COMPLETE,
    /** The client closed the connection or it broke. */
    CLIENT_GONE,
    /** The container's idle timeout ended it: the client stopped reading. */
    STALLED,
    /** The archive could not be completed (a file changed, an I/O error): the connection was cut. */
    FAILED,
    /** The web application stopped while it ran. */
    SHUTDOWN;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
