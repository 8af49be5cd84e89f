package dev.zipstream.ops;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** The one-line plain-text answers of the operations endpoints: for probes and scrapers, not browsers. */
final class PlainText {
    private PlainText() {
    }

    static void send(HttpServletResponse response, int status, String line, boolean head) throws IOException {
        byte[] body = (line + "\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setContentType("text/plain;charset=utf-8");
        response.setContentLength(body.length);
        if (!head) {
            response.getOutputStream().write(body);
        }
    }
}
