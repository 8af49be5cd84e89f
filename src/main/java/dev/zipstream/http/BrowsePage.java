package dev.zipstream.http;

import dev.zipstream.links.ArchiveName;
import dev.zipstream.links.LinkRequest;
import dev.zipstream.storage.Listing;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code /archive/<hash>/?browse} (with DEBUG or BROWSE on): the link's files with sizes and check boxes, and a
 * button that downloads the ones picked. The form submits to the page's own address (no action: relative by
 * nature). An unsigned link's form sends {@code f} values and downloads at once. A signed link's form carries the
 * original {@code exp}, {@code kid}, {@code sig}, {@code name} and {@code f} untouched, and the picks as
 * {@code pick}: the service checks the original signature and answers 303 to a link it signs for the picks.
 * The page's own address holds a signature, so it sends no Referer.
 */
final class BrowsePage {
    static final String PICK = "pick";

    private BrowsePage() {
    }

    static void serve(Service service, HttpServletResponse response, boolean head, Listing listing, LinkRequest link)
            throws IOException {
        String box = link.signed() ? PICK : "f";
        var html = new StringBuilder("""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
                <title>Choose files</title><link rel="icon" href="data:,">
                <meta name="referrer" content="no-referrer">
                """).append(IndexPage.STYLE).append("""
                <style>td:first-child,th:first-child{width:2rem}</style>
                </head><body>
                <h1>Choose files</h1>
                """);
        var name = ArchiveName.of(link.name());
        html.append("<p>Tick the files to download; they are saved together as <strong>")
                .append(Pages.escape(name == null ? ArchiveName.DEFAULT.fileName() : name.fileName()))
                .append("</strong>.</p>\n<form method=\"get\" id=\"pick\">\n");
        if (link.signed()) {
            hidden(html, "exp", link.exp());
            hidden(html, "kid", link.kid());
            hidden(html, "sig", link.sig());
            for (String f : link.files()) {
                hidden(html, "f", f);
            }
        }
        if (link.name() != null) {
            hidden(html, "name", link.name());
        }
        html.append("<table><thead><tr><th><span class=\"sr\">Pick</span></th><th>File</th>"
                + "<th class=\"n\">Size</th></tr></thead><tbody>\n");
        int i = 0;
        for (var entry : listing.entries()) {
            String id = "e" + i++;
            html.append("<tr><td><input type=\"checkbox\" name=\"").append(box).append("\" id=\"").append(id)
                    .append("\" value=\"").append(Pages.escape(entry.name())).append("\"></td><td><label for=\"")
                    .append(id).append("\"><code>").append(Pages.escape(entry.name())).append("</code></label></td>")
                    .append("<td class=\"n\">").append(entry.directory() ? "folder" : IndexPage.humanSize(entry.size()))
                    .append("</td></tr>\n");
        }
        if (listing.entries().isEmpty()) {
            html.append("<tr><td colspan=\"3\">This archive is empty.</td></tr>\n");
        }
        html.append("</tbody></table>\n<button type=\"submit\" id=\"download\">Download the chosen files</button>\n"
                + "</form>\n</body></html>\n");
        Pages.html(response, html.toString(), head);
    }

    private static void hidden(StringBuilder html, String name, String value) {
        html.append("<input type=\"hidden\" name=\"").append(name).append("\" value=\"").append(Pages.escape(value))
                .append("\">\n");
    }
}
