package io.scorpio.server.engine;

/**
 * The text of the tokens a simulated worker produces. It is synthetic, and says so: a simulated GPU models how
 * long steps take, not what a model would write. Each token is one short word, so that the ingress's usage
 * counts (one per token) are exact and easy to check.
 */
public final class SyntheticText {

    private static final String[] WORDS = {" lorem", " ipsum", " dolor", " sit", " amet", " consectetur", " adipiscing",
        " elit", " sed", " do", " eiusmod", " tempor"};

    private SyntheticText() {
    }

    /** The {@code index}-th token (1-based) of a request. */
    public static String token(int index) {
        return WORDS[Math.floorMod(index - 1, WORDS.length)];
    }
}
