package io.sagaline.packaging;

import static io.sagaline.support.TerraformCatalogModule.ACCOUNT;
import static io.sagaline.support.TerraformCatalogModule.ADMIN_SECRET;
import static io.sagaline.support.TerraformCatalogModule.CACHE_SECRET;
import static io.sagaline.support.TerraformCatalogModule.PREFIX;
import static io.sagaline.support.TerraformCatalogModule.secretArn;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import javax.sql.DataSource;

import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.platform.Catalog;
import io.sagaline.platform.database.DatabasePreparation;
import io.sagaline.platform.database.PrepareDatabaseFunction;
import io.sagaline.support.Db;
import io.sagaline.support.FakeAws;
import io.sagaline.support.LambdaRuntimeApi;
import io.sagaline.support.TerraformCatalogModule;
import io.sagaline.support.TestCertificates;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import redis.embedded.RedisServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The package that goes to AWS ({@code target/lambda/function.zip}, {@code ./mvnw package -Dlambda})
 * run as a Lambda runs it: unpacked, started in its own JVM in the prod profile, serving events
 * through the Lambda Runtime API, configured with exactly the environment Terraform's catalog
 * module gives that function (plus the endpoints the root module adds). Around it: a PostgreSQL
 * reached only through the roles prepare-database creates, an SQS (ElasticMQ) and, as there is no
 * AWS here, a stand-in for Secrets Manager holding the secrets Terraform names. So it proves what
 * the local runtime cannot: the package starts without the local runtime, reads its credentials
 * and API keys from their secrets, and each service's function works as its role and only as it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LambdaPackageIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path WORK = Path.of("target/lambda-it").toAbsolutePath();
    private static final String API_KEY = "it-key-of-acme-0123456789abcdef0123";
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    /** The JVM runtime's handler, as Terraform's function module sets it. */
    private static final String HANDLER = "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest";
    private static final Path RUNTIME_CLIENT = Path.of("target/lambda-runtime-client");

    private static Catalog catalog;
    private static JsonNode functions;
    private static Path unpacked;
    private static EmbeddedPostgres postgres;
    private static DataSource sagaline;
    private static SQSRestServer sqs;
    private static int sqsPort;
    private static SqsClient sqsClient;
    private static final Map<String, String> queueUrls = new HashMap<>();
    private static FakeAws aws;
    private static RedisServer redis;
    private static TestCertificates certificates;
    private static int redisPort;
    /** The cache user's rights, as infra-terraform/cache.tf gives them (read from there). */
    private static String cacheAccessString;

    @BeforeAll
    static void start() throws Exception {
        catalog = TerraformCatalogModule.catalog();
        functions = TerraformCatalogModule.evaluate(WORK.resolve("terraform")).path("functions").path("value");
        unpacked = unpack(Path.of("target/lambda/function.zip"), WORK.resolve("function"));
        runtimeClientLibrary = runtimeClientLibrary(WORK.resolve("libaws-lambda-jni.so"));

        // Unlike the shared embedded server, this one is as strict as AWS's: every role but the
        // test's own superuser must come over TLS and log in with SCRAM-SHA-256, so a function passes
        // only with its secret's password; and the functions verify the server's certificate, which
        // names localhost only, against an authority they are given as RDS Proxy's is in the JDK.
        certificates = TestCertificates.create(WORK.resolve("tls"));
        postgres = EmbeddedPostgres.builder().setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("password_encryption", "scram-sha-256")
                .setServerConfig("ssl", "on")
                .setServerConfig("ssl_cert_file", certificates.serverCertificate().toString())
                .setServerConfig("ssl_key_file", certificates.serverKey().toString())
                .setDataDirectoryCustomizer(dataDirectory -> {
                    try {
                        Files.writeString(dataDirectory.toPath().resolve("pg_hba.conf"), String.join("\n",
                                "local all all trust",
                                "host all postgres 127.0.0.1/32 trust",
                                "host all postgres ::1/128 trust",
                                "hostssl all all 127.0.0.1/32 scram-sha-256",
                                "hostssl all all ::1/128 scram-sha-256", ""));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).start();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("create database sagaline");
        }
        sagaline = postgres.getDatabase("postgres", "sagaline");

        sqsPort = freePort();
        sqs = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(sqsPort)
                .withServerAddress(new NodeAddress("http", "localhost", sqsPort, ""))
                .withAWSAccountId("000000000000").withAWSRegion("eu-west-1").start();
        sqs.waitUntilStarted();
        sqsClient = SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "example")))
                .endpointOverride(URI.create("http://localhost:" + sqsPort)).build();
        for (Catalog.Queue q : catalog.queues()) {
            for (String name : List.of(q.name(), q.deadLetterQueue())) {
                queueUrls.put(name, sqsClient.createQueue(r -> r.queueName(PREFIX + "-" + name)).queueUrl());
            }
        }

        // The cache as ElastiCache has it: the default user off, the functions' user limited to
        // what cache.tf allows it.
        Matcher access = Pattern.compile("access_string\\s*=\\s*\"(on ~idempotency[^\"]*)\"")
                .matcher(Files.readString(Path.of("infra-terraform/cache.tf")));
        assertThat(access.find()).as("the functions' access string in cache.tf").isTrue();
        cacheAccessString = access.group(1);
        redisPort = freePort();
        redis = RedisServer.newRedisServer().port(redisPort).bind("127.0.0.1").setting("save \"\"")
                .setting("appendonly no").setting("user default off")
                .setting("user sagaline-test-functions " + cacheAccessString + " >cache-password-3f9").build();
        redis.start();

        aws = new FakeAws()
                .put(CACHE_SECRET, "{\"username\":\"sagaline-test-functions\",\"password\":\"cache-password-3f9\"}")
                .put(ADMIN_SECRET, "{\"username\":\"postgres\",\"password\":\"postgres\"}");
        for (String service : PrepareDatabaseFunction.schemaServices(catalog)) {
            aws.put(secretArn(service), "{\"username\":\"" + DatabasePreparation.roleName(service)
                    + "\",\"password\":\"pw-" + service + "-7d1f0c\",\"schema\":\"" + service + "\"}");
        }
    }

    @AfterAll
    static void stop() throws IOException {
        if (sqsClient != null) {
            sqsClient.close();
        }
        if (sqs != null) {
            sqs.stopAndWait();
        }
        if (aws != null) {
            aws.close();
        }
        if (redis != null) {
            redis.stop();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    @Order(1)
    void prepareDatabase_asTheAdministrator_migratesAndGivesEveryServiceItsRole() throws Exception {
        try (LambdaProcess lambda = start("prepare-database", Map.of())) {
            JsonNode prepared = lambda.invokeOk("{}");

            Set<String> services = PrepareDatabaseFunction.schemaServices(catalog);
            assertThat(prepared.get("roles")).extracting(JsonNode::asText)
                    .containsExactlyElementsOf(services.stream().map(DatabasePreparation::roleName).toList());
            assertThat(prepared.get("schemaVersion").asText()).isEqualTo(Integer.toString(latestMigration()));
            assertThat(prepared.get("migrationsApplied").asInt()).isEqualTo(latestMigration());
            Db db = new Db(sagaline);
            assertThat(db.row("select to_regnamespace('engine') is null as absent").get("absent"))
                    .as("the local engine's schema is not AWS's").isEqualTo(true);
            for (String service : services) {
                assertThat(db.row("select has_schema_privilege(?, ?, 'USAGE') as usage",
                        DatabasePreparation.roleName(service), service).get("usage")).isEqualTo(true);
            }
            Set<String> read = new TreeSet<>(aws.requestedIds());
            Set<String> expected = new TreeSet<>(List.of(ADMIN_SECRET));
            services.forEach(s -> expected.add(secretArn(s)));
            assertThat(read).isEqualTo(expected);

            assertThat(lambda.invokeOk("{}").get("migrationsApplied").asInt()).as("a second apply").isZero();
        }
    }

    @Test
    @Order(2)
    void createCustomer_asTheCustomersRole_storesTheCustomer_andAnnouncesItOnItsQueue() throws Exception {
        String customerId;
        try (LambdaProcess lambda = start("create-customer", Map.of())) {
            int exportsBefore = aws.otlpTraces().size();
            JsonNode created = lambda.invokeOk(httpEvent("create-customer", API_KEY));
            assertThat(created.get("statusCode").asInt()).as(created.toString()).isEqualTo(201);
            // its spans were sent before it answered (a sandbox is frozen between invocations), in the
            // trace Lambda gave the invocation (Lambda-Runtime-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793)
            assertThat(aws.otlpTraces().subList(exportsBefore, aws.otlpTraces().size()))
                    .as("OTLP exports during the invocation").anyMatch(body -> contains(body,
                            java.util.HexFormat.of().parseHex("5759e988bd862e3fe1be46a994272793")));
            // and what it measured, as CloudWatch embedded metric format lines in its log
            assertThat(lambda.log()).contains("{\"_aws\":{\"Timestamp\":").contains("\"Namespace\":\"Sagaline\"")
                    .contains("\"sagaline.http.responses\":1.0").contains("\"route\":\"POST /customers\"");
            // its rate limit taken in Redis as cache.tf's user (the script, TIME and ratelimit:* keys allowed)
            assertThat(header(created, "RateLimit")).contains("\"key\";r=99;").contains("\"tenant\";r=399;");
            customerId = JSON.readTree(created.get("body").asText()).get("customerId").asText();

            JsonNode refused = lambda.invokeOk(httpEvent("create-customer", UNKNOWN_KEY));
            assertThat(refused.get("statusCode").asInt()).isEqualTo(401);
        }
        Map<String, Object> row = new Db(sagaline).row("select tenant, name, email, name_sealed is not null as sealed"
                + " from customers.customers where id = ?::uuid", customerId);
        // sealed under a data key that KMS made for this customer of this service and tenant
        assertThat(row).containsEntry("tenant", "acme").containsEntry("name", null).containsEntry("email", null)
                .containsEntry("sealed", true);
        assertThat(aws.kmsContexts()).contains("GenerateDataKey {service=customers, subject=" + customerId + ", tenant=acme}");

        List<Message> messages = sqsClient.receiveMessage(r -> r.queueUrl(queueUrls.get("notifications-customer-contacts"))
                .waitTimeSeconds(10).maxNumberOfMessages(10)).messages();
        assertThat(messages).hasSize(1);
        JsonNode envelope = JSON.readTree(messages.get(0).body());
        assertThat(envelope.get("type").asText()).isEqualTo("CustomerRegistered");
        assertThat(envelope.get("tenant").asText()).isEqualTo("acme");
        assertThat(envelope.path("payload").path("customerId").asText()).isEqualTo(customerId);
        assertThat(messages.get(0).body()).doesNotContain("Lovelace").doesNotContain("ada@example.com");

        // the notifications service opens it with the customers' key (KMS, their context) and seals its own copy
        ObjectNode sqsEvent = JSON.createObjectNode();
        sqsEvent.putArray("Records").addObject().put("messageId", messages.get(0).messageId()).put("receiptHandle", "r")
                .put("body", messages.get(0).body()).put("eventSource", "aws:sqs").put("awsRegion", "eu-west-1")
                .put("eventSourceARN", "arn:aws:sqs:eu-west-1:" + ACCOUNT + ":" + PREFIX + "-notifications-customer-contacts")
                .putObject("attributes").put("ApproximateReceiveCount", "1");
        try (LambdaProcess lambda = start("record-customer-contact", Map.of())) {
            assertThat(lambda.invokeOk(JSON.writeValueAsString(sqsEvent)).get("batchItemFailures")).isEmpty();
        }
        assertThat(new Db(sagaline).row("select name, email, email_sealed is not null as sealed from notifications.recipients"
                + " where customer_id = ?::uuid", customerId)).containsEntry("name", null).containsEntry("email", null)
                .containsEntry("sealed", true);
        // the registration's own key, not the customers table's: notifications may unwrap that one only
        assertThat(aws.kmsContexts()).contains(
                "Decrypt {service=customer-registrations, subject=" + customerId + ", tenant=acme}",
                "GenerateDataKey {service=notifications, subject=" + customerId + ", tenant=acme}");
        assertThat(new Db(sagaline).row("select count(*) as unsent from customers.outbox where published_at is null")
                .get("unsent"))
                .isEqualTo(0L);
    }

    @Test
    @Order(3)
    void aToken_isSignedByKms_andThePackagedAuthorizerVerifiesItWithTheKeysPublicKey() throws Exception {
        String token;
        try (LambdaProcess lambda = start("create-token", Map.of())) {
            JsonNode created = lambda.invokeOk(httpEvent("create-token", API_KEY));
            assertThat(created.get("statusCode").asInt()).as(created.toString()).isEqualTo(201);
            token = JSON.readTree(created.get("body").asText()).get("token").asText();
        }
        JsonNode header = JSON.readTree(java.util.Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))));
        assertThat(header.get("alg").asText()).isEqualTo("ES256");
        assertThat(header.get("kid").asText()).isEqualTo(TerraformCatalogModule.TOKEN_KEY);
        assertThat(aws.kmsContexts()).contains("Sign {}");
        String altered = token.substring(0, token.length() - 2) + (token.endsWith("A") ? "B" : "A")
                + token.charAt(token.length() - 1);
        try (LambdaProcess lambda = start(catalog.authorizer().function(), Map.of())) {
            for (String presented : List.of(token, altered)) {
                JsonNode context = lambda.invokeOk(authorizerRequest(presented)).path("context");
                if (presented.equals(token)) {
                    assertThat(context.path("tenant").asText()).as(context.toString()).isEqualTo("acme");
                    assertThat(context.path("scopes").asText()).isEqualTo("orders:read");
                    assertThat(context.path("tokenId").asText()).isNotBlank();
                } else {
                    assertThat(context.path("refused").asText()).isEqualTo("true");
                }
            }
        }
        assertThat(aws.kmsContexts()).contains("GetPublicKey {}");
    }

    @Test
    @Order(3)
    void getCustomer_readsWithItsOwnRole_butGivenAnotherServicesRole_isRefusedByTheDatabase() throws Exception {
        try (Connection c = sagaline.getConnection(); Statement s = c.createStatement()) {
            s.execute("insert into customers.customers (id, tenant, name, email, credit_limit_cents, available_credit_cents)"
                    + " values ('6f1d6a0e-3c1b-4b7e-9a51-2f3c4d5e6f70', 'acme', 'Grace Hopper', 'grace@example.com', 1000, 1000)"
                    + " on conflict (id) do nothing");
        }
        try (LambdaProcess lambda = start("get-customer", Map.of())) {
            JsonNode found = lambda.invokeOk(httpEvent("get-customer", API_KEY));
            assertThat(found.get("statusCode").asInt()).as(found.toString()).isEqualTo(200);
            assertThat(JSON.readTree(found.get("body").asText()).get("name").asText()).isEqualTo("Grace Hopper");
        }
        getCustomerWithSecret_failsWith(secretArn("orders"), "permission denied for schema customers");
    }

    @Test
    @Order(4)
    void placeOrder_usesTheCacheAsItsUser_soTheSameIdempotencyKeyIsTheSameOrder() throws Exception {
        String first;
        try (LambdaProcess lambda = start("place-order", Map.of())) {
            JsonNode placed = lambda.invokeOk(httpEvent("place-order", API_KEY));
            assertThat(placed.get("statusCode").asInt()).as(placed.toString()).isEqualTo(202);
            first = JSON.readTree(placed.get("body").asText()).get("orderId").asText();

            JsonNode again = lambda.invokeOk(httpEvent("place-order", API_KEY));
            assertThat(again.get("statusCode").asInt()).as(again.toString()).isEqualTo(202);
            assertThat(JSON.readTree(again.get("body").asText()).get("orderId").asText()).isEqualTo(first);
            // Not asserted (a measurement, for bench/README.md): what the deployable function holds in memory.
            System.out.println("place-order's Lambda process after two invocations: " + lambda.memory());
        }
        assertThat(new Db(sagaline).row("select count(*) as n from orders.orders where tenant = 'acme'").get("n"))
                .isEqualTo(1L);
        assertThat(new Db(sagaline).row("select count(*) as n from orders.outbox where published_at is null").get("n"))
                .isEqualTo(0L);
        assertThat(aws.executions()).hasSize(1);
        JsonNode started = aws.executions().values().iterator().next();
        assertThat(started.path("stateMachineArn").asText())
                .isEqualTo(functions.path("place-order").path("environment").path("SAGALINE_STATE_MACHINES_PLACE_ORDER_ARN")
                        .asText())
                .endsWith(":stateMachine:" + PREFIX + "-place-order");
        assertThat(started.path("name").asText()).isEqualTo(first);
        assertThat(aws.requestedIds()).contains(CACHE_SECRET);
    }

    @Test
    @Order(5)
    void aFunctionWhoseSecretHoldsAnotherPassword_isRefusedAtLogin() throws Exception {
        String wrong = secretArn("customers") + "-stale";
        aws.put(wrong, "{\"username\":\"svc_customers\",\"password\":\"not-the-one-prepare-database-set\"}");
        getCustomerWithSecret_failsWith(wrong, "password authentication failed for user");
    }

    @Test
    @Order(7)
    void aServerWhoseCertificateDoesNotNameTheAddress_isRefused() throws Exception {
        // The certificate names localhost, not 127.0.0.1: as a server in the middle would not be named.
        try (LambdaProcess lambda = start("get-customer",
                Map.of("QUARKUS_DATASOURCE_REACTIVE_URL", databaseUrl(false, "127.0.0.1"),
                        "QUARKUS_DATASOURCE_JDBC_URL", databaseUrl(true, "127.0.0.1")))) {
            JsonNode refused = lambda.invokeOk(httpEvent("get-customer", API_KEY));
            assertThat(refused.get("statusCode").asInt()).as(refused.toString()).isEqualTo(500);
            // Everything else as in the tests that pass: only the name differs.
            assertThat(lambda.log()).contains("SSL handshake failed");
        }
    }

    @Test
    @Order(8)
    void withOnlyAmazonsRootsFromThePackage_thisServerIsNotTrusted() throws Exception {
        // As in AWS: the reactive client trusts the roots the package carries (the production setting,
        // ${LAMBDA_TASK_ROOT}/amazon-root-cas.pem), which did not sign this server.
        try (LambdaProcess lambda = start("get-customer",
                Map.of("QUARKUS_DATASOURCE_REACTIVE_TRUST_CERTIFICATE_PEM_CERTS", ""))) {
            assertThat(unpacked.resolve("amazon-root-cas.pem")).as("the package carries Amazon's roots").exists();
            JsonNode refused = lambda.invokeOk(httpEvent("get-customer", API_KEY));
            assertThat(refused.get("statusCode").asInt()).as(refused.toString()).isEqualTo(500);
            // Everything else as in the tests that pass: only the trusted roots differ.
            assertThat(lambda.log()).contains("SSL handshake failed");
        }
    }

    /** get-customer, given another database secret than its own: a 500 to the caller, the cause in the log. */
    private static void getCustomerWithSecret_failsWith(String secret, String cause) throws Exception {
        try (LambdaProcess lambda = start("get-customer", Map.of("SAGALINE_DATABASE_SECRET_ARN", secret))) {
            JsonNode refused = lambda.invokeOk(httpEvent("get-customer", API_KEY));
            assertThat(refused.get("statusCode").asInt()).as(refused.toString()).isEqualTo(500);
            assertThat(lambda.log()).contains(cause);
        }
    }

    @Test
    @Order(6)
    void aFunctionWithoutADatabase_startsWithoutOne_andMovesDeadLettersBack() throws Exception {
        String dlq = queueUrls.get("invoices-order-approved-dlq");
        sqsClient.sendMessage(r -> r.queueUrl(dlq).messageBody("{\"id\":\"dead-letter-1\"}"));
        try (LambdaProcess lambda = start("redrive-dead-letters", Map.of())) {
            JsonNode moved = lambda.invokeOk(Files.readString(Path.of("events/redrive-dead-letters.json")));
            assertThat(moved.get("moved").asInt()).as(moved.toString()).isEqualTo(1);
        }
        List<Message> back = sqsClient.receiveMessage(r -> r.queueUrl(queueUrls.get("invoices-order-approved"))
                .waitTimeSeconds(5)).messages();
        assertThat(back).extracting(Message::body).containsExactly("{\"id\":\"dead-letter-1\"}");
    }

    @Test
    @Order(9)
    void campaignReads_useTheCacheAsItsUser_andTheQueueConsumersInvalidationReachesAnotherInstance() throws Exception {
        String id = "c4a1f0e2-5b6d-4e7f-8a9b-0c1d2e3f4a01"; // the sample's campaign
        try (Connection c = sagaline.getConnection(); Statement s = c.createStatement()) {
            s.execute(
                    "insert into campaigns.campaigns (id, tenant, name, start_date, end_date, version, created_at, updated_at)"
                            + " values ('" + id
                            + "', 'acme', 'Black Friday', '2026-11-27T00:00:00Z', '2026-11-30T00:00:00Z', 1,"
                            + " now(), now()) on conflict (id) do nothing");
        }
        // cache.tf's access string lets the functions' user run the cache's scripts on campaigns:*
        // keys: a read it refused would be answered from the database as "bypass".
        try (LambdaProcess lambda = start("get-campaign-event", Map.of())) {
            assertThat(xCache(lambda.invokeOk(httpEvent("get-campaign-event", API_KEY)))).isEqualTo("miss");
            assertThat(xCache(lambda.invokeOk(httpEvent("get-campaign-event", API_KEY)))).isEqualTo("near");
        }
        try (Connection c = sagaline.getConnection(); Statement s = c.createStatement()) {
            s.execute("update campaigns.campaigns set name = 'Black Friday, extended' where id = '" + id + "'");
        }
        // The write's message, as the queue delivers it to the consumer (another function, another instance).
        ObjectNode delivery = (ObjectNode) JSON.readTree(Path.of("events/refresh-campaigns-cache.json").toFile());
        ObjectNode record = (ObjectNode) delivery.get("Records").get(0);
        ObjectNode message = (ObjectNode) JSON.readTree(record.get("body").asText());
        message.put("tenant", "acme");
        record.put("body", JSON.writeValueAsString(message));
        try (LambdaProcess lambda = start("refresh-campaigns-cache", Map.of())) {
            JsonNode answer = lambda.invokeOk(JSON.writeValueAsString(delivery));
            assertThat(answer.path("batchItemFailures")).as(answer.toString()).isEmpty();
        }
        try (LambdaProcess lambda = start("get-campaign-event", Map.of())) {
            JsonNode read = lambda.invokeOk(httpEvent("get-campaign-event", API_KEY));
            assertThat(xCache(read)).as("the entry in Redis is of the old generation").isEqualTo("miss");
            assertThat(JSON.readTree(read.get("body").asText()).get("name").asText()).isEqualTo("Black Friday, extended");
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer: for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static String xCache(JsonNode answer) {
        assertThat(answer.get("statusCode").asInt()).as(answer.toString()).isEqualTo(200);
        return header(answer, "x-cache");
    }

    private static String header(JsonNode answer, String name) {
        java.util.Iterator<Map.Entry<String, JsonNode>> headers = answer.path("headers").fields();
        while (headers.hasNext()) {
            Map.Entry<String, JsonNode> header = headers.next();
            if (header.getKey().equalsIgnoreCase(name)) {
                return header.getValue().asText();
            }
        }
        throw new AssertionError("no " + name + " in " + answer);
    }

    // ---------------------------------------------------------------------------------------------

    /** The function's environment as Terraform builds it, pointed at the services of this test. */
    private static LambdaProcess start(String function, Map<String, String> overrides) throws Exception {
        JsonNode tf = functions.path(function);
        assertThat(tf.isObject()).as(function + " in Terraform's catalog module").isTrue();
        Map<String, String> env = new HashMap<>();
        tf.path("environment").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        // What the root module adds: the database endpoints and the queue URLs.
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", databaseUrl(false, "localhost"));
        env.put("QUARKUS_DATASOURCE_JDBC_URL", databaseUrl(true, "localhost"));
        // This server's authority where the functions find Amazon's roots in AWS (which RDS Proxy's
        // certificate chains to): the JDK's trust store for JDBC, a PEM file for the reactive client.
        env.put("JAVA_TOOL_OPTIONS", "-Djavax.net.ssl.trustStore=" + certificates.trustStore()
                + " -Djavax.net.ssl.trustStorePassword=" + certificates.trustStorePassword()
                + " -Djavax.net.ssl.trustStoreType=PKCS12");
        env.put("QUARKUS_DATASOURCE_REACTIVE_TRUST_CERTIFICATE_PEM_CERTS", certificates.authority().toString());
        env.put("SAGALINE_CACHE_ADDRESS", "redis://127.0.0.1:" + redisPort);
        env.put("AWS_ENDPOINT_URL_SFN", aws.endpoint().toString());
        env.put("AWS_ENDPOINT_URL_KMS", aws.endpoint().toString());
        // the ADOT collector layer's part (OTLP on localhost in AWS): the fake takes OTLP over HTTP
        env.put("QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", aws.endpoint().toString());
        env.put("QUARKUS_OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf");
        tf.path("queue_urls_needed").forEach(q -> env.put(
                "SAGALINE_QUEUES_" + q.asText().toUpperCase().replace('-', '_') + "_URL", queueUrls.get(q.asText())));
        // What Lambda itself sets, and where the AWS APIs are.
        env.put("AWS_REGION", "eu-west-1");
        env.put("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
        env.put("AWS_SECRET_ACCESS_KEY", "example");
        env.put("AWS_SESSION_TOKEN", "example-session");
        env.put("AWS_ENDPOINT_URL_SECRETS_MANAGER", aws.endpoint().toString());
        env.put("AWS_ENDPOINT_URL_SQS", "http://localhost:" + sqsPort);
        env.put("AWS_LAMBDA_FUNCTION_NAME", tf.path("lambda_name").asText());
        env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", tf.path("memory_mb").asText());
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + tf.path("lambda_name").asText());
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/30/[$LATEST]0123456789abcdef");
        env.putAll(overrides);
        env.values().removeIf(String::isEmpty); // an override of "" takes a setting away
        return new LambdaProcess(function, env);
    }

    /** The database's URLs as the root module writes them (TLS, the server verified), on this server. */
    private static String databaseUrl(boolean jdbc, String host) {
        return jdbc ? "jdbc:postgresql://" + host + ":" + postgres.getPort()
                + "/sagaline?sslmode=verify-full&sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory"
                : "postgresql://" + host + ":" + postgres.getPort() + "/sagaline?sslmode=verify-full";
    }

    /**
     * The sample as API Gateway hands it to the function: with {@code apiKey}, and the authorizer's
     * context for it, as the packaged authorizer answers it (asked once for every key this test uses).
     */
    private static String httpEvent(String sample, String apiKey) throws Exception {
        ObjectNode event = (ObjectNode) JSON.readTree(Path.of("events", sample + ".json").toFile());
        ((ObjectNode) event.get("headers")).put("x-api-key", apiKey);
        ((ObjectNode) event.get("requestContext")).putObject("authorizer").set("lambda", authorized().get(apiKey));
        return JSON.writeValueAsString(event);
    }

    private static final String UNKNOWN_KEY = "it-key-nobody-has-0123456789abcdef";
    private static Map<String, JsonNode> authorized;

    /** acme's key (every scope) in access.api_keys, as manage-api-keys keeps it, and the authorizer's answers. */
    private static synchronized Map<String, JsonNode> authorized() throws Exception {
        if (authorized == null) {
            try (Connection c = sagaline.getConnection(); Statement s = c.createStatement()) {
                s.execute("insert into access.api_keys (id, tenant, name, scopes, key_hash, key_prefix, created_at)"
                        + " values ('3d1c2b4a-0000-4000-8000-000000000001', 'acme', 'LambdaPackageIT', '"
                        + String.join(" ", new java.util.TreeSet<>(catalog.scopes().keySet())) + "', sha256('" + API_KEY
                        + "'::bytea), 'it-key-o', now()) on conflict (id) do nothing");
            }
            Map<String, JsonNode> answers = new HashMap<>();
            try (LambdaProcess lambda = start(catalog.authorizer().function(), Map.of())) {
                for (String key : List.of(API_KEY, UNKNOWN_KEY)) {
                    JsonNode answer = lambda.invokeOk(authorizerRequest(key));
                    assertThat(answer.path("isAuthorized").asBoolean()).as(answer.toString()).isTrue();
                    answers.put(key, answer.path("context"));
                }
            }
            assertThat(answers.get(API_KEY).path("tenant").asText()).isEqualTo("acme");
            assertThat(answers.get(API_KEY).path("keyId").asText()).isEqualTo("3d1c2b4a-0000-4000-8000-000000000001");
            assertThat(answers.get(UNKNOWN_KEY).path("refused").asText()).isEqualTo("true");
            assertThat(aws.requestedIds()).as("the authorizer reads the keys as the access service's role")
                    .contains(secretArn("access"));
            authorized = answers;
        }
        return authorized;
    }

    /**
     * The runtime client's native library, unpacked once for every process of this test. Left to
     * itself the client copies it to {@code /tmp/.libaws-lambda-jni.so} as it starts, which in Lambda
     * is the sandbox's own; here the processes share one {@code /tmp}, and one starting while
     * another loads the half-written file killed that one with SIGBUS in the dynamic loader.
     */
    private static Path runtimeClientLibrary(Path into) throws IOException {
        String arch = System.getProperty("os.arch").contains("aarch64") ? "aarch_64" : "x86_64";
        try (Stream<Path> jars = Files.list(RUNTIME_CLIENT)) {
            Path jar = jars.filter(j -> j.getFileName().toString().startsWith("aws-lambda-java-runtime-interface-client"))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no runtime client in " + RUNTIME_CLIENT));
            try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
                java.util.zip.ZipEntry library = zip.getEntry("jni/libaws-lambda-jni.linux-" + arch + ".so");
                try (var in = zip.getInputStream(library)) {
                    Files.copy(in, into, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return into.toAbsolutePath();
    }

    private static Path runtimeClientLibrary;

    /** API Gateway's request of the authorizer for a request that presents {@code apiKey}. */
    private static String authorizerRequest(String apiKey) throws Exception {
        ObjectNode request = (ObjectNode) JSON.readTree(Path.of("events/authorize-api-key.json").toFile());
        ((ObjectNode) request.get("headers")).put("x-api-key", apiKey);
        request.putArray("identitySource").add(apiKey);
        return JSON.writeValueAsString(request);
    }

    private static int latestMigration() throws IOException {
        Pattern version = Pattern.compile("V(\\d+)__.*\\.sql");
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/migration"))) {
            return files.map(f -> version.matcher(f.getFileName().toString())).filter(Matcher::matches)
                    .mapToInt(m -> Integer.parseInt(m.group(1))).max().orElseThrow();
        }
    }

    private static Path unpack(Path zip, Path into) throws IOException {
        assertThat(zip).as("built by ./mvnw package -Dlambda (packaging/build-lambda.sh)").exists();
        if (Files.exists(into)) {
            try (Stream<Path> old = Files.walk(into)) {
                old.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                Path target = into.resolve(entry.getName()).normalize();
                assertThat(target.startsWith(into)).as(entry.getName()).isTrue();
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    // Quarkus writes a transformed class (Hibernate's enhancement, Panache) after its
                    // original, under the same name: the later entry wins, as when Lambda unpacks it.
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return into;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** One function's JVM, started from the unpacked zip as Lambda's java21 runtime starts it. */
    private static final class LambdaProcess implements AutoCloseable {
        private final LambdaRuntimeApi runtimeApi;
        private final Process process;
        private final Path log;

        LambdaProcess(String function, Map<String, String> env) throws IOException {
            runtimeApi = new LambdaRuntimeApi();
            log = WORK.resolve(function + "-" + System.nanoTime() + ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // As the java21 runtime runs it: /var/task and its lib/ on the class path, AWS's runtime
            // client calling the handler Terraform names, and the JVM settings Lambda gives Java 17
            // and 21 by default (java-customization in the Lambda developer guide): tiered compilation
            // stopped at C1, the serial collector.
            List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+TieredCompilation",
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                    "-Dcom.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI=" + runtimeClientLibrary,
                    "-cp",
                    String.join(File.pathSeparator, unpacked.toString(), unpacked.resolve("lib") + File.separator + "*",
                            RUNTIME_CLIENT.toAbsolutePath() + File.separator + "*"),
                    "com.amazonaws.services.lambda.runtime.api.client.AWSLambda", HANDLER));
            ProcessBuilder builder = new ProcessBuilder(command).directory(unpacked.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().clear();
            builder.environment().put("PATH", System.getenv("PATH"));
            builder.environment().putAll(env);
            builder.environment().put("AWS_LAMBDA_RUNTIME_API", runtimeApi.address());
            builder.environment().put("LAMBDA_TASK_ROOT", unpacked.toString());
            builder.environment().put("_HANDLER", HANDLER);
            process = builder.start();
        }

        JsonNode invokeOk(String event) throws Exception {
            LambdaRuntimeApi.Outcome outcome;
            try {
                outcome = runtimeApi.invoke(event, PATIENCE, process);
            } catch (AssertionError | java.util.concurrent.TimeoutException e) {
                throw new AssertionError(e.getMessage() + "\n" + log(), e);
            }
            assertThat(outcome.error()).as("the function reported an error: " + outcome.body() + "\n" + log()).isFalse();
            return JSON.readTree(outcome.body());
        }

        String log() throws IOException {
            return Files.readString(log, StandardCharsets.UTF_8);
        }

        /** The process's resident set now and at its peak, as Linux counts them (unknown elsewhere). */
        String memory() {
            String rss = "?";
            String peak = "?";
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        rss = line.substring(6).strip();
                    } else if (line.startsWith("VmHWM:")) {
                        peak = line.substring(6).strip();
                    }
                }
            } catch (IOException e) {
                // no /proc: a measurement, not a check
            }
            return "resident " + rss + " (peak " + peak + ")";
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            runtimeApi.close();
        }
    }
}
