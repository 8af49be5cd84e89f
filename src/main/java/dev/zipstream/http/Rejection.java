package dev.zipstream.http;

import jakarta.servlet.http.HttpServletResponse;
import java.util.Locale;

/** Every way a request is turned away before a download starts: its status, its page, and its metric label. */
public enum Rejection {
    BUSY(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "Busy",
            "Too many downloads are running. Please try again in a moment."),
    PER_CLIENT(429, "Too many downloads",
            "You have too many downloads running at once. Please wait for one to finish."),
    UNAVAILABLE(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "Unavailable",
            "The archives cannot be reached right now. Please try again later."),
    NOT_FOUND(HttpServletResponse.SC_NOT_FOUND, "Not found", "The archive does not exist or has been deleted."),
    FORBIDDEN(HttpServletResponse.SC_FORBIDDEN, "Forbidden", "This link is not valid."),
    EXPIRED(HttpServletResponse.SC_GONE, "Link expired", "This link has expired. Please ask for a new one."),
    BAD_REQUEST(HttpServletResponse.SC_BAD_REQUEST, "Bad request", "This address cannot be served."),
    RANGE_NOT_SATISFIABLE(HttpServletResponse.SC_REQUESTED_RANGE_NOT_SATISFIABLE, "Range not satisfiable",
            "The requested range lies outside the archive.");

    final int status;
    final String title;
    final String text;

    Rejection(int status, String title, String text) {
        this.status = status;
        this.title = title;
        this.text = text;
    }

    public int status() {
        return status;
    }

    /** The metric label: busy, per_client, unavailable, ... */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
