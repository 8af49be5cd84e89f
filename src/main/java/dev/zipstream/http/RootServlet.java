package dev.zipstream.http;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Everything outside {@code /archive/*}: the development index at the context root when {@code DEBUG} is on,
 * and the service's own 404 otherwise. Mapped as the default servlet, so the container never lists a folder.
 */
public final class RootServlet extends HttpServlet {

    private transient Service service;

    @Override
    public void init() {
        service = (Service) getServletContext().getAttribute(Service.ATTRIBUTE);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        // Tomcat includes the error page (rather than forwarding to it) when the response is committed already.
        if (request.getDispatcherType() == DispatcherType.ERROR
                || request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) != null) {
            errorPage(request, response);
            return;
        }
        String method = request.getMethod();
        boolean head = method.equals("HEAD");
        if (!head && !method.equals("GET")) {
            response.setHeader("Allow", Pages.ALLOW);
            if (method.equals("OPTIONS")) {
                response.setContentLength(0);
                return;
            }
            Pages.page(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "Method not allowed",
                    "Only GET and HEAD are served here.", false);
            return;
        }
        boolean root = "/".equals(request.getServletPath()) && request.getPathInfo() == null;
        if (!root || !service.settings.debug()) {
            Pages.notFound(response, head);
            return;
        }
        index(request, response, head);
    }

    /**
     * The page for any error the container raises in this application (web.xml's error-page): a status and a
     * sentence, never the exception, a path or the server's version.
     */
    private static void errorPage(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (response.isCommitted()) {
            return; // a download cut short: the container closes the connection, nothing more can be said
        }
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer i ? i : HttpServletResponse.SC_INTERNAL_SERVER_ERROR;
        boolean head = "HEAD".equals(request.getMethod());
        if (status == HttpServletResponse.SC_NOT_FOUND) {
            Pages.notFound(response, head);
        } else if (status >= 500) {
            Pages.page(response, status, "Server error", "Something went wrong. Please try again later.", head);
        } else {
            Pages.page(response, status, "Bad request", "This address cannot be served.", head);
        }
    }

    private void index(HttpServletRequest request, HttpServletResponse response, boolean head) throws IOException {
        // A missing folder or an unreachable store would otherwise surface as the container's 500.
        String unavailable = service.storage.unavailableReason();
        if (unavailable != null) {
            response.setHeader("Retry-After", "60");
            Pages.reject(service, response, Rejection.UNAVAILABLE, head);
            service.log.warning("storage is not available: " + unavailable);
            return;
        }
        var html = new StringBuilder("""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
                <title>zipstream: archives</title><link rel="icon" href="data:,">
                <style>
                body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:52rem;padding:0 1rem;color:#222}
                .warn{background:#fff3cd;border:1px solid #e0c060;padding:.6rem 1rem;border-radius:6px}
                table{border-collapse:collapse;width:100%;margin-top:1rem}
                th,td{padding:.45rem .6rem;border-bottom:1px solid #ddd;text-align:left}
                th.n,td.n{text-align:right;font-variant-numeric:tabular-nums}
                code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.95em}
                .sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
                </style></head><body>
                <h1>Archives</h1>
                <p class="warn"><strong>Development mode.</strong> This index is shown because DEBUG is on.
                It lists every archive folder: turn DEBUG off on a public server.</p>
                """);
        var hashes = service.storage.hashes();
        html.append("<table><thead><tr><th>Folder</th><th class=\"n\">Files</th><th class=\"n\">Size</th><th><span class=\"sr\">Download</span></th></tr></thead><tbody>\n");
        try {
            for (String hash : hashes) {
                var found = service.storage.list(hash);
                if (found.isEmpty()) {
                    continue;
                }
                var listing = found.get();
                String href = request.getContextPath() + "/archive/"
                        + URLEncoder.encode(hash, StandardCharsets.UTF_8).replace("+", "%20") + "/";
                html.append("<tr><td><code>").append(Pages.escape(hash)).append("</code></td><td class=\"n\">")
                        .append(listing.fileCount()).append("</td><td class=\"n\">")
                        .append(humanSize(listing.totalSize())).append("</td><td><a href=\"")
                        .append(Pages.escape(href)).append("\" download aria-label=\"Download ")
                        .append(Pages.escape(hash)).append(" as ZIP\">Download ZIP</a></td></tr>\n");
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (hashes.isEmpty()) {
            html.append("<tr><td colspan=\"4\">No folders in the storage yet.</td></tr>\n");
        }
        html.append("</tbody></table>\n</body></html>\n");
        byte[] body = html.toString().getBytes(StandardCharsets.UTF_8);
        Pages.common(response);
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("text/html;charset=utf-8");
        response.setContentLength(body.length);
        if (!head) {
            response.getOutputStream().write(body);
        }
    }

    static String humanSize(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
