package dev.zipstream.http;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** The few short pages the service answers with. None carries a path, a stack trace or a server version. */
public final class Pages {
    private Pages() {
    }

    static final String ALLOW = "GET, HEAD, OPTIONS";

    /** Headers every answer carries: a secret-link archive must not be stored by shared caches or transformed. */
    static void common(HttpServletResponse response) {
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Cache-Control", "private, no-transform");
    }

    /**
     * Turns a request away with the rejection's status and page. Every rejection passes here, so that the service
     * sees each one (metrics count them).
     */
    static void reject(Service service, HttpServletResponse response, Rejection rejection, boolean head)
            throws IOException {
        service.rejected(rejection);
        page(response, rejection.status, rejection.title, rejection.text, head);
    }

    /** 405 for any method but GET, HEAD and OPTIONS. */
    static void methodNotAllowed(HttpServletResponse response) throws IOException {
        response.setHeader("Allow", ALLOW);
        page(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "Method not allowed",
                "Only GET and HEAD are served here.", false);
    }

    static void options(HttpServletResponse response) {
        common(response);
        response.setHeader("Allow", ALLOW);
        response.setContentLength(0);
    }

    /** Sends an HTML page the service made (an index, a form): never cached, never sniffed. */
    static void html(HttpServletResponse response, String html, boolean head) throws IOException {
        byte[] body = html.getBytes(StandardCharsets.UTF_8);
        common(response);
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("text/html;charset=utf-8");
        response.setContentLength(body.length);
        if (!head) {
            response.getOutputStream().write(body);
        }
    }

    /** The storage cannot serve now (unmounted folder, unreachable bucket): try again later, and say why in the log. */
    static void unavailable(Service service, HttpServletResponse response, boolean head, String reason)
            throws IOException {
        response.setHeader("Retry-After", "60");
        reject(service, response, Rejection.UNAVAILABLE, head);
        service.log.warning("storage is not available: " + reason);
    }

    /** The 404 page, for requests that are not archive requests (no rejection to count). */
    static void notFound(HttpServletResponse response, boolean head) throws IOException {
        page(response, Rejection.NOT_FOUND.status, Rejection.NOT_FOUND.title, Rejection.NOT_FOUND.text, head);
    }

    static void page(HttpServletResponse response, int status, String title, String text, boolean head)
            throws IOException {
        response.resetBuffer();
        response.setStatus(status);
        common(response);
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("text/html;charset=utf-8");
        byte[] body = ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title)
                + "</title></head>\n<body><h1>" + escape(title) + "</h1>\n<p>" + escape(text)
                + "</p></body></html>\n").getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        if (!head) {
            response.getOutputStream().write(body);
        }
    }

    public static String escape(String s) {
        var sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
