package io.scorpio.server.bus;

/** Event-bus addresses of the verticles. One place, so that no address is ever spelled twice. */
public final class Addresses {

    private Addresses() {
    }

    /** Guard: a new request (request-reply). */
    public static final String GUARD_SUBMIT = "scorpio.guard.submit";
    /** Guard: the client went away (request-reply, answers whether the request was still live). */
    public static final String GUARD_ABORT = "scorpio.guard.abort";
    /** Guard: its state as JSON (request-reply). */
    public static final String GUARD_STATE = "scorpio.guard.state";
    /** Predictor: an output-length prediction for a prompt (request-reply). */
    public static final String PREDICTOR_PREDICT = "scorpio.predictor.predict";
    /** Predictor: the fitted step-time and prefill-time models (request-reply). */
    public static final String PREDICTOR_MODELS = "scorpio.predictor.models";

    /** Guard: the next iteration of engine {@code e} (request-reply). */
    public static String guardSchedule(int engine) {
        return "scorpio.guard." + engine + ".schedule";
    }

    /** Guard: engine {@code e}'s step finished (request-reply). */
    public static String guardComplete(int engine) {
        return "scorpio.guard." + engine + ".complete";
    }

    /** Guard: engine {@code e} refitted its step-time model (one-way). */
    public static String guardModels(int engine) {
        return "scorpio.guard." + engine + ".models";
    }

    /** Engine: there is new work (one-way). */
    public static String engineWake(int engine) {
        return "scorpio.engine." + engine + ".wake";
    }

    /** Engine: stop generating for a request (one-way). */
    public static String engineAbort(int engine) {
        return "scorpio.engine." + engine + ".abort";
    }

    /** Engine: is the worker healthy (request-reply, a Boolean). */
    public static String engineHealth(int engine) {
        return "scorpio.engine." + engine + ".health";
    }

    /** Ingress: the token stream of one request; owned by the ingress that took it. */
    public static String stream(String requestId) {
        return "scorpio.stream." + requestId;
    }
}
