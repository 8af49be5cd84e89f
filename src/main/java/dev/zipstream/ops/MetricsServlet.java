package dev.zipstream.ops;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * {@code /metrics}: the registry in Prometheus's text format, for a scraper that presents the bearer token.
 * Registered only when {@code METRICS_TOKEN} is set; without it the path is as absent as any other.
 */
public final class MetricsServlet extends HttpServlet {

    private final transient PrometheusRegistry registry;
    /** SHA-256 of the token: comparing digests takes the same time whatever the length or content offered. */
    private final byte[] tokenDigest;
    private final transient PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    public MetricsServlet(PrometheusRegistry registry, String token) {
        this.registry = registry;
        this.tokenDigest = sha256(token);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        serve(request, response, false);
    }

    @Override
    protected void doHead(HttpServletRequest request, HttpServletResponse response) throws IOException {
        serve(request, response, true);
    }

    private void serve(HttpServletRequest request, HttpServletResponse response, boolean head) throws IOException {
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        if (!authorized(request.getHeader("Authorization"))) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"metrics\"");
            PlainText.send(response, HttpServletResponse.SC_UNAUTHORIZED, "unauthorized", head);
            return;
        }
        var body = new ByteArrayOutputStream(32 * 1024);
        writer.write(body, registry.scrape());
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(writer.getContentType());
        response.setContentLength(body.size());
        if (!head) {
            body.writeTo(response.getOutputStream());
        }
    }

    boolean authorized(String header) {
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(tokenDigest, sha256(header.substring(7).strip()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
