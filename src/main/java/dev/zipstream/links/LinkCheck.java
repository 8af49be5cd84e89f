package dev.zipstream.links;

import dev.zipstream.config.Settings;
import java.time.Clock;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Decides whether a link may have its archive, before anything is read: signature first (a tampered link is
 * refused even when it has also expired), then expiry with the clock-skew allowance, then the resume grace.
 */
public final class LinkCheck {

    /** Clocks of the CMS and of this server may disagree by this much. */
    public static final Duration SKEW = Duration.ofSeconds(60);

    private static final Pattern EXP = Pattern.compile("\\d{1,12}");

    public enum Kind {
        /** Serve as usual. */
        PASS,
        /** Expired, but within RESUME_GRACE: only a resume of the current archive may be served. */
        RESUME_ONLY,
        /** 403. */
        FORBIDDEN,
        /** 410. */
        EXPIRED
    }

    /** @param why for the log line: never a signature, secret or full hash; null when it passed */
    public record Verdict(Kind kind, String why) {
        static final Verdict PASS = new Verdict(Kind.PASS, null);

        static Verdict forbidden(String why) {
            return new Verdict(Kind.FORBIDDEN, why);
        }
    }

    private final Settings.Links mode;
    private final Signer signer;
    private final Duration grace;
    private final Clock clock;

    public LinkCheck(Settings.Links mode, Signer signer, Duration grace, Clock clock) {
        this.mode = mode;
        this.signer = signer;
        this.grace = grace;
        this.clock = clock;
    }

    public Verdict check(LinkRequest link) {
        if (link.repeated()) {
            return Verdict.forbidden("exp, kid, sig or name given more than once");
        }
        if (!link.signed()) {
            return mode == Settings.Links.OPEN ? Verdict.PASS
                    : Verdict.forbidden("unsigned link, and LINKS is signed");
        }
        if (link.exp() == null || link.kid() == null || link.sig() == null) {
            return Verdict.forbidden("exp, kid and sig must come together");
        }
        if (!EXP.matcher(link.exp()).matches()) {
            return Verdict.forbidden("exp is not unix seconds");
        }
        switch (signer.check(link.kid(), link.stringToSign(), link.sig())) {
            case UNKNOWN_KID:
                return Verdict.forbidden("unknown kid \"" + printable(link.kid()) + "\"");
            case BAD_SIGNATURE:
                return Verdict.forbidden("bad signature (kid " + link.kid() + ")");
            case VALID:
                break;
        }
        long now = clock.instant().getEpochSecond();
        long exp = Long.parseLong(link.exp());
        long late = now - exp;
        if (late <= SKEW.toSeconds()) {
            return Verdict.PASS;
        }
        String why = "expired " + late + " s ago";
        if (late <= SKEW.toSeconds() + grace.toSeconds()) {
            return new Verdict(Kind.RESUME_ONLY, why);
        }
        return new Verdict(Kind.EXPIRED, why);
    }

    /** A kid for a log line: whatever a client sent, at most 32 plain characters. */
    private static String printable(String s) {
        var sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 32; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f && c != '"' ? c : '?');
        }
        return sb.toString();
    }
}
