package io.scorpio.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultTableTest {

    private static ResultTable sample() {
        return new ResultTable(List.of("policy", "qps", "goodput"))
                .add("vllm", 5, 4.42)
                .add("scor,pio", 15, Double.NaN);
    }

    @Test
    void csvQuotesCellsWithCommas() {
        assertEquals("policy,qps,goodput\nvllm,5,4.42\n\"scor,pio\",15,NaN\n", sample().toCsv());
    }

    @Test
    void jsonWritesNumbersAsNumbersAndNaNAsNull() {
        assertEquals("[\n  {\"policy\": \"vllm\", \"qps\": 5, \"goodput\": 4.42},\n"
                + "  {\"policy\": \"scor,pio\", \"qps\": 15, \"goodput\": null}\n]\n", sample().toJson());
    }

    @Test
    void markdownRightAlignsNumericColumns() {
        String md = sample().toMarkdown();
        assertTrue(md.startsWith("| policy | qps | goodput |\n|---|---:|---:|\n"), md);
        assertTrue(md.contains("| vllm | 5 | 4.420 |"), md);
        assertTrue(md.contains("n/a"), md);
    }

    @Test
    void chartsRenderHeadlessPng(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("c.png");
        Charts.linePng(png, "t", "x", "y", List.of(new Charts.Series("a", List.of(1.0, 2.0), List.of(3.0, 4.0))));
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 1000);
        assertEquals((byte) 0x89, bytes[0]);
        assertEquals('P', bytes[1]);
    }
}
