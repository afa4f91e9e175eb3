package io.sagaline.infra;

import static io.sagaline.support.TerraformCatalogModule.ACCOUNT;
import static io.sagaline.support.TerraformCatalogModule.ADMIN_SECRET;
import static io.sagaline.support.TerraformCatalogModule.CACHE_SECRET;
import static io.sagaline.support.TerraformCatalogModule.PERSONAL_DATA_KEY;
import static io.sagaline.support.TerraformCatalogModule.PREFIX;
import static io.sagaline.support.TerraformCatalogModule.REGION;
import static io.sagaline.support.TerraformCatalogModule.SES;
import static io.sagaline.support.TerraformCatalogModule.TOKEN_KEY;
import static io.sagaline.support.TerraformCatalogModule.VALET_LINK_KEY;
import static io.sagaline.support.TerraformCatalogModule.secretArn;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagaline.platform.Catalog;
import io.sagaline.platform.database.PrepareDatabaseFunction;
import io.sagaline.support.TerraformCatalogModule;

/**
 * What Terraform provisions is what the catalog declares. The catalog module
 * ({@code infra-terraform/modules/catalog}, which every resource of the root module iterates
 * over) is evaluated by Terraform itself, offline (it has no provider), and its answer is
 * compared with the catalog as the application reads it: every function, route, queue, dead-letter
 * queue, consumer, schedule and state machine, nothing more; every ASL placeholder filled with its
 * task function's ARN and none left over; every IAM statement exactly what the function's entry
 * declares, on the ARNs it names, never {@code *}.
 */
class TerraformCatalogTest {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_]+)}");

    private static Catalog catalog;
    private static JsonNode out;

    @BeforeAll
    static void evaluate() throws Exception {
        catalog = TerraformCatalogModule.catalog();
        out = TerraformCatalogModule.evaluate(Path.of("target/terraform-catalog"));
    }

    @Test
    void everyFunctionIsALambdaOfItsNameWithItsLimitsAndHandler_andNothingElseIs() {
        JsonNode functions = out.path("functions").path("value");
        assertThat(names(functions))
                .isEqualTo(catalog.functions().stream().map(Catalog.Function::name).collect(Collectors.toSet()));
        for (Catalog.Function f : catalog.functions()) {
            JsonNode tf = functions.path(f.name());
            assertThat(tf.path("lambda_name").asText()).isEqualTo(PREFIX + "-" + f.name());
            assertThat(tf.path("memory_mb").asInt()).isEqualTo(f.memoryMb());
            assertThat(tf.path("timeout_seconds").asInt()).isEqualTo(f.timeoutSeconds());
            assertThat(tf.path("environment").path("QUARKUS_LAMBDA_HANDLER").asText()).isEqualTo(f.name());
            boolean prepares = f.permissions() != null && Boolean.TRUE.equals(f.permissions().get("preparesDatabase"));
            boolean keepsData = PrepareDatabaseFunction.schemaServices(catalog).contains(f.service());
            assertThat(tf.path("environment").path("SAGALINE_DATABASE_SECRET_ARN").asText(null))
                    .as(f.name() + " connects as its service's role, the preparer as the administrator, the rest not at all")
                    .isEqualTo(prepares ? ADMIN_SECRET : keepsData ? secretArn(f.service()) : null);
            assertThat(tf.path("environment").has("SAGALINE_DATABASE_SERVICE_SECRETS")).isEqualTo(prepares);
            assertThat(tf.path("environment").has("SAGALINE_TENANCY_SECRET_ARN"))
                    .as(f.name() + ": no function reads API keys but the authorizer, from its own schema").isFalse();
            boolean redis = f.permissions() != null && Boolean.TRUE.equals(f.permissions().get("redis"))
                    || f.trigger().isHttp();
            assertThat(tf.path("environment").path("SAGALINE_CACHE_SECRET_ARN").asText(null))
                    .as(f.name() + " reads the cache user if its entry declares redis or it serves a route (rate limits)")
                    .isEqualTo(redis ? CACHE_SECRET : null);
            assertThat(tf.path("environment").toString()).as("no password in " + f.name() + "'s environment")
                    .doesNotContainIgnoringCase("password");
        }
    }

    @Test
    void everyServiceThatKeepsDataHasItsOwnRoleSecret_andOnlyThoseDo() {
        Set<String> services = new TreeSet<>();
        out.path("services").path("value").forEach(s -> services.add(s.asText()));
        assertThat(services).isNotEmpty().doesNotContain("platform")
                .isEqualTo(PrepareDatabaseFunction.schemaServices(catalog));
    }

    @Test
    void everyHttpFunctionHasExactlyItsRoute() {
        Map<String, String> expected = new HashMap<>();
        catalog.functions().stream().filter(f -> f.trigger().isHttp())
                .forEach(f -> expected.put(f.trigger().routeKey(), f.name()));
        Map<String, String> routes = new HashMap<>();
        out.path("http_routes").path("value").fields().forEachRemaining(e -> routes.put(e.getKey(), e.getValue().asText()));
        assertThat(routes).isEqualTo(expected);
    }

    @Test
    void theAuthorizer_isTheCatalogs_andEveryRouteKeepsItsScope() {
        JsonNode authorizer = out.path("authorizer").path("value");
        assertThat(authorizer.path("function").asText()).isEqualTo(catalog.authorizer().function());
        assertThat(authorizer.path("identity_source").asText()).isEqualTo("$request.header.x-api-key");
        assertThat(authorizer.path("result_ttl_seconds").asInt()).isEqualTo(catalog.authorizer().resultTtlSeconds());
        Map<String, String> scopes = new HashMap<>();
        out.path("http_scopes").path("value").fields().forEachRemaining(e -> scopes.put(e.getKey(), e.getValue().asText()));
        assertThat(scopes).isEqualTo(catalog.scopeByRoute());
        JsonNode fn = out.path("functions").path("value").path(catalog.authorizer().function());
        assertThat(fn.path("environment").path("SAGALINE_DATABASE_SECRET_ARN").asText())
                .as("the authorizer reads the keys as the access service's role").isEqualTo(secretArn("access"));
    }

    @Test
    void everyQueueHasItsDeadLetterQueueRedrivePolicyAndConsumerMapping() {
        JsonNode queues = out.path("queues").path("value");
        assertThat(names(queues)).isEqualTo(catalog.queues().stream().map(Catalog.Queue::name).collect(Collectors.toSet()));
        for (Catalog.Queue q : catalog.queues()) {
            JsonNode tf = queues.path(q.name());
            String consumer = catalog.functions().stream()
                    .filter(f -> f.trigger().isQueue() && q.name().equals(f.trigger().queue()))
                    .findFirst().orElseThrow().name();
            assertThat(tf.path("name").asText()).isEqualTo(PREFIX + "-" + q.name());
            assertThat(tf.path("dead_letter_name").asText()).isEqualTo(PREFIX + "-" + q.deadLetterQueue());
            assertThat(tf.path("max_receive_count").asInt()).isEqualTo(q.maxReceiveCount());
            assertThat(tf.path("visibility_timeout_seconds").asInt()).isEqualTo(q.visibilityTimeoutSeconds());
            assertThat(tf.path("batch_size").asInt()).isEqualTo(q.batchSize());
            assertThat(tf.path("maximum_concurrency").asInt()).isEqualTo(q.maximumConcurrency());
            assertThat(tf.path("consumer").asText()).isEqualTo(consumer);
        }
    }

    @Test
    void theExecutionEventsQueue_isTheCatalogs_withItsDeadLetterQueue() {
        Catalog.ExecutionEvents events = catalog.executionEvents();
        assertThat(events).as("the catalog declares the queue of execution events").isNotNull();
        JsonNode tf = out.path("execution_events").path("value");
        assertThat(tf.path("catalog_name").asText()).isEqualTo(events.queue());
        assertThat(tf.path("name").asText()).isEqualTo(PREFIX + "-" + events.queue());
        assertThat(tf.path("dead_letter_name").asText()).isEqualTo(PREFIX + "-" + events.deadLetterQueue());
        assertThat(tf.path("visibility_timeout_seconds").asInt()).isEqualTo(events.visibilityTimeoutSeconds());
        assertThat(tf.path("max_receive_count").asInt()).isEqualTo(events.maxReceiveCount());
        assertThat(names(out.path("queues").path("value"))).as("not a consumer's queue").doesNotContain(events.queue());
    }

    @Test
    void everyScheduledFunctionHasItsSchedule() {
        Map<String, String> expected = new HashMap<>();
        catalog.functions().stream().filter(f -> f.trigger().isSchedule())
                .forEach(f -> expected.put(f.name(), f.trigger().schedule()));
        Map<String, String> schedules = new HashMap<>();
        out.path("schedules").path("value").fields().forEachRemaining(e -> schedules.put(e.getKey(), e.getValue().asText()));
        assertThat(schedules).isNotEmpty().isEqualTo(expected);
    }

    @Test
    void everyStateMachineHasItsAsl_andItsPlaceholdersAreExactlyThoseTerraformFills() throws IOException {
        JsonNode machines = out.path("state_machines").path("value");
        assertThat(names(machines))
                .isEqualTo(catalog.stateMachines().stream().map(Catalog.StateMachine::name).collect(Collectors.toSet()));
        for (Catalog.StateMachine m : catalog.stateMachines()) {
            JsonNode tf = machines.path(m.name());
            assertThat(tf.path("definition").asText()).isEqualTo(m.definition());
            assertThat(tf.path("type").asText()).isEqualTo(m.type());
            Set<String> inAsl = new TreeSet<>();
            Matcher matcher = PLACEHOLDER
                    .matcher(Files.readString(Path.of("functions", m.definition()), StandardCharsets.UTF_8));
            while (matcher.find()) {
                inAsl.add(matcher.group(1));
            }
            assertThat(names(tf.path("placeholders"))).as(m.name() + ": placeholders in the ASL = values Terraform fills")
                    .isEqualTo(inAsl);
            tf.path("placeholders").fields().forEachRemaining(e -> assertThat(e.getValue().asText())
                    .isEqualTo(lambdaArn(e.getKey().substring(0, e.getKey().length() - 4).replace('_', '-'))));
        }
    }

    @Test
    void everyIamStatementIsExactlyWhatTheEntryDeclares_onTheArnsItNames() {
        JsonNode functions = out.path("functions").path("value");
        for (Catalog.Function f : catalog.functions()) {
            Map<String, Set<String>> actual = new HashMap<>();
            Map<String, Set<String>> actualActions = new HashMap<>();
            for (JsonNode s : functions.path(f.name()).path("statements")) {
                Set<String> resources = new TreeSet<>();
                s.path("resources").forEach(r -> resources.add(r.asText()));
                assertThat(resources).as(f.name() + " " + s.path("sid").asText()).isNotEmpty()
                        .allSatisfy(r -> assertThat(r).doesNotContain("*:*").isNotEqualTo("*")
                                .contains(":" + ACCOUNT + ":")
                                .matches(
                                        a -> a.equals(SES) || a.equals(ADMIN_SECRET) || a.equals(PERSONAL_DATA_KEY)
                                                || a.equals(TOKEN_KEY) || a.equals(VALET_LINK_KEY)
                                                || a.contains(":" + PREFIX + "-")
                                                || a.contains(":" + PREFIX + "/"),
                                        "one of this deployment's resources"));
                actual.put(s.path("sid").asText(), resources);
                Set<String> actions = new TreeSet<>();
                s.path("actions").forEach(a -> actions.add(a.asText()));
                actualActions.put(s.path("sid").asText(), actions);
            }
            assertThat(actual).as("statements of " + f.name()).isEqualTo(expectedStatements(f));
            if (actualActions.containsKey("PublishItsEvents")) {
                assertThat(actualActions.get("PublishItsEvents")).containsExactly("sqs:SendMessage");
            }
            for (String sid : List.of("ReadItsDatabaseSecret", "PrepareTheDatabase", "ReadTheApiKeys", "ReadTheCacheSecret")) {
                if (actualActions.containsKey(sid)) {
                    assertThat(actualActions.get(sid)).containsExactly("secretsmanager:GetSecretValue");
                }
            }
            for (JsonNode s : functions.path(f.name()).path("statements")) {
                List<String> conditions = new ArrayList<>();
                s.path("conditions").forEach(c -> conditions.add(c.path("test").asText() + " " + c.path("variable").asText()
                        + " " + c.path("values")));
                if (s.path("sid").asText().equals("UseItsPersonalDataKeys")) {
                    // a function unwraps the data keys of the services it names, and no other's
                    assertThat(conditions).as(f.name()).containsExactly("StringEquals kms:EncryptionContext:service "
                            + new TreeSet<>(list(f.permissions().get("personalData"))).stream().map(v -> "\"" + v + "\"")
                                    .collect(Collectors.joining(",", "[", "]")));
                    assertThat(actualActions.get("UseItsPersonalDataKeys")).containsExactly("kms:Decrypt", "kms:Encrypt",
                            "kms:GenerateDataKey");
                    assertThat(functions.path(f.name()).path("environment").path("SAGALINE_CRYPTO_KMS_KEY_ID").asText())
                            .isEqualTo(PERSONAL_DATA_KEY);
                } else {
                    assertThat(conditions).as(f.name() + " " + s.path("sid").asText()).isEmpty();
                }
            }
            if (actualActions.containsKey("StartItsSagas")) {
                assertThat(actualActions.get("StartItsSagas")).containsExactly("states:StartExecution");
            }
            if (actualActions.containsKey("RunItsExpressWorkflows")) {
                assertThat(actualActions.get("RunItsExpressWorkflows")).containsExactly("states:StartSyncExecution");
            }
        }
    }

    private static boolean expressMachine(String name) {
        return catalog.stateMachines().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow().type()
                .equals("EXPRESS");
    }

    /** The statements a function's catalog entry calls for, derived here independently of the Terraform. */
    private static Map<String, Set<String>> expectedStatements(Catalog.Function f) {
        Map<String, Object> p = f.permissions() == null ? Map.of() : f.permissions();
        Map<String, Set<String>> expected = new HashMap<>();
        if (f.trigger().isQueue()) {
            expected.put("ConsumeItsQueue", Set.of(queueArn(f.trigger().queue())));
        }
        Set<String> publishTo = new TreeSet<>();
        for (Object type : list(p.get("publishes"))) {
            catalog.subscribers((String) type).forEach(q -> publishTo.add(queueArn(q.name())));
        }
        if (!publishTo.isEmpty()) {
            expected.put("PublishItsEvents", publishTo);
        }
        // A STANDARD machine is started, an EXPRESS one run with StartSyncExecution: a statement for each kind.
        Map<Boolean, Set<String>> starts = list(p.get("startsStateMachines")).stream().map(m -> (String) m)
                .collect(Collectors.partitioningBy(m -> expressMachine(m), Collectors.mapping(
                        m -> "arn:aws:states:" + REGION + ":" + ACCOUNT + ":stateMachine:" + PREFIX + "-" + m,
                        Collectors.toSet())));
        if (!starts.get(false).isEmpty()) {
            expected.put("StartItsSagas", starts.get(false));
        }
        if (!starts.get(true).isEmpty()) {
            expected.put("RunItsExpressWorkflows", starts.get(true));
        }
        if (!list(p.get("redrivesStateMachines")).isEmpty()) {
            expected.put("RedriveItsSagas", list(p.get("redrivesStateMachines")).stream()
                    .map(m -> "arn:aws:states:" + REGION + ":" + ACCOUNT + ":execution:" + PREFIX + "-" + m + ":*")
                    .collect(Collectors.toSet()));
        }
        if (!list(p.get("redrivesQueues")).isEmpty()) {
            expected.put("TakeDeadLetters", list(p.get("redrivesQueues")).stream()
                    .map(q -> queueArn(catalog.queue((String) q).orElseThrow().deadLetterQueue())).collect(Collectors.toSet()));
            expected.put("RedriveDeadLetters",
                    list(p.get("redrivesQueues")).stream().map(q -> queueArn((String) q)).collect(Collectors.toSet()));
        }
        if (!list(p.get("sendsTo")).isEmpty()) {
            expected.put("SendItsCues", list(p.get("sendsTo")).stream().map(q -> queueArn((String) q))
                    .collect(Collectors.toSet()));
        }
        if (Boolean.TRUE.equals(p.get("redis")) || f.trigger().isHttp()) {
            expected.put("ReadTheCacheSecret", Set.of(CACHE_SECRET));
        }
        Set<String> services = PrepareDatabaseFunction.schemaServices(catalog);
        if (services.contains(f.service())) {
            expected.put("ReadItsDatabaseSecret", Set.of(secretArn(f.service())));
        }
        if (Boolean.TRUE.equals(p.get("preparesDatabase"))) {
            Set<String> all = new TreeSet<>(Set.of(ADMIN_SECRET));
            services.forEach(s -> all.add(secretArn(s)));
            expected.put("PrepareTheDatabase", all);
        }
        if (!list(p.get("personalData")).isEmpty()) {
            expected.put("UseItsPersonalDataKeys", Set.of(PERSONAL_DATA_KEY));
        }
        if (Boolean.TRUE.equals(p.get("signsTokens"))) {
            expected.put("SignTokens", Set.of(TOKEN_KEY));
        }
        if (Boolean.TRUE.equals(p.get("verifiesTokens"))) {
            expected.put("VerifyTokens", Set.of(TOKEN_KEY));
        }
        if (Boolean.TRUE.equals(p.get("signsValetLinks"))) {
            expected.put("SignValetLinks", Set.of(VALET_LINK_KEY));
        }
        if (Boolean.TRUE.equals(p.get("verifiesValetLinks"))) {
            expected.put("VerifyValetLinks", Set.of(VALET_LINK_KEY));
        }
        if (Boolean.TRUE.equals(p.get("sendsEmail"))) {
            expected.put("SendNotifications", Set.of(SES));
        }
        return expected;
    }

    private static List<Object> list(Object value) {
        return value instanceof List<?> l ? new ArrayList<>(l) : List.of();
    }

    private static String queueArn(String name) {
        return "arn:aws:sqs:" + REGION + ":" + ACCOUNT + ":" + PREFIX + "-" + name;
    }

    private static String lambdaArn(String function) {
        return "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:" + PREFIX + "-" + function;
    }

    private static Set<String> names(JsonNode object) {
        Set<String> names = new HashSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
