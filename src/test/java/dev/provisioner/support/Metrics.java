package dev.provisioner.support;

import static io.restassured.RestAssured.given;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The service's metrics as a Prometheus server scrapes them from {@code /q/metrics}. */
public final class Metrics {

    /** {@code name{labels} value}, maybe followed by an exemplar ({@code # {trace_id=...} ...}). */
    private static final Pattern SAMPLE =
            Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)(?:\\s+#.*)?");

    private final Map<String, Double> samples;

    private Metrics(Map<String, Double> samples) {
        this.samples = samples;
    }

    /** Scrapes the running service once. */
    public static Metrics scrape() {
        String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Map<String, Double> samples = new HashMap<>();
        for (String line : text.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!line.startsWith("#") && m.matches()) {
                samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
            }
        }
        return new Metrics(samples);
    }

    /**
     * The sum of the samples named {@code name} whose labels include all of {@code labels}, one label each
     * (e.g. {@code operation="up"}); 0 when there is none.
     */
    public double sum(String name, String... labels) {
        return samples.entrySet().stream()
                .filter(e -> e.getKey().equals(name) || e.getKey().startsWith(name + "{"))
                .filter(e -> {
                    for (String label : labels) {
                        if (!e.getKey().contains(label)) {
                            return false;
                        }
                    }
                    return true;
                })
                .mapToDouble(Map.Entry::getValue)
                .sum();
    }

    /** How much {@link #sum} grew since {@code before}. */
    public double since(Metrics before, String name, String... labels) {
        return sum(name, labels) - before.sum(name, labels);
    }
}
