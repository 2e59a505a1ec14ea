package io.scorpio.live;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** A comma-separated option value ({@code --targets}, {@code --configs}): blanks skipped, none at all refused. */
final class CommaList {

    private CommaList() {
    }

    static <T> List<T> parse(String text, Function<String, T> one, String whenEmpty) {
        List<T> out = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                out.add(one.apply(part));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(whenEmpty);
        }
        return List.copyOf(out);
    }
}
