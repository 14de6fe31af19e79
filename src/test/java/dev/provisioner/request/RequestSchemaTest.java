package dev.provisioner.request;

import static dev.provisioner.contract.RequestRules.ATTRIBUTE_KEY;
import static dev.provisioner.contract.RequestRules.CONFIG_KEY;
import static dev.provisioner.contract.RequestRules.CONTROL;
import static dev.provisioner.contract.RequestRules.LABEL;
import static dev.provisioner.contract.RequestRules.REQUEST_ID;
import static dev.provisioner.contract.RequestRules.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.ValidationMessage;
import dev.provisioner.contract.Operation;
import dev.provisioner.contract.ProvisioningRequest;
import dev.provisioner.contract.RequestRules;
import dev.provisioner.contract.StackNames;
import dev.provisioner.demo.FailingDemoProgram;
import dev.provisioner.demo.SlowDemoProgram;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.engine.ProgramCatalog;
import dev.provisioner.engine.ProgramsConfig;
import dev.provisioner.request.RequestCases.Accepted;
import dev.provisioner.request.RequestCases.Refused;
import dev.provisioner.support.Requests;
import dev.provisioner.support.Schemas;
import dev.provisioner.telemetry.OtelConfig;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The published request schema says what the parser accepts. Every request of {@link RequestCases} goes
 * through the real {@link RequestParser} and the schema: both take the valid ones, and both refuse the others,
 * the schema with its errors at the field in question and the parser with a reason that names it. The
 * schema's patterns, enums and limits are {@link RequestRules}'s, and on probe values the rules, the parser
 * and the schema agree field by field.
 *
 * <p>What a schema cannot say is the parser's alone, tested with it here and on the broker
 * ({@code HostileRequestsTest}): the program catalog, the allowed OTLP endpoints, the 256 keys of config and
 * secretConfig together and no key in both, duplicate keys, the size and nesting of the payload, the record's
 * key. JSON Schema also counts {@code null} as a value of its own type, where the parser takes an optional
 * field set to {@code null} as absent.
 */
class RequestSchemaTest {

    private static final RequestParser PARSER = parser();
    private static final JsonNode SCHEMA = Schemas.source(Schemas.REQUEST);

    /** The service's parser, with its catalog of inline programs and its OTel config, one endpoint allowed. */
    private static RequestParser parser() {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .addDiscoveredConverters()
                .withMapping(OtelConfig.class)
                .withMapping(ProgramsConfig.class)
                .withDefaultValue("provisioner.otel.allowed-endpoints", RequestCases.ALLOWED_ENDPOINT)
                .build();
        ProgramCatalog catalog = new ProgramCatalog(
                List.of(new StashDemoProgram(), new SlowDemoProgram(), new FailingDemoProgram()),
                config.getConfigMapping(ProgramsConfig.class),
                null,
                null); // no program is made ready to run here
        return new RequestParser(Requests.JSON, catalog, config.getConfigMapping(OtelConfig.class));
    }

    static List<Accepted> accepted() {
        return RequestCases.accepted();
    }

    static List<Refused> refused() {
        return RequestCases.refused();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void bothTake(Accepted accepted) {
        ObjectNode request = RequestCases.full();
        accepted.change().accept(request);

        assertThatCode(() -> PARSER.parse(request.toString())).doesNotThrowAnyException();
        Schemas.assertValid(Schemas.REQUEST, request);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void bothRefuseNamingTheField(Refused refused) {
        ObjectNode request = RequestCases.full();
        refused.spoil().accept(request);

        RequestRejectedException rejected =
                catchThrowableOfType(RequestRejectedException.class, () -> PARSER.parse(request.toString()));
        assertThat(rejected).as("the parser's refusal").isNotNull();
        assertThat(rejected.getMessage()).contains(refused.words());
        List<String> field = refused.field();
        if (field.size() > 1) {
            assertThat(rejected.getMessage()).contains(String.join(".", field.subList(0, field.size() - 1)));
        }
        // The parser quotes at most 64 characters of a name, without its control characters.
        String last = RequestRules.printable(field.get(field.size() - 1));
        assertThat(rejected.getMessage()).contains(last.substring(0, Math.min(64, last.length())));
        assertThat(Schemas.validate(Schemas.REQUEST, request))
                .as("the schema's errors")
                .isNotEmpty()
                .extracting(RequestSchemaTest::where)
                .containsOnly(field);
    }

    /** Where an error of the schema is: the names from the top to its value, or to the property it is about. */
    private static List<String> where(ValidationMessage error) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < error.getInstanceLocation().getNameCount(); i++) {
            names.add(error.getInstanceLocation().getName(i));
        }
        if (error.getProperty() != null) {
            names.add(error.getProperty());
        }
        return names;
    }

    /** TOKEN, CONTROL and the names are written otherwise in Java: the probes compare what they accept. */
    @Test
    void theSchemasPatternsAreTheRules() {
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(text("/properties/requestId/pattern")).isEqualTo("^" + REQUEST_ID.pattern() + "$");
            soft.assertThat(text("/properties/programDigest/pattern"))
                    .isEqualTo("^" + RequestRules.PROGRAM_DIGEST.pattern() + "$");
            soft.assertThat(text("/$defs/config/propertyNames/pattern")).isEqualTo("^" + CONFIG_KEY.pattern() + "$");
            soft.assertThat(text("/$defs/label/pattern")).isEqualTo("^" + LABEL.pattern() + "$");
            soft.assertThat(text("/properties/otel/properties/attributes/propertyNames/pattern"))
                    .isEqualTo("^" + ATTRIBUTE_KEY.pattern() + "$");
            soft.assertThat(text("/properties/otel/properties/attributes/propertyNames/not/anyOf/1/pattern"))
                    .isEqualTo("^" + RequestRules.RESERVED_ATTRIBUTE_PREFIX.replace(".", "\\."));
        });
    }

    @Test
    void theSchemasLimitsAreTheRules() {
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(number("/$defs/config/maxProperties")).isEqualTo(RequestRules.MAX_CONFIG_ENTRIES);
            soft.assertThat(number("/$defs/config/additionalProperties/maxLength"))
                    .isEqualTo(RequestRules.MAX_CONFIG_VALUE_CHARS);
            soft.assertThat(number("/properties/otel/properties/attributes/maxProperties"))
                    .isEqualTo(RequestRules.MAX_ATTRIBUTES);
            soft.assertThat(number("/properties/otel/properties/attributes/additionalProperties/maxLength"))
                    .isEqualTo(RequestRules.MAX_ATTRIBUTE_VALUE_CHARS);
            soft.assertThat(number("/properties/requestedBy/maxLength")).isEqualTo(RequestRules.MAX_ACTOR_CHARS);
            soft.assertThat(number("/properties/otel/properties/endpoint/maxLength"))
                    .isEqualTo(RequestRules.MAX_ENDPOINT_CHARS);
            soft.assertThat(number("/properties/timeoutSeconds/minimum")).isEqualTo(1);
            soft.assertThat(number("/properties/timeoutSeconds/maximum")).isEqualTo(RequestRules.MAX_TIMEOUT_SECONDS);
            soft.assertThat(number("/$defs/name/maxLength")).isEqualTo(StackNames.MAX_LENGTH);
        });
    }

    @Test
    void theSchemasNamesAreTheContracts() {
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(strings("/properties/operation/enum"))
                    .containsExactlyInAnyOrderElementsOf(Arrays.stream(Operation.values())
                            .map(Operation::cliName)
                            .toList());
            soft.assertThat(strings("/properties/otel/properties/attributes/propertyNames/not/anyOf/0/enum"))
                    .containsExactlyInAnyOrderElementsOf(RequestRules.RESERVED_ATTRIBUTES);
            soft.assertThat(names("/properties"))
                    .as("the request's fields")
                    .containsExactlyInAnyOrderElementsOf(components(ProvisioningRequest.class));
            soft.assertThat(names("/properties/otel/properties"))
                    .as("the fields of otel")
                    .containsExactlyInAnyOrderElementsOf(components(ProvisioningRequest.OtelTarget.class));
        });
    }

    /** A field of the request, set to a probe value, and what {@link RequestRules} says of the value there. */
    record Probed(String name, BiConsumer<ObjectNode, String> set, Predicate<String> rule) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Probed> probedFields() {
        Predicate<String> name = StackNames::isValid;
        Predicate<String> label = v -> LABEL.matcher(v).matches();
        Predicate<String> configKey = v -> CONFIG_KEY.matcher(v).matches();
        Predicate<String> configValue = v -> RequestRules.length(v) <= RequestRules.MAX_CONFIG_VALUE_CHARS;
        return Stream.of(
                new Probed(
                        "requestId",
                        (r, v) -> r.put("requestId", v),
                        v -> REQUEST_ID.matcher(v).matches()),
                new Probed("project", (r, v) -> r.put("project", v), name),
                new Probed("stack", (r, v) -> r.put("stack", v), name),
                new Probed(
                        "requestedBy",
                        (r, v) -> r.put("requestedBy", v),
                        v -> !v.isBlank() && printable(v, RequestRules.MAX_ACTOR_CHARS)),
                new Probed("config key", (r, v) -> r.withObject("config").put(v, "x"), configKey),
                new Probed("config value", (r, v) -> r.withObject("config").put("count", v), configValue),
                new Probed(
                        "secretConfig key",
                        (r, v) -> r.withObject("secretConfig").put(v, "x"),
                        configKey),
                new Probed(
                        "secretConfig value",
                        (r, v) -> r.withObject("secretConfig").put("secret", v),
                        configValue),
                new Probed("otel.appCode", (r, v) -> RequestCases.otel(r).put("appCode", v), label),
                new Probed("otel.index", (r, v) -> RequestCases.otel(r).put("index", v), label),
                new Probed(
                        "otel.authToken",
                        (r, v) -> RequestCases.otel(r).put("authToken", v),
                        v -> TOKEN.matcher(v).matches()),
                new Probed(
                        "otel.attributes key",
                        (r, v) -> RequestCases.attributes(r).put(v, "x"),
                        v -> ATTRIBUTE_KEY.matcher(v).matches() && !RequestRules.reserved(v)),
                new Probed(
                        "otel.attributes value",
                        (r, v) -> RequestCases.attributes(r).put("team", v),
                        v -> printable(v, RequestRules.MAX_ATTRIBUTE_VALUE_CHARS)));
    }

    private static boolean printable(String value, int maxLength) {
        return RequestRules.length(value) <= maxLength
                && !CONTROL.matcher(value).find();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("probedFields")
    void theRulesTheParserAndTheSchemaAgreeOnEveryProbe(Probed field) {
        ObjectNode valid = RequestCases.full();
        List<String> disagreements = new ArrayList<>();
        for (String probe : probes()) {
            ObjectNode request = valid.deepCopy();
            field.set().accept(request, probe);
            boolean rule = field.rule().test(probe);
            boolean parser = parses(request);
            boolean schema = Schemas.validate(Schemas.REQUEST, request).isEmpty();
            if (rule != parser || rule != schema) {
                disagreements.add("'%s': rules %s, parser %s, schema %s"
                        .formatted(RequestCases.shown(probe), rule, parser, schema));
            }
        }
        assertThat(disagreements).as("probes of %s", field).isEmpty();
    }

    private static boolean parses(ObjectNode request) {
        try {
            PARSER.parse(request.toString());
            return true;
        } catch (RequestRejectedException e) {
            return false;
        }
    }

    /**
     * Values where the rules change their mind: every character of Latin-1 and of the Unicode punctuation
     * block (controls, separators, bidirectional marks), other white space and a character outside the BMP,
     * each alone, between letters and last; the shapes names must not have; and runs at either side of each
     * limit.
     */
    static List<String> probes() {
        List<String> probes = new ArrayList<>();
        IntStream.concat(
                        IntStream.concat(IntStream.range(0, 0x100), IntStream.range(0x2000, 0x2070)),
                        IntStream.of(0x1680, 0x180E, 0x3000, 0xFEFF, 0xFFFD, 0x1F600))
                .mapToObj(Character::toString)
                .forEach(c -> probes.addAll(List.of(c, "a" + c + "b", "a" + c)));
        probes.addAll(List.of(
                "",
                "..",
                ".a",
                "-a",
                "_a",
                ":a",
                "a..b",
                "a.b",
                "a:b",
                "a/b",
                "a b",
                "Bearer abc",
                "service.name",
                "service.",
                "service",
                "Service.name",
                "index",
                "appcode",
                "com.redhat.otel.auth_token"));
        for (int limit : List.of(64, 100, 128, 256, 1024, 2048, 4096, 65536)) {
            for (int length : List.of(limit - 1, limit, limit + 1)) {
                probes.add("a".repeat(length));
                probes.add("😀".repeat(length));
            }
        }
        return probes;
    }

    private static String text(String pointer) {
        return at(pointer).textValue();
    }

    private static int number(String pointer) {
        return at(pointer).intValue();
    }

    private static List<String> strings(String pointer) {
        List<String> strings = new ArrayList<>();
        at(pointer).forEach(n -> strings.add(n.textValue()));
        return strings;
    }

    private static List<String> names(String pointer) {
        List<String> names = new ArrayList<>();
        at(pointer).fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static JsonNode at(String pointer) {
        JsonNode node = SCHEMA.at(pointer);
        assertThat(node.isMissingNode()).as("%s in the schema", pointer).isFalse();
        return node;
    }

    private static List<String> components(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents()).map(c -> c.getName()).toList();
    }
}
