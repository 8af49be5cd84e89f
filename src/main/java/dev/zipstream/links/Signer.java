package dev.zipstream.links;

import dev.zipstream.config.Settings.SigningKey;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 over the string to sign with the keys of {@code SIGNING_KEYS}: the first signs, all verify. */
public final class Signer {

    public enum Check { VALID, UNKNOWN_KID, BAD_SIGNATURE }

    public record Signature(String kid, String sig) {
    }

    private final List<SigningKey> keys;

    public Signer(List<SigningKey> keys) {
        this.keys = List.copyOf(keys);
    }

    public boolean canSign() {
        return !keys.isEmpty();
    }

    /** Signs with the first key. */
    public Signature sign(String stringToSign) {
        if (keys.isEmpty()) {
            throw new IllegalStateException("no SIGNING_KEYS to sign with");
        }
        var key = keys.get(0);
        return new Signature(key.kid(), hmac(key, stringToSign));
    }

    public Check check(String kid, String stringToSign, String sig) {
        for (var key : keys) {
            if (key.kid().equals(kid)) {
                // Constant time: how much of a guess matched must not show in the answer's timing.
                return MessageDigest.isEqual(hmac(key, stringToSign).getBytes(StandardCharsets.US_ASCII),
                        sig.getBytes(StandardCharsets.UTF_8)) ? Check.VALID : Check.BAD_SIGNATURE;
            }
        }
        return Check.UNKNOWN_KID;
    }

    static String hmac(SigningKey key, String text) {
        try {
            // A Mac is not thread-safe, and a new one costs microseconds: one per use.
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.secret(), "HmacSHA256"));
            byte[] digest = mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
