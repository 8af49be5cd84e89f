package dev.zipstream.http;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * A servlet that answers GET, HEAD and OPTIONS and refuses every other method with 405. The methods are declared as
 * doGet/doHead/doOptions because Tomcat builds a 405's {@code Allow} from the ones a servlet declares.
 */
abstract class ReadOnlyServlet extends HttpServlet {

    @Override
    protected final void service(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        if (handledAsDispatch(request, response)) {
            return;
        }
        switch (request.getMethod()) {
            case "GET", "HEAD", "OPTIONS" -> super.service(request, response);
            default -> Pages.methodNotAllowed(response);
        }
    }

    /** A container's own dispatch into the servlet (an error page, an async re-dispatch): true when it handled it. */
    protected abstract boolean handledAsDispatch(HttpServletRequest request, HttpServletResponse response)
            throws IOException;

    /** A GET, or a HEAD that must answer exactly as the GET would, without a body. */
    protected abstract void serve(HttpServletRequest request, HttpServletResponse response, boolean head)
            throws IOException;

    @Override
    protected final void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        serve(request, response, false);
    }

    @Override
    protected final void doHead(HttpServletRequest request, HttpServletResponse response) throws IOException {
        serve(request, response, true);
    }

    @Override
    protected final void doOptions(HttpServletRequest request, HttpServletResponse response) {
        Pages.options(response);
    }
}
