package io.sagaline.local;

import static io.sagaline.local.StepFunctionsApi.arn;
import static io.sagaline.local.StepFunctionsApi.offset;
import static io.sagaline.local.StepFunctionsApi.pageSize;
import static io.sagaline.local.StepFunctionsApi.seconds;
import static io.sagaline.local.StepFunctionsApi.text;
import static io.sagaline.local.StepFunctionsApi.token;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.Execution;
import io.sagaline.asl.jdbc.PostgresStateMachineStore;
import io.sagaline.asl.jdbc.PostgresStateMachineStore.Alias;
import io.sagaline.asl.jdbc.PostgresStateMachineStore.Route;
import io.sagaline.asl.jdbc.PostgresStateMachineStore.Version;
import io.sagaline.local.LocalStepFunctions.Refused;

/**
 * The operations of the Step Functions API that manage state machines (create, update, delete,
 * versions, aliases, tags, describe), their requests and answers in AWS's JSON shapes;
 * {@link StateMachineRegistry} has their rules.
 */
final class StateMachinesApi {

    private final LocalStepFunctions engine;
    private final StateMachineRegistry machines;
    private final ObjectMapper json;

    StateMachinesApi(LocalStepFunctions engine, ObjectMapper json) {
        this.engine = engine;
        this.machines = engine.machines();
        this.json = json;
    }

    /** Whether this class answers {@code operation}. */
    static boolean answers(String operation) {
        return switch (operation) {
            case "CreateStateMachine", "UpdateStateMachine", "DeleteStateMachine", "DescribeStateMachine",
                    "ListStateMachines", "PublishStateMachineVersion", "ListStateMachineVersions",
                    "DeleteStateMachineVersion", "CreateStateMachineAlias", "DescribeStateMachineAlias",
                    "UpdateStateMachineAlias", "DeleteStateMachineAlias", "ListStateMachineAliases",
                    "DescribeStateMachineForExecution", "TagResource", "UntagResource", "ListTagsForResource" ->
                true;
            default -> false;
        };
    }

    JsonNode dispatch(String operation, JsonNode request) {
        return switch (operation) {
            case "CreateStateMachine" -> create(request);
            case "UpdateStateMachine" -> update(request);
            case "DeleteStateMachine" -> {
                machines.delete(arn(request, "stateMachineArn", "stateMachine"));
                yield object();
            }
            case "DescribeStateMachine" -> describe(request);
            case "ListStateMachines" -> list(request);
            case "PublishStateMachineVersion" -> {
                Version v = machines.publish(arn(request, "stateMachineArn", "stateMachine"), text(request, "revisionId"),
                        text(request, "description"));
                yield object().put("creationDate", seconds(v.creationDate())).put("stateMachineVersionArn", v.arn());
            }
            case "ListStateMachineVersions" -> listVersions(request);
            case "DeleteStateMachineVersion" -> {
                machines.deleteVersion(arn(request, "stateMachineVersionArn", "stateMachine"));
                yield object();
            }
            case "CreateStateMachineAlias" -> {
                Alias a = machines.createAlias(text(request, "name"), text(request, "description"),
                        routing(request.get("routingConfiguration"), true));
                yield object().put("stateMachineAliasArn", a.arn()).put("creationDate", seconds(a.creationDate()));
            }
            case "DescribeStateMachineAlias" -> describeAlias(request);
            case "UpdateStateMachineAlias" -> {
                Alias a = machines.updateAlias(arn(request, "stateMachineAliasArn", "stateMachine"),
                        text(request, "description"), routing(request.get("routingConfiguration"), false));
                yield object().put("updateDate", seconds(a.updateDate()));
            }
            case "DeleteStateMachineAlias" -> {
                machines.deleteAlias(arn(request, "stateMachineAliasArn", "stateMachine"));
                yield object();
            }
            case "ListStateMachineAliases" -> listAliases(request);
            case "DescribeStateMachineForExecution" -> describeForExecution(request);
            case "TagResource" -> {
                machines.tag(arn(request, "resourceArn", "resource"), tags(request.get("tags")));
                yield object();
            }
            case "UntagResource" -> {
                List<String> keys = new ArrayList<>();
                request.path("tagKeys").forEach(k -> keys.add(k.asText()));
                if (!request.path("tagKeys").isArray()) {
                    throw new Refused("ValidationException", "1 validation error detected: Value null at 'tagKeys' failed"
                            + " to satisfy constraint: Member must not be null");
                }
                machines.untag(arn(request, "resourceArn", "resource"), keys);
                yield object();
            }
            case "ListTagsForResource" -> {
                ObjectNode out = object();
                ArrayNode tags = out.putArray("tags");
                machines.tags(arn(request, "resourceArn", "resource"))
                        .forEach((k, v) -> tags.addObject().put("key", k).put("value", v));
                yield out;
            }
            default -> throw new IllegalArgumentException(operation);
        };
    }

    private JsonNode create(JsonNode request) {
        PostgresStateMachineStore.Created created = machines.create(new StateMachineRegistry.Creation(
                text(request, "name"), definition(request, true), text(request, "roleArn"), text(request, "type"),
                request.get("loggingConfiguration"), request.get("tracingConfiguration"),
                request.hasNonNull("tags") ? tags(request.get("tags")) : Map.of(), request.path("publish").asBoolean(false),
                text(request, "versionDescription")));
        ObjectNode out = object().put("stateMachineArn", created.machine().arn())
                .put("creationDate", seconds(created.machine().creationDate()));
        if (created.version() != null) {
            out.put("stateMachineVersionArn", created.version().arn());
        }
        return out;
    }

    private JsonNode update(JsonNode request) {
        PostgresStateMachineStore.Updated updated = machines.update(arn(request, "stateMachineArn", "stateMachine"),
                new StateMachineRegistry.Change(definition(request, false), text(request, "roleArn"),
                        request.get("loggingConfiguration"), request.get("tracingConfiguration"),
                        request.path("publish").asBoolean(false), text(request, "versionDescription")));
        ObjectNode out = object().put("updateDate", seconds(updated.machine().updateDate()));
        if (updated.machine().revisionId() != null) { // none while the machine has never changed, as in AWS
            out.put("revisionId", updated.machine().revisionId());
        }
        if (updated.version() != null) {
            out.put("stateMachineVersionArn", updated.version().arn());
        }
        return out;
    }

    /** The request's definition: a string holding the JSON of the machine. */
    private static String definition(JsonNode request, boolean required) {
        JsonNode definition = request.get("definition");
        if (definition == null || definition.isNull()) {
            if (required) {
                throw new Refused("ValidationException", "1 validation error detected: Value null at 'definition' failed"
                        + " to satisfy constraint: Member must not be null");
            }
            return null;
        }
        if (!definition.isTextual()) {
            throw new Refused("SerializationException", "definition must be a string holding the state machine's JSON");
        }
        return definition.asText();
    }

    private JsonNode describe(JsonNode request) {
        StateMachineRegistry.Description d = machines.describe(arn(request, "stateMachineArn", "stateMachine"));
        ObjectNode out = object().put("stateMachineArn", d.arn()).put("name", d.name()).put("status", "ACTIVE")
                .put("definition", d.definition()).put("roleArn", d.roleArn()).put("type", d.type())
                .put("creationDate", seconds(d.creationDate()));
        out.set("loggingConfiguration", d.logging());
        out.set("tracingConfiguration", d.tracing());
        if (d.revisionId() != null) {
            out.put("revisionId", d.revisionId());
        }
        if (d.description() != null) {
            out.put("description", d.description());
        }
        out.putObject("encryptionConfiguration").put("type", "AWS_OWNED_KEY");
        return out;
    }

    private JsonNode list(JsonNode request) {
        return page(request, "stateMachines", machines.list(), (item, d) -> item.put("stateMachineArn", d.arn())
                .put("name", d.name()).put("type", d.type()).put("creationDate", seconds(d.creationDate())));
    }

    private JsonNode listVersions(JsonNode request) {
        return page(request, "stateMachineVersions", machines.versions(arn(request, "stateMachineArn", "stateMachine")),
                (item, v) -> item.put("stateMachineVersionArn", v.arn()).put("creationDate", seconds(v.creationDate())));
    }

    private JsonNode describeAlias(JsonNode request) {
        Alias a = machines.alias(arn(request, "stateMachineAliasArn", "stateMachine"));
        ObjectNode out = object().put("stateMachineAliasArn", a.arn()).put("name", a.name());
        if (a.description() != null) {
            out.put("description", a.description());
        }
        ArrayNode routing = out.putArray("routingConfiguration");
        a.routing().forEach(r -> routing.addObject().put("stateMachineVersionArn", r.versionArn()).put("weight", r.weight()));
        out.put("creationDate", seconds(a.creationDate()));
        out.put("updateDate", seconds(a.updateDate() != null ? a.updateDate() : a.creationDate()));
        return out;
    }

    private JsonNode listAliases(JsonNode request) {
        return page(request, "stateMachineAliases", machines.aliases(arn(request, "stateMachineArn", "stateMachine")),
                (item, a) -> item.put("stateMachineAliasArn", a.arn()).put("creationDate", seconds(a.creationDate())));
    }

    /** One page of a listing: {@code maxResults} items from where {@code nextToken} says, and the next page's token. */
    private <T> JsonNode page(JsonNode request, String field, List<T> all,
            java.util.function.BiConsumer<ObjectNode, T> item) {
        int limit = pageSize(request, 100);
        int offset = offset(request);
        ObjectNode out = object();
        ArrayNode page = out.putArray(field);
        all.stream().skip(offset).limit(limit).forEach(t -> item.accept(page.addObject(), t));
        if (all.size() > offset + limit) {
            out.put("nextToken", token(offset + limit));
        }
        return out;
    }

    /**
     * DescribeStateMachineForExecution: the definition the execution runs (its own, kept with it: an update of the
     * machine since does not change it), and what the machine's current revision says of role, logging and tracing.
     */
    private JsonNode describeForExecution(JsonNode request) {
        String executionArn = arn(request, "executionArn", "execution");
        Execution e = engine.execution(executionArn)
                .orElseThrow(() -> new Refused("ExecutionDoesNotExist", "Execution Does Not Exist: '" + executionArn + "'"));
        ObjectNode out = object().put("stateMachineArn", e.stateMachineArn()).put("name", e.machine().name())
                .put("definition", e.machine().definition().toString());
        StateMachineRegistry.Description d;
        try {
            d = machines.describe(e.stateMachineArn());
        } catch (Refused deleted) {
            d = null; // the machine was deleted since the execution started
        }
        out.put("roleArn", d != null ? d.roleArn() : StateMachineRegistry.DEFAULT_ROLE);
        out.put("updateDate", seconds(d == null ? e.startDate()
                : d.updateDate() != null ? d.updateDate() : d.creationDate()));
        if (d != null) {
            out.set("loggingConfiguration", d.logging());
            out.set("tracingConfiguration", d.tracing());
            // the revision the execution ran: its version's if it was started on one, else the machine's current one
            String revision = d.revisionId();
            String versionArn = machines.origin(executionArn).map(PostgresStateMachineStore.Origin::versionArn).orElse(null);
            if (versionArn != null) {
                try {
                    revision = machines.describe(versionArn).revisionId();
                } catch (Refused deleted) {
                    // the version was deleted since: the machine's revision stands for it
                }
            }
            if (revision != null) {
                out.put("revisionId", revision);
            }
        }
        out.putObject("encryptionConfiguration").put("type", "AWS_OWNED_KEY");
        return out;
    }

    /** A routingConfiguration of the request: null if absent and not required. */
    private static List<Route> routing(JsonNode routing, boolean required) {
        if (routing == null || routing.isNull()) {
            if (required) {
                throw new Refused("ValidationException", "1 validation error detected: Value null at"
                        + " 'routingConfiguration' failed to satisfy constraint: Member must not be null");
            }
            return null;
        }
        List<Route> routes = new ArrayList<>();
        routing.forEach(r -> routes.add(new Route(text(r, "stateMachineVersionArn"), r.path("weight").asInt(-1))));
        return routes;
    }

    /** Tags as the API sends them, [{"key", "value"}], in order. */
    static Map<String, String> tags(JsonNode tags) {
        if (tags == null || !tags.isArray()) {
            throw new Refused("ValidationException", "1 validation error detected: Value null at 'tags' failed to"
                    + " satisfy constraint: Member must not be null");
        }
        Map<String, String> out = new LinkedHashMap<>();
        tags.forEach(t -> out.put(t.hasNonNull("key") ? t.get("key").asText() : null,
                t.hasNonNull("value") ? t.get("value").asText() : ""));
        return out;
    }

    private ObjectNode object() {
        return json.createObjectNode();
    }
}
