package io.sagaline.local;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.sagaline.asl.AslDefinitionException;
import io.sagaline.asl.StateMachine;
import io.sagaline.asl.jdbc.PostgresStateMachineStore;
import io.sagaline.asl.jdbc.PostgresStateMachineStore.Alias;
import io.sagaline.asl.jdbc.PostgresStateMachineStore.Machine;
import io.sagaline.asl.jdbc.PostgresStateMachineStore.Route;
import io.sagaline.asl.jdbc.PostgresStateMachineStore.Version;
import io.sagaline.local.LocalStepFunctions.Refused;

/**
 * The state machines of the local Step Functions and the rules of the API that manages them, as
 * AWS has them: those of the catalog (loaded at each start, changed only through the catalog, as
 * Terraform provisions them), and those users create, kept in the engine's store with their
 * versions, aliases and tags so that every engine process on the database sees them and a restart
 * loses none. Each refusal carries AWS's error code and, where AWS's words are known, its message.
 */
final class StateMachineRegistry {

    static final String DEFAULT_ROLE = "arn:aws:iam::" + LocalStepFunctions.ACCOUNT + ":role/sagaline-local-states";
    private static final Pattern NAME = Pattern.compile("[^\\s<>{}\\[\\]?*\"#%\\\\^|~`$&,;:/\\x00-\\x1f\\x7f-\\x9f]{1,80}");
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}");
    private static final Pattern VERSION = Pattern.compile("[1-9]\\d{0,9}");
    /** An alias's name, as AWS's API model has it: not only digits, which would read as a version. */
    private static final Pattern ALIAS_NAME = Pattern.compile("^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$");
    private static final int MAX_TAGS = 50;
    private static final int MAX_VERSIONS = 1000;
    private static final JsonNode LOGGING_OFF = new ObjectMapper().createObjectNode().put("level", "OFF")
            .put("includeExecutionData", false);
    private static final JsonNode TRACING_OFF = new ObjectMapper().createObjectNode().put("enabled", false);

    /** A state machine, a version of one, as an execution starts on it. */
    record Resolved(String stateMachineArn, StateMachine machine, String type, String versionArn, String aliasArn) {
    }

    /** A catalog machine: its definition as rendered, and what AWS would say of it. */
    record Catalogued(StateMachine machine, String definition, String type, Instant creationDate) {
    }

    /** What DescribeStateMachine tells of a machine or a version of one. */
    record Description(String arn, String name, String type, String definition, String roleArn, JsonNode logging,
            JsonNode tracing, String revisionId, String description, Instant creationDate, Instant updateDate,
            boolean catalog) {
    }

    private final Map<String, Catalogued> catalog = new LinkedHashMap<>();
    private final PostgresStateMachineStore store;
    private final ObjectMapper json;
    private final Clock clock;
    /** Parsed definitions by revision (a version's never changes; a machine's changes with its revision id). */
    private final Cache<String, StateMachine> parsed = Caffeine.newBuilder().maximumSize(1_000).build();

    StateMachineRegistry(PostgresStateMachineStore store, ObjectMapper json, Clock clock) {
        this.store = store;
        this.json = json;
        this.clock = clock;
    }

    void catalogue(String arn, StateMachine machine, String definition, String type, Instant loadedAt) {
        catalog.put(arn, new Catalogued(machine, definition, type, loadedAt));
    }

    Collection<String> catalogArns() {
        return List.copyOf(catalog.keySet());
    }

    // ---- CreateStateMachine, UpdateStateMachine, DeleteStateMachine -------------------------------------------

    /** What CreateStateMachine asks for. */
    record Creation(String name, String definition, String roleArn, String type, JsonNode logging, JsonNode tracing,
            Map<String, String> tags, boolean publish, String versionDescription) {
    }

    /**
     * CreateStateMachine. Idempotent as in AWS: the same name, definition, type, logging and tracing (and
     * publishing) again answer the machine there; anything else under its name is StateMachineAlreadyExists.
     * The role and tags of a repeat are ignored, as AWS ignores them.
     */
    PostgresStateMachineStore.Created create(Creation c) {
        if (c.name() == null || !NAME.matcher(c.name()).matches()) {
            throw new Refused("InvalidName", "Invalid Name: '" + c.name() + "'");
        }
        String arn = LocalStepFunctions.stateMachineArn(c.name());
        String type = c.type() == null ? "STANDARD" : c.type();
        if (!type.equals("STANDARD") && !type.equals("EXPRESS")) {
            throw enumRefused(type, "type", "[STANDARD, EXPRESS]");
        }
        role(c.roleArn());
        parse(c.name(), c.definition(), type);
        JsonNode logging = logging(c.logging());
        JsonNode tracing = tracing(c.tracing());
        Map<String, String> tags = tags(c.tags() == null ? Map.of() : c.tags(), 0);
        description(c.versionDescription(), c.publish());
        if (catalog.containsKey(arn)) {
            throw new Refused("StateMachineAlreadyExists", "State Machine Already Exists: '" + arn + "'");
        }
        Instant now = clock.instant();
        Machine machine = new Machine(arn, c.name(), type, c.definition(), c.roleArn(), logging, tracing, null, now, null);
        PostgresStateMachineStore.Created stored = store.create(machine, tags, c.publish(), c.versionDescription());
        Machine there = stored.machine();
        if (stored.stored()) {
            return stored;
        }
        // a repeat: the same machine, and when it asks for a version, the one holding the current revision
        boolean same = there.definition().equals(c.definition()) && there.type().equals(type)
                && Objects.equals(there.logging(), logging) && Objects.equals(there.tracing(), tracing);
        Version version = stored.version();
        boolean published = version != null && Objects.equals(version.revisionId(), there.revisionId())
                && Objects.equals(version.description(), c.versionDescription());
        if (!same || (c.publish() && !published)) {
            throw new Refused("StateMachineAlreadyExists", "State Machine Already Exists: '" + arn + "'");
        }
        return new PostgresStateMachineStore.Created(there, c.publish() ? version : null, false);
    }

    /** What UpdateStateMachine asks to change (a null field is kept). */
    record Change(String definition, String roleArn, JsonNode logging, JsonNode tracing, boolean publish,
            String versionDescription) {
    }

    /** UpdateStateMachine: a new revision of a machine users created, published as a version if asked. */
    PostgresStateMachineStore.Updated update(String arn, Change c) {
        if (c.definition() == null && c.roleArn() == null && c.logging() == null && c.tracing() == null) {
            throw new Refused("MissingRequiredParameter",
                    "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified");
        }
        String base = unqualified(arn, "UpdateStateMachine");
        if (!base.equals(arn)) {
            throw doesNotExist(arn); // as AWS answers for a version's ARN
        }
        refuseCatalog(base, "updated");
        if (c.roleArn() != null) {
            role(c.roleArn());
        }
        JsonNode logging = c.logging() == null ? null : logging(c.logging());
        JsonNode tracing = c.tracing() == null ? null : tracing(c.tracing());
        description(c.versionDescription(), c.publish());
        Machine current = store.machine(base).orElseThrow(() -> doesNotExist(base));
        if (c.definition() != null) {
            parse(current.name(), c.definition(), current.type());
        }
        Instant now = clock.instant();
        return store.update(base, m -> {
            Machine next = new Machine(m.arn(), m.name(), m.type(), c.definition() != null ? c.definition() : m.definition(),
                    c.roleArn() != null ? c.roleArn() : m.roleArn(), logging != null ? logging : m.logging(),
                    tracing != null ? tracing : m.tracing(), m.revisionId(), m.creationDate(), now);
            boolean changed = !next.definition().equals(m.definition()) || !next.roleArn().equals(m.roleArn())
                    || !Objects.equals(next.logging(), m.logging()) || !Objects.equals(next.tracing(), m.tracing());
            return changed ? new Machine(next.arn(), next.name(), next.type(), next.definition(), next.roleArn(),
                    next.logging(), next.tracing(), revision(), next.creationDate(), now) : next;
        }, c.publish(), c.versionDescription()).orElseThrow(() -> doesNotExist(base));
    }

    /** DeleteStateMachine: running executions go on with their own definition; deleting what is not there is no error. */
    void delete(String arn) {
        String base = unqualified(arn, "DeleteStateMachine");
        if (!base.equals(arn)) {
            throw new Refused("ValidationException", "Invalid State Machine Arn: '" + arn + "'; delete a version with"
                    + " DeleteStateMachineVersion and an alias with DeleteStateMachineAlias");
        }
        refuseCatalog(base, "deleted");
        store.delete(base);
    }

    // ---- reading ----------------------------------------------------------------------------------------------

    /** DescribeStateMachine of a machine or of one of its versions. */
    Description describe(String arn) {
        Catalogued catalogued = catalog.get(arn);
        if (catalogued != null) {
            return new Description(arn, catalogued.machine().name(), catalogued.type(), catalogued.definition(), DEFAULT_ROLE,
                    LOGGING_OFF, TRACING_OFF, null, null, catalogued.creationDate(), null, true);
        }
        String base = unqualified(arn, "DescribeStateMachine");
        if (base.equals(arn)) {
            Machine m = store.machine(arn).orElseThrow(() -> doesNotExist(arn));
            return new Description(arn, m.name(), m.type(), m.definition(), m.roleArn(), m.logging(), m.tracing(),
                    m.revisionId(), null, m.creationDate(), m.updateDate(), false);
        }
        Version v = version(arn);
        Machine m = store.machine(base).orElseThrow(() -> doesNotExist(arn));
        return new Description(arn, m.name(), m.type(), v.definition(), v.roleArn(), v.logging(), v.tracing(),
                v.revisionId(), v.description(), v.creationDate(), null, false);
    }

    /** ListStateMachines: the catalog's and the users', by ARN. */
    List<Description> list() {
        List<Description> all = new ArrayList<>();
        catalog.keySet().forEach(arn -> all.add(describe(arn)));
        for (Machine m : store.machines()) {
            all.add(new Description(m.arn(), m.name(), m.type(), m.definition(), m.roleArn(), m.logging(), m.tracing(),
                    m.revisionId(), null, m.creationDate(), m.updateDate(), false));
        }
        all.sort(java.util.Comparator.comparing(Description::name)); // as AWS orders them: by name, as text
        return all;
    }

    /** What a StartExecution on {@code arn} (a machine, a version or an alias) runs. */
    Resolved resolve(String arn) {
        Catalogued catalogued = catalog.get(arn);
        if (catalogued != null) {
            return new Resolved(arn, catalogued.machine(), catalogued.type(), null, null);
        }
        String base = unqualified(arn, "StartExecution");
        if (base.equals(arn)) {
            Machine m = store.machine(arn).orElseThrow(() -> doesNotExist(arn));
            return new Resolved(arn, parsed(arn + "@" + m.creationDate() + "@" + m.revisionId(), m.name(), m.definition()),
                    m.type(), null, null);
        }
        String qualifier = qualifier(arn);
        String aliasArn = null;
        String versionArn = arn;
        if (!VERSION.matcher(qualifier).matches()) {
            Alias alias = store.alias(arn).orElseThrow(() -> aliasDoesNotExist(arn));
            aliasArn = arn;
            versionArn = route(alias);
        }
        Version v = version(versionArn);
        Machine m = store.machine(base).orElseThrow(() -> doesNotExist(base));
        return new Resolved(base, parsed(v.arn() + "@" + v.creationDate(), m.name(), v.definition()), m.type(), v.arn(),
                aliasArn);
    }

    /** One of the alias's versions, chosen at random by weight. */
    private static String route(Alias alias) {
        int draw = ThreadLocalRandom.current().nextInt(100);
        for (Route route : alias.routing()) {
            draw -= route.weight();
            if (draw < 0) {
                return route.versionArn();
            }
        }
        return alias.routing().get(alias.routing().size() - 1).versionArn();
    }

    /** Whether a machine of this ARN (not a version or alias) exists, here or in the store. */
    boolean exists(String arn) {
        return catalog.containsKey(arn) || store.machine(arn).isPresent();
    }

    boolean catalogued(String arn) {
        return catalog.containsKey(arn);
    }

    Optional<PostgresStateMachineStore.Origin> origin(String executionArn) {
        return store.origin(executionArn);
    }

    /** Records what an execution starts on: its version and alias, and the mock test case it runs (if any). */
    void origin(String executionArn, Resolved resolved, String testCase) {
        if (resolved.versionArn() != null || testCase != null) {
            store.origin(executionArn,
                    new PostgresStateMachineStore.Origin(resolved.versionArn(), resolved.aliasArn(), testCase));
        }
    }

    // ---- versions ---------------------------------------------------------------------------------------------

    Version publish(String arn, String revisionId, String description) {
        description(description, true);
        String base = unqualified(arn, "PublishStateMachineVersion");
        if (!base.equals(arn)) {
            throw new Refused("ValidationException", "Invalid State Machine Arn: '" + arn + "'; publish a version of the"
                    + " state machine itself");
        }
        refuseCatalog(base, "versioned");
        if (store.versions(base).size() >= MAX_VERSIONS) {
            throw new Refused("ServiceQuotaExceededException", "Maximum number of versions (" + MAX_VERSIONS
                    + ") reached for state machine: '" + base + "'");
        }
        try {
            return store.publish(base, revisionId, description, clock.instant()).orElseThrow(() -> doesNotExist(base));
        } catch (PostgresStateMachineStore.RevisionChanged e) {
            throw new Refused("ConflictException", "Failed to publish the State Machine version for revision "
                    + revisionId + ". The current State Machine revision is " + e.getMessage() + ".");
        }
    }

    List<Version> versions(String arn) {
        String base = unqualified(arn, "ListStateMachineVersions");
        if (!base.equals(arn)) {
            throw new Refused("ValidationException", "Invalid State Machine Arn: '" + arn + "'");
        }
        if (catalog.containsKey(base)) {
            return List.of();
        }
        store.machine(base).orElseThrow(() -> doesNotExist(base));
        return store.versions(base);
    }

    void deleteVersion(String versionArn) {
        String base = unqualified(versionArn, "DeleteStateMachineVersion");
        if (base.equals(versionArn) || !VERSION.matcher(qualifier(versionArn)).matches()) {
            throw new Refused("ValidationException", "Invalid State Machine Version Arn: '" + versionArn + "'");
        }
        List<String> aliases = store.deleteVersion(versionArn);
        if (!aliases.isEmpty()) {
            throw new Refused("ConflictException", "Version to be deleted must not be referenced by an alias. Current list"
                    + " of aliases referencing this version: [" + String.join(", ", aliases) + "]");
        }
    }

    private Version version(String versionArn) {
        return store.version(versionArn).orElseThrow(() -> new Refused("ResourceNotFound",
                "State Machine Version Does Not Exist: '" + versionArn + "'"));
    }

    // ---- aliases ----------------------------------------------------------------------------------------------

    /** CreateStateMachineAlias: a new alias, or the same one again (idempotent); another under its name conflicts. */
    Alias createAlias(String name, String description, List<Route> routing) {
        if (name == null || name.length() > 80) {
            throw new Refused("ValidationException", "1 validation error detected: Value '" + name + "' at 'name' failed"
                    + " to satisfy constraint: Member must have length less than or equal to 80");
        }
        if (!ALIAS_NAME.matcher(name).matches()) {
            throw new Refused("ValidationException", "1 validation error detected: Value '" + name + "' at 'name' failed"
                    + " to satisfy constraint: Member must satisfy regular expression pattern: " + ALIAS_NAME.pattern());
        }
        description(description, true);
        String base = routing(routing);
        refuseCatalog(base, "aliased");
        Instant now = clock.instant();
        Alias alias = new Alias(base + ":" + name, base, name, description, List.copyOf(routing), now, null);
        Alias there = store.createAlias(alias).orElseThrow(() -> missingVersion(routing));
        if (there.routing().equals(alias.routing()) && Objects.equals(there.description(), description)) {
            return there;
        }
        throw new Refused("ConflictException", "Failed to create alias because an alias with the same name and a "
                + "different routing configuration already exists.");
    }

    Alias alias(String aliasArn) {
        aliasQualifier(aliasArn);
        return store.alias(aliasArn).orElseThrow(() -> aliasDoesNotExist(aliasArn));
    }

    List<Alias> aliases(String arn) {
        String base = unqualified(arn, "ListStateMachineAliases");
        if (catalog.containsKey(base)) {
            return List.of();
        }
        store.machine(base).orElseThrow(() -> doesNotExist(base));
        return store.aliases(base);
    }

    Alias updateAlias(String aliasArn, String description, List<Route> routing) {
        aliasQualifier(aliasArn);
        if (description == null && routing == null) {
            throw new Refused("MissingRequiredParameter",
                    "Either the description or the RoutingConfiguration must be specified");
        }
        description(description, true);
        if (routing != null && !routing(routing).equals(unqualified(aliasArn, "UpdateStateMachineAlias"))) {
            throw new Refused("ValidationException", "Routing configuration must contain versions of the alias's state"
                    + " machine: '" + unqualified(aliasArn, "UpdateStateMachineAlias") + "'");
        }
        store.alias(aliasArn).orElseThrow(() -> aliasDoesNotExist(aliasArn));
        return store.updateAlias(aliasArn, description, routing == null ? null : List.copyOf(routing), clock.instant())
                .orElseThrow(() -> store.alias(aliasArn).isPresent() ? missingVersion(routing)
                        : aliasDoesNotExist(aliasArn));
    }

    void deleteAlias(String aliasArn) {
        aliasQualifier(aliasArn);
        store.deleteAlias(aliasArn);
    }

    private static void aliasQualifier(String aliasArn) {
        String base = unqualified(aliasArn, "alias");
        if (base.equals(aliasArn) || VERSION.matcher(qualifier(aliasArn)).matches()) {
            throw new Refused("ValidationException", "Invalid State Machine Alias Arn: '" + aliasArn + "'");
        }
    }

    /**
     * Checks a routing configuration as AWS does, in AWS's words (one or two versions of one machine, each once,
     * weights 0-100 adding up to 100) and answers the machine's ARN.
     */
    private static String routing(List<Route> routing) {
        if (routing == null || routing.isEmpty() || routing.size() > 2) {
            throw new Refused("ValidationException", "1 validation error detected: Value '" + (routing == null ? "null"
                    : routing.stream().map(r -> "RoutingConfigurationListItem(stateMachineVersionArn=" + r.versionArn()
                            + ", weight=" + r.weight() + ")").toList())
                    + "' at 'routingConfiguration' failed to satisfy constraint: Member must have length "
                    + (routing != null && routing.size() > 2 ? "less than or equal to 2" : "greater than or equal to 1"));
        }
        for (int i = 0; i < routing.size(); i++) {
            int weight = routing.get(i).weight();
            if (weight < 0 || weight > 100) {
                throw new Refused("ValidationException", "1 validation error detected: Value '" + weight
                        + "' at 'routingConfiguration." + (i + 1) + ".member.weight' failed to satisfy constraint: Member"
                        + " must have value " + (weight < 0 ? "greater than or equal to 0" : "less than or equal to 100"));
            }
        }
        List<String> arns = routing.stream().map(Route::versionArn).toList();
        String received = ". Received: [" + String.join(", ", arns.stream().map(String::valueOf).toList()) + "]";
        String base = null;
        for (String arn : arns) {
            String machine = arn == null || !arn.contains(":stateMachine:") ? null : unqualified(arn, "routingConfiguration");
            if (machine == null || machine.equals(arn) || !VERSION.matcher(qualifier(arn)).matches()) {
                throw new Refused("ValidationException", "Routing configuration must contain state machine version ARNs"
                        + received);
            }
            if (base != null && !base.equals(machine)) {
                throw new Refused("ValidationException", "Routing configuration must contain versions of one state"
                        + " machine" + received);
            }
            base = machine;
        }
        if (arns.size() == 2 && arns.get(0).equals(arns.get(1))) {
            throw new Refused("ValidationException", "Routing configuration must contain distinct state machine version"
                    + " ARNs" + received);
        }
        if (routing.stream().mapToInt(Route::weight).sum() != 100) {
            throw new Refused("ValidationException", "Sum of routing configuration weights must equal 100. Received: "
                    + routing.stream().map(Route::weight).toList());
        }
        return base;
    }

    private static Refused missingVersion(List<Route> routing) {
        return new Refused("ResourceNotFound", "State Machine Version Does Not Exist: '"
                + routing.stream().map(Route::versionArn).toList() + "'");
    }

    /** AWS's answer for an alias that is not there (recorded for UpdateStateMachineAlias). */
    private static Refused aliasDoesNotExist(String aliasArn) {
        return new Refused("ResourceNotFound", "Request references a resource that does not exist.");
    }

    // ---- tags -------------------------------------------------------------------------------------------------

    Map<String, String> tags(String resourceArn) {
        taggable(resourceArn);
        return store.tags(resourceArn);
    }

    void tag(String resourceArn, Map<String, String> tags) {
        taggable(resourceArn);
        store.tag(resourceArn, tags(tags, (int) store.tags(resourceArn).keySet().stream()
                .filter(k -> !tags.containsKey(k)).count()));
    }

    void untag(String resourceArn, Collection<String> keys) {
        taggable(resourceArn);
        store.untag(resourceArn, keys);
    }

    /** Only machines users created, and activities, can be tagged here: the catalog's are tagged by Terraform. */
    private void taggable(String resourceArn) {
        if (LocalActivities.ARN.matcher(resourceArn).matches()) {
            if (store.activity(resourceArn).isEmpty()) {
                throw new Refused("ResourceNotFound", "Resource not found: '" + resourceArn + "'");
            }
            return;
        }
        if (catalog.containsKey(resourceArn)) {
            throw new Refused("ValidationException", "'" + resourceArn + "' is provisioned from the catalog; its tags are"
                    + " Terraform's (infra/)");
        }
        String base = unqualified(resourceArn, "resourceArn");
        if (!base.equals(resourceArn) || store.machine(base).isEmpty()) {
            throw new Refused("ResourceNotFound", "Resource not found: '" + resourceArn + "'");
        }
    }

    /** Tags as AWS limits them: keys of 1-128 and values of 0-256 characters, at most 50 with those a resource has. */
    static Map<String, String> tags(Map<String, String> tags, int alreadyThere) {
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            if (tag.getKey() == null || tag.getKey().isEmpty() || tag.getKey().length() > 128) {
                throw new Refused("ValidationException", "1 validation error detected: Value '" + tag.getKey()
                        + "' at 'tags.member.key' failed to satisfy constraint: Member must have length less than or equal"
                        + " to 128 and greater than or equal to 1");
            }
            if (tag.getValue() == null || tag.getValue().length() > 256) {
                throw new Refused("ValidationException", "1 validation error detected: Value at 'tags.member.value' failed"
                        + " to satisfy constraint: Member must have length less than or equal to 256");
            }
        }
        if (tags.size() + alreadyThere > MAX_TAGS) {
            throw new Refused("TooManyTags", "Too many tags: a resource has at most " + MAX_TAGS);
        }
        return tags;
    }

    // ---- checks -----------------------------------------------------------------------------------------------

    /** A definition as CreateStateMachine checks it, refused with AWS's InvalidDefinition message. */
    private StateMachine parse(String name, String definition, String type) {
        if (definition == null) {
            throw new Refused("ValidationException", "1 validation error detected: Value null at 'definition' failed to"
                    + " satisfy constraint: Member must not be null");
        }
        JsonNode tree = definitionTree(definition);
        StateMachine machine;
        try {
            machine = StateMachine.parse(name, tree);
        } catch (AslDefinitionException e) {
            throw invalidDefinition(e);
        }
        refuseIntegrations(tree, "", type);
        return machine;
    }

    /** A definition's text as the JSON object it must be, or InvalidDefinition as AWS words it. */
    JsonNode definitionTree(String definition) {
        JsonNode tree;
        try {
            tree = json.readTree(definition);
        } catch (JsonProcessingException e) {
            throw new Refused("InvalidDefinition", "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: "
                    + e.getOriginalMessage() + "'");
        }
        if (tree == null || !tree.isObject()) {
            throw new Refused("InvalidDefinition",
                    "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object'");
        }
        return tree;
    }

    /** The engine's refusal of a definition as AWS's InvalidDefinition: its code, problem and location. */
    static Refused invalidDefinition(AslDefinitionException e) {
        return new Refused("InvalidDefinition", "Invalid State Machine Definition: '" + e.code() + ": " + e.problem()
                + " at " + e.location() + "'");
    }

    /**
     * Every Task's Resource, in the machine and its Parallel branches and Map processors, is one this engine performs
     * for a machine of {@code type}: else InvalidDefinition, in AWS's words, at the Resource's location.
     */
    private static void refuseIntegrations(JsonNode scope, String pointer, String type) {
        for (Map.Entry<String, JsonNode> state : (Iterable<Map.Entry<String, JsonNode>>) () -> scope.path("States")
                .fields()) {
            String at = pointer + "/States/" + state.getKey().replace("~", "~0").replace("/", "~1");
            JsonNode s = state.getValue();
            switch (s.path("Type").asText()) {
                case "Task" -> {
                    String refusal = LocalIntegrations.refusal(s.path("Resource").asText(), type);
                    if (refusal != null) {
                        throw new Refused("InvalidDefinition", "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: "
                                + refusal + " at " + at + "/Resource'");
                    }
                }
                case "Parallel" -> {
                    for (int i = 0; i < s.path("Branches").size(); i++) {
                        refuseIntegrations(s.path("Branches").get(i), at + "/Branches/" + i, type);
                    }
                }
                case "Map" -> {
                    String processor = s.has("ItemProcessor") ? "ItemProcessor" : "Iterator";
                    refuseIntegrations(s.path(processor), at + "/" + processor, type);
                }
                default -> {
                }
            }
        }
    }

    private StateMachine parsed(String key, String name, String definition) {
        return parsed.get(key, k -> {
            try {
                return StateMachine.parse(name, json.readTree(definition));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("stored definition of " + name + " is not JSON", e);
            }
        });
    }

    private static void role(String roleArn) {
        if (roleArn == null) {
            throw new Refused("ValidationException", "1 validation error detected: Value null at 'roleArn' failed to"
                    + " satisfy constraint: Member must not be null");
        }
        if (!ROLE_ARN.matcher(roleArn).matches()) {
            throw new Refused("InvalidArn", "Invalid Role Arn: '" + roleArn + "'");
        }
    }

    /** A loggingConfiguration as AWS checks it, or logging off; a level other than OFF needs a log group. */
    private JsonNode logging(JsonNode logging) {
        if (logging == null || logging.isNull() || logging.isEmpty()) {
            return LOGGING_OFF;
        }
        String level = logging.path("level").asText("OFF");
        if (!List.of("ALL", "ERROR", "FATAL", "OFF").contains(level)) {
            throw enumRefused(level, "loggingConfiguration.level", "[ALL, ERROR, FATAL, OFF]");
        }
        JsonNode destinations = logging.path("destinations");
        if (!level.equals("OFF") && (!destinations.isArray() || destinations.size() != 1)
                || destinations.isArray() && destinations.size() > 1) {
            throw new Refused("InvalidLoggingConfiguration",
                    "Invalid Logging Configuration: Must specify exactly one Log Destination.");
        }
        var out = json.createObjectNode().put("level", level)
                .put("includeExecutionData", logging.path("includeExecutionData").asBoolean(false));
        if (destinations.isArray()) {
            out.set("destinations", destinations); // an empty list too, as AWS echoes it
        }
        return out;
    }

    private JsonNode tracing(JsonNode tracing) {
        return json.createObjectNode().put("enabled", tracing != null && tracing.path("enabled").asBoolean(false));
    }

    private static void description(String description, boolean allowed) {
        if (description != null && description.length() > 256) {
            throw new Refused("ValidationException", "1 validation error detected: Value at 'description' failed to"
                    + " satisfy constraint: Member must have length less than or equal to 256");
        }
        if (description != null && !allowed) {
            throw new Refused("ValidationException", "Version description can only be set when publish is true");
        }
    }

    private void refuseCatalog(String arn, String what) {
        if (catalog.containsKey(arn)) {
            throw new Refused("ValidationException", "'" + arn + "' is provisioned from the catalog and is not " + what
                    + " through the API: change functions/catalog.json and the definition it names");
        }
    }

    private static Refused enumRefused(String value, String field, String values) {
        return new Refused("ValidationException", "1 validation error detected: Value '" + value + "' at '" + field
                + "' failed to satisfy constraint: Member must satisfy enum value set: " + values);
    }

    static Refused doesNotExist(String arn) {
        return new Refused("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + arn + "'");
    }

    /** The machine's own ARN of a machine, version or alias ARN (the ARN's syntax is checked before). */
    static String unqualified(String arn, String context) {
        int at = arn.indexOf(":stateMachine:");
        if (at < 0) {
            throw new Refused("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: " + arn + "'");
        }
        int qualifier = arn.indexOf(':', at + ":stateMachine:".length());
        return qualifier < 0 ? arn : arn.substring(0, qualifier);
    }

    private static String qualifier(String arn) {
        return arn.substring(unqualified(arn, "qualifier").length() + 1);
    }

    private static String revision() {
        return UUID.randomUUID().toString();
    }
}
