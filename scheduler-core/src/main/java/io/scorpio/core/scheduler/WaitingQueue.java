package io.scorpio.core.scheduler;

import io.scorpio.core.policy.QueueOrder;
import java.util.Comparator;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToIntFunction;

/**
 * The waiting queue, always in its policy's order: keys (deadline, arrival, predicted length) are fixed
 * when a request arrives, so an ordered set replaces the reference's sort in every iteration.
 * A second ordered set by arrival finds the oldest request at once, for the starvation limit.
 */
final class WaitingQueue implements Iterable<RequestState> {

    private static final Comparator<RequestState> BY_ARRIVAL =
            Comparator.comparingDouble((RequestState r) -> r.spec().arrivalMs()).thenComparingLong(RequestState::arrivalSeq);

    private final TreeSet<RequestState> byPolicy;
    private final TreeSet<RequestState> byArrival = new TreeSet<>(BY_ARRIVAL);
    private final TreeMap<Double, Integer> tpotCounts = new TreeMap<>();
    private long tokens;

    WaitingQueue(QueueOrder order, ToIntFunction<RequestState> outputEstimate) {
        this.byPolicy = new TreeSet<>(comparator(order, outputEstimate));
    }

    static Comparator<RequestState> comparator(QueueOrder order, ToIntFunction<RequestState> outputEstimate) {
        return switch (order) {
            case ARRIVAL -> BY_ARRIVAL;
            case DEADLINE -> Comparator.comparingDouble(RequestState::deadlineMs).thenComparing(BY_ARRIVAL);
            case PREDICTED_LENGTH -> Comparator.comparingInt(outputEstimate).thenComparing(BY_ARRIVAL);
        };
    }

    void add(RequestState r) {
        if (byPolicy.add(r)) {
            byArrival.add(r);
            tokens += r.prefillTokens();
            tpotCounts.merge(r.tpotSloMs(), 1, Integer::sum);
        }
    }

    void remove(RequestState r) {
        if (byPolicy.remove(r)) {
            forget(r);
        }
    }

    private void forget(RequestState r) {
        byArrival.remove(r);
        tokens -= r.prefillTokens();
        tpotCounts.computeIfPresent(r.tpotSloMs(), (k, n) -> n == 1 ? null : n - 1);
    }

    /** The tightest TPOT SLO among waiting requests; NaN when none waits. */
    double tMin() {
        return tpotCounts.isEmpty() ? Double.NaN : tpotCounts.firstKey();
    }

    /** The request that has waited longest, or null. */
    RequestState oldest() {
        return byArrival.isEmpty() ? null : byArrival.first();
    }

    boolean isEmpty() {
        return byPolicy.isEmpty();
    }

    int size() {
        return byPolicy.size();
    }

    /** Prefill tokens of everything waiting: a running sum, so bounds need no scan. */
    long tokens() {
        return tokens;
    }

    /**
     * The request to consider next: the policy's head, unless the oldest request has waited past the
     * starvation limit, in which case it goes first.
     */
    RequestState head(double nowMs, double starvationLimitMs) {
        RequestState oldest = byArrival.first();
        if (nowMs - oldest.spec().arrivalMs() >= starvationLimitMs) {
            return oldest;
        }
        return byPolicy.first();
    }

    /** Iterates in policy order; {@code remove()} keeps both orders and the token sum exact. */
    @Override
    public Iterator<RequestState> iterator() {
        Iterator<RequestState> it = byPolicy.iterator();
        return new Iterator<>() {
            private RequestState last;

            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public RequestState next() {
                if (!it.hasNext()) {
                    throw new NoSuchElementException();
                }
                last = it.next();
                return last;
            }

            @Override
            public void remove() {
                it.remove();
                forget(last);
            }
        };
    }
}
