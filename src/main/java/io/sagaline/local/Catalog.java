package io.sagaline.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code functions/catalog.json}: every function with its trigger and limits, every state
 * machine. Packaged on the classpath under {@code functions/}, read by the local runtime; the
 * same file drives Terraform.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Catalog(List<Function> functions, List<StateMachine> stateMachines) {

    public static final String RESOURCE = "functions/catalog.json";

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Function(String name, String service, int memoryMb, int timeoutSeconds, Trigger trigger,
            Map<String, Object> permissions) {

        /** How ASL and Terraform's templatefile() refer to this function: {@code ${reserve_stock_arn}}. */
        public String arnPlaceholder() {
            return name.replace('-', '_') + "_arn";
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Trigger(String type, String method, String path, String stateMachine) {

        public boolean isHttp() {
            return "http".equals(type);
        }

        public String routeKey() {
            return method + " " + path;
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record StateMachine(String name, String definition, String type) {

        /** STANDARD (durable, the default) or EXPRESS (StartSyncExecution, not kept), as in Terraform's type. */
        public String type() {
            return type == null ? "STANDARD" : type;
        }

        public String resource() {
            return "functions/" + definition;
        }
    }

    public static Catalog load(ObjectMapper json) {
        return json.convertValue(readTree(json, RESOURCE), Catalog.class);
    }

    public static JsonNode readTree(ObjectMapper json, String resource) {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the classpath");
            }
            return json.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    public static String readText(String resource) {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the classpath");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    public Optional<Function> function(String name) {
        return functions.stream().filter(f -> f.name().equals(name)).findFirst();
    }
}
