package io.sagaline.local;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.StatesFailure;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.traits.ListTrait;
import software.amazon.awssdk.core.traits.MapTrait;
import software.amazon.awssdk.core.util.SdkAutoConstructList;
import software.amazon.awssdk.core.util.SdkAutoConstructMap;
import software.amazon.awssdk.utils.builder.SdkBuilder;

/**
 * The {@code arn:aws:states:::aws-sdk:<service>:<action>} integrations for the services that run here: SQS (the
 * local queues), Step Functions (this engine) and Lambda (the catalog's functions). Every action of those services'
 * AWS SDK clients is performed, with its parameters and result named as AWS names them in these integrations (the
 * API's member names, PascalCase), by the same AWS SDK v2 clients the functions use, pointed at the local endpoints:
 * the request built from the Task's parameters through the SDK's own field model, the response read back through it.
 * A service error is the task's {@code <Service>.<Exception>} (Sqs.QueueDoesNotExistException,
 * Sfn.ExecutionDoesNotExistException), as AWS names it. Only request-response and {@code .waitForTaskToken}: AWS
 * offers no {@code .sync} for aws-sdk integrations.
 */
final class AwsSdkIntegrations {

    static final String PREFIX = "arn:aws:states:::aws-sdk:";

    /** A service here: its name in errors (Step Functions' normalised service names) and its client's interface. */
    record Service(String errorName, Class<? extends SdkClient> type) {
    }

    /** The services here, by their names in the resource: what a machine's creation is checked against. */
    private static final Map<String, Service> SERVICES = Map.of(
            "sqs", new Service("Sqs", software.amazon.awssdk.services.sqs.SqsClient.class),
            "sfn", new Service("Sfn", software.amazon.awssdk.services.sfn.SfnClient.class),
            "lambda", new Service("Lambda", software.amazon.awssdk.services.lambda.LambdaClient.class));

    /** Each service's client, made on first use. */
    private final Map<String, Supplier<? extends SdkClient>> clients;
    private final ObjectMapper json;

    AwsSdkIntegrations(Map<String, Supplier<? extends SdkClient>> clients, ObjectMapper json) {
        this.clients = clients;
        this.json = json;
    }

    /**
     * The integrations of this process's services: SQS (the local queues' endpoint), Step Functions (this engine's, or
     * the one {@code sagaline.local.sfn.endpoint} names) and Lambda (this process's Lambda API), each client made on
     * first use. Clients of their own, not the functions' (whose attempts end after seconds, and are retried): a task
     * may run for minutes (a function, a StartSyncExecution, a long poll), and its call is made once, as AWS makes it.
     */
    static AwsSdkIntegrations local(ObjectMapper json) {
        return new AwsSdkIntegrations(Map.of(
                "sqs", once(() -> configure(software.amazon.awssdk.services.sqs.SqsClient.builder(),
                        java.net.URI.create(org.eclipse.microprofile.config.ConfigProvider.getConfig()
                                .getValue("sagaline.local.sqs.endpoint", String.class)),
                        c -> {
                        }).build()),
                // StartSyncExecution's "sync-" host prefix: locally the same endpoint
                "sfn", once(() -> configure(software.amazon.awssdk.services.sfn.SfnClient.builder(),
                        LocalAwsClients.sfnEndpoint(), c -> c.putAdvancedOption(
                                software.amazon.awssdk.core.client.config.SdkAdvancedClientOption.DISABLE_HOST_PREFIX_INJECTION,
                                true))
                        .build()),
                "lambda", once(() -> configure(software.amazon.awssdk.services.lambda.LambdaClient.builder(),
                        LocalAwsClients.endpoint(), c -> {
                        }).build())),
                json);
    }

    /** A client of the local endpoint: the local key, one attempt, as long as a Lambda may run; {@code more} besides. */
    private static <B extends software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<B, ?> & software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, ?>> B configure(
            B builder, java.net.URI endpoint,
            java.util.function.Consumer<software.amazon.awssdk.core.client.config.ClientOverrideConfiguration.Builder> more) {
        builder.endpointOverride(endpoint);
        builder.region(software.amazon.awssdk.regions.Region.of(LocalStepFunctions.REGION));
        builder.credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider
                .create(software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("local", "local")));
        builder.httpClientBuilder(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder()
                .socketTimeout(java.time.Duration.ofMinutes(15)));
        builder.overrideConfiguration(c -> more.accept(
                c.retryStrategy(software.amazon.awssdk.awscore.retry.AwsRetryStrategy.doNotRetry())));
        return builder;
    }

    /** {@code make}, called once, at the first use. */
    private static <T> Supplier<T> once(Supplier<T> make) {
        return new Supplier<>() {
            private volatile T made;

            @Override
            public synchronized T get() {
                if (made == null) {
                    made = make.get();
                }
                return made;
            }
        };
    }

    /**
     * Whether {@code base} (the resource without {@code .waitForTaskToken}) is an aws-sdk action this engine
     * performs: a service here and one of its client's actions.
     */
    static boolean performs(String base) {
        return method(base).isPresent();
    }

    /** The service and client method {@code base} names, if it is an aws-sdk action performed here. */
    private static Optional<Method> method(String base) {
        if (!base.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String[] parts = base.substring(PREFIX.length()).split(":", -1);
        Service service = parts.length == 2 ? SERVICES.get(parts[0]) : null;
        return service == null ? Optional.empty() : action(service.type(), parts[1]);
    }

    /** The client's method for an action as the resource names it ({@code sendMessage}), taking one request. */
    private static Optional<Method> action(Class<? extends SdkClient> client, String action) {
        if (action.isEmpty() || !Character.isLowerCase(action.charAt(0))) {
            return Optional.empty();
        }
        for (Method m : client.getMethods()) {
            if (m.getName().equals(action) && m.getParameterCount() == 1
                    && software.amazon.awssdk.core.SdkRequest.class.isAssignableFrom(m.getParameterTypes()[0])) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** Performs {@code resource} (without {@code .waitForTaskToken}) with {@code parameters}: the response as AWS shows it. */
    JsonNode invoke(String resource, JsonNode parameters) {
        Method method = method(resource).orElse(null);
        if (method == null) {
            throw new StatesFailure(StatesFailure.RUNTIME, "unsupported Task resource " + resource);
        }
        String name = resource.substring(PREFIX.length(), resource.indexOf(':', PREFIX.length()));
        Service service = SERVICES.get(name);
        Class<?> requestType = method.getParameterTypes()[0];
        Object request;
        try {
            SdkBuilder<?, ?> builder = (SdkBuilder<?, ?>) requestType.getMethod("builder").invoke(null);
            fill((SdkPojo) builder, parameters == null || parameters.isNull() ? json.createObjectNode() : parameters, "");
            request = builder.build();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(requestType + " has no builder", e);
        }
        Object response;
        try {
            response = method.invoke(clients.get(name).get(), request);
        } catch (InvocationTargetException e) {
            throw failure(service, e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        return pojo((SdkPojo) response);
    }

    /** A service's error, as AWS names it in aws-sdk integrations, with AWS's cause. */
    private static RuntimeException failure(Service service, Throwable e) {
        if (e instanceof AwsServiceException aws) {
            // the SDK's exception: the modelled one (QueueDoesNotExistException), else the service's own (SfnException)
            String name = aws.getClass().getSimpleName();
            String message = aws.awsErrorDetails() != null && aws.awsErrorDetails().errorMessage() != null
                    ? aws.awsErrorDetails().errorMessage()
                    : aws.getMessage();
            String requestId = aws.requestId() != null ? aws.requestId() : UUID.randomUUID().toString();
            return new StatesFailure(service.errorName() + "." + name, message + " (Service: " + service.errorName()
                    + ", Status Code: " + aws.statusCode() + ", Request ID: " + requestId + ")");
        }
        if (e instanceof SdkClientException client) {
            return new StatesFailure(service.errorName() + ".SdkClientException", client.getMessage());
        }
        if (e instanceof RuntimeException runtime) {
            return runtime;
        }
        return new IllegalStateException(e);
    }

    // ---- from the Task's parameters to the SDK's request -------------------------------------------------------

    /** Sets the pojo's (a builder's) fields from {@code node}'s members of the same names; refuses any other. */
    private void fill(SdkPojo builder, JsonNode node, String path) {
        if (!node.isObject()) {
            throw invalid(path, "an object");
        }
        Map<String, SdkField<?>> fields = new LinkedHashMap<>();
        for (SdkField<?> f : builder.sdkFields()) {
            fields.put(pascal(f.memberName()), f);
        }
        for (Iterator<Map.Entry<String, JsonNode>> i = node.fields(); i.hasNext();) {
            Map.Entry<String, JsonNode> member = i.next();
            SdkField<?> field = fields.get(member.getKey());
            if (field == null) {
                throw new StatesFailure(StatesFailure.RUNTIME, "The field '" + path + member.getKey() + "' is not supported by"
                        + " Step Functions; fields: " + fields.keySet());
            }
            if (!member.getValue().isNull()) {
                field.set(builder, value(field, member.getValue(), path + member.getKey()));
            }
        }
    }

    private Object value(SdkField<?> field, JsonNode node, String path) {
        switch (field.marshallingType().toString()) {
            case "String":
                return node.isTextual() ? node.asText() : node.toString();
            case "Integer":
                return number(node, path).intValue();
            case "Long":
                return number(node, path).longValue();
            case "Short":
                return number(node, path).shortValue();
            case "Float":
                return number(node, path).floatValue();
            case "Double":
                return number(node, path).doubleValue();
            case "BigDecimal":
                return number(node, path);
            case "Boolean":
                if (!node.isBoolean()) {
                    throw invalid(path, "a boolean");
                }
                return node.asBoolean();
            case "Instant":
                return node.isNumber() ? Instant.ofEpochMilli((long) (node.asDouble() * 1000)) : Instant.parse(node.asText());
            case "SdkBytes":
                return node.isTextual() ? SdkBytes.fromUtf8String(node.asText()) : SdkBytes.fromUtf8String(node.toString());
            case "List": {
                if (!node.isArray()) {
                    throw invalid(path, "an array");
                }
                SdkField<?> member = field.getTrait(ListTrait.class).memberFieldInfo();
                List<Object> list = new ArrayList<>();
                int index = 0;
                for (JsonNode item : node) {
                    list.add(value(member, item, path + "[" + index++ + "]"));
                }
                return list;
            }
            case "Map": {
                if (!node.isObject()) {
                    throw invalid(path, "an object");
                }
                SdkField<?> member = field.getTrait(MapTrait.class).valueFieldInfo();
                Map<String, Object> map = new LinkedHashMap<>();
                node.fields().forEachRemaining(e -> map.put(e.getKey(), value(member, e.getValue(), path + "." + e.getKey())));
                return map;
            }
            case "SdkPojo": {
                SdkPojo builder = field.constructor().get();
                fill(builder, node, path + ".");
                return ((SdkBuilder<?, ?>) builder).build();
            }
            default:
                throw new StatesFailure(StatesFailure.RUNTIME, "The field '" + path + "' is of a type ("
                        + field.marshallingType() + ") this engine does not pass");
        }
    }

    private static BigDecimal number(JsonNode node, String path) {
        if (node.isNumber()) {
            return node.decimalValue();
        }
        try {
            return new BigDecimal(node.asText());
        } catch (NumberFormatException e) {
            throw invalid(path, "a number");
        }
    }

    private static StatesFailure invalid(String path, String what) {
        return new StatesFailure(StatesFailure.RUNTIME, "The value of the field '" + path + "' must be " + what);
    }

    // ---- from the SDK's response to the task's result ----------------------------------------------------------

    private ObjectNode pojo(SdkPojo pojo) {
        ObjectNode out = json.createObjectNode();
        for (SdkField<?> f : pojo.sdkFields()) {
            Object value = f.getValueOrDefault(pojo);
            JsonNode written = write(f, value);
            if (written != null) {
                out.set(pascal(f.memberName()), written);
            }
        }
        return out;
    }

    private JsonNode write(SdkField<?> field, Object value) {
        if (value == null || value instanceof SdkAutoConstructList<?> || value instanceof SdkAutoConstructMap<?, ?>) {
            return null;
        }
        if (value instanceof SdkPojo pojo) {
            return pojo(pojo);
        }
        if (value instanceof Collection<?> list) {
            SdkField<?> member = field.getTrait(ListTrait.class).memberFieldInfo();
            ArrayNode array = json.createArrayNode();
            list.forEach(item -> array.add(write(member, item)));
            return array;
        }
        if (value instanceof Map<?, ?> map) {
            SdkField<?> member = field.getTrait(MapTrait.class).valueFieldInfo();
            ObjectNode object = json.createObjectNode();
            map.forEach((k, v) -> object.set(String.valueOf(k), write(member, v)));
            return object;
        }
        if (value instanceof SdkBytes bytes) {
            // as AWS gives a blob here (a function's Payload): its text, escaped JSON and all; base64 if it is not text
            java.nio.charset.CharsetDecoder utf8 = java.nio.charset.StandardCharsets.UTF_8.newDecoder();
            try {
                return json.getNodeFactory().textNode(utf8.decode(bytes.asByteBuffer()).toString());
            } catch (java.nio.charset.CharacterCodingException e) {
                return json.getNodeFactory().textNode(Base64.getEncoder().encodeToString(bytes.asByteArray()));
            }
        }
        if (value instanceof Instant instant) {
            return json.getNodeFactory().textNode(instant.toString());
        }
        return json.valueToTree(value);
    }

    /**
     * A member's name as aws-sdk integrations write it: its first letter upper-case ({@code QueueUrl}, {@code ExecutionArn}).
     */
    static String pascal(String member) {
        return member.isEmpty() ? member : Character.toUpperCase(member.charAt(0)) + member.substring(1);
    }
}
