package dev.zipstream.links;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Makes the query string of a signed link, as the signing tool and the CMS snippets do. */
public final class SignedLink {
    private SignedLink() {
    }

    /** {@code exp=…&kid=…&sig=…[&name=…][&f=…]…}, signed with the signer's first key. */
    public static String query(Signer signer, String path, long exp, String name, List<String> files) {
        String e = Long.toString(exp);
        var signature = signer.sign(StringToSign.of(path, e, name, files));
        var sb = new StringBuilder("exp=").append(e).append("&kid=").append(encode(signature.kid()))
                .append("&sig=").append(signature.sig());
        if (name != null) {
            sb.append("&name=").append(encode(name));
        }
        for (String f : files) {
            sb.append("&f=").append(encode(f));
        }
        return sb.toString();
    }

    /** Percent-encoding for a query value; a space as {@code %20}, which every decoder reads the same way. */
    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
