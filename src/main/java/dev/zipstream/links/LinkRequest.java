package dev.zipstream.links;

import java.util.List;
import java.util.function.Function;

/**
 * The link parameters of one archive request, decoded as {@code request.getParameter} decodes them.
 *
 * @param path       the signed path, always {@code /archive/<hash>/} whatever the context path or proxy prefix
 * @param exp        unix seconds, or null
 * @param kid        key id, or null
 * @param sig        signature, or null
 * @param name       the archive's name without {@code .zip}, or null
 * @param files      every {@code f} value in URL order (empty: the whole folder)
 * @param repeated   whether {@code exp}, {@code kid}, {@code sig} or {@code name} was given more than once
 */
public record LinkRequest(String path, String exp, String kid, String sig, String name, List<String> files,
        boolean repeated) {

    public LinkRequest {
        files = List.copyOf(files);
    }

    /** @param values a parameter's values in URL order, or null when absent (as {@code getParameterValues}) */
    public static LinkRequest parse(String hash, Function<String, String[]> values) {
        boolean repeated = false;
        for (String single : List.of("exp", "kid", "sig", "name")) {
            String[] v = values.apply(single);
            repeated |= v != null && v.length > 1;
        }
        String[] f = values.apply("f");
        return new LinkRequest(pathOf(hash), first(values, "exp"), first(values, "kid"), first(values, "sig"),
                first(values, "name"), f == null ? List.of() : List.of(f), repeated);
    }

    public static String pathOf(String hash) {
        return "/archive/" + hash + "/";
    }

    private static String first(Function<String, String[]> values, String name) {
        String[] v = values.apply(name);
        return v == null || v.length == 0 ? null : v[0];
    }

    /** Whether the request tries to be a signed link at all (any of exp, kid, sig). */
    public boolean signed() {
        return exp != null || kid != null || sig != null;
    }

    public String stringToSign() {
        return StringToSign.of(path, exp, name, files);
    }
}
