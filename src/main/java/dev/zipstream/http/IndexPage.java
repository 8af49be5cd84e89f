package dev.zipstream.http;

import dev.zipstream.links.SignedLink;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * The development index at {@code /archive/}, when DEBUG is on: every folder with its size and a download link.
 * Every link is relative ({@code <hash>/}), so the page works under any context path and behind any proxy prefix
 * that forwards {@code …/archive/}.
 */
final class IndexPage {
    private IndexPage() {
    }

    static final String STYLE = """
            <style>
            body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:52rem;padding:0 1rem;color:#222}
            .warn{background:#fff3cd;border:1px solid #e0c060;padding:.6rem 1rem;border-radius:6px}
            table{border-collapse:collapse;width:100%;margin-top:1rem}
            th,td{padding:.45rem .6rem;border-bottom:1px solid #ddd;text-align:left}
            th.n,td.n{text-align:right;font-variant-numeric:tabular-nums}
            code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.95em}
            .sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
            button{margin-top:1rem;padding:.5rem 1rem;font-size:1rem}
            </style>
            """;

    static void serve(Service service, HttpServletRequest request, HttpServletResponse response, boolean head)
            throws IOException {
        if (!service.settings.debug()) {
            Pages.reject(service, response, Rejection.NOT_FOUND, head);
            return;
        }
        if (request.getPathInfo() == null) {
            // "/archive" without its slash: relative links would resolve one level too high.
            Pages.common(response);
            response.setStatus(HttpServletResponse.SC_SEE_OTHER);
            response.setHeader("Location", "archive/");
            response.setContentLength(0);
            return;
        }
        // A missing folder or an unreachable store would otherwise surface as the container's 500.
        String unavailable = service.storage.unavailableReason();
        if (unavailable != null) {
            Pages.unavailable(service, response, head, unavailable);
            return;
        }
        boolean browse = service.settings.debug() || service.settings.browse();
        var html = new StringBuilder("""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
                <title>zipstream: archives</title><link rel="icon" href="data:,">
                """).append(STYLE).append("""
                </head><body>
                <h1>Archives</h1>
                <p class="warn"><strong>Development mode.</strong> This index is shown because DEBUG is on.
                It lists every archive folder: turn DEBUG off on a public server.</p>
                """);
        var hashes = service.storage.hashes();
        html.append("<table><thead><tr><th>Folder</th><th class=\"n\">Files</th><th class=\"n\">Size</th>"
                + "<th><span class=\"sr\">Download</span></th></tr></thead><tbody>\n");
        try {
            for (String hash : hashes) {
                var found = service.storage.list(hash);
                if (found.isEmpty()) {
                    continue;
                }
                var listing = found.get();
                String href = "./" + SignedLink.encode(hash) + "/";
                html.append("<tr><td><code>").append(Pages.escape(hash)).append("</code></td><td class=\"n\">")
                        .append(listing.fileCount()).append("</td><td class=\"n\">")
                        .append(humanSize(listing.totalSize())).append("</td><td><a href=\"")
                        .append(Pages.escape(href)).append("\" download aria-label=\"Download ")
                        .append(Pages.escape(hash)).append(" as ZIP\">Download ZIP</a>");
                if (browse) {
                    html.append(" · <a href=\"").append(Pages.escape(href + "?browse"))
                            .append("\" aria-label=\"Choose files from ").append(Pages.escape(hash))
                            .append("\">Choose files</a>");
                }
                html.append("</td></tr>\n");
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (hashes.isEmpty()) {
            html.append("<tr><td colspan=\"4\">No folders in the storage yet.</td></tr>\n");
        }
        html.append("</tbody></table>\n</body></html>\n");
        Pages.html(response, html.toString(), head);
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
