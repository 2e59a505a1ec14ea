package io.scorpio.experiments.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Line charts as PNG files (XChart, headless). */
public final class Charts {

    private Charts() {
    }

    /** One line per series; x values shared or not. */
    public record Series(String name, List<Double> x, List<Double> y) {
    }

    public static void linePng(Path file, String title, String xLabel, String yLabel, List<Series> series)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel)
                .build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        chart.getStyler().setMarkerSize(5);
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (Series s : series) {
            if (s.x().isEmpty()) {
                continue;
            }
            String name = seen.merge(s.name(), 1, Integer::sum) == 1 ? s.name() : s.name() + " (" + seen.get(s.name()) + ")";
            XYSeries xy = chart.addSeries(name, s.x(), s.y());
            xy.setMarker(SeriesMarkers.CIRCLE);
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
