package dev.zipstream.http;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Everything outside {@code /archive/*}: with {@code DEBUG} on, the context root sends the browser to the index at
 * {@code archive/}; everything else is the service's own 404. Mapped as the default servlet, so the container never lists a folder.
 */
public final class RootServlet extends ReadOnlyServlet {

    private transient Service service;

    @Override
    public void init() {
        service = (Service) getServletContext().getAttribute(Service.ATTRIBUTE);
    }

    /** Tomcat includes the error page (rather than forwarding to it) when the response is committed already. */
    @Override
    protected boolean handledAsDispatch(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (request.getDispatcherType() == DispatcherType.ERROR
                || request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) != null) {
            errorPage(request, response);
            return true;
        }
        return false;
    }

    @Override
    protected void serve(HttpServletRequest request, HttpServletResponse response, boolean head) throws IOException {
        boolean root = "/".equals(request.getServletPath()) && request.getPathInfo() == null;
        if (root && service.settings.debug()) {
            // The index lives at archive/, where a proxy that forwards only archive paths reaches it too.
            Pages.common(response);
            response.setStatus(HttpServletResponse.SC_SEE_OTHER);
            response.setHeader("Location", "archive/");
            response.setContentLength(0);
            return;
        }
        Pages.notFound(response, head);
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
}
