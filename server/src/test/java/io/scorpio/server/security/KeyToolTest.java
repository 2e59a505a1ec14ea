package io.scorpio.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyToolTest {

    @TempDir
    Path dir;

    private record Run(int rc, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = KeyTool.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(rc, out.toString(StandardCharsets.UTF_8).trim(), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void addPrintsTheTokenOnceAndStoresOnlyItsSaltedHash() throws Exception {
        Path file = dir.resolve("keys.json");
        Run add = run("add", "--file", file.toString(), "--id", "team-a", "--classes", "1,4", "--rate", "10");
        assertEquals(0, add.rc(), add.err());
        String token = add.out();
        assertTrue(token.startsWith("sk-scorpio-team-a."), token);
        String secret = token.substring(token.indexOf('.') + 1);
        assertFalse(Files.readString(file).contains(secret));

        ApiKey key = KeyFile.read(file).get("team-a");
        assertEquals(Set.of("1", "4"), key.classes());
        assertEquals(10.0, key.ratePerSecond());
        assertEquals(10, key.burst());
        KeyFile.Presented p = KeyFile.parse(token);
        assertEquals("team-a", p.id());
        assertTrue(KeyFile.matches(key, p.secret()));
        assertFalse(KeyFile.matches(key, p.secret() + "x"));

        Run second = run("add", "--file", file.toString(), "--id", "team-b");
        assertEquals(0, second.rc());
        Map<String, ApiKey> keys = KeyFile.read(file);
        assertEquals(Set.of("team-a", "team-b"), keys.keySet());
        assertTrue(keys.get("team-b").anyClass());
        assertNotEquals(keys.get("team-a").salt(), keys.get("team-b").salt());
        assertTrue(run("list", "--file", file.toString()).out().contains("team-b\tclasses=*"));

        assertEquals(1, run("add", "--file", file.toString(), "--id", "team-a").rc(), "ids are unique");
        assertEquals(0, run("remove", "--file", file.toString(), "--id", "team-a").rc());
        assertEquals(Set.of("team-b"), KeyFile.read(file).keySet());
        assertEquals(2, run("frobnicate").rc());
    }

    @Test
    void anEmptyKeysFileIsAnErrorNotAFileWithNoKeysButKeyToolFillsIt() throws Exception {
        // A reload that caught a file mid-write (truncated, not yet written) must not revoke every key.
        Path file = Files.createFile(dir.resolve("empty.json"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> KeyFile.read(file));
        assertTrue(e.getMessage().contains("is empty") && e.getMessage().contains("[]"), e.getMessage());
        assertTrue(KeyFile.read(Files.writeString(dir.resolve("none.json"), "[]")).isEmpty(), "[] revokes every key");

        Run add = run("add", "--file", file.toString(), "--id", "team-a", "--classes", "1");
        assertEquals(0, add.rc(), add.err());
        assertEquals(Set.of("team-a"), KeyFile.read(file).keySet());
    }

    @Test
    void readsJsonLinesAndRejectsMalformedTokens() throws Exception {
        KeyFile.Issued a = KeyFile.issue("a", Set.of("*"), 0, 1);
        Path file = dir.resolve("keys.jsonl");
        Files.writeString(file, a.key().toJson().encode() + "\n\n");
        assertTrue(KeyFile.matches(KeyFile.read(file).get("a"), KeyFile.parse(a.token()).secret()));
        assertNull(KeyFile.parse("sk-other.abc"));
        assertNull(KeyFile.parse("sk-scorpio-.abc"));
        assertNull(KeyFile.parse("sk-scorpio-a."));
        assertNull(KeyFile.parse("sk-scorpio-bad id.abc"));
    }
}
