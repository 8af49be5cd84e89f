package dev.zipstream.log;

/**
 * The archive hash is a credential: whoever has it has the archive. Our log lines name a download by the hash's first
 * 8 characters, enough to tell downloads apart and useless as a link.
 */
public final class Secrets {
    private Secrets() {
    }

    public static String shortHash(String hash) {
        return hash.length() <= 8 ? hash : hash.substring(0, 8);
    }

    /** {@code text} with every occurrence of the full hash cut short: an I/O error's message names the file's path. */
    public static String withoutHash(String text, String hash) {
        return hash == null || hash.length() <= 8 ? text : text.replace(hash, shortHash(hash) + "…");
    }
}
