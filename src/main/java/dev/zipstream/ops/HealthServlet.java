package dev.zipstream.ops;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code /healthz} (liveness: the web application runs; touches nothing) and {@code /readyz} (readiness: storage
 * reachable and not stopping; 503 with the reason otherwise).
 */
public final class HealthServlet extends HttpServlet {

    private final transient Readiness readiness;

    /** @param readiness null for the liveness endpoint */
    public HealthServlet(Readiness readiness) {
        this.readiness = readiness;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        answer(response, false);
    }

    @Override
    protected void doHead(HttpServletRequest request, HttpServletResponse response) throws IOException {
        answer(response, true);
    }

    private void answer(HttpServletResponse response, boolean head) throws IOException {
        String why = readiness == null ? null : readiness.notReadyBecause();
        if (why == null) {
            PlainText.send(response, HttpServletResponse.SC_OK, "ok", head);
        } else {
            response.setHeader("Retry-After", "10");
            PlainText.send(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "not ready: " + why, head);
        }
    }
}
